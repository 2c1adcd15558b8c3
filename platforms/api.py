"""Platforms in the API: public platforms and their member organisations for everyone;
seats, holders and meetings for members and network coordinators; members, meetings,
minutes, decisions and actions written by those who manage the platform, through the same
access functions, forms and services as the pages.

A platform or meeting outside the user's sight is a 404, one in sight that the user may
not manage a 403; input the forms refuse is a 400 with the errors by field, a body that
does not fit the schema a 422 (see config/api.py)."""

from __future__ import annotations

import datetime
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from ninja import Field, Router, Schema, Status
from pydantic import BaseModel

from core.api import AUTHENTICATED, PUBLIC, Translations, require_write
from core.forms import raise_form_errors
from platforms import access, services
from platforms.forms import (
    MAX_AGENDA_ITEMS,
    ActionDoneForm,
    ActionForm,
    AgendaFormSet,
    DecisionForm,
    EndMembershipForm,
    MeetingForm,
    MembershipForm,
    MinutesForm,
    agenda_from,
    agenda_rows,
)
from platforms.models import ActionItem, Meeting, Membership, Platform

router = Router(tags=["platforms"])


class PlatformOut(Schema):
    key: str
    name: str
    translations: dict[str, Translations]
    kind: str = Field(..., description="regional, municipal, livc_r or other")
    municipality: str
    joint_municipalities: list[str] = Field(
        ..., description="The other municipalities a joint platform (e.g. LIVC-R) serves"
    )
    coordinator: str = Field(..., description="Key of the coordinating organisation")
    is_public: bool

    @staticmethod
    def resolve_name(obj):
        return obj.display_name

    @staticmethod
    def resolve_translations(obj):
        return {"name": obj.name, "description": obj.description}

    @staticmethod
    def resolve_coordinator(obj):
        return obj.coordinator.key


class MemberOut(Schema):
    id: int = Field(..., description="The membership, to end it")
    organisation: str = Field(..., description="Key of the organisation")
    organisation_name: str
    role: str = Field(..., description="chair, secretary, member, invited or observer")
    starts_on: datetime.date
    ends_on: datetime.date | None
    post: UUID | None = Field(None, description="The post of a person's seat (members only)")
    holder: str | None = Field(None, description="Who holds that post; null when vacant")


class AgendaItemOut(Schema):
    position: int
    title: str
    notes: str


class ActionOut(Schema):
    id: int
    title: str
    owner: str = Field(..., description="Key of the organisation that does it")
    due_on: datetime.date | None
    done_on: datetime.date | None

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.key


class MeetingOut(Schema):
    id: UUID
    platform: str = Field(..., description="Key of the platform")
    title: str
    translations: dict[str, Translations]
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    location: str
    status: str = Field(..., description="planned, held or cancelled")
    agenda: list[AgendaItemOut]
    minutes: str
    minutes_approved_at: datetime.datetime | None
    decisions: list[str]
    actions: list[ActionOut]

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_platform(obj):
        return obj.platform.key

    @staticmethod
    def resolve_title(obj):
        return obj.display_title

    @staticmethod
    def resolve_translations(obj):
        return {"title": obj.title}

    @staticmethod
    def resolve_agenda(obj):
        return list(obj.agenda_items.all())

    @staticmethod
    def resolve_decisions(obj):
        return [decision.text for decision in obj.decisions.all()]

    @staticmethod
    def resolve_actions(obj):
        return list(obj.actions.all())


def _meetings(platform: Platform):
    return platform.meetings.prefetch_related(
        "agenda_items",
        "decisions",
        Prefetch("actions", queryset=ActionItem.objects.select_related("owner")),
    )


def _inside(request, key: str) -> Platform:
    """The platform, when the user sees its inside; 404 otherwise."""
    platform = access.get_platform_for_user(request.auth, key)
    if not access.sees_inside(request.auth, platform):
        raise Http404
    return platform


@router.get("/platforms", response=list[PlatformOut], auth=PUBLIC, summary="Platforms")
def list_platforms(request):
    return access.visible_platforms(request.auth).select_related("coordinator")


@router.get("/platforms/{key}", response=PlatformOut, auth=PUBLIC, summary="A platform")
def get_platform(request, key: str):
    return access.get_platform_for_user(request.auth, key)


@router.get(
    "/platforms/{key}/members",
    response=list[MemberOut],
    auth=PUBLIC,
    summary="Current members of a platform; seats and holders for its members only",
)
def list_platform_members(request, key: str):
    platform = access.get_platform_for_user(request.auth, key)
    inside = access.sees_inside(request.auth, platform)
    members = access.visible_memberships(request.auth, platform, inside=inside)
    return [_member(m, inside=inside) for m in members]


