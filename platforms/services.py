"""Writes to platforms, their members and meetings, each with its audit event in the same
transaction. Forms (and the API, through the same forms) check the input first; these
functions refuse what would break the rules anyway."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.services import diff, record, save_changes
from core import i18n
from network.models import Organisation, Post
from platforms.models import (
    ActionItem,
    AgendaItem,
    CalendarFeed,
    Decision,
    Meeting,
    Membership,
    Platform,
    PlatformKind,
)

# a joint platform names a handful of municipalities; more is a typing accident
MAX_JOINT_MUNICIPALITIES = 30


def clean_joint_municipalities(municipality: str, names: list[str]) -> list[str]:
    """The other municipalities of a joint platform, trimmed, in the order given; refused when
    there is no municipality to join them to, or when one is named twice."""
    names = [" ".join(str(name).split()) for name in names]
    names = [name for name in names if name]
    if not names:
        return []
    if not municipality.strip():
        raise ValidationError(_("Give the platform's own municipality first."))
    if len(names) > MAX_JOINT_MUNICIPALITIES:
        raise ValidationError(
            _("Name at most %(count)d other municipalities."),
            params={"count": MAX_JOINT_MUNICIPALITIES},
        )
    seen = {municipality.strip().casefold()}
    for name in names:
        if len(name) > 100:
            raise ValidationError(_("A municipality's name has at most 100 characters."))
        if name.casefold() in seen:
            raise ValidationError(_("%(name)s is named twice."), params={"name": name})
        seen.add(name.casefold())
    return names


def _check_platform(data: dict[str, Any]) -> None:
    if data.get("kind") == PlatformKind.LIVC_R and data.get("is_public"):
        raise ValidationError({"is_public": [_("An LIVC-R is never public.")]})
    if "joint_municipalities" in data:
        try:
            data["joint_municipalities"] = clean_joint_municipalities(
                data.get("municipality") or "", data["joint_municipalities"]
            )
        except ValidationError as error:
            raise ValidationError({"joint_municipalities": error.messages}) from error


MEETING_CLOSED = gettext_lazy(
    "A meeting can be changed only while it is planned and before it starts."
)


def create_platform(data: dict[str, Any], *, acting_user) -> Platform:
    """A new platform: key, name, kind, municipality, coordinator, description, is_public."""
    data = {**data, "name": i18n.clean_translations(data["name"])}
    _check_platform(data)
    data["description"] = i18n.clean_translations(data.get("description"))
    with transaction.atomic():
        platform = Platform.objects.create(**data)
        record(
            "platform.created",
            actor=acting_user,
            target=platform,
            changes={field: [None, value] for field, value in data.items()},
        )
    return platform


def update_platform(platform: Platform, data: dict[str, Any], *, acting_user) -> Platform:
    """Change a platform's entry; its key stays."""
    checked = {
        "kind": platform.kind,
        "is_public": platform.is_public,
        "municipality": platform.municipality,
        "joint_municipalities": platform.joint_municipalities,
        **data,
    }
    _check_platform(checked)
    data = {field: checked[field] for field in data if field != "key"}
    for field in ("name", "description"):
        if field in data:
            data[field] = i18n.clean_translations(data[field])
    with transaction.atomic():
        save_changes(platform, data, action="platform.updated", actor=acting_user)
    return platform


