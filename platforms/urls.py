from django.urls import path

from platforms import views

app_name = "platforms"
urlpatterns = [
    path("", views.platform_list, name="list"),
    path("new/", views.platform_create, name="create"),
    path("calendar/", views.calendar_subscription, name="calendar_subscription"),
    path("calendar/<slug:token>.ics", views.calendar_feed, name="calendar_feed"),
    path("meetings/<uuid:meeting_uuid>/", views.meeting_detail, name="meeting"),
    path("meetings/<uuid:meeting_uuid>.ics", views.meeting_ics, name="meeting_ics"),
    path("meetings/<uuid:meeting_uuid>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<uuid:meeting_uuid>/minutes/", views.meeting_minutes, name="minutes"),
    path("meetings/<uuid:meeting_uuid>/decisions/new/", views.decision_add, name="decision_add"),
    path("meetings/<uuid:meeting_uuid>/actions/new/", views.action_add, name="action_add"),
    path(
        "meetings/<uuid:meeting_uuid>/actions/<int:action_id>/done/",
        views.action_done,
        name="action_done",
    ),
    path("<slug:key>/", views.platform_detail, name="detail"),
    path("<slug:key>/edit/", views.platform_edit, name="edit"),
    path("<slug:key>/calendar.ics", views.platform_calendar, name="calendar"),
    path("<slug:key>/members/new/", views.member_add, name="member_add"),
    path("<slug:key>/members/<int:membership_id>/end/", views.member_end, name="member_end"),
    path("<slug:key>/meetings/new/", views.meeting_create, name="meeting_create"),
]
