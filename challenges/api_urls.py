from django.urls import path

from challenges import apis

urlpatterns = [
    path("challenges/", apis.ChallengesApi.as_view(), name="api-challenge-list"),
    path("challenges/mine/", apis.ListMyChallengesApi.as_view(), name="api-challenge-mine"),
    path("challenges/recommended/", apis.ListRecommendedChallengesApi.as_view(), name="api-challenge-recommended"),
    path("challenges/<int:pk>/", apis.GetChallengeApi.as_view(), name="api-challenge-detail"),
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
    path("recommendations/mine/", apis.ListMyRecommendationsApi.as_view(), name="api-recommendation-mine"),
]
