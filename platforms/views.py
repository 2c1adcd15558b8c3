"""HTML views of the platforms: scope, form, service, render."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from network.access import can_coordinate_network
from network.models import Organisation
from platforms import access, ical, services
from platforms.forms import (
    ActionDoneForm,
    ActionForm,
    AgendaFormSet,
    DecisionForm,
    EndMembershipForm,
    MeetingForm,
    MembershipForm,
    MinutesForm,
    PlatformForm,
    agenda_from,
)
from platforms.models import ROLE_ORDER, ActionItem, CalendarFeed, Meeting, MeetingStatus

UPCOMING = 10
CALENDAR_TYPE = "text/calendar; charset=utf-8"
# the personal feed leaves out meetings that ended longer ago than this
FEED_HISTORY = datetime.timedelta(days=365)


def platform_list(request):
    platforms = access.visible_platforms(request.user).select_related("coordinator")
    context = {
        "platforms": platforms,
        "can_create": access.can_create_platform(request.user),
    }
    return render(request, "platforms/platform_list.html", context)


def platform_detail(request, key):
    """The network view: members by role, seats and their holders, upcoming meetings,
    open actions (the last three for members and network coordinators only)."""
    platform = access.get_platform_for_user(request.user, key)
    inside = access.sees_inside(request.user, platform)
    memberships = sorted(
        access.visible_memberships(request.user, platform, inside=inside),
        key=lambda m: (ROLE_ORDER.index(m.role), m.organisation.display_name.lower()),
    )
    context = {
        "platform": platform,
        "inside": inside,
        "memberships": memberships,
        "seats": [m for m in memberships if m.post_id] if inside else [],
        "can_manage": access.can_manage_platform(request.user, platform),
    }
    if inside:
        now = timezone.now()
        context["upcoming"] = platform.meetings.filter(
            ends_at__gte=now, status=MeetingStatus.PLANNED
        )[:UPCOMING]
        context["past"] = platform.meetings.filter(starts_at__lt=now).order_by("-starts_at")[
            :UPCOMING
        ]
        context["open_actions"] = (
            ActionItem.objects.open()
            .filter(meeting__platform=platform)
            .select_related("owner", "meeting")
            .order_by("due_on", "id")
        )
    return render(request, "platforms/platform_detail.html", context)


def _coordinators(user):
    """Which organisations may coordinate a platform this user creates or edits."""
    if can_coordinate_network(user):
        return None  # all of them
    return Organisation.objects.filter(pk=user.organisation_id)


@login_required
def platform_create(request):
    access.require(access.can_create_platform(request.user))
    initial = {"coordinator": getattr(request.user.organisation, "key", "")}
    form = PlatformForm(
        request.POST or None, initial=initial, coordinators=_coordinators(request.user)
    )
    if request.method == "POST" and form.is_valid():
        platform = services.create_platform(form.platform_data(), acting_user=request.user)
        messages.success(request, _("The platform is saved. You can now add its members."))
        return redirect("platforms:detail", key=platform.key)
    return render(request, "platforms/platform_form.html", {"form": form, "platform": None})


@login_required
def platform_edit(request, key):
    platform = access.get_platform_for_user(request.user, key)
    access.require(access.can_manage_platform(request.user, platform))
    form = PlatformForm(
        request.POST or None,
        initial=PlatformForm.initial_from(platform),
        platform=platform,
        coordinators=_coordinators(request.user),
    )
    if request.method == "POST" and form.is_valid():
        services.update_platform(platform, form.platform_data(), acting_user=request.user)
        messages.success(request, _("The platform is saved."))
        return redirect("platforms:detail", key=platform.key)
    return render(request, "platforms/platform_form.html", {"form": form, "platform": platform})


@login_required
def member_add(request, key):
    platform = access.get_platform_for_user(request.user, key)
    access.require(access.can_manage_platform(request.user, platform))
    form = MembershipForm(
        request.POST or None, initial={"starts_on": timezone.localdate(), "role": "member"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.add_membership(
            platform,
            organisation=data["organisation"],
            post=data["post"],
            role=data["role"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            acting_user=request.user,
        )
        messages.success(request, _("The member is added."))
        return redirect("platforms:detail", key=platform.key)
    return render(request, "platforms/member_form.html", {"form": form, "platform": platform})


@login_required
def member_end(request, key, membership_id):
    platform = access.get_platform_for_user(request.user, key)
    access.require(access.can_manage_platform(request.user, platform))
    membership = access.get_membership_of_platform(platform, membership_id)
    form = EndMembershipForm(request.POST or None, initial={"ends_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_membership(
                membership, form.cleaned_data["ends_on"], acting_user=request.user
            )
        except ValidationError as error:
            form.add_error("ends_on", error.message_dict["ends_on"])
        else:
            messages.success(request, _("The membership has ended."))
            return redirect("platforms:detail", key=platform.key)
    context = {"form": form, "platform": platform, "membership": membership}
    return render(request, "platforms/member_end.html", context)


@login_required
def meeting_create(request, key):
    platform = access.get_platform_for_user(request.user, key)
    access.require(access.can_manage_platform(request.user, platform))
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        meeting = services.schedule_meeting(
            platform, form.meeting_data(), form.cleaned_data["agenda"], acting_user=request.user
        )
        messages.success(request, _("The meeting is scheduled."))
        return redirect("platforms:meeting", meeting_uuid=meeting.uuid)
    return render(request, "platforms/meeting_form.html", {"form": form, "platform": platform})


def meeting_detail(request, meeting_uuid):
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    context = {
        "meeting": meeting,
        "platform": meeting.platform,
        "agenda": meeting.agenda_items.all(),
        "decisions": meeting.decisions.all(),
        "actions": meeting.actions.select_related("owner"),
        "can_manage": access.can_manage_platform(request.user, meeting.platform),
        "today": timezone.localdate(),
    }
    return render(request, "platforms/meeting_detail.html", context)


def _managed_meeting(request, meeting_uuid) -> Meeting:
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    access.require(access.can_manage_platform(request.user, meeting.platform))
    return meeting


@login_required
def meeting_edit(request, meeting_uuid):
    """Title, time, place and the agenda's items (title, notes, order), before the
    meeting only."""
    meeting = _managed_meeting(request, meeting_uuid)
    if not meeting.is_open_for_changes():
        messages.error(request, services.MEETING_CLOSED)
        return redirect("platforms:meeting", meeting_uuid=meeting.uuid)
    form = MeetingForm(
        request.POST or None, initial=MeetingForm.initial_from(meeting), with_agenda=False
    )
    agenda = AgendaFormSet(
        request.POST or None,
        prefix="agenda",
        initial=[{"title": i.title, "notes": i.notes} for i in meeting.agenda_items.all()],
    )
    if request.method == "POST" and form.is_valid() and agenda.is_valid():
        try:
            services.update_meeting(
                meeting, form.meeting_data(), agenda_from(agenda), acting_user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting is saved."))
            return redirect("platforms:meeting", meeting_uuid=meeting.uuid)
    context = {"form": form, "agenda": agenda, "meeting": meeting, "platform": meeting.platform}
    return render(request, "platforms/meeting_edit.html", context)


@login_required
def meeting_minutes(request, meeting_uuid):
    meeting = _managed_meeting(request, meeting_uuid)
    initial = {
        "status": MeetingStatus.HELD if meeting.status == MeetingStatus.PLANNED else meeting.status,
        "minutes": meeting.minutes,
        "approved": meeting.minutes_approved_at is not None,
    }
    form = MinutesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.record_minutes(meeting, **form.cleaned_data, acting_user=request.user)
        messages.success(request, _("The minutes are saved."))
        return redirect("platforms:meeting", meeting_uuid=meeting.uuid)
    return render(request, "platforms/minutes_form.html", {"form": form, "meeting": meeting})


@login_required
def decision_add(request, meeting_uuid):
    meeting = _managed_meeting(request, meeting_uuid)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_decision(meeting, form.cleaned_data["text"], acting_user=request.user)
        messages.success(request, _("The decision is recorded."))
        return redirect("platforms:meeting", meeting_uuid=meeting.uuid)
    context = {"form": form, "meeting": meeting, "heading": _("Record a decision")}
    return render(request, "platforms/meeting_part_form.html", context)


@login_required
def action_add(request, meeting_uuid):
    meeting = _managed_meeting(request, meeting_uuid)
    form = ActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.add_action(meeting, **form.cleaned_data, acting_user=request.user)
        messages.success(request, _("The action is recorded."))
        return redirect("platforms:meeting", meeting_uuid=meeting.uuid)
    context = {"form": form, "meeting": meeting, "heading": _("Record an action")}
    return render(request, "platforms/meeting_part_form.html", context)


@login_required
@require_POST
def action_done(request, meeting_uuid, action_id):
    meeting = _managed_meeting(request, meeting_uuid)
    action = access.get_action_of_meeting(meeting, action_id)
    form = ActionDoneForm(request.POST)
    if form.is_valid():
        services.mark_action_done(action, form.cleaned_data["done_on"], acting_user=request.user)
        messages.success(request, _("The action is marked as done."))
    else:
        messages.error(request, _("Give the date on which the action was done."))
    return redirect("platforms:meeting", meeting_uuid=meeting.uuid)


def _calendar_response(events, name: str, filename: str) -> HttpResponse:
    response = HttpResponse(ical.calendar(events, name), content_type=CALENDAR_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def meeting_ics(request, meeting_uuid):
    """One meeting as a calendar invitation."""
    meeting = access.get_meeting_for_user(request.user, meeting_uuid)
    event = (meeting, ical.summary_of(meeting), ical.description_of(meeting))
    return _calendar_response([event], "", f"meeting-{meeting.uuid}.ics")


@login_required
def calendar_subscription(request):
    """The user's own calendar feed: its address, and a button that makes a new one (the
    old address stops working)."""
    if request.method == "POST":
        services.renew_calendar_feed(request.user, acting_user=request.user)
        messages.success(
            request, _("Your calendar address is new; the previous one no longer works.")
        )
        return redirect("platforms:calendar_subscription")
    feed = CalendarFeed.objects.filter(user=request.user).first()
    url = (
        request.build_absolute_uri(reverse("platforms:calendar_feed", args=[feed.token]))
        if feed
        else ""
    )
    response = render(
        request, "platforms/calendar_subscription.html", {"feed": feed, "feed_url": url}
    )
    response["Cache-Control"] = "private, no-store"  # the page shows a secret address
    return response


def calendar_feed(request, token):
    """The meetings of every platform the token's user sees inside, for a calendar app to
    subscribe to without a session; an unknown token is a 404."""
    user = access.get_feed_user(token)
    since = timezone.now() - FEED_HISTORY
    meetings = (
        access.visible_meetings(user)
        .filter(ends_at__gte=since)
        .select_related("platform")
        .prefetch_related("agenda_items")
    )
    # in the language the user chose, as the pages would be (there is no session here)
    with translation.override(user.language or translation.get_language()):
        events = [(m, ical.summary_of(m), ical.description_of(m)) for m in meetings]
        body = ical.calendar(events, _("Meetings of my platforms"))
    response = HttpResponse(body, content_type=CALENDAR_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response


def platform_calendar(request, key):
    """Every meeting of a platform, for its members' calendars."""
    platform = access.get_platform_for_user(request.user, key)
    if not access.sees_inside(request.user, platform):
        raise Http404
    meetings = platform.meetings.prefetch_related("agenda_items")
    events = [(m, ical.summary_of(m), ical.description_of(m)) for m in meetings]
    return _calendar_response(events, platform.display_name, f"{platform.key}.ics")
