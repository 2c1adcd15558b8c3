from django.urls import path

from network import views

app_name = "network"
urlpatterns = [
    path("", views.directory, name="directory"),
    path("open-data/", views.open_data, name="open_data"),
    path("open-data/hsds-<str:language>.json", views.hsds_export, name="hsds"),
    path("import/", views.directory_import, name="import"),
    path(
        "import/template-<str:kind>.csv",
        views.directory_import_template,
        name="import_template",
    ),
    path("organisations/<slug:key>/", views.organisation_detail, name="organisation"),
    path("organisations/<slug:key>/edit/", views.organisation_edit, name="organisation_edit"),
    path("organisations/<slug:key>/verify/", views.organisation_verify, name="organisation_verify"),
    path("organisations/<slug:key>/services/new/", views.service_create, name="service_create"),
    path("services/<uuid:service_uuid>/", views.service_detail, name="service"),
    path("services/<uuid:service_uuid>/edit/", views.service_edit, name="service_edit"),
    path("services/<uuid:service_uuid>/verify/", views.service_verify, name="service_verify"),
    path("organisations/<slug:key>/posts/new/", views.post_create, name="post_create"),
    path("posts/<uuid:post_uuid>/", views.post_detail, name="post"),
    path("posts/<uuid:post_uuid>/edit/", views.post_edit, name="post_edit"),
    path("posts/<uuid:post_uuid>/appoint/", views.post_appoint, name="post_appoint"),
    path("posts/<uuid:post_uuid>/vacate/", views.post_vacate, name="post_vacate"),
    path("posts/<uuid:post_uuid>/verify/", views.post_verify, name="post_verify"),
    path("protocols/", views.protocol_list, name="protocols"),
    path("protocols/<slug:key>/", views.protocol_detail, name="protocol"),
    path("protocols/<slug:key>/signatories/new/", views.signatory_add, name="signatory_add"),
    path(
        "protocols/<slug:key>/signatories/<int:signatory_id>/commitments/",
        views.commitments_edit,
        name="commitments_edit",
    ),
    path(
        "protocols/<slug:key>/signatories/<int:signatory_id>/review/<int:year>/",
        views.review_edit,
        name="review_edit",
    ),
    path("coverage/", views.coverage_report, name="coverage"),
    path("coverage/rules/new/", views.rule_create, name="rule_create"),
    path("coverage/rules/<int:rule_id>/edit/", views.rule_edit, name="rule_edit"),
]