def _member(m: Membership, *, inside: bool) -> dict:
    return {
        "id": m.pk,
        "organisation": m.organisation.key,
        "organisation_name": m.organisation.display_name,
        "role": m.role,
        "starts_on": m.starts_on,
        "ends_on": m.ends_on,
        "post": m.post.uuid if inside and m.post else None,
        "holder": m.post.holder.full_name if inside and m.post and m.post.holder else None,
    }


@router.get(
    "/platforms/{key}/meetings",
    response=list[MeetingOut],
    auth=AUTHENTICATED,
    summary="Meetings of a platform (its members, network coordinators)",
)
def list_platform_meetings(request, key: str):
    return _meetings(_inside(request, key))


@router.get(
    "/platforms/{key}/meetings/{meeting_id}",
    response=MeetingOut,
    auth=AUTHENTICATED,
    summary="A meeting of a platform: agenda, minutes, decisions, actions",
)
def get_platform_meeting(request, key: str, meeting_id: UUID):
    meeting = _meetings(_inside(request, key)).filter(uuid=meeting_id).first()
    if meeting is None:
        raise Http404
    return meeting


class MembershipIn(Schema):
    organisation: str = Field(..., description="Key of the organisation")
    post: UUID | None = Field(None, description="For a person's seat: a post of that organisation")
    role: str = Field("member", description="chair, secretary, member, invited or observer")
    starts_on: datetime.date
    ends_on: datetime.date | None = None


def _managed(request, key: str) -> Platform:
    """The platform, when the user may manage it: 404 out of sight, 403 otherwise."""
    require_write(request)
    platform = access.get_platform_for_user(request.auth, key)
    access.require(access.can_manage_platform(request.auth, platform))
    return platform


@router.post(
    "/platforms/{key}/members",
    response={201: MemberOut},
    auth=AUTHENTICATED,
    summary="Add a member, for a person's seat through a post (those who manage the platform)",
)
def add_platform_member(request, key: str, payload: MembershipIn):
    platform = _managed(request, key)
    form = MembershipForm(
        {
            "organisation": payload.organisation,
            "post": str(payload.post) if payload.post else "",
            "role": payload.role,
            "starts_on": payload.starts_on,
            "ends_on": payload.ends_on or "",
        }
    )
    raise_form_errors(form)
    membership = services.add_membership(platform, **form.cleaned_data, acting_user=request.auth)
    return Status(201, _member(membership, inside=True))


class EndMembershipIn(Schema):
    ends_on: datetime.date = Field(..., description="Last day as a member")


@router.post(
    "/platforms/{key}/members/{membership_id}/end",
    response=MemberOut,
    auth=AUTHENTICATED,
    summary="End a membership (those who manage the platform)",
)
def end_platform_member(request, key: str, membership_id: int, payload: EndMembershipIn):
    platform = _managed(request, key)
    membership = access.get_membership_of_platform(platform, membership_id)
    form = EndMembershipForm({"ends_on": payload.ends_on})
    raise_form_errors(form)
    services.end_membership(membership, form.cleaned_data["ends_on"], acting_user=request.auth)
    return _member(membership, inside=True)


class MeetingIn(Schema):
    title: Translations
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    location: str = ""
    agenda: list[str] = Field(default_factory=list, description="Agenda items, in order")


@router.post(
    "/platforms/{key}/meetings",
    response={201: MeetingOut},
    auth=AUTHENTICATED,
    summary="Schedule a meeting with its agenda (those who manage the platform)",
)
def create_platform_meeting(request, key: str, payload: MeetingIn):
    platform = _managed(request, key)
    data = {
        **{f"title_{code}": getattr(payload.title, code) for code, _n in settings.LANGUAGES},
        "starts_at": payload.starts_at,
        "ends_at": payload.ends_at,
        "location": payload.location,
        "agenda": "\n".join(payload.agenda),
    }
    form = MeetingForm(data)
    raise_form_errors(form)
    meeting = services.schedule_meeting(
        platform, form.meeting_data(), form.cleaned_data["agenda"], acting_user=request.auth
    )
    return Status(201, _meetings(platform).get(pk=meeting.pk))


def _managed_meeting(request, key: str, meeting_id: UUID) -> Meeting:
    """A meeting of the platform, when the user may manage the platform: 404 when the
    platform's inside or the meeting is out of sight, 403 when it is not theirs to manage."""
    require_write(request)
    platform = _inside(request, key)
    meeting = platform.meetings.filter(uuid=meeting_id).first()
    if meeting is None:
        raise Http404
    access.require(access.can_manage_platform(request.auth, platform))
    return meeting


def _meeting_out(meeting: Meeting) -> Meeting:
    return _meetings(meeting.platform).get(pk=meeting.pk)


class AgendaItemIn(BaseModel):
    # a plain pydantic model: ninja's Schema reads attributes of whatever it is given, and
    # would take the string "welcome" for an item titled "Welcome" (str.title)
    title: str = Field(..., description="An item without a title is left out")
    notes: str = ""


