"""Case consultations of an LIVC-R in the API: meetings, their register and declarations,
the agenda of persons under their handle, each case's contributions, discussion and
actions, the consensus before an information sheet, and the minutes.

Through the same access functions, forms and services as the pages (consultations/access.py
says who sees what): a meeting or case outside the user's sight is a 404 (a case of a
meeting in sight is audited as "consultation.case.denied"), one in sight that the user may
not act on a 403, and the content of a meeting stays closed (403) to an invited participant
until they sign the confidentiality declaration. Input the forms refuse is a 400 with the
errors by field in the request's language, a body that does not fit the schema a 422 (see
config/api.py); a stale `version` is a 409 carrying the current one.

Persons appear by their handle only. Their identity comes only from the identity operation,
to those entitled to it, and each look is audited ("consultation.identity.revealed"). Every
read of a case is audited with the person as subject ("consultation.case.read"), and a
meeting's agenda with one row per person it shows ("consultation.agenda.read"). The
information sheet goes to a police member of the cell with a current TOTP code in the
X-Synergie-OTP header (step-up), watermarked and audited.
"""

import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import CursorPagination, paginate

from audit.services import record
from consultations import access, composition, ical, services
from consultations.forms import (
    ActionDoneForm,
    ActionForm,
    AddCaseForm,
    AttendanceForm,
    ConsensusRequestForm,
    DiscussionForm,
    InviteForm,
    MeetingForm,
    MinutesForm,
    VotesForm,
)
from consultations.models import (
    DECLARATION_VERSION,
    AgendaCase,
    Attendance,
    CaseAction,
    Consensus,
    ConsensusStatus,
    InformationSheet,
    Invitation,
    Meeting,
    MeetingStatus,
    Minutes,
)
from core.api import AUTHENTICATED, ErrorOut, display_name, require_write, step_up_refused
from core.forms import raise_form_errors
from platforms.models import Platform

router = Router(tags=["consultations"])

VERSION_HELP = "The version you read; 409 if it changed since"
TEXT_PLAIN = {"text/plain": {"schema": {"type": "string"}}}


# --- Schemas --------------------------------------------------------------------------------


class ConsultationMemberOut(Schema):
    email: str
    name: str


class ConsultationCellOut(Schema):
    """A cell (LIVC-R) the user sits in."""

    key: str
    name: str
    municipality: str
    municipalities: list[str] = Field(
        ..., description="Every municipality the cell serves (several for a joint cell)"
    )
    composition_gaps: list[str] = Field(
        ...,
        description="What the cell lacks today to sit as the law composes it (told to those "
        "who prepare its meetings; empty for the other members)",
    )
    can_prepare: bool = Field(..., description="You may schedule meetings and set the agenda")
    members: list[ConsultationMemberOut] = Field(
        ..., description="The members today: the chair and secretary are chosen among them"
    )


class ConsultationMeetingRowOut(Schema):
    """A meeting in a list: no person appears here."""

    id: UUID
    cell: str = Field(..., description="Key of the cell")
    cell_name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    location: str
    status: str = Field(..., description="planned, held or cancelled")
    member: bool = Field(..., description="You sit in the cell")
    must_sign: bool = Field(
        ..., description="You are invited and must sign the declaration before the content opens"
    )

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_cell(obj):
        return obj.cell.key

    @staticmethod
    def resolve_cell_name(obj):
        return obj.cell.display_name

    @staticmethod
    def resolve_member(obj, context):
        return obj.cell_id in access.member_cells(context["request"].auth)

    @staticmethod
    def resolve_must_sign(obj, context):
        member = obj.cell_id in access.member_cells(context["request"].auth)
        return not member and not obj.signed


class ConsultationMeetingHeaderOut(Schema):
    id: UUID
    cell: str = Field(..., description="Key of the cell")
    cell_name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    location: str
    status: str = Field(..., description="planned, held or cancelled")
    chair: str = Field(..., description="E-mail of the chair")
    secretary: str = Field(..., description="E-mail of the secretary")
    version: int


