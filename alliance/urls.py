
app_name = "alliance"

urlpatterns: list = []
