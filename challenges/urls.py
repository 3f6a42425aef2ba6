from django.urls import path

app_name = "challenges"

urlpatterns: list = []
from challenges import views  # noqa: E402

urlpatterns = [path("<int:pk>/", views.home, name="detail")]
