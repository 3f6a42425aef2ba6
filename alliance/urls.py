from django.urls import path

from alliance import views

app_name = "alliance"

urlpatterns: list = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export/", views.dashboard_export, name="dashboard_export"),
    path("dashboard/list/", views.drilldown_list, name="drilldown"),
    path("export/<slug:kind>/", views.export_list, name="export"),
    path("import/", views.import_data, name="import"),
    path("import/template/<slug:kind>/", views.import_template, name="import_template"),
]
