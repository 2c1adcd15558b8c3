"""The Consultations API's router and the helpers its endpoints share."""

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from ninja.errors import HttpError

from consultations import access, services
from consultations.forms import MeetingForm
from consultations.models import (
    DECLARATION_VERSION,
    AgendaCase,
    Attendance,
    Consensus,
    ConsensusStatus,
    InformationSheet,
    Meeting,
    MeetingStatus,
    Minutes,
)
from core.api import PackageRouter
from platforms.models import Platform

router = PackageRouter("consultations_api_", tags=["consultations"])

VERSION_HELP = "The version you read; 409 if it changed since"
TEXT_PLAIN = {"text/plain": {"schema": {"type": "string"}}}


def _conflict_detail() -> str:
    return _("Someone else changed this record. Reload it and try again.")


def _meeting(request, meeting_uuid: UUID) -> Meeting:
    return access.get_meeting_for_user(request.auth, meeting_uuid)


def _opened(request, meeting_uuid: UUID) -> Meeting:
    """A meeting whose content the user may see: an invited participant signs first (403)."""
    meeting = _meeting(request, meeting_uuid)
    if access.must_sign(request.auth, meeting):
        raise HttpError(403, _("Sign the confidentiality declaration of this meeting first."))
    return meeting


def _case(request, meeting_uuid: UUID, case_id: int) -> tuple[Meeting, AgendaCase]:
    """A case of the agenda the user may see, its read audited with the person as subject."""
    meeting = _opened(request, meeting_uuid)
    case = access.get_case_for_user(request.auth, meeting, case_id, "consultation.case.read")
    case.meeting = meeting
    return meeting, case


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _meeting_form(data: dict[str, Any], cell: Platform) -> MeetingForm:
    """The page's form, with the chair and secretary named by e-mail."""
    for name in ("chair", "secretary"):
        data[name] = str(_blank(data.get(name))).strip().lower()
    form = MeetingForm(
        {name: _blank(value) for name, value in data.items()},
        members=services.member_accounts(cell),
    )
    for name in ("chair", "secretary"):
        form.fields[name].to_field_name = "email"  # type: ignore[attr-defined]
    return form


def _header(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.uuid,
        "cell": meeting.cell.key,
        "cell_name": meeting.cell.display_name,
        "starts_at": meeting.starts_at,
        "ends_at": meeting.ends_at,
        "location": meeting.location,
        "status": meeting.status,
        "chair": meeting.chair.email,
        "secretary": meeting.secretary.email,
        "version": meeting.version,
    }


def _meeting_out(request, meeting: Meeting) -> dict[str, Any]:
    """The meeting as the user may see it; each person on the agenda shown is audited."""
    user = request.auth
    member = access.is_member(user, meeting.cell_id)
    signed = access.has_signed(user, meeting)
    cases = list(access.visible_cases(user, meeting))
    access.log_agenda_read(user, meeting, cases, "consultation.agenda.read")
    minutes = Minutes.objects.filter(meeting=meeting).first() if member else None
    previous = access.previous_meeting(meeting) if member else None
    previous_minutes = Minutes.objects.filter(meeting=previous).first() if previous else None
    return {
        **_header(meeting),
        "member": member,
        "must_sign": not member and not signed,
        "signed": signed,
        "declaration_version": DECLARATION_VERSION,
        "can_prepare": access.can_prepare(user, meeting.cell_id),
        "can_record": access.can_record(user, meeting),
        "can_chair": access.can_chair(user, meeting),
        "agenda": cases,
        "attendance": list(_register(meeting)) if member else None,
        "minutes_written": minutes is not None,
        "minutes_approved_at": minutes.approved_at if minutes else None,
        "previous_meeting": previous.uuid if previous else None,
        "previous_minutes_written": previous_minutes is not None,
        "previous_minutes_approved_at": previous_minutes.approved_at if previous_minutes else None,
    }


def _register(meeting: Meeting) -> QuerySet[Attendance]:
    return meeting.attendance.select_related("user", "organisation")


def _agenda_item(case: AgendaCase) -> AgendaCase:
    return AgendaCase.objects.select_related("person", "presented_by", "carried_from__meeting").get(
        pk=case.pk
    )


def _consensus_out(consensus: Consensus) -> dict[str, Any]:
    sheet = None
    if consensus.status == ConsensusStatus.REACHED:
        sheet = (
            InformationSheet.objects.filter(consensus=consensus)
            .values_list("uuid", flat=True)
            .first()
        )
    return {
        "id": consensus.uuid,
        "status": consensus.status,
        "purpose": consensus.purpose,
        "requested_by": consensus.requested_by.email,
        "requested_at": consensus.requested_at,
        "closed_at": consensus.closed_at,
        "answers": list(consensus.votes.select_related("attendance__user").order_by("id")),
        "sheet": sheet,
    }


def _case_out(request, meeting: Meeting, case: AgendaCase) -> dict[str, Any]:
    """What the case page shows, by handle: the sheet and invitations only to members."""
    user = request.auth
    member = access.is_member(user, meeting.cell_id)
    consensus = None
    if member:
        found = Consensus.objects.filter(case=case).select_related("requested_by").first()
        consensus = _consensus_out(found) if found else None
    invitations = None
    if member:
        invitations = list(case.invitations.select_related("user__organisation"))
    return {
        "id": case.pk,
        "meeting": meeting.uuid,
        "position": case.position,
        "handle": case.person.handle,
        "minor": case.person.is_minor,
        "presented_by": case.presented_by.key,
        "carried_from": case.carried_from.meeting.uuid if case.carried_from else None,
        "contributions": list(access.contributions_for(case, user)),
        "open_actions": list(access.open_actions_for(case, user).exclude(case=case)),
        "summary": case.summary,
        "decisions": case.decisions,
        "discussed": case.discussed,
        "version": case.version,
        "actions": list(case.actions.select_related("owner", "case__meeting")),
        "invitations": invitations,
        "consensus": consensus,
        "entitled_to_identity": access.entitled_to_identity(user, case),
    }


def _minutes_out(request, meeting: Meeting, minutes: Minutes | None) -> dict[str, Any]:
    approved = minutes is not None and minutes.is_approved
    editable = (
        access.can_record(request.auth, meeting)
        and meeting.status == MeetingStatus.HELD
        and not approved
    )
    return {
        "meeting": meeting.uuid,
        "written": minutes is not None,
        "text": minutes.text if minutes else "",
        "version": minutes.version if minutes else None,
        "written_by": minutes.written_by.email if minutes else None,
        "updated_at": minutes.updated_at if minutes else None,
        "approved_at": minutes.approved_at if minutes else None,
        "approved_in": minutes.approved_in.uuid if minutes and minutes.approved_in else None,
        "editable": editable,
    }


def _discussion(case: AgendaCase) -> dict[str, Any]:
    return {
        "summary": case.summary,
        "decisions": case.decisions,
        "discussed": case.discussed,
        "version": case.version,
    }
