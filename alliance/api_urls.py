from django.urls import include, path

from alliance import apis

urlpatterns: list = [
    path("auth/token/", apis.ObtainTokenApi.as_view(), name="api-token"),
    path("chains/", apis.ListChainsApi.as_view(), name="api-chain-list"),
    path("fields/", apis.ListFieldsApi.as_view(), name="api-field-list"),
    path("organisations/", apis.ListOrganisationsApi.as_view(), name="api-organisation-list"),
    path("", include("alliance.dashboard_api_urls")),
]
