from django.urls import path

from experts import views

app_name = "experts"

urlpatterns = [
    path("", views.expert_list, name="list"),
    path("<int:pk>/", views.expert_detail, name="detail"),
    path("me/", views.profile_edit, name="profile_edit"),
]