class ConsultationAgendaItemOut(Schema):
    """A case on the agenda: the person under their handle."""

    id: int = Field(..., description="The case on the agenda")
    position: int
    handle: str
    presented_by: str = Field(..., description="Key of the presenting organisation")
    carried_from: UUID | None = Field(
        None, description="The earlier meeting whose open actions brought the person back"
    )
    discussed: bool

    @staticmethod
    def resolve_handle(obj):
        return obj.person.handle

    @staticmethod
    def resolve_presented_by(obj):
        return obj.presented_by.key

    @staticmethod
    def resolve_carried_from(obj):
        return obj.carried_from.meeting.uuid if obj.carried_from_id else None


class ConsultationSeatOut(Schema):
    """A seat in the attendance register."""

    id: int = Field(..., description="The seat, to mark it present")
    email: str
    name: str
    organisation: str = Field(..., description="Key of the organisation")
    seat: str = Field(..., description="member or invited")
    legal_role: str
    present: bool
    declaration_signed_at: datetime.datetime | None

    @staticmethod
    def resolve_email(obj):
        return obj.user.email

    @staticmethod
    def resolve_name(obj):
        return display_name(obj.user)

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key


class ConsultationMeetingOut(ConsultationMeetingHeaderOut):
    """A meeting as the user may see it: the agenda by handle, the register for members."""

    member: bool = Field(..., description="You sit in the cell")
    must_sign: bool = Field(
        ..., description="Sign the declaration first: until then the agenda stays empty"
    )
    signed: bool = Field(..., description="You signed the current declaration")
    declaration_version: str
    can_prepare: bool
    can_record: bool
    can_chair: bool
    agenda: list[ConsultationAgendaItemOut] = Field(..., description="The cases you may see")
    attendance: list[ConsultationSeatOut] | None = Field(
        None, description="The attendance register (members only)"
    )
    minutes_written: bool = Field(..., description="Minutes exist (members only)")
    minutes_approved_at: datetime.datetime | None
    previous_meeting: UUID | None = Field(
        None, description="The cell's previous meeting, whose minutes this one approves"
    )
    previous_minutes_written: bool
    previous_minutes_approved_at: datetime.datetime | None


class ConsultationMeetingConflictOut(ErrorOut):
    current_version: int


class ConsultationContributionOut(Schema):
    """What a partner shared with the cell about the person, in force, and on which basis."""

    id: UUID
    organisation: str = Field(..., description="Key of the contributing organisation")
    kind: str
    text: str
    legal_basis: str
    purpose: str
    consent_expires_on: datetime.date | None
    created_at: datetime.datetime

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_organisation(obj):
        return obj.file.organisation.key


class ConsultationActionOut(Schema):
    id: int
    case: int = Field(..., description="The case on the agenda that decided it")
    meeting: UUID = Field(..., description="The meeting that decided it")
    text: str
    owner: str = Field(..., description="Key of the organisation that does it")
    due_on: datetime.date
    done_on: datetime.date | None
    follow_up: str

    @staticmethod
    def resolve_case(obj):
        return obj.case_id

    @staticmethod
    def resolve_meeting(obj):
        return obj.case.meeting.uuid

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.key


class ConsultationInvitationOut(Schema):
    email: str
    name: str
    organisation: str | None = Field(None, description="Key of the participant's organisation")
    reason: str
    invited_at: datetime.datetime

    @staticmethod
    def resolve_email(obj):
        return obj.user.email

    @staticmethod
    def resolve_name(obj):
        return display_name(obj.user)

    @staticmethod
    def resolve_organisation(obj):
        return obj.user.organisation.key if obj.user.organisation_id else None


class ConsultationAnswerOut(Schema):
    seat: int
    email: str
    agrees: bool
    recorded_at: datetime.datetime

    @staticmethod
    def resolve_seat(obj):
        return obj.attendance_id

    @staticmethod
    def resolve_email(obj):
        return obj.attendance.user.email


class ConsultationConsensusOut(Schema):
    id: UUID
    status: str = Field(..., description="open, reached or not_reached")
    purpose: str
    requested_by: str = Field(..., description="E-mail of the police member")
    requested_at: datetime.datetime
    closed_at: datetime.datetime | None
    answers: list[ConsultationAnswerOut]
    sheet: UUID | None = Field(None, description="The information sheet, once consensus is reached")


