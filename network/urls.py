from django.urls import path

from network import views

app_name = "network"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/hsds-<str:language>.json", views.hsds_export, name="hsds"),
    path("organisations/<slug:key>/", views.organisation_detail, name="organisation"),
    path("organisations/<slug:key>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<slug:key>/verify/", views.organisation_verify, name="organisation_verify"),
    path("organisations/<slug:key>/services/new/", views.service_create, name="service_create"),
    path("services/<uuid:service_uuid>/", views.service_detail, name="service"),
    path("services/<uuid:service_uuid>/edit/", views.service_edit, name="service_edit"),
    path("services/<uuid:service_uuid>/verify/", views.service_verify, name="service_verify"),
]
