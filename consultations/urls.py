from django.urls import path

from consultations import views

app_name = "consultations"

M = "<uuid:meeting_uuid>/"
C = M + "cases/<int:case_id>/"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("cells/<slug:cell_key>/new/", views.schedule, name="schedule"),
    path("actions/<int:action_id>/done/", views.action_done, name="action_done"),
    path("sheets/<uuid:sheet_uuid>/", views.sheet, name="sheet"),
    path(M, views.meeting_detail, name="meeting"),
    path(M + "edit/", views.meeting_edit, name="meeting_edit"),
    path(M + "status/", views.meeting_status, name="meeting_status"),
    path(M + "consultation.ics", views.meeting_calendar, name="calendar"),
    path(M + "declaration/", views.declaration, name="declaration"),
    path(M + "attendance/", views.attendance, name="attendance"),
    path(M + "agenda/add/", views.agenda_add, name="agenda_add"),
    path(M + "room/", views.room, name="room"),
    path(M + "minutes/", views.minutes, name="minutes"),
    path(M + "minutes/approve/", views.minutes_approve, name="minutes_approve"),
    path(C, views.case_detail, name="case"),
    path(C + "identity/", views.case_identity, name="case_identity"),
    path(C + "discussion/", views.case_discussion, name="case_discussion"),
    path(C + "actions/", views.case_action_add, name="case_action_add"),
    path(C + "invite/", views.case_invite, name="case_invite"),
    path(C + "remove/", views.case_remove, name="case_remove"),
    path(C + "consensus/", views.consensus_request, name="consensus_request"),
    path(C + "consensus/answers/", views.consensus_votes, name="consensus_votes"),
]
