from django.urls import path

from challenges import apis

urlpatterns = [
    path("challenges/", apis.ChallengesApi.as_view(), name="api-challenge-list"),
    path("challenges/mine/", apis.ListMyChallengesApi.as_view(), name="api-challenge-mine"),
    path("challenges/recommended/", apis.ListRecommendedChallengesApi.as_view(), name="api-challenge-recommended"),
    path("challenges/to-review/", apis.ListChallengesToReviewApi.as_view(), name="api-challenge-to-review"),
    path("challenges/<int:pk>/", apis.GetChallengeApi.as_view(), name="api-challenge-detail"),
    path("challenges/<int:pk>/edit/", apis.UpdateChallengeApi.as_view(), name="api-challenge-edit"),
    path("challenges/<int:pk>/submit/", apis.SubmitChallengeApi.as_view(), name="api-challenge-submit"),
    path("challenges/<int:pk>/review/", apis.ReviewChallengeApi.as_view(), name="api-challenge-review"),
    path("challenges/<int:pk>/withdraw/", apis.WithdrawChallengeApi.as_view(), name="api-challenge-withdraw"),
    path("challenges/<int:pk>/close/", apis.CloseChallengeApi.as_view(), name="api-challenge-close"),
    path(
        "challenges/<int:pk>/confidentiality/", apis.AcceptConfidentialityApi.as_view(),
        name="api-challenge-confidentiality",
    ),
    path(
        "challenges/<int:pk>/invitations/", apis.ChallengeInvitationsApi.as_view(), name="api-challenge-invitations"
    ),
    path("challenges/<int:pk>/questions/", apis.ChallengeQuestionsApi.as_view(), name="api-challenge-questions"),
    path("challenges/<int:pk>/agreement/", apis.ChallengeAgreementApi.as_view(), name="api-challenge-agreement"),
    path(
        "challenges/<int:pk>/agreement/confirm/", apis.ConfirmAgreementApi.as_view(),
        name="api-challenge-agreement-confirm",
    ),
    path("challenges/<int:pk>/milestones/", apis.ChallengeMilestonesApi.as_view(), name="api-challenge-milestones"),
    path("challenges/<int:pk>/delivery/", apis.SubmitDeliveryApi.as_view(), name="api-challenge-delivery"),
    path(
        "challenges/<int:pk>/delivery/accept/", apis.AcceptDeliveryApi.as_view(),
        name="api-challenge-delivery-accept",
    ),
    path(
        "challenges/<int:pk>/delivery/request-changes/", apis.RequestChangesApi.as_view(),
        name="api-challenge-delivery-request-changes",
    ),
    path("challenges/<int:pk>/ratings/", apis.ChallengeRatingsApi.as_view(), name="api-challenge-ratings"),
    path(
        "challenges/<int:pk>/attachments/", apis.ChallengeAttachmentsApi.as_view(), name="api-challenge-attachments"
    ),
    path(
        "challenges/<int:pk>/recommended-experts/", apis.ListRecommendedExpertsApi.as_view(),
        name="api-challenge-recommended-experts",
    ),
    path("challenges/<int:pk>/events/", apis.ListChallengeEventsApi.as_view(), name="api-challenge-events"),
    path("challenges/<int:pk>/claims/", apis.ChallengeClaimsApi.as_view(), name="api-challenge-claims"),
    path(
        "challenges/<int:pk>/recommendations/", apis.RecommendExpertApi.as_view(),
        name="api-challenge-recommendations",
    ),
    path("claims/mine/", apis.ListMyClaimsApi.as_view(), name="api-claim-mine"),
    path("claims/<int:pk>/accept/", apis.AcceptClaimApi.as_view(), name="api-claim-accept"),
    path("claims/<int:pk>/withdraw/", apis.WithdrawClaimApi.as_view(), name="api-claim-withdraw"),
    path("claims/<int:pk>/team/", apis.ClaimTeamApi.as_view(), name="api-claim-team"),
    path("claims/<int:pk>/team/suggestions/", apis.SuggestTeamApi.as_view(), name="api-claim-team-suggestions"),
    path("team-invitations/mine/", apis.ListMyTeamInvitationsApi.as_view(), name="api-team-invitation-mine"),
    path(
        "team-invitations/<int:pk>/respond/", apis.RespondTeamInvitationApi.as_view(),
        name="api-team-invitation-respond",
    ),
    path("questions/<int:pk>/answer/", apis.AnswerQuestionApi.as_view(), name="api-question-answer"),
    path("milestones/<int:pk>/submit/", apis.SubmitMilestoneApi.as_view(), name="api-milestone-submit"),
    path("milestones/<int:pk>/confirm/", apis.ConfirmMilestoneApi.as_view(), name="api-milestone-confirm"),
    path("attachments/<int:pk>/download/", apis.DownloadAttachmentApi.as_view(), name="api-attachment-download"),
    path("experts/<int:pk>/track-record/", apis.ExpertTrackRecordApi.as_view(), name="api-expert-track-record"),
    path("recommendations/mine/", apis.ListMyRecommendationsApi.as_view(), name="api-recommendation-mine"),
]
