from django.urls import path

from plans import exports, views

app_name = "plans"
urlpatterns = [
    path("", views.plan_list, name="list"),
    path("new/", views.plan_create, name="create"),
    path("my-work/", views.my_work, name="my_work"),
    path("<slug:slug>/", views.plan_detail, name="detail"),
    path("<slug:slug>/edit/", views.plan_edit, name="edit"),
    path("<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
    path("<slug:slug>/export.<str:fmt>", exports.plan_export, name="export"),
    path("<slug:slug>/import/", views.plan_import, name="import"),
    path("<slug:slug>/import/<int:import_id>/", views.import_status, name="import_status"),
    path("<slug:slug>/measures/<str:code>/", views.measure_detail, name="measure"),
    path("<slug:slug>/measures/<str:code>/edit/", views.measure_edit, name="measure_edit"),
    path("<slug:slug>/measures/<str:code>/details/", views.measure_details, name="measure_details"),
    path(
        "<slug:slug>/measures/<str:code>/indicators/new/",
        views.indicator_edit,
        name="indicator_new",
    ),
    path(
        "<slug:slug>/measures/<str:code>/indicators/<int:indicator_id>/",
        views.indicator_edit,
        name="indicator_edit",
    ),
    path("<slug:slug>/rounds/new/", views.round_open, name="round_open"),
    path("<slug:slug>/rounds/<int:round_id>/", views.round_detail, name="round"),
    path("<slug:slug>/rounds/<int:round_id>/evaluation/", views.evaluation, name="evaluation"),
    path(
        "<slug:slug>/rounds/<int:round_id>/evaluation.<str:fmt>",
        views.evaluation_export,
        name="evaluation_export",
    ),
    path("<slug:slug>/rounds/<int:round_id>/updates/<str:code>/", views.update_edit, name="update"),
    path(
        "<slug:slug>/rounds/<int:round_id>/updates/<str:code>/files/<int:file_id>",
        views.evidence_download,
        name="evidence",
    ),
    path(
        "<slug:slug>/rounds/<int:round_id>/updates/<str:code>/review/",
        views.update_review,
        name="update_review",
    ),
]