class ConsultationCaseOut(Schema):
    """One case of the agenda, never the identity of the person."""

    id: int
    meeting: UUID
    position: int
    handle: str
    minor: bool
    presented_by: str = Field(..., description="Key of the presenting organisation")
    carried_from: UUID | None
    contributions: list[ConsultationContributionOut] = Field(
        ..., description="What partners shared with the cell, in force today"
    )
    open_actions: list[ConsultationActionOut] = Field(
        ..., description="The person's open actions set by earlier meetings of the cell"
    )
    summary: str
    decisions: str
    discussed: bool
    version: int = Field(..., description="Of the discussion")
    actions: list[ConsultationActionOut] = Field(..., description="Decided at this meeting")
    invitations: list[ConsultationInvitationOut] | None = Field(
        None, description="Who is invited for this case (members only)"
    )
    consensus: ConsultationConsensusOut | None = Field(
        None, description="The consensus on an information sheet (members only)"
    )
    entitled_to_identity: bool = Field(..., description="You may ask for the identity")


class ConsultationIdentityOut(Schema):
    handle: str
    name: str
    date_of_birth: datetime.date | None
    municipality: str


class ConsultationDiscussionOut(Schema):
    summary: str
    decisions: str
    discussed: bool
    version: int


class ConsultationDiscussionConflictOut(ErrorOut):
    current_version: int
    current: ConsultationDiscussionOut


class ConsultationDeclarationOut(Schema):
    version: str
    signed_at: datetime.datetime


class ConsultationMinutesOut(Schema):
    meeting: UUID
    written: bool
    text: str
    version: int | None
    written_by: str | None = Field(None, description="E-mail of who wrote them last")
    updated_at: datetime.datetime | None
    approved_at: datetime.datetime | None
    approved_in: UUID | None = Field(None, description="The meeting that approved them")
    editable: bool = Field(..., description="You may write them now")


class ConsultationMeetingIn(Schema):
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    location: str
    chair: str = Field(..., description="E-mail of a member of the cell")
    secretary: str = Field(..., description="E-mail of a member of the cell")


class ConsultationMeetingPatch(Schema):
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None
    location: str | None = None
    chair: str | None = Field(None, description="E-mail of a member of the cell")
    secretary: str | None = Field(None, description="E-mail of a member of the cell")
    version: int = Field(..., description=VERSION_HELP)


class ConsultationStatusIn(Schema):
    status: str = Field(..., description="held (chair or secretary) or cancelled")


class ConsultationDeclarationIn(Schema):
    agree: bool = Field(..., description="true: you sign the confidentiality declaration")


class ConsultationAttendanceIn(Schema):
    present: list[int] = Field(
        ..., max_length=500, description="Ids of the seats present; the others are absent"
    )


class ConsultationCaseIn(Schema):
    handle: str = Field(..., description="Handle of a person shared with the cell")
    presented_by: str = Field(..., description="Key of the organisation of a member")


class ConsultationDiscussionIn(Schema):
    summary: str = ""
    decisions: str = ""
    discussed: bool = False
    version: int = Field(..., description=VERSION_HELP)


class ConsultationActionIn(Schema):
    text: str
    owner: str = Field(..., description="Key of the organisation that does it")
    due_on: datetime.date


class ConsultationActionDoneIn(Schema):
    follow_up: str = ""
    done_on: datetime.date | None = Field(None, description="Today when left out")


class ConsultationInvitationIn(Schema):
    email: str = Field(..., description="E-mail of the professional")
    reason: str = Field(..., description="Why they are invited for this case")


class ConsultationConsensusIn(Schema):
    purpose: str = Field(..., description="Purpose of the information sheet")


class ConsultationAnswersIn(Schema):
    answers: dict[int, bool] = Field(
        ..., description="Seat id of every member present: true if they agree"
    )


class ConsultationMinutesIn(Schema):
    text: str
    version: int | None = Field(None, description="The version you read, once minutes exist")


# --- Helpers --------------------------------------------------------------------------------


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


# --- Cells and meetings ---------------------------------------------------------------------


@router.get(
    "/cells",
    response=list[ConsultationCellOut],
    auth=AUTHENTICATED,
    url_name="list_consultation_cells",
    summary="The cells (LIVC-R) you sit in, with their members today",
)
def list_consultation_cells(request):
    user = request.auth
    cells = list(access.cells_for_user(user).order_by("key"))
    gaps = composition.gaps_told_to(user, cells)
    return [
        {
            "key": cell.key,
            "name": cell.display_name,
            "municipality": cell.municipality,
            "municipalities": cell.municipalities,
            "composition_gaps": gaps.get(cell.pk, []),
            "can_prepare": access.can_prepare(user, cell.pk),
            "members": [
                {"email": member.email, "name": display_name(member)}
                for member in services.member_accounts(cell)
            ],
        }
        for cell in cells
    ]