def add_membership(
    platform: Platform,
    *,
    organisation: Organisation,
    role: str,
    starts_on: datetime.date,
    post: Post | None = None,
    ends_on: datetime.date | None = None,
    acting_user,
) -> Membership:
    """An organisation (and, for a person's seat, one of its posts) joins the platform."""
    if post is not None and post.organisation_id != organisation.pk:
        raise ValidationError({"post": [_("The post belongs to another organisation.")]})
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": [_("The end cannot come before the start.")]})
    with transaction.atomic():
        membership = Membership.objects.create(
            platform=platform,
            organisation=organisation,
            post=post,
            role=role,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        record(
            "platform.member_added",
            actor=acting_user,
            target=platform,
            changes={
                "membership": [None, membership.pk],
                "organisation": [None, organisation.key],
                "post": [None, str(post.uuid) if post else None],
                "role": [None, role],
                "starts_on": [None, starts_on],
                "ends_on": [None, ends_on],
            },
        )
    return membership


def end_membership(membership: Membership, ends_on: datetime.date, *, acting_user) -> Membership:
    """The membership ends after `ends_on` (not before it started)."""
    if ends_on < membership.starts_on:
        raise ValidationError({"ends_on": [_("The end cannot come before the start.")]})
    with transaction.atomic():
        previous = membership.ends_on
        membership.ends_on = ends_on
        membership.save(update_fields=["ends_on"])
        record(
            "platform.member_ended",
            actor=acting_user,
            target=membership.platform,
            changes={
                "membership": [membership.pk, membership.pk],
                "ends_on": [previous, ends_on],
            },
        )
    return membership


def schedule_meeting(
    platform: Platform, data: dict[str, Any], agenda: list[dict[str, str]], *, acting_user
) -> Meeting:
    """A planned meeting with its agenda (a list of {"title", "notes"}), in order."""
    if data["ends_at"] <= data["starts_at"]:
        raise ValidationError({"ends_at": [_("The meeting must end after it starts.")]})
    with transaction.atomic():
        meeting = Meeting.objects.create(
            platform=platform,
            title=i18n.clean_translations(data["title"]),
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            location=data.get("location", ""),
        )
        AgendaItem.objects.bulk_create(
            AgendaItem(
                meeting=meeting,
                position=position,
                title=item["title"],
                notes=item.get("notes", ""),
            )
            for position, item in enumerate(agenda, start=1)
        )
        record(
            "meeting.scheduled",
            actor=acting_user,
            target=meeting,
            changes={
                "platform": [None, platform.key],
                "title": [None, meeting.title],
                "starts_at": [None, meeting.starts_at],
                "ends_at": [None, meeting.ends_at],
                "location": [None, meeting.location],
                "agenda": [None, [item["title"] for item in agenda]],
            },
        )
    return meeting


def update_meeting(
    meeting: Meeting, data: dict[str, Any], agenda: list[dict[str, str]], *, acting_user
) -> Meeting:
    """Change a planned meeting before it starts: title, times, location, and its agenda,
    replaced by `agenda` (a list of {"title", "notes"}, in order). One audit row holds
    every changed field, the agenda's items before and after included."""
    if not meeting.is_open_for_changes():
        raise ValidationError(str(MEETING_CLOSED))
    if data["ends_at"] <= data["starts_at"]:
        raise ValidationError({"ends_at": [_("The meeting must end after it starts.")]})
    values = {
        "title": i18n.clean_translations(data["title"]),
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "location": data.get("location", ""),
    }
    new_agenda = [{"title": item["title"], "notes": item.get("notes", "")} for item in agenda]
    with transaction.atomic():
        old_agenda = [
            {"title": item.title, "notes": item.notes} for item in meeting.agenda_items.all()
        ]
        changes = diff(meeting, values)
        if old_agenda != new_agenda:
            changes["agenda"] = [old_agenda, new_agenda]
        if not changes:
            return meeting
        for field in values:
            setattr(meeting, field, values[field])
        meeting.save()  # also when only the agenda changed: calendars see a new DTSTAMP
        if "agenda" in changes:
            meeting.agenda_items.all().delete()
            AgendaItem.objects.bulk_create(
                AgendaItem(meeting=meeting, position=position, **item)
                for position, item in enumerate(new_agenda, start=1)
            )
        record("meeting.updated", actor=acting_user, target=meeting, changes=changes)
    return meeting


def record_minutes(
    meeting: Meeting, *, minutes: str, status: str, approved: bool, acting_user
) -> Meeting:
    """The minutes and the outcome (held, cancelled) of a meeting; approving them stamps
    the time once, withdrawing the approval clears it."""
    approved_at = meeting.minutes_approved_at
    if approved and approved_at is None:
        approved_at = timezone.now()
    if not approved:
        approved_at = None
    with transaction.atomic():
        save_changes(
            meeting,
            {"minutes": minutes, "status": status, "minutes_approved_at": approved_at},
            action="meeting.minutes_recorded",
            actor=acting_user,
        )
    return meeting


def add_decision(meeting: Meeting, text: str, *, acting_user) -> Decision:
    """Something the meeting decided."""
    with transaction.atomic():
        decision = Decision.objects.create(meeting=meeting, text=text)
        record(
            "meeting.decision_recorded",
            actor=acting_user,
            target=meeting,
            changes={"decision": [None, decision.pk], "text": [None, text]},
        )
    return decision


def add_action(
    meeting: Meeting,
    *,
    title: str,
    owner: Organisation,
    due_on: datetime.date | None,
    acting_user,
) -> ActionItem:
    """Something the meeting asked an organisation to do."""
    with transaction.atomic():
        action = ActionItem.objects.create(meeting=meeting, title=title, owner=owner, due_on=due_on)
        record(
            "meeting.action_recorded",
            actor=acting_user,
            target=meeting,
            changes={
                "action": [None, action.pk],
                "title": [None, title],
                "owner": [None, owner.key],
                "due_on": [None, due_on],
            },
        )
    return action


def mark_action_done(action: ActionItem, done_on: datetime.date, *, acting_user) -> ActionItem:
    """The action is done; marking it again changes nothing."""
    if action.done_on is not None:
        return action
    with transaction.atomic():
        action.done_on = done_on
        action.save(update_fields=["done_on"])
        record(
            "meeting.action_done",
            actor=acting_user,
            target=action.meeting,
            changes={"action": [action.pk, action.pk], "done_on": [None, done_on]},
        )
    return action


def renew_calendar_feed(user, *, acting_user) -> CalendarFeed:
    """Give the user a calendar feed with a new secret token; the address with the previous
    token stops working at once. The audit row never holds the token."""
    with transaction.atomic():
        # get_or_create: a double click on "create" must not fail on the one-feed rule
        feed, created = CalendarFeed.objects.get_or_create(
            user=user, defaults={"token": CalendarFeed.generate_token()}
        )
        if created:
            record(
                "calendar_feed.created",
                actor=acting_user,
                target=feed,
                changes={"user": [None, user.pk]},
            )
            return feed
        feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
        previous = feed.created_at
        feed.token = CalendarFeed.generate_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
        record(
            "calendar_feed.renewed",
            actor=acting_user,
            target=feed,
            changes={"created_at": [previous, feed.created_at]},
        )
    return feed
