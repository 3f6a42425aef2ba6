from django.urls import path

from experts import apis

urlpatterns = [
    path("experts/", apis.ListExpertsApi.as_view(), name="api-expert-list"),
    path("experts/me/", apis.MyExpertProfileApi.as_view(), name="api-expert-me"),
    path("experts/<int:pk>/", apis.GetExpertApi.as_view(), name="api-expert-detail"),
    path("expert-applications/", apis.ListExpertApplicationsApi.as_view(), name="api-expert-application-list"),
    path("expert-applications/apply/", apis.SubmitExpertApplicationApi.as_view(), name="api-expert-application-submit"),
    path("expert-applications/<int:pk>/approve/", apis.ApproveExpertApplicationApi.as_view(),
         name="api-expert-application-approve"),
    path("expert-applications/<int:pk>/refuse/", apis.RefuseExpertApplicationApi.as_view(),
         name="api-expert-application-refuse"),
]
