"""Schemas of a case file and what is kept in it: team, timeline, journal, plans, documents…"""

import datetime
from uuid import UUID

from ninja import Field, Schema

from cases.api.common import VERSION_HELP
from cases.models import Sphere
from core.api import ErrorOut, display_name


class PersonOut(Schema):
    """The person header: minimal identity, the national number masked."""

    id: UUID
    handle: str
    minor: bool
    name: str
    age: int | None
    municipality: str
    languages: list[str]
    national_number: str = Field(..., description="Masked; reveal it with step-up")

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_minor(obj):
        return obj.is_minor

    @staticmethod
    def resolve_name(obj):
        return obj.full_name

    @staticmethod
    def resolve_national_number(obj):
        return obj.masked_national_number


class TeamMemberOut(Schema):
    user_id: int = Field(..., description="The colleague's user id")
    name: str
    email: str
    role: str = Field(..., description="manager or member")

    @staticmethod
    def resolve_name(obj):
        return display_name(obj.user)

    @staticmethod
    def resolve_email(obj):
        return obj.user.email


class FileSummaryOut(Schema):
    id: UUID
    person: PersonOut
    organisation: str = Field(..., description="Key of the organisation keeping the file")
    status: str = Field(..., description="open or closed")
    phase: str
    context: str
    opened_on: datetime.date
    next_review_on: datetime.date | None
    review_overdue: bool
    updated_at: datetime.datetime
    version: int
    my_role: str = Field(..., description="manager, member, or empty for break-glass access")

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key

    @staticmethod
    def resolve_my_role(obj):
        return getattr(obj, "my_role", "") or ""


class FileListOut(FileSummaryOut):
    referral_overdue: bool = Field(..., description="A referral to a service awaits its step")


class FileOut(FileSummaryOut):
    manager: str = Field(..., description="E-mail of the case manager")
    closed_on: datetime.date | None
    closure_reason: str
    outcome: str
    closure_note: str
    team: list[TeamMemberOut]

    @staticmethod
    def resolve_manager(obj):
        return obj.manager.email

    @staticmethod
    def resolve_team(obj):
        return list(obj.team.select_related("user").order_by("role", "user__full_name"))


class FileConflictOut(ErrorOut):
    current_version: int
    phase: str
    context: str
    next_review_on: datetime.date | None
    status: str


class CaseFileFilter(Schema):
    q: str | None = Field(None, description="Handle, or whole words of the name")
    status: str | None = Field(None, description="open or closed")
    phase: str | None = None
    sphere: str | None = Field(None, description="A sphere of life with open goals")
    overdue_review: bool | None = None
    overdue_referral: bool | None = None


class NationalNumberOut(Schema):
    national_number: str


class FilePatch(Schema):
    phase: str | None = None
    context: str | None = None
    next_review_on: datetime.date | None = Field(None, description="null clears it")
    version: int = Field(..., description=VERSION_HELP)


class CloseIn(Schema):
    closure_reason: str
    outcome: str
    closure_note: str = ""
    version: int | None = Field(None, description=VERSION_HELP)


class EntryOut(Schema):
    id: UUID
    kind: str = Field(..., description="note, contact or event")
    occurred_on: datetime.date
    text: str
    author: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    version: int

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_author(obj):
        return display_name(obj.author)


class EntryIn(Schema):
    kind: str = Field(..., description="note, contact or event")
    occurred_on: datetime.date | None = Field(None, description="Today when left out")
    text: str


class EntryPatch(Schema):
    kind: str | None = None
    occurred_on: datetime.date | None = None
    text: str | None = None
    version: int = Field(..., description=VERSION_HELP)


class EntryConflictOut(ErrorOut):
    current_version: int
    current: EntryOut


class SphereParts(Schema):
    needs: str = ""
    protective: str = Field("", description="Protective factors")
    concerns: str = ""


class EvaluationOut(Schema):
    id: UUID
    evaluated_on: datetime.date
    author: str
    signed_at: datetime.datetime
    summary: str = Field(..., description="The diagnosis, in the author's words")
    spheres: dict[str, SphereParts]
    instrument: str
    instrument_on: datetime.date | None
    instrument_assessor: str
    instrument_summary: str

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_author(obj):
        return display_name(obj.author)


class EvaluationIn(Schema):
    evaluated_on: datetime.date | None = Field(None, description="Today when left out")
    summary: str = Field(..., description="The diagnosis")
    spheres: dict[Sphere, SphereParts] = Field(
        default_factory=dict, description="Per sphere of life: needs, protective, concerns"
    )
    instrument: str = Field("", description="Name of an instrument used elsewhere, if any")
    instrument_on: datetime.date | None = None
    instrument_assessor: str = ""
    instrument_summary: str = ""


