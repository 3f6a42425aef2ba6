from django.urls import path

app_name = "alliance"

urlpatterns: list = []
