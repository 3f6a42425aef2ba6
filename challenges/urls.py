from django.urls import path

from challenges import views

app_name = "challenges"

urlpatterns = [
    path("", views.hall, name="hall"),
    path("new/", views.create, name="create"),
    path("mine/", views.mine, name="mine"),
    path("recommended/", views.recommended, name="recommended"),
    path("my-claims/", views.my_claims, name="my_claims"),
    path("chain/", views.chain, name="chain"),
    path("to-review/", views.review_list, name="review_list"),
    path("team-invitations/", views.team_invitations, name="team_invitations"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/confidentiality/", views.accept_confidentiality, name="accept_confidentiality"),
    path("<int:pk>/invite/", views.invite, name="invite"),
    path("<int:pk>/questions/", views.ask, name="ask"),
    path("<int:pk>/agreement/", views.propose_agreement, name="propose_agreement"),
    path("<int:pk>/agreement/confirm/", views.confirm_agreement, name="confirm_agreement"),
    path("<int:pk>/milestones/", views.add_milestone, name="add_milestone"),
    path("<int:pk>/delivery/", views.submit_delivery, name="submit_delivery"),
    path("<int:pk>/delivery/accept/", views.accept_delivery, name="accept_delivery"),
    path("<int:pk>/delivery/request-changes/", views.request_changes, name="request_changes"),
    path("<int:pk>/ratings/", views.rate, name="rate"),
    path("<int:pk>/attachments/", views.upload_attachment, name="upload_attachment"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/recommend/", views.recommend, name="recommend"),
    path("claims/<int:pk>/accept/", views.accept_claim, name="accept_claim"),
    path("claims/<int:pk>/withdraw/", views.withdraw_claim, name="withdraw_claim"),
    path("claims/<int:pk>/team/", views.invite_team_member, name="invite_team_member"),
    path("team-invitations/<int:pk>/respond/", views.respond_team_invitation, name="respond_team_invitation"),
    path("questions/<int:pk>/answer/", views.answer, name="answer"),
    path("milestones/<int:pk>/submit/", views.submit_milestone, name="submit_milestone"),
    path("milestones/<int:pk>/confirm/", views.confirm_milestone, name="confirm_milestone"),
    path("attachments/<int:pk>/download/", views.download_attachment, name="download_attachment"),
]
