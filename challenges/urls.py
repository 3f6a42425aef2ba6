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
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/recommend/", views.recommend, name="recommend"),
    path("claims/<int:pk>/accept/", views.accept_claim, name="accept_claim"),
    path("claims/<int:pk>/withdraw/", views.withdraw_claim, name="withdraw_claim"),
]