@router.get(
    "/meetings",
    response=list[ConsultationMeetingRowOut],
    auth=AUTHENTICATED,
    url_name="list_consultations",
    summary="The meetings of your cells and those you are invited to, latest first",
)
@paginate(CursorPagination, ordering=("-starts_at", "-id"))
def list_consultations(request):
    user = request.auth
    signed = Attendance.objects.filter(
        meeting=OuterRef("pk"),
        user=user,
        declaration_signed_at__isnull=False,
        declaration_version=DECLARATION_VERSION,
    )
    return access.visible_meetings(user).select_related("cell").annotate(signed=Exists(signed))


@router.post(
    "/cells/{cell_key}/meetings",
    response={201: ConsultationMeetingHeaderOut},
    auth=AUTHENTICATED,
    url_name="schedule_consultation",
    summary="Schedule a meeting of the cell: its register and carried-over cases follow "
    "(chair, secretary, prevention officer)",
)
def schedule_consultation(request, cell_key: str, payload: ConsultationMeetingIn):
    require_write(request)
    cell = access.get_cell_for_user(request.auth, cell_key)
    access.require(access.can_prepare(request.auth, cell.pk))
    form = _meeting_form(payload.dict(), cell)
    raise_form_errors(form)
    meeting = services.schedule_meeting(cell, form.cleaned_data, acting_user=request.auth)
    return Status(201, _header(_meeting(request, meeting.uuid)))


@router.get(
    "/meetings/{meeting_uuid}",
    response=ConsultationMeetingOut,
    auth=AUTHENTICATED,
    url_name="get_consultation",
    summary="A meeting: the agenda by handle as you may see it, the register for members",
)
def get_consultation(request, meeting_uuid: UUID):
    return _meeting_out(request, _meeting(request, meeting_uuid))


@router.patch(
    "/meetings/{meeting_uuid}",
    response={200: ConsultationMeetingHeaderOut, 409: ConsultationMeetingConflictOut},
    auth=AUTHENTICATED,
    url_name="patch_consultation",
    summary="Change the time, place, chair or secretary of a meeting (those who prepare it)",
)
def patch_consultation(request, meeting_uuid: UUID, payload: ConsultationMeetingPatch):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    access.require(access.can_prepare(request.auth, meeting.cell_id))
    data = {
        **MeetingForm.initial_for(meeting),
        "chair": meeting.chair.email,
        "secretary": meeting.secretary.email,
    }
    data.update(payload.dict(exclude_unset=True, exclude={"version"}))
    form = _meeting_form(data, meeting.cell)
    raise_form_errors(form)
    try:
        services.update_meeting(
            meeting, form.cleaned_data, payload.version, acting_user=request.auth
        )
    except services.EditConflict as conflict:
        return Status(
            409, {"detail": _conflict_detail(), "current_version": conflict.current.version}
        )
    return _header(_meeting(request, meeting_uuid))


@router.post(
    "/meetings/{meeting_uuid}/status",
    response=ConsultationMeetingHeaderOut,
    auth=AUTHENTICATED,
    url_name="set_consultation_status",
    summary="Mark a meeting as held (chair or secretary, once started) or cancel it "
    "(those who prepare it, while planned)",
)
def set_consultation_status(request, meeting_uuid: UUID, payload: ConsultationStatusIn):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    services.set_status(meeting, payload.status, acting_user=request.auth)
    return _header(_meeting(request, meeting_uuid))


