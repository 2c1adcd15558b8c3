from django.urls import path

from retention import views

app_name = "retention"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("approve/", views.approve_selected, name="approve"),
    path("records/<uuid:item_uuid>/", views.item, name="item"),
    path("rules/", views.rules, name="rules"),
    path("rules/cells/<slug:key>/", views.cell_rule_edit, name="cell_rule_edit"),
    path("rules/cells/<slug:key>/delete/", views.cell_rule_delete, name="cell_rule_delete"),
    path("rules/<str:kind>/", views.rule_edit, name="rule_edit"),
    path("holds/", views.holds, name="holds"),
    path("holds/new/", views.hold_place, name="hold_place"),
    path("holds/<uuid:hold_uuid>/lift/", views.hold_lift, name="hold_lift"),
    path("history/", views.history, name="history"),
]
