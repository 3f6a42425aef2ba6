from django.urls import path

from alliance import views

app_name = "alliance"

urlpatterns: list = [
    path("dashboard/", views.dashboard, name="dashboard"),
]
