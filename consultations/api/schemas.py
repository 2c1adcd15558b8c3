"""Schemas of the consultations: cells, meetings and their register, the agenda, cases,
actions, invitations, the consensus, the declaration and the minutes."""

import datetime
from uuid import UUID

from ninja import Field, Schema

from consultations import access
from consultations.api.common import VERSION_HELP
from core.api import ErrorOut, display_name


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