class MeetingPatch(Schema):
    title: Translations | None = Field(None, description="Only the languages given change")
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    location: str | None = None
    agenda: list[AgendaItemIn] | None = Field(
        None,
        description=f"The whole agenda, in order (at most {MAX_AGENDA_ITEMS} items); "
        "left out, it stays as it is",
    )


@router.patch(
    "/platforms/{key}/meetings/{meeting_id}",
    response=MeetingOut,
    auth=AUTHENTICATED,
    summary="Change a planned meeting and its agenda before it starts "
    "(those who manage the platform)",
)
def patch_platform_meeting(request, key: str, meeting_id: UUID, payload: MeetingPatch):
    meeting = _managed_meeting(request, key, meeting_id)
    patch = payload.dict(exclude_unset=True)
    data = MeetingForm.initial_from(meeting)
    for name in ("starts_at", "ends_at", "location"):
        if patch.get(name) is not None:
            data[name] = patch[name]
    if patch.get("title") is not None:
        data.update({f"title_{code}": text for code, text in patch["title"].items()})
    form = MeetingForm(data, with_agenda=False)
    raise_form_errors(form)
    if patch.get("agenda") is None:
        items = [{"title": i.title, "notes": i.notes} for i in meeting.agenda_items.all()]
    else:
        items = patch["agenda"]
    agenda = AgendaFormSet(agenda_rows(items), prefix="agenda")
    if not agenda.is_valid():
        errors = {
            f"agenda.{index}": [e for field in row.errors.values() for e in field]
            for index, row in enumerate(agenda.forms)
            if row.errors
        }
        if agenda.non_form_errors():
            errors["agenda"] = list(agenda.non_form_errors())
        raise ValidationError(errors)
    services.update_meeting(
        meeting, form.meeting_data(), agenda_from(agenda), acting_user=request.auth
    )
    return _meeting_out(meeting)


class MinutesIn(Schema):
    status: str = Field(..., description="planned, held or cancelled")
    minutes: str = ""
    approved: bool = Field(False, description="The minutes are approved")


@router.put(
    "/platforms/{key}/meetings/{meeting_id}/minutes",
    response=MeetingOut,
    auth=AUTHENTICATED,
    summary="Record the minutes and outcome of a meeting (those who manage the platform)",
)
def put_meeting_minutes(request, key: str, meeting_id: UUID, payload: MinutesIn):
    meeting = _managed_meeting(request, key, meeting_id)
    form = MinutesForm(payload.dict())
    raise_form_errors(form)
    services.record_minutes(meeting, **form.cleaned_data, acting_user=request.auth)
    return _meeting_out(meeting)


class DecisionIn(Schema):
    text: str


class DecisionOut(Schema):
    id: int
    text: str


@router.post(
    "/platforms/{key}/meetings/{meeting_id}/decisions",
    response={201: DecisionOut},
    auth=AUTHENTICATED,
    summary="Record a decision of a meeting (those who manage the platform)",
)
def add_meeting_decision(request, key: str, meeting_id: UUID, payload: DecisionIn):
    meeting = _managed_meeting(request, key, meeting_id)
    form = DecisionForm(payload.dict())
    raise_form_errors(form)
    decision = services.add_decision(meeting, form.cleaned_data["text"], acting_user=request.auth)
    return Status(201, decision)


class ActionIn(Schema):
    title: str
    owner: str = Field(..., description="Key of the organisation that does it")
    due_on: datetime.date | None = None


@router.post(
    "/platforms/{key}/meetings/{meeting_id}/actions",
    response={201: ActionOut},
    auth=AUTHENTICATED,
    summary="Record an action item of a meeting (those who manage the platform)",
)
def add_meeting_action(request, key: str, meeting_id: UUID, payload: ActionIn):
    meeting = _managed_meeting(request, key, meeting_id)
    form = ActionForm({"title": payload.title, "owner": payload.owner, "due_on": payload.due_on})
    raise_form_errors(form)
    action = services.add_action(meeting, **form.cleaned_data, acting_user=request.auth)
    return Status(201, action)


class ActionDoneIn(Schema):
    done_on: datetime.date


@router.post(
    "/platforms/{key}/meetings/{meeting_id}/actions/{action_id}/done",
    response=ActionOut,
    auth=AUTHENTICATED,
    summary="Mark an action item as done; once done, it stays so (those who manage the platform)",
)
def mark_meeting_action_done(
    request, key: str, meeting_id: UUID, action_id: int, payload: ActionDoneIn
):
    meeting = _managed_meeting(request, key, meeting_id)
    action = access.get_action_of_meeting(meeting, action_id)
    form = ActionDoneForm(payload.dict())
    raise_form_errors(form)
    return services.mark_action_done(action, form.cleaned_data["done_on"], acting_user=request.auth)
