from django.urls import include, path

urlpatterns: list = [
    path("", include("alliance.dashboard_api_urls")),
]
