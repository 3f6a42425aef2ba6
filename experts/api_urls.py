from django.urls import path

from experts import apis

urlpatterns = [
    path("experts/", apis.ListExpertsApi.as_view(), name="api-expert-list"),
    path("experts/me/", apis.MyExpertProfileApi.as_view(), name="api-expert-me"),
    path("experts/<int:pk>/", apis.GetExpertApi.as_view(), name="api-expert-detail"),
]
