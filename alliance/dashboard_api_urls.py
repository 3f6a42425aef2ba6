from django.urls import path

from alliance.dashboard_apis import DashboardApi

urlpatterns: list = [
    path("dashboard/", DashboardApi.as_view(), name="api-dashboard"),
]