@router.get(
    "/meetings/{meeting_uuid}/calendar",
    response={404: ErrorOut},
    auth=AUTHENTICATED,
    url_name="get_consultation_calendar",
    summary="The meeting as a calendar file (.ics): time and place, never a person",
    openapi_extra={
        "responses": {
            200: {
                "description": "An iCalendar file",
                "content": {"text/calendar": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_consultation_calendar(request, meeting_uuid: UUID):
    meeting = _meeting(request, meeting_uuid)
    response = HttpResponse(ical.meeting_calendar(meeting), content_type="text/calendar")
    response["Content-Disposition"] = content_disposition_header(True, "consultation.ics")
    return response


@router.post(
    "/meetings/{meeting_uuid}/declaration",
    response=ConsultationDeclarationOut,
    auth=AUTHENTICATED,
    url_name="sign_consultation_declaration",
    summary="Sign the confidentiality declaration of the meeting (invited participants)",
)
def sign_consultation_declaration(request, meeting_uuid: UUID, payload: ConsultationDeclarationIn):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    if access.is_member(request.auth, meeting.cell_id):
        raise ValidationError(_("Members of the cell do not sign this declaration."))
    if not payload.agree:
        raise ValidationError({"agree": [_("Agree to the declaration to sign it.")]})
    seat = services.sign_declaration(meeting, acting_user=request.auth)
    return {"version": seat.declaration_version, "signed_at": seat.declaration_signed_at}


@router.put(
    "/meetings/{meeting_uuid}/attendance",
    response=list[ConsultationSeatOut],
    auth=AUTHENTICATED,
    url_name="put_consultation_attendance",
    summary="Record who is present (the meeting's chair or secretary); "
    "an invited participant only once they signed",
)
def put_consultation_attendance(request, meeting_uuid: UUID, payload: ConsultationAttendanceIn):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    access.require(access.can_record(request.auth, meeting))
    form = AttendanceForm({"present": [str(pk) for pk in payload.present]}, meeting=meeting)
    raise_form_errors(form)
    services.record_attendance(meeting, form.present_ids(), acting_user=request.auth)
    return list(_register(meeting))


# --- The agenda ------------------------------------------------------------------------------


@router.post(
    "/meetings/{meeting_uuid}/cases",
    response={201: ConsultationAgendaItemOut},
    auth=AUTHENTICATED,
    url_name="add_consultation_case",
    summary="Put a person shared with the cell on the agenda, by handle (those who prepare it)",
)
def add_consultation_case(request, meeting_uuid: UUID, payload: ConsultationCaseIn):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    access.require(access.can_prepare(request.auth, meeting.cell_id))
    form = AddCaseForm(payload.dict(), meeting=meeting)
    raise_form_errors(form)
    case = services.add_case(
        meeting,
        form.cleaned_data["handle"],
        form.cleaned_data["presented_by"],
        acting_user=request.auth,
    )
    return Status(201, _agenda_item(case))


@router.get(
    "/meetings/{meeting_uuid}/cases/{case_id}",
    response=ConsultationCaseOut,
    auth=AUTHENTICATED,
    url_name="get_consultation_case",
    summary="A case: contributions in force, open actions, discussion, actions, consensus",
)
def get_consultation_case(request, meeting_uuid: UUID, case_id: int):
    meeting, case = _case(request, meeting_uuid, case_id)
    return _case_out(request, meeting, case)


@router.delete(
    "/meetings/{meeting_uuid}/cases/{case_id}",
    response={204: None},
    auth=AUTHENTICATED,
    url_name="remove_consultation_case",
    summary="Take a case without actions off the agenda of a planned meeting "
    "(those who prepare it)",
)
def remove_consultation_case(request, meeting_uuid: UUID, case_id: int):
    require_write(request)
    _meeting_found, case = _case(request, meeting_uuid, case_id)
    services.remove_case(case, acting_user=request.auth)
    return Status(204, None)


@router.post(
    "/meetings/{meeting_uuid}/cases/{case_id}/identity",
    response=ConsultationIdentityOut,
    auth=AUTHENTICATED,
    url_name="reveal_consultation_identity",
    summary="Who the handle stands for (members; the participant invited for the case): "
    "each look is recorded",
)
def reveal_consultation_identity(request, meeting_uuid: UUID, case_id: int):
    _meeting_found, case = _case(request, meeting_uuid, case_id)
    access.require(access.entitled_to_identity(request.auth, case))
    person = case.person
    record(
        "consultation.identity.revealed",
        actor=request.auth,
        target=case,
        subject=person.uuid,
        via="api",
    )
    return {
        "handle": person.handle,
        "name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "municipality": person.municipality,
    }


@router.put(
    "/meetings/{meeting_uuid}/cases/{case_id}/discussion",
    response={200: ConsultationDiscussionOut, 409: ConsultationDiscussionConflictOut},
    auth=AUTHENTICATED,
    url_name="put_consultation_discussion",
    summary="Record the summary, decisions and whether the case was discussed "
    "(the meeting's chair or secretary)",
)
def put_consultation_discussion(
    request, meeting_uuid: UUID, case_id: int, payload: ConsultationDiscussionIn
):
    require_write(request)
    meeting, case = _case(request, meeting_uuid, case_id)
    access.require(access.can_record(request.auth, meeting))
    form = DiscussionForm(payload.dict())
    raise_form_errors(form)
    try:
        saved = services.record_discussion(
            case, form.data_for_service(), form.cleaned_data["version"], acting_user=request.auth
        )
    except services.EditConflict as conflict:
        current = conflict.current
        return Status(
            409,
            {
                "detail": _conflict_detail(),
                "current_version": current.version,
                "current": _discussion(current),
            },
        )
    return _discussion(saved)


@router.post(
    "/meetings/{meeting_uuid}/cases/{case_id}/actions",
    response={201: ConsultationActionOut},
    auth=AUTHENTICATED,
    url_name="add_consultation_action",
    summary="Ask an organisation to do something about the person by a date "
    "(the meeting's chair or secretary)",
)
def add_consultation_action(
    request, meeting_uuid: UUID, case_id: int, payload: ConsultationActionIn
):
    require_write(request)
    meeting, case = _case(request, meeting_uuid, case_id)
    access.require(access.can_record(request.auth, meeting))
    form = ActionForm(payload.dict(), case=case)
    raise_form_errors(form)
    action = services.add_action(case, form.cleaned_data, acting_user=request.auth)
    return Status(
        201, CaseAction.objects.select_related("owner", "case__meeting").get(pk=action.pk)
    )


@router.post(
    "/actions/{action_id}/done",
    response=ConsultationActionOut,
    auth=AUTHENTICATED,
    url_name="complete_consultation_action",
    summary="Record the follow-up of an action and mark it done "
    "(those who prepare the cell's meetings, the meeting's chair or secretary)",
)
def complete_consultation_action(request, action_id: int, payload: ConsultationActionDoneIn):
    require_write(request)
    action = access.get_action_for_user(request.auth, action_id)
    allowed = access.can_prepare(request.auth, action.cell_id) or access.can_record(
        request.auth, action.case.meeting
    )
    access.require(allowed)
    form = ActionDoneForm(
        {"follow_up": payload.follow_up, "done_on": payload.done_on or timezone.localdate()}
    )
    raise_form_errors(form)
    return services.complete_action(
        action,
        form.cleaned_data["follow_up"],
        form.cleaned_data["done_on"],
        acting_user=request.auth,
    )


@router.post(
    "/meetings/{meeting_uuid}/cases/{case_id}/invitations",
    response={201: ConsultationInvitationOut},
    auth=AUTHENTICATED,
    url_name="invite_to_consultation_case",
    summary="Invite a professional for this case only, with the reason (those who prepare it)",
)
def invite_to_consultation_case(
    request, meeting_uuid: UUID, case_id: int, payload: ConsultationInvitationIn
):
    require_write(request)
    meeting, case = _case(request, meeting_uuid, case_id)
    access.require(access.can_prepare(request.auth, meeting.cell_id))
    form = InviteForm(payload.dict())
    raise_form_errors(form)
    invitation = services.invite(
        case, form.cleaned_data["email"], form.cleaned_data["reason"], acting_user=request.auth
    )
    return Status(
        201, Invitation.objects.select_related("user__organisation").get(pk=invitation.pk)
    )


# --- Consensus and the information sheet -------------------------------------------------------


@router.post(
    "/meetings/{meeting_uuid}/cases/{case_id}/consensus",
    response={201: ConsultationConsensusOut},
    auth=AUTHENTICATED,
    url_name="request_consultation_consensus",
    summary="Ask the members present whether an information sheet on the discussed person "
    "may go to OCAM/CUTA (the police member)",
)
def request_consultation_consensus(
    request, meeting_uuid: UUID, case_id: int, payload: ConsultationConsensusIn
):
    require_write(request)
    meeting, case = _case(request, meeting_uuid, case_id)
    access.require(access.is_police_member(request.auth, meeting.cell_id))
    form = ConsensusRequestForm(payload.dict())
    raise_form_errors(form)
    consensus = services.request_consensus(
        case, form.cleaned_data["purpose"], acting_user=request.auth
    )
    return Status(201, _consensus_out(consensus))


@router.post(
    "/meetings/{meeting_uuid}/cases/{case_id}/consensus/answers",
    response=ConsultationConsensusOut,
    auth=AUTHENTICATED,
    url_name="record_consultation_answers",
    summary="Record the answer of every member present (the chair): "
    "reached only if all agree, and then the sheet is made",
)
def record_consultation_answers(
    request, meeting_uuid: UUID, case_id: int, payload: ConsultationAnswersIn
):
    require_write(request)
    meeting, case = _case(request, meeting_uuid, case_id)
    access.require(access.can_chair(request.auth, meeting))
    consensus = Consensus.objects.filter(case=case, status=ConsensusStatus.OPEN).first()
    if consensus is None:
        raise ValidationError(_("No consensus is being recorded for this case."))
    consensus.case = case
    answers = {f"vote_{pk}": "yes" if agrees else "no" for pk, agrees in payload.answers.items()}
    form = VotesForm(answers, case=case)
    if set(payload.answers) != {seat.pk for seat in form.voters}:
        raise ValidationError({"answers": [_("Record the answer of every member present.")]})
    raise_form_errors(form)
    consensus = services.record_votes(consensus, form.answers(), acting_user=request.auth)
    return _consensus_out(consensus)


@router.get(
    "/sheets/{sheet_uuid}",
    response={403: ErrorOut, 404: ErrorOut},
    auth=AUTHENTICATED,
    url_name="download_consultation_sheet",
    summary="Download the information sheet, watermarked (a police member of the cell; "
    "step-up: X-Synergie-OTP)",
    openapi_extra={"responses": {200: {"description": "The sheet as text", "content": TEXT_PLAIN}}},
)
def download_consultation_sheet(request, sheet_uuid: UUID):
    sheet = access.get_sheet_for_user(request.auth, sheet_uuid)
    refused = step_up_refused(request)
    if refused:
        return refused
    text = services.sheet_download(sheet, acting_user=request.auth)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        True, f"information-sheet-{sheet.uuid}.txt"
    )
    add_never_cache_headers(response)
    return response


# --- Minutes -----------------------------------------------------------------------------------


@router.get(
    "/meetings/{meeting_uuid}/minutes",
    response=ConsultationMinutesOut,
    auth=AUTHENTICATED,
    url_name="get_consultation_minutes",
    summary="The minutes of a meeting (members of the cell)",
)
def get_consultation_minutes(request, meeting_uuid: UUID):
    meeting = _meeting(request, meeting_uuid)
    minutes = access.get_minutes_for_user(request.auth, meeting)
    if minutes is not None:
        record("consultation.minutes.read", actor=request.auth, target=minutes, via="api")
    return _minutes_out(request, meeting, minutes)


@router.put(
    "/meetings/{meeting_uuid}/minutes",
    response={200: ConsultationMinutesOut, 409: ConsultationMeetingConflictOut},
    auth=AUTHENTICATED,
    url_name="put_consultation_minutes",
    summary="Write the minutes of a held meeting until they are approved "
    "(the meeting's chair or secretary)",
)
def put_consultation_minutes(request, meeting_uuid: UUID, payload: ConsultationMinutesIn):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    access.get_minutes_for_user(request.auth, meeting)
    access.require(access.can_record(request.auth, meeting))
    form = MinutesForm(payload.dict())
    raise_form_errors(form)
    try:
        minutes = services.write_minutes(
            meeting,
            form.cleaned_data["text"],
            form.cleaned_data["version"],
            acting_user=request.auth,
        )
    except services.EditConflict as conflict:
        return Status(
            409, {"detail": _conflict_detail(), "current_version": conflict.current.version}
        )
    return _minutes_out(request, meeting, minutes)


@router.post(
    "/meetings/{meeting_uuid}/minutes/approve",
    response=ConsultationMinutesOut,
    auth=AUTHENTICATED,
    url_name="approve_consultation_minutes",
    summary="At this meeting, approve the minutes of the cell's previous meeting (the chair)",
)
def approve_consultation_minutes(request, meeting_uuid: UUID):
    require_write(request)
    meeting = _meeting(request, meeting_uuid)
    minutes = services.approve_minutes(meeting, acting_user=request.auth)
    previous = Meeting.objects.select_related("cell").get(pk=minutes.meeting_id)
    return _minutes_out(request, previous, minutes)
