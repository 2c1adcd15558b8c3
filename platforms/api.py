"""Platforms in the API: public platforms and their member organisations for everyone;
seats, holders and meetings for members and network coordinators; meetings scheduled by
those who manage the platform, through the same form and service as the pages."""

from __future__ import annotations

import datetime
from uuid import UUID

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404
from ninja import Field, Router, Schema, Status

from core.api import AUTHENTICATED, PUBLIC, Translations, require_write
from core.forms import raise_form_errors
from platforms import access, services
from platforms.forms import MeetingForm
from platforms.models import ActionItem, Platform

router = Router(tags=["platforms"])


class PlatformOut(Schema):
    key: str
    name: str
    translations: dict[str, Translations]
    kind: str = Field(..., description="regional, municipal, livc_r or other")
    municipality: str
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
    return [
        {
            "organisation": m.organisation.key,
            "organisation_name": m.organisation.display_name,
            "role": m.role,
            "starts_on": m.starts_on,
            "ends_on": m.ends_on,
            "post": m.post.uuid if inside and m.post else None,
            "holder": m.post.holder.full_name if inside and m.post and m.post.holder else None,
        }
        for m in members
    ]


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
    require_write(request)
    platform = access.get_platform_for_user(request.auth, key)
    access.require(access.can_manage_platform(request.auth, platform))
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