class GoalOut(Schema):
    sphere: str
    description: str
    partner: str = Field(..., description="Key of the responsible organisation")
    interventions: str
    starts_on: datetime.date | None
    due_on: datetime.date | None
    progress: str
    progress_note: str

    @staticmethod
    def resolve_partner(obj):
        return obj.partner.key


class GuidancePlanOut(Schema):
    id: UUID
    number: int = Field(..., description="Version number of the plan")
    status: str = Field(..., description="draft, approved or superseded")
    phase: str
    context: str
    review_on: datetime.date
    created_by: str
    created_at: datetime.datetime
    approved_by: str | None
    approved_at: datetime.datetime | None
    version: int
    goals: list[GoalOut]

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_created_by(obj):
        return display_name(obj.created_by)

    @staticmethod
    def resolve_approved_by(obj):
        return display_name(obj.approved_by) or None

    @staticmethod
    def resolve_goals(obj):
        return list(obj.goals.all())


class GoalIn(Schema):
    sphere: str
    description: str
    partner: str = Field(..., description="Key of the responsible organisation")
    interventions: str = ""
    starts_on: datetime.date | None = None
    due_on: datetime.date | None = None
    progress: str = "planned"
    progress_note: str = ""


class GuidancePlanIn(Schema):
    phase: str
    context: str
    review_on: datetime.date
    goals: list[GoalIn] = Field(..., max_length=40, description="All goals, in order")
    version: int | None = Field(
        None,
        description="The draft's version you read (409 if it changed); needed once a draft exists",
    )


class GuidancePlanConflictOut(ErrorOut):
    current_version: int
    current: GuidancePlanOut


class ApproveIn(Schema):
    version: int = Field(..., description="The version of the draft that was read")


class CheckOut(Schema):
    checked_on: datetime.date
    compliance: str
    note: str
    author: str

    @staticmethod
    def resolve_author(obj):
        return display_name(obj.author)


class ConditionOut(Schema):
    id: UUID
    imposed_by: str
    imposed_on: datetime.date
    until: datetime.date | None
    text: str
    justice_assistant: str | None = Field(None, description="E-mail of the justice assistant")
    checks: list[CheckOut]

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_justice_assistant(obj):
        return obj.justice_assistant.email if obj.justice_assistant_id else None

    @staticmethod
    def resolve_checks(obj):
        return list(obj.checks.all())


class ConditionIn(Schema):
    imposed_by: str
    imposed_on: datetime.date
    until: datetime.date | None = None
    text: str
    justice_assistant: str | None = Field(None, description="E-mail of a team member")


class CheckIn(Schema):
    checked_on: datetime.date | None = Field(None, description="Today when left out")
    compliance: str = Field(..., description="complied, partly or not_complied")
    note: str = ""


class TeamMemberIn(Schema):
    user: str = Field(..., description="E-mail of a case worker of the file's organisation")


class AttachmentOut(Schema):
    """A document of a file: its name and size; download it for its content."""

    id: UUID
    name: str
    content_type: str
    size: int = Field(..., description="In bytes")
    uploaded_by: str
    uploaded_at: datetime.datetime

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_uploaded_by(obj):
        return display_name(obj.uploaded_by)


class TimelineFilter(Schema):
    kind: str | None = Field(
        None, description="journal, evaluation, plan, sharing, referral or condition"
    )


class TimelineItemOut(Schema):
    """One item of a file's history, with what the file's page shows of it."""

    type: str = Field(
        ..., description="journal, evaluation, plan, contribution, referral, condition or check"
    )
    kind: str = Field(..., description="The ?kind= it is shown under")
    id: UUID = Field(..., description="The item's id; for a check, its condition's")
    on: datetime.date = Field(..., description="Its date in the timeline")
    at: datetime.datetime | None = Field(None, description="When it was recorded, where known")
    by: str = Field(..., description="Its author; for a condition, who imposed it")
    detail: str = Field(
        "",
        description="Journal or contribution kind, plan version number, or the service referred to",
    )
    text: str = Field("", description="Journal text, diagnosis, text shared, condition, note")
    status: str = Field("", description="Of a plan, a contribution, a referral; a check's finding")
    overdue: bool = Field(False, description="A referral awaits its next step after its date")


class TimelineOut(Schema):
    items: list[TimelineItemOut] = Field(..., description="Newest first")
    truncated: bool = Field(
        ..., description="A kind had more items than the limit: the oldest are left out"
    )
    limit: int = Field(..., description="At most this many items of each kind")
