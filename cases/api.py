"""Cases in the API: a user's case files and everything the pages do with them — team,
timeline, journal, evaluations, guidance plans, judges' conditions, documents, the shared
file, referral intake, closed-loop referrals to services, handovers, break-glass — and the
DPO's disclosure log of a person and review of break-glass uses.

Through the same access functions, forms and services as the pages: a file outside the
user's cases is a 404 (and the attempt is audited as "case.file.denied"), a file in sight
that the user may not act on a 403; input the forms refuse is a 400 with the errors by
field in the request's language, a body that does not fit the schema a 422 (see
config/api.py); a stale `version` is a 409 carrying the current one. Nothing is scored.

Every read writes its audit row: loading a file records the endpoint's action
("case.file.viewed", "case.journal.listed"…, or "case.file.accessed" when the file is only
loaded to act on it, the act itself being recorded by the service); a list records one
row per person it returned. Revealing a national number, exporting a file and break-glass
need a current TOTP code in the X-Synergie-OTP header (step-up).
"""

import datetime
import re
from typing import Any, cast
from uuid import UUID

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.datastructures import MultiValueDict
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import Field, File, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import CursorPagination, paginate

from audit.services import record_person_reads
from cases import access, search, services
from cases.forms import (
    SPHERE_PARTS,
    AnswerForm,
    AttachmentForm,
    BreakGlassForm,
    CaseFilterForm,
    CloseForm,
    ConditionCheckForm,
    ConditionForm,
    ContributionForm,
    DecideReferralForm,
    EntryForm,
    EvaluationForm,
    FileForm,
    GoalFormSet,
    HandoverDecisionForm,
    HandoverForm,
    PlanForm,
    ReferralDecision,
    ReferralForm,
    ReviewForm,
    ServiceReferralForm,
    TeamForm,
    WithdrawForm,
    goals_from,
    receiving_organisations,
)
from cases.models import (
    Attachment,
    CaseFile,
    Condition,
    ConditionCheck,
    Contribution,
    Goal,
    GuidancePlan,
    Handover,
    JournalEntry,
    PlanStatus,
    ReferralStatus,
    ServiceReferral,
    ServiceReferralStatus,
    Sphere,
    TeamMember,
    TeamRole,
)
from cases.timeline import TIMELINE_KINDS, TIMELINE_LIMIT, file_timeline
from core.api import AUTHENTICATED, ErrorOut, display_name, require_write, step_up_refused
from core.forms import raise_form_errors

router = Router(tags=["cases"])

VERSION_HELP = "The version you read; 409 if it changed since"


# --- Schemas --------------------------------------------------------------------------------


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


class ContributionOut(Schema):
    id: UUID
    organisation: str = Field(..., description="Key of the contributing organisation")
    author: str
    kind: str
    text: str
    legal_basis: str
    consent_reference: str
    consent_expires_on: datetime.date | None
    guardian: str
    purpose: str
    to_livc: str | None = Field(None, description="Key of the LIVC-R")
    recipients: list[str] = Field(..., description="Keys of the partner organisations")
    created_at: datetime.datetime
    active: bool
    withdrawn_at: datetime.datetime | None
    withdrawal_reason: str

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_organisation(obj):
        return obj.file.organisation.key

    @staticmethod
    def resolve_author(obj):
        return display_name(obj.author)

    @staticmethod
    def resolve_to_livc(obj):
        return obj.to_livc.key if obj.to_livc_id else None

    @staticmethod
    def resolve_recipients(obj):
        return sorted(o.key for o in obj.recipients.all())

    @staticmethod
    def resolve_active(obj):
        return obj.is_active


class ContributionIn(Schema):
    kind: str = Field(..., description="summary, decision or plan_step")
    text: str
    purpose: str
    legal_basis: str
    consent_reference: str = ""
    consent_expires_on: datetime.date | None = None
    guardian: str = Field("", description="For a minor: consented, informed or not_involved")
    to_livc: str | None = Field(None, description="Key of the LIVC-R")
    recipients: list[str] = Field(default_factory=list, description="Organisation keys")


class WithdrawIn(Schema):
    reason: str


class ReferralOut(Schema):
    """A referral as its referral officers see it."""

    id: UUID
    person: PersonOut
    organisation: str = Field(..., description="Key of the receiving organisation")
    source: str
    referrer_organisation: str | None
    referrer_name: str
    concern: str
    received_on: datetime.date
    urgency: str
    awareness: str
    consent: str
    guardian: str
    guardian_reason: str
    status: str
    decision_note: str
    redirected_to: UUID | None = Field(None, description="The service it was redirected to")
    file: UUID | None = Field(None, description="The file opened on accepting it")
    decided_at: datetime.datetime | None
    version: int

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key

    @staticmethod
    def resolve_referrer_organisation(obj):
        return obj.referrer_organisation.key if obj.referrer_organisation_id else None

    @staticmethod
    def resolve_redirected_to(obj):
        return obj.redirected_to.uuid if obj.redirected_to_id else None

    @staticmethod
    def resolve_file(obj):
        return obj.file.uuid if obj.file_id else None


class SentReferralOut(Schema):
    """What the author of a referral sees of it: its status."""

    id: UUID
    handle: str
    minor: bool
    organisation: str
    received_on: datetime.date
    urgency: str
    status: str

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_handle(obj):
        return obj.person.handle

    @staticmethod
    def resolve_minor(obj):
        return obj.person.is_minor

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key


class ReferralIn(Schema):
    organisation: str = Field(..., description="Key of the organisation whose officers decide")
    full_name: str
    date_of_birth: datetime.date | None = None
    municipality: str = ""
    languages: list[str] = Field(default_factory=list)
    national_number: str = ""
    source: str = Field(..., description="organisation, professional or helpdesk")
    referrer_organisation: str | None = Field(None, description="Key of the organisation")
    referrer_name: str = ""
    concern: str
    received_on: datetime.date | None = Field(None, description="Today when left out")
    urgency: str = "routine"
    awareness: str = "unknown"
    consent: str = "not_asked"
    guardian: str = ""
    guardian_reason: str = ""


class ReferralFilter(Schema):
    status: str | None = Field(None, description="received, accepted, redirected, …")


class ReferralDecisionIn(Schema):
    decision: str = Field(..., description="accept, redirect or close")
    manager: str | None = Field(None, description="E-mail of the case manager (accept)")
    service: UUID | None = Field(None, description="The service (redirect)")
    note: str = ""
    version: int | None = Field(None, description=VERSION_HELP)


class StatusConflictOut(ErrorOut):
    current_version: int
    status: str


class _ReferralToServiceOut(Schema):
    """What both sides of a referral to a service see of it."""

    id: UUID
    service: UUID
    service_name: str
    message: str
    legal_basis: str
    sent_by: str
    sent_at: datetime.datetime
    status: str
    due_on: datetime.date = Field(..., description="When the next step is expected")
    overdue: bool
    reason: str
    version: int

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_service(obj):
        return obj.service.uuid

    @staticmethod
    def resolve_service_name(obj):
        return str(obj.service)

    @staticmethod
    def resolve_sent_by(obj):
        return display_name(obj.sent_by)

    @staticmethod
    def resolve_overdue(obj):
        return obj.is_overdue


class ServiceReferralOut(_ReferralToServiceOut):
    """A referral to a service as the sending team sees it."""

    organisation: str = Field(..., description="Key of the service's organisation")
    fields: list[str] = Field(..., description="What was sent about the person")
    answered_at: datetime.datetime | None

    @staticmethod
    def resolve_organisation(obj):
        return obj.service.organisation.key


class IncomingOut(_ReferralToServiceOut):
    """A referral received by one of the organisation's services: only what was sent."""

    from_organisation: str = Field(..., description="Key of the sending organisation")
    shared: dict[str, str] = Field(..., description="The information sent, field by field")

    @staticmethod
    def resolve_from_organisation(obj):
        return obj.file.organisation.key

    @staticmethod
    def resolve_shared(obj):
        return {key: str(value) for key, value in (obj.shared or {}).items()}


class ServiceReferralIn(Schema):
    service: UUID
    fields: list[str] = Field(
        default_factory=list, description="name, date_of_birth, municipality, languages"
    )
    message: str = ""
    legal_basis: str
    consent_reference: str = ""
    consent_expires_on: datetime.date | None = None
    guardian: str = Field("", description="For a minor: consented, informed or not_involved")


class AnswerIn(Schema):
    status: str = Field(..., description="accepted or refused, then done or dropped")
    reason: str = ""
    version: int = Field(..., description=VERSION_HELP)


class IncomingFilter(Schema):
    status: str | None = None


class PersonRefOut(Schema):
    id: UUID
    handle: str
    minor: bool

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_minor(obj):
        return obj.is_minor


class DisclosureOut(Schema):
    """Something the organisation passed on about the person: to whom, on which basis.
    Never the text itself."""

    kind: str = Field(..., description="contribution or service_referral")
    id: UUID
    at: datetime.datetime
    by: str = Field(..., description="E-mail of the professional")
    legal_basis: str
    purpose: str
    recipients: list[str] = Field(..., description="Organisation keys (and LIVC-R key)")
    service: UUID | None
    information: list[str] = Field(..., description="What was passed: kind, or fields sent")
    status: str
    withdrawn_at: datetime.datetime | None


class EventOut(Schema):
    at: datetime.datetime
    actor: str
    organisation: str | None = Field(None, description="Key of the actor's organisation")
    action: str
    target_type: str
    target_id: str
    reason: str
    via: str

    @staticmethod
    def resolve_actor(obj):
        return obj.actor_label

    @staticmethod
    def resolve_organisation(obj):
        return obj.organisation.key if obj.organisation_id and obj.organisation else None


class DisclosureLogOut(Schema):
    person: PersonRefOut
    disclosures: list[DisclosureOut]
    events: list[EventOut] = Field(..., description="Audit rows about the person, newest first")
    next: str | None
    previous: str | None


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


class HandoverIn(Schema):
    to_organisation: str = Field(..., description="Key of an organisation with referral officers")
    legal_basis: str
    consent_reference: str = ""
    consent_expires_on: datetime.date | None = None
    guardian: str = Field("", description="For a minor: consented, informed or not_involved")
    summary: str = Field(..., description="The only thing the other organisation receives")


class HandoverOut(Schema):
    """A handover as the sending file's team sees it."""

    id: UUID
    to_organisation: str = Field(..., description="Key of the receiving organisation")
    legal_basis: str
    consent_reference: str
    consent_expires_on: datetime.date | None
    guardian: str
    status: str = Field(..., description="pending, accepted or declined")
    requested_by: str
    requested_at: datetime.datetime
    decided_at: datetime.datetime | None

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_to_organisation(obj):
        return obj.to_organisation.key

    @staticmethod
    def resolve_requested_by(obj):
        return display_name(obj.requested_by)


class IncomingHandoverOut(Schema):
    """A handover to the user's organisation: the summary and its legal basis, no file."""

    id: UUID
    person: PersonRefOut
    from_organisation: str = Field(..., description="Key of the organisation handing over")
    legal_basis: str
    consent_reference: str
    summary: str
    requested_at: datetime.datetime
    status: str = Field(..., description="pending, accepted or declined")
    decided_at: datetime.datetime | None
    file: UUID | None = Field(None, description="Your organisation's file, once accepted")

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_person(obj):
        return obj.file.person

    @staticmethod
    def resolve_from_organisation(obj):
        return obj.file.organisation.key

    @staticmethod
    def resolve_file(obj):
        return obj.new_file.uuid if obj.new_file_id else None


class HandoverDecisionIn(Schema):
    accept: bool
    manager: str | None = Field(
        None, description="E-mail of your organisation's case manager for the file (accept)"
    )


class BreakGlassIn(Schema):
    handle: str = Field(..., description="Handle of the person, e.g. NAM-2026-0042")
    reason: str = Field(..., description="The emergency, in a full sentence")


class BreakGlassOut(Schema):
    """A break-glass use: who opened which person's file, why, until when, and its review."""

    id: UUID
    user: str = Field(..., description="E-mail of who used it")
    person: PersonRefOut
    file: UUID
    reason: str
    started_at: datetime.datetime
    expires_at: datetime.datetime
    active: bool
    reviewed_by: str | None = Field(None, description="E-mail of the reviewing DPO")
    reviewed_at: datetime.datetime | None
    justified: bool | None
    review_note: str

    @staticmethod
    def resolve_id(obj):
        return obj.uuid

    @staticmethod
    def resolve_user(obj):
        return obj.user.email

    @staticmethod
    def resolve_person(obj):
        return obj.file.person

    @staticmethod
    def resolve_file(obj):
        return obj.file.uuid

    @staticmethod
    def resolve_active(obj):
        return obj.is_active

    @staticmethod
    def resolve_reviewed_by(obj):
        return obj.reviewed_by.email if obj.reviewed_by_id else None


class BreakGlassFilter(Schema):
    reviewed: bool | None = Field(None, description="false: the uses still to review")


class BreakGlassReviewIn(Schema):
    justified: bool
    note: str = ""


# --- Helpers --------------------------------------------------------------------------------


class AuditedCursorPagination(CursorPagination):
    """Cursor pagination that logs the persons a page returned: a list is a read too."""

    def __init__(self, *, action: str, target_type: str, person, **kwargs):
        self.action = action
        self.target_type = target_type
        self.person = person
        super().__init__(**kwargs)

    def paginate_queryset(self, queryset, pagination, request, **params):
        page = super().paginate_queryset(queryset, pagination, request, **params)
        record_person_reads(
            self.action,
            actor=request.auth,
            target_type=self.target_type,
            rows=[(row.pk, self.person(row)) for row in page[self.items_attribute]],
            via="api",
        )
        return page


def _file(request, file_uuid: UUID, action: str = "case.file.accessed") -> CaseFile:
    return access.get_file_for_user(request.auth, file_uuid, action)


def _writable(request, file_uuid: UUID) -> CaseFile:
    """A file the user may write (its team): 404 out of sight, 403 otherwise."""
    require_write(request)
    file = _file(request, file_uuid)
    access.require(access.can_edit_file(request.auth, file))
    return file


def _managed(request, file_uuid: UUID) -> CaseFile:
    """A file the user manages (its case manager): 404 out of sight, 403 otherwise."""
    require_write(request)
    file = _file(request, file_uuid)
    access.require(access.can_manage_file(request.auth, file))
    return file


def _conflict_detail() -> str:
    return _("Someone else changed this record. Reload it and try again.")


def _keyed(form, **fields: str) -> None:
    """Let the form's model choices take the API's keys (organisation key, e-mail…)."""
    for name, key in fields.items():
        form.fields[name].to_field_name = key


def _blank(value: Any) -> Any:
    return "" if value is None else value


def _file_out(updated: CaseFile, loaded: CaseFile) -> CaseFile:
    """The saved row with the access facts of the file as it was loaded."""
    updated.my_role = loaded.my_role  # type: ignore[attr-defined]
    updated.access_reason = loaded.access_reason  # type: ignore[attr-defined]
    return updated


# --- Files ------------------------------------------------------------------------------------


@router.get(
    "/files",
    response=list[FileListOut],
    auth=AUTHENTICATED,
    summary="The files of your cases, with filters",
)
@paginate(
    AuditedCursorPagination,
    ordering=("-id",),
    action="case.file.listed",
    target_type="cases.casefile",
    person=lambda file: file.person.uuid,
)
def list_case_files(request, filters: Query[CaseFileFilter]):
    form = CaseFilterForm({k: v for k, v in filters.dict().items() if v is not None})
    raise_form_errors(form)
    role = TeamMember.objects.filter(file=OuterRef("pk"), user=request.auth.pk).values("role")
    files = (
        access.team_files(request.auth)
        .select_related("person", "organisation")
        .annotate(my_role=Subquery(role[:1]))
    )
    return search.filter_files(search.with_flags(files), form)


@router.get(
    "/files/{file_uuid}",
    response=FileOut,
    auth=AUTHENTICATED,
    summary="A file with its person header",
)
def get_case_file(request, file_uuid: UUID):
    return _file(request, file_uuid, "case.file.viewed")


@router.post(
    "/files/{file_uuid}/reveal-national-number",
    response={200: NationalNumberOut, 403: ErrorOut},
    auth=AUTHENTICATED,
    summary="Reveal the person's national number (step-up: X-Synergie-OTP)",
)
def reveal_national_number(request, file_uuid: UUID):
    file = _file(request, file_uuid)
    refused = step_up_refused(request)
    if refused:
        return refused
    return {"national_number": services.reveal_national_number(file, actor=request.auth)}


@router.get(
    "/files/{file_uuid}/export",
    response={200: dict[str, Any], 403: ErrorOut},
    auth=AUTHENTICATED,
    summary="The whole agency file as JSON (case manager; step-up: X-Synergie-OTP)",
)
def export_case_file(request, file_uuid: UUID):
    file = _file(request, file_uuid)
    access.require(access.can_manage_file(request.auth, file))
    refused = step_up_refused(request)
    if refused:
        return refused
    response = HttpResponse(
        services.export_file(file, actor=request.auth), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{file.person.handle}.json"'
    return response


@router.patch(
    "/files/{file_uuid}",
    response={200: FileOut, 409: FileConflictOut},
    auth=AUTHENTICATED,
    summary="Change a file's phase, context or next review (its team)",
)
def patch_case_file(request, file_uuid: UUID, payload: FilePatch):
    file = _writable(request, file_uuid)
    data = {
        "phase": file.phase,
        "context": file.context,
        "next_review_on": _blank(file.next_review_on),
        "version": payload.version,
    }
    patch = payload.dict(exclude_unset=True, exclude={"version"})
    data.update({name: _blank(value) for name, value in patch.items()})
    form = FileForm(data)
    raise_form_errors(form)
    changes = {k: form.cleaned_data[k] for k in ("phase", "context", "next_review_on")}
    try:
        updated = services.update_file(
            file, changes, actor=request.auth, expected_version=payload.version
        )
    except services.EditConflict as conflict:
        return Status(409, _file_conflict(conflict.current))
    return _file_out(updated, file)


def _file_conflict(current: CaseFile) -> dict:
    return {
        "detail": _conflict_detail(),
        "current_version": current.version,
        "phase": current.phase,
        "context": current.context,
        "next_review_on": current.next_review_on,
        "status": current.status,
    }


@router.post(
    "/files/{file_uuid}/close",
    response={200: FileOut, 409: FileConflictOut},
    auth=AUTHENTICATED,
    summary="Close a file with reason and outcome (case manager)",
)
def close_case_file(request, file_uuid: UUID, payload: CloseIn):
    file = _managed(request, file_uuid)
    form = CloseForm(payload.dict())
    raise_form_errors(form)
    data = {k: form.cleaned_data[k] for k in ("closure_reason", "outcome", "closure_note")}
    try:
        updated = services.close_file(
            file, data, actor=request.auth, expected_version=payload.version
        )
    except services.EditConflict as conflict:
        return Status(409, _file_conflict(conflict.current))
    return _file_out(updated, file)


@router.post(
    "/files/{file_uuid}/reopen",
    response=FileOut,
    auth=AUTHENTICATED,
    summary="Reopen a closed file (case manager)",
)
def reopen_case_file(request, file_uuid: UUID):
    file = _managed(request, file_uuid)
    return services.reopen_file(file, actor=request.auth)


# --- Team -------------------------------------------------------------------------------------


def _team(file: CaseFile) -> QuerySet[TeamMember]:
    return file.team.select_related("user").order_by("role", "user__full_name")


def _colleague(file: CaseFile, payload: TeamMemberIn):
    """The case worker of the file's organisation named by e-mail, as the page's form has it."""
    form = TeamForm({"user": payload.user}, organisation_id=file.organisation_id)
    _keyed(form, user="email")
    raise_form_errors(form)
    return form.cleaned_data["user"]


@router.get(
    "/files/{file_uuid}/team",
    response=list[TeamMemberOut],
    auth=AUTHENTICATED,
    summary="The case team of a file (case manager)",
)
def list_case_team(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.team.viewed")
    access.require(access.can_manage_file(request.auth, file))
    return list(_team(file))


@router.post(
    "/files/{file_uuid}/team",
    response={201: TeamMemberOut},
    auth=AUTHENTICATED,
    summary="Add a case worker of the organisation to the case team (case manager)",
)
def add_case_team_member(request, file_uuid: UUID, payload: TeamMemberIn):
    file = _managed(request, file_uuid)
    user = _colleague(file, payload)
    services.add_team_member(file, user, actor=request.auth)
    return Status(201, _team(file).get(user=user))


@router.delete(
    "/files/{file_uuid}/team/{member}",
    response={204: None},
    auth=AUTHENTICATED,
    summary="Take a colleague, by e-mail or user id, off the case team (case manager)",
)
def remove_case_team_member(request, file_uuid: UUID, member: str):
    file = _managed(request, file_uuid)
    if re.fullmatch(r"[0-9]{1,18}", member):
        seat = _team(file).filter(user_id=int(member)).first()
    else:
        seat = _team(file).filter(user__email__iexact=member).first()
    if seat is None:
        raise Http404
    services.remove_team_member(file, seat.user, actor=request.auth)
    return Status(204, None)


@router.post(
    "/files/{file_uuid}/manager",
    response=FileOut,
    auth=AUTHENTICATED,
    summary="Make a case worker of the organisation the case manager (case manager)",
)
def change_case_manager(request, file_uuid: UUID, payload: TeamMemberIn):
    file = _managed(request, file_uuid)
    user = _colleague(file, payload)
    updated = _file_out(services.change_manager(file, user, actor=request.auth), file)
    # the former case manager stays on the team as a member
    role = TeamRole.MANAGER if user.pk == request.auth.pk else TeamRole.MEMBER
    updated.my_role = role  # type: ignore[attr-defined]
    return updated


# --- Timeline -----------------------------------------------------------------------------------


class _KindFilterForm(forms.Form):
    """Validates the timeline's ?kind= in the user's language."""

    kind = forms.ChoiceField(required=False, choices=[("", ""), *TIMELINE_KINDS.items()])


def _contribution_status(contribution: Contribution) -> str:
    if contribution.withdrawn_at:
        return "withdrawn"
    return "active" if contribution.is_active else "expired"


# What the API tells of each type of timeline item (the file's page shows the same).
_TIMELINE_ROWS = {
    "journal": lambda e: {
        "id": e.uuid,
        "at": e.created_at,
        "by": display_name(e.author),
        "detail": e.kind,
        "text": e.text,
    },
    "evaluation": lambda e: {
        "id": e.uuid,
        "at": e.signed_at,
        "by": display_name(e.author),
        "text": e.summary,
    },
    "plan": lambda p: {
        "id": p.uuid,
        "at": p.approved_at or p.created_at,
        "by": display_name(p.approved_by or p.created_by),
        "detail": str(p.number),
        "status": p.status,
    },
    "contribution": lambda c: {
        "id": c.uuid,
        "at": c.created_at,
        "by": display_name(c.author),
        "detail": c.kind,
        "text": c.text,
        "status": _contribution_status(c),
    },
    "referral": lambda r: {
        "id": r.uuid,
        "at": r.sent_at,
        "by": display_name(r.sent_by),
        "detail": str(r.service),
        "status": r.status,
        "overdue": r.is_overdue,
    },
    "condition": lambda c: {"id": c.uuid, "by": c.imposed_by, "text": c.text},
    "check": lambda c: {
        "id": c.condition.uuid,
        "by": display_name(c.author),
        "text": c.note,
        "status": c.compliance,
    },
}


@router.get(
    "/files/{file_uuid}/timeline",
    response=TimelineOut,
    auth=AUTHENTICATED,
    summary="A file's history, newest first: everything, or one kind (?kind=)",
)
def get_timeline(request, file_uuid: UUID, filters: Query[TimelineFilter]):
    form = _KindFilterForm({"kind": filters.kind or ""})
    raise_form_errors(form)
    file = _file(request, file_uuid, "case.timeline.viewed")
    items, truncated = file_timeline(file, form.cleaned_data["kind"])
    rows = [
        {
            "type": item["type"],
            "kind": item["kind"],
            "on": item["key"][0],
            **_TIMELINE_ROWS[item["type"]](item["obj"]),
        }
        for item in items
    ]
    return {"items": rows, "truncated": truncated, "limit": TIMELINE_LIMIT}


# --- Journal ----------------------------------------------------------------------------------


@router.get(
    "/files/{file_uuid}/journal",
    response=list[EntryOut],
    auth=AUTHENTICATED,
    summary="The journal of a file, newest first",
)
@paginate(CursorPagination, ordering=("-occurred_on", "-id"))
def list_journal_entries(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.journal.listed")
    return file.journal.select_related("author")


@router.post(
    "/files/{file_uuid}/journal",
    response={201: EntryOut},
    auth=AUTHENTICATED,
    summary="Write a note, contact or event in the journal (the team)",
)
def create_journal_entry(request, file_uuid: UUID, payload: EntryIn):
    file = _writable(request, file_uuid)
    form = EntryForm(
        {
            "kind": payload.kind,
            "occurred_on": payload.occurred_on or timezone.localdate(),
            "text": payload.text,
        }
    )
    raise_form_errors(form)
    entry = services.add_entry(file, form.data_for_service(), actor=request.auth)
    return Status(201, entry)


@router.patch(
    "/files/{file_uuid}/journal/{entry_uuid}",
    response={200: EntryOut, 409: EntryConflictOut},
    auth=AUTHENTICATED,
    summary="Change a journal entry (the team)",
)
def patch_journal_entry(request, file_uuid: UUID, entry_uuid: UUID, payload: EntryPatch):
    require_write(request)
    entry = access.get_child_for_user(
        request.auth, JournalEntry, file_uuid, entry_uuid, "case.journal.viewed"
    )
    access.require(access.can_edit_file(request.auth, entry.file))
    data = {"kind": entry.kind, "occurred_on": entry.occurred_on, "text": entry.text}
    data.update(payload.dict(exclude_unset=True, exclude={"version"}))
    form = EntryForm({name: _blank(value) for name, value in data.items()})
    raise_form_errors(form)
    try:
        return services.update_entry(
            entry, form.data_for_service(), actor=request.auth, expected_version=payload.version
        )
    except services.EditConflict as conflict:
        current = conflict.current
        return Status(
            409,
            {"detail": _conflict_detail(), "current_version": current.version, "current": current},
        )


# --- Evaluations --------------------------------------------------------------------------------


@router.get(
    "/files/{file_uuid}/evaluations",
    response=list[EvaluationOut],
    auth=AUTHENTICATED,
    summary="Signed evaluations of a file, newest first",
)
def list_evaluations(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.evaluation.listed")
    return list(file.evaluations.select_related("author"))


@router.post(
    "/files/{file_uuid}/evaluations",
    response={201: EvaluationOut},
    auth=AUTHENTICATED,
    summary="Sign an evaluation: needs, protective factors and concerns per sphere (the team)",
)
def create_evaluation(request, file_uuid: UUID, payload: EvaluationIn):
    file = _writable(request, file_uuid)
    data = payload.dict(exclude={"spheres"})
    data["evaluated_on"] = data["evaluated_on"] or timezone.localdate()
    for sphere, parts in payload.spheres.items():
        for part, _label in SPHERE_PARTS:
            data[f"{Sphere(sphere).value}__{part}"] = getattr(parts, part)
    form = EvaluationForm({name: _blank(value) for name, value in data.items()})
    raise_form_errors(form)
    evaluation = services.add_evaluation(file, form.data_for_service(), actor=request.auth)
    return Status(201, evaluation)


# --- Guidance plans -----------------------------------------------------------------------------


def _plans(file: CaseFile) -> QuerySet[GuidancePlan]:
    return file.plans.select_related("created_by", "approved_by").prefetch_related(
        Prefetch("goals", queryset=Goal.objects.select_related("partner"))
    )


@router.get(
    "/files/{file_uuid}/plans",
    response=list[GuidancePlanOut],
    auth=AUTHENTICATED,
    summary="Versions of the guidance plan, newest first",
)
def list_guidance_plans(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.plan.listed")
    return list(_plans(file))


def _validated_goals(goals: list[GoalIn]) -> list[dict]:
    rows: dict[str, Any] = {"goals-TOTAL_FORMS": len(goals), "goals-INITIAL_FORMS": 0}
    for index, goal in enumerate(goals):
        for name, value in goal.dict().items():
            rows[f"goals-{index}-{name}"] = _blank(value)
    formset = GoalFormSet(rows, prefix="goals")
    for form in formset.forms:
        _keyed(form, partner="key")
    if not formset.is_valid():
        errors = {
            f"goals.{index}.{field}": list(messages)
            for index, form in enumerate(formset.forms)
            for field, messages in form.errors.items()
        }
        if formset.non_form_errors():
            errors["goals"] = list(formset.non_form_errors())
        raise ValidationError(errors)
    return goals_from(formset)


@router.put(
    "/files/{file_uuid}/plans/draft",
    response={200: GuidancePlanOut, 409: GuidancePlanConflictOut},
    auth=AUTHENTICATED,
    summary="Write the draft of the next plan version, its header and all its goals (the team)",
)
def put_draft_plan(request, file_uuid: UUID, payload: GuidancePlanIn):
    file = _writable(request, file_uuid)
    form = PlanForm(
        {"phase": payload.phase, "context": payload.context, "review_on": payload.review_on}
    )
    raise_form_errors(form)
    goals = _validated_goals(payload.goals)
    had_draft = file.plans.filter(status=PlanStatus.DRAFT).exists()
    draft = services.draft_plan(file, actor=request.auth)
    draft.file = file
    # once a draft exists, whoever saves it must say which version they read (0 never is)
    expected = (payload.version or 0) if had_draft else draft.version
    header = {k: form.cleaned_data[k] for k in ("phase", "context", "review_on")}
    try:
        services.save_plan(draft, header, goals, actor=request.auth, expected_version=expected)
    except services.EditConflict as conflict:
        current = _plans(file).get(pk=conflict.current.pk)
        return Status(
            409,
            {"detail": _conflict_detail(), "current_version": current.version, "current": current},
        )
    return _plans(file).get(pk=draft.pk)


class ApproveIn(Schema):
    version: int = Field(..., description="The version of the draft that was read")


@router.post(
    "/files/{file_uuid}/plans/{plan_uuid}/approve",
    response={200: GuidancePlanOut, 409: GuidancePlanConflictOut},
    auth=AUTHENTICATED,
    summary="Approve the draft plan; the file takes its phase, context and review (manager)",
)
def approve_guidance_plan(request, file_uuid: UUID, plan_uuid: UUID, payload: ApproveIn):
    require_write(request)
    plan = access.get_child_for_user(
        request.auth, GuidancePlan, file_uuid, plan_uuid, "case.plan.viewed"
    )
    access.require(access.can_manage_file(request.auth, plan.file))
    try:
        services.approve_plan(plan, actor=request.auth, expected_version=payload.version)
    except services.EditConflict as conflict:
        current = _plans(plan.file).get(pk=conflict.current.pk)
        return Status(
            409,
            {"detail": _conflict_detail(), "current_version": current.version, "current": current},
        )
    return _plans(plan.file).get(pk=plan.pk)


# --- Conditions -----------------------------------------------------------------------------


def _conditions(file: CaseFile) -> QuerySet[Condition]:
    return file.conditions.select_related("justice_assistant").prefetch_related(
        Prefetch("checks", queryset=ConditionCheck.objects.select_related("author"))
    )


@router.get(
    "/files/{file_uuid}/conditions",
    response=list[ConditionOut],
    auth=AUTHENTICATED,
    summary="Conditions imposed by a judge and their follow-up",
)
def list_conditions(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.condition.listed")
    return list(_conditions(file))


@router.post(
    "/files/{file_uuid}/conditions",
    response={201: ConditionOut},
    auth=AUTHENTICATED,
    summary="Record a condition imposed by a judge (the team)",
)
def create_condition(request, file_uuid: UUID, payload: ConditionIn):
    file = _writable(request, file_uuid)
    form = ConditionForm(
        {name: _blank(value) for name, value in payload.dict().items()},
        organisation_id=file.organisation_id,
    )
    _keyed(form, justice_assistant="email")
    raise_form_errors(form)
    condition = services.add_condition(file, form.cleaned_data, actor=request.auth)
    return Status(201, _conditions(file).get(pk=condition.pk))


@router.post(
    "/files/{file_uuid}/conditions/{condition_uuid}/checks",
    response={201: ConditionOut},
    auth=AUTHENTICATED,
    summary="Record the follow-up of a condition (the team)",
)
def create_condition_check(request, file_uuid: UUID, condition_uuid: UUID, payload: CheckIn):
    require_write(request)
    condition = access.get_child_for_user(
        request.auth, Condition, file_uuid, condition_uuid, "case.condition.viewed"
    )
    access.require(access.can_edit_file(request.auth, condition.file))
    data = payload.dict()
    data["checked_on"] = data["checked_on"] or timezone.localdate()
    form = ConditionCheckForm(data)
    raise_form_errors(form)
    services.check_condition(condition, form.cleaned_data, actor=request.auth)
    return Status(201, _conditions(condition.file).get(pk=condition.pk))


# --- Documents ------------------------------------------------------------------------------


@router.get(
    "/files/{file_uuid}/attachments",
    response=list[AttachmentOut],
    auth=AUTHENTICATED,
    summary="The documents of a file: names and sizes",
)
def list_attachments(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.attachment.listed")
    return list(file.attachments.select_related("uploaded_by").order_by("-uploaded_at", "-id"))


@router.post(
    "/files/{file_uuid}/attachments",
    response={201: AttachmentOut},
    auth=AUTHENTICATED,
    summary="Add a document, stored encrypted: multipart field `upload`, 10 MB at most (the team)",
)
def create_attachment(request, file_uuid: UUID, upload: File[UploadedFile]):
    file = _writable(request, file_uuid)
    form = AttachmentForm(files=MultiValueDict({"upload": [upload]}))
    raise_form_errors(form)
    attachment = services.add_attachment(file, form.cleaned_data["upload"], actor=request.auth)
    return Status(201, attachment)


@router.get(
    "/files/{file_uuid}/attachments/{attachment_uuid}",
    response={404: ErrorOut},
    auth=AUTHENTICATED,
    summary="Download a document, decrypted",
    openapi_extra={
        "responses": {
            200: {
                "description": "The document, with its content type",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_attachment(request, file_uuid: UUID, attachment_uuid: UUID):
    item = access.get_child_for_user(
        request.auth, Attachment, file_uuid, attachment_uuid, "case.attachment.downloaded"
    )
    try:
        content = services.attachment_bytes(item)
    except FileNotFoundError:
        raise Http404 from None
    response = HttpResponse(content, content_type=item.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, item.name)
    add_never_cache_headers(response)
    return response


# --- Shared file ------------------------------------------------------------------------------


@router.get(
    "/files/{file_uuid}/contributions",
    response=list[ContributionOut],
    auth=AUTHENTICATED,
    summary="The person's shared file as this file's organisation sees it",
)
def list_contributions(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.contribution.listed")
    return list(access.visible_contributions(request.auth, file))


@router.post(
    "/files/{file_uuid}/contributions",
    response={201: ContributionOut},
    auth=AUTHENTICATED,
    summary="Share one item with the LIVC-R or partner organisations, on a legal basis",
)
def create_contribution(request, file_uuid: UUID, payload: ContributionIn):
    require_write(request)
    file = _file(request, file_uuid)
    access.require(access.can_share(request.auth, file))
    form = ContributionForm({name: _blank(value) for name, value in payload.dict().items()})
    _keyed(form, to_livc="key", recipients="key")
    raise_form_errors(form)
    contribution = services.contribute(
        file,
        form.data_for_service(),
        list(form.cleaned_data["recipients"]),
        actor=request.auth,
        to_livc=form.cleaned_data["to_livc"],
    )
    return Status(201, access.get_contribution_for_user(request.auth, file, contribution.uuid))


@router.post(
    "/files/{file_uuid}/contributions/{contribution_uuid}/withdraw",
    response=ContributionOut,
    auth=AUTHENTICATED,
    summary="Withdraw a contribution (its author); it stays in the log",
)
def withdraw_contribution(request, file_uuid: UUID, contribution_uuid: UUID, payload: WithdrawIn):
    require_write(request)
    file = _file(request, file_uuid)
    contribution = access.get_contribution_for_user(request.auth, file, contribution_uuid)
    access.require(access.can_withdraw(request.auth, file, contribution))
    form = WithdrawForm(payload.dict())
    raise_form_errors(form)
    services.withdraw_contribution(contribution, form.cleaned_data["reason"], actor=request.auth)
    return access.get_contribution_for_user(request.auth, file, contribution_uuid)


# --- Referral intake --------------------------------------------------------------------------


REFERRAL_RELATED = ("person", "organisation", "referrer_organisation", "file", "redirected_to")


class _StatusFilterForm(forms.Form):
    """Validates a status filter in the user's language."""

    status = forms.ChoiceField(required=False)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", ""), *choices]


def _status_filter(status: str | None, choices) -> str:
    form = _StatusFilterForm({"status": status or ""}, choices=choices)
    raise_form_errors(form)
    return form.cleaned_data["status"]


@router.post(
    "/referrals",
    response={201: SentReferralOut},
    auth=AUTHENTICATED,
    summary="Refer a person to an organisation's referral officers",
)
def create_referral(request, payload: ReferralIn):
    require_write(request)
    access.require(access.can_refer_person(request.auth))
    data = payload.dict()
    data["received_on"] = data["received_on"] or timezone.localdate()
    form = ReferralForm({name: _blank(value) for name, value in data.items()})
    _keyed(form, organisation="key", referrer_organisation="key")
    raise_form_errors(form)
    referral = services.create_referral(
        actor=request.auth, person_data=form.person_data(), data=form.referral_data()
    )
    return Status(201, referral)


@router.get(
    "/referrals",
    response=list[ReferralOut],
    auth=AUTHENTICATED,
    summary="Referrals received by your organisation (its referral officers)",
)
@paginate(
    AuditedCursorPagination,
    ordering=("-id",),
    action="case.referral.listed",
    target_type="cases.referral",
    person=lambda referral: referral.person.uuid,
)
def list_referrals(request, filters: Query[ReferralFilter]):
    status = _status_filter(filters.status, ReferralStatus.choices)
    referrals = access.visible_referrals(request.auth).select_related(*REFERRAL_RELATED)
    return referrals.filter(status=status) if status else referrals


@router.get(
    "/referrals/sent",
    response=list[SentReferralOut],
    auth=AUTHENTICATED,
    summary="The referrals you sent, with their status only",
)
@paginate(
    AuditedCursorPagination,
    ordering=("-id",),
    action="case.referral.listed",
    target_type="cases.referral",
    person=lambda referral: referral.person.uuid,
)
def list_sent_referrals(request):
    return access.sent_referrals(request.auth).select_related("person", "organisation")


@router.get(
    "/referrals/{referral_uuid}",
    response=ReferralOut,
    auth=AUTHENTICATED,
    summary="A referral received by your organisation",
)
def get_referral(request, referral_uuid: UUID):
    return access.get_referral_for_user(request.auth, referral_uuid, "case.referral.viewed")


@router.post(
    "/referrals/{referral_uuid}/decision",
    response={200: ReferralOut, 409: StatusConflictOut},
    auth=AUTHENTICATED,
    summary="Accept (opening a file), redirect to a service, or close with no further action",
)
def decide_referral(request, referral_uuid: UUID, payload: ReferralDecisionIn):
    require_write(request)
    referral = access.get_referral_for_user(request.auth, referral_uuid, "case.referral.viewed")
    data = {name: _blank(value) for name, value in payload.dict().items()}
    form = DecideReferralForm(
        {**data, "service": str(data["service"])}, organisation_id=referral.organisation_id
    )
    _keyed(form, manager="email", service="uuid")
    raise_form_errors(form)
    decision, note = form.cleaned_data["decision"], form.cleaned_data["note"]
    common = {"actor": request.auth, "note": note, "expected_version": payload.version}
    try:
        if decision == ReferralDecision.ACCEPT:
            services.accept_referral(referral, manager=form.cleaned_data["manager"], **common)
        elif decision == ReferralDecision.REDIRECT:
            services.redirect_referral(referral, service=form.cleaned_data["service"], **common)
        else:
            services.close_referral(referral, **common)
    except services.EditConflict as conflict:
        current = conflict.current
        return Status(
            409,
            {
                "detail": _conflict_detail(),
                "current_version": current.version,
                "status": current.status,
            },
        )
    return (
        access.visible_referrals(request.auth).select_related(*REFERRAL_RELATED).get(pk=referral.pk)
    )


# --- Referrals to services ----------------------------------------------------------------------


@router.post(
    "/files/{file_uuid}/service-referrals",
    response={201: ServiceReferralOut},
    auth=AUTHENTICATED,
    summary="Refer the person to a service, sending the information chosen field by field",
)
def create_service_referral(request, file_uuid: UUID, payload: ServiceReferralIn):
    require_write(request)
    file = _file(request, file_uuid)
    access.require(access.can_refer(request.auth, file))
    form = ServiceReferralForm({**payload.dict(), "service": str(payload.service)})
    _keyed(form, service="uuid")
    raise_form_errors(form)
    data = form.cleaned_data
    referral = services.refer_to_service(
        file,
        data["service"],
        fields=data["fields"],
        message=data["message"],
        legal_basis=data["legal_basis"],
        actor=request.auth,
        **form.basis(),
    )
    return Status(201, referral)


@router.get(
    "/files/{file_uuid}/service-referrals",
    response=list[ServiceReferralOut],
    auth=AUTHENTICATED,
    summary="Referrals to services sent from a file, with their status",
)
def list_service_referrals(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.service_referral.listed")
    return list(file.service_referrals.select_related("service__organisation", "sent_by"))


@router.post(
    "/files/{file_uuid}/service-referrals/{referral_uuid}/withdraw",
    response=ServiceReferralOut,
    auth=AUTHENTICATED,
    summary="Withdraw a referral to a service while it awaits its next step (the team)",
)
def withdraw_service_referral(request, file_uuid: UUID, referral_uuid: UUID):
    require_write(request)
    file = _file(request, file_uuid)
    access.require(access.can_refer(request.auth, file))
    referral = access.get_sent_referral_for_user(request.auth, file, referral_uuid)
    referral.file = file
    services.withdraw_service_referral(referral, actor=request.auth)
    return file.service_referrals.select_related("service__organisation", "sent_by").get(
        pk=referral.pk
    )


INCOMING_RELATED = ("service", "file__organisation", "sent_by")


@router.get(
    "/incoming",
    response=list[IncomingOut],
    auth=AUTHENTICATED,
    summary="Referrals to your organisation's services: only what was sent",
)
@paginate(
    AuditedCursorPagination,
    ordering=("-id",),
    action="case.service_referral.listed",
    target_type="cases.servicereferral",
    person=lambda referral: referral.person_uuid,
)
def list_incoming_referrals(request, filters: Query[IncomingFilter]):
    status = _status_filter(filters.status, ServiceReferralStatus.choices)
    referrals = (
        access.incoming_service_referrals(request.auth)
        .select_related(*INCOMING_RELATED)
        .annotate(person_uuid=F("file__person__uuid"))
    )
    return referrals.filter(status=status) if status else referrals


@router.get(
    "/incoming/{referral_uuid}",
    response=IncomingOut,
    auth=AUTHENTICATED,
    summary="A referral to one of your organisation's services",
)
def get_incoming_referral(request, referral_uuid: UUID):
    return access.get_incoming_referral_for_user(
        request.auth, referral_uuid, "case.service_referral.viewed"
    )


@router.post(
    "/incoming/{referral_uuid}/answer",
    response={200: IncomingOut, 409: StatusConflictOut},
    auth=AUTHENTICATED,
    summary="Accept or refuse a referral (with a reason), then report it done or dropped",
)
def answer_incoming_referral(request, referral_uuid: UUID, payload: AnswerIn):
    require_write(request)
    referral = access.get_incoming_referral_for_user(
        request.auth, referral_uuid, "case.service_referral.viewed"
    )
    form = AnswerForm(payload.dict())
    raise_form_errors(form)
    try:
        services.answer_service_referral(
            referral,
            form.cleaned_data["status"],
            form.cleaned_data["reason"],
            actor=request.auth,
            expected_version=payload.version,
        )
    except services.EditConflict as conflict:
        current = conflict.current
        return Status(
            409,
            {
                "detail": _conflict_detail(),
                "current_version": current.version,
                "status": current.status,
            },
        )
    return (
        access.incoming_service_referrals(request.auth)
        .select_related(*INCOMING_RELATED)
        .get(pk=referral.pk)
    )


# --- Handovers ---------------------------------------------------------------------------------


HANDOVER_RELATED = ("file__person", "file__organisation", "new_file")


@router.post(
    "/files/{file_uuid}/handover",
    response={201: HandoverOut},
    auth=AUTHENTICATED,
    summary="Hand the follow-up over to another organisation, on a legal basis (case manager)",
)
def request_handover(request, file_uuid: UUID, payload: HandoverIn):
    file = _managed(request, file_uuid)
    form = HandoverForm({name: _blank(value) for name, value in payload.dict().items()})
    receiving = cast(forms.ModelChoiceField, form.fields["to_organisation"])
    receiving.queryset = receiving_organisations().exclude(pk=file.organisation_id)
    _keyed(form, to_organisation="key")
    raise_form_errors(form)
    handover = services.request_handover(file, form.data_for_service(), actor=request.auth)
    return Status(201, handover)


@router.get(
    "/files/{file_uuid}/handovers",
    response=list[HandoverOut],
    auth=AUTHENTICATED,
    summary="The handovers requested from this file, newest first (case manager)",
)
def list_file_handovers(request, file_uuid: UUID):
    file = _file(request, file_uuid, "case.handover.history.viewed")
    access.require(access.can_manage_file(request.auth, file))
    return list(
        file.handovers.select_related("to_organisation", "requested_by").order_by("-requested_at")
    )


@router.get(
    "/handovers",
    response=list[IncomingHandoverOut],
    auth=AUTHENTICATED,
    summary="Handovers awaiting your organisation's decision (its referral officers)",
)
@paginate(
    AuditedCursorPagination,
    ordering=("-id",),
    action="case.handover.listed",
    target_type="cases.handover",
    person=lambda handover: handover.file.person.uuid,
)
def list_incoming_handovers(request):
    return access.incoming_handovers(request.auth).select_related(*HANDOVER_RELATED)


@router.post(
    "/handovers/{handover_uuid}/decision",
    response=IncomingHandoverOut,
    auth=AUTHENTICATED,
    summary="Accept a handover, naming your case manager, or decline it (referral officers)",
)
def decide_handover(request, handover_uuid: UUID, payload: HandoverDecisionIn):
    require_write(request)
    handover = access.get_handover_for_user(request.auth, handover_uuid, "case.handover.viewed")
    form = HandoverDecisionForm(
        {"accept": "1" if payload.accept else "0", "manager": _blank(payload.manager)},
        organisation_id=request.auth.organisation_id,
    )
    _keyed(form, manager="email")
    raise_form_errors(form)
    services.decide_handover(
        handover,
        accept=form.cleaned_data["accept"],
        actor=request.auth,
        manager=form.cleaned_data["manager"],
    )
    return Handover.objects.select_related(*HANDOVER_RELATED).get(pk=handover.pk)


# --- Break-glass ------------------------------------------------------------------------------


GRANT_RELATED = ("user", "file__person", "reviewed_by")


@router.post(
    "/break-glass",
    response={201: BreakGlassOut, 403: ErrorOut},
    auth=AUTHENTICATED,
    summary="Open a file of your organisation you are not on, read-only for a few hours, "
    "giving the emergency (step-up: X-Synergie-OTP)",
)
def open_break_glass(request, payload: BreakGlassIn):
    require_write(request)
    access.require(access.works_cases(request.auth))
    refused = step_up_refused(request)
    if refused:
        return refused
    form = BreakGlassForm(payload.dict())
    raise_form_errors(form)
    file = access.break_glass_file(request.auth, form.cleaned_data["handle"])
    if file is None:
        # the same answer for an unknown handle, another organisation's file or one's own case
        raise ValidationError({"handle": _("No file of your organisation can be opened this way.")})
    grant = services.break_glass(file, form.cleaned_data["reason"], actor=request.auth)
    return Status(201, grant)


@router.get(
    "/break-glass",
    response=list[BreakGlassOut],
    auth=AUTHENTICATED,
    summary="Break-glass uses in your organisation, with their reasons, to review (DPO)",
)
@paginate(
    AuditedCursorPagination,
    ordering=("-id",),
    action="case.break_glass.listed",
    target_type="cases.breakglass",
    person=lambda grant: grant.file.person.uuid,
)
def list_break_glass(request, filters: Query[BreakGlassFilter]):
    access.require(access.is_dpo(request.auth))
    grants = access.break_glass_to_review(request.auth).select_related(*GRANT_RELATED)
    if filters.reviewed is not None:
        grants = grants.filter(reviewed_at__isnull=not filters.reviewed)
    return grants


@router.post(
    "/break-glass/{grant_uuid}/review",
    response=BreakGlassOut,
    auth=AUTHENTICATED,
    summary="Record whether a break-glass use was justified (DPO), once",
)
def review_break_glass(request, grant_uuid: UUID, payload: BreakGlassReviewIn):
    require_write(request)
    grant = access.get_break_glass_for_dpo(request.auth, grant_uuid, "case.break_glass.viewed")
    access.require(grant.reviewed_at is None)
    form = ReviewForm({"justified": "1" if payload.justified else "0", "note": payload.note})
    raise_form_errors(form)
    return services.review_break_glass(
        grant,
        justified=form.cleaned_data["justified"],
        note=form.cleaned_data["note"],
        actor=request.auth,
    )


# --- Data protection officer --------------------------------------------------------------------


def _disclosures(person, organisation_id: int) -> list[dict]:
    """What the DPO's organisation passed on about the person or received, newest first,
    without text."""
    contributions = (
        Contribution.objects.filter(person=person)
        .filter(Q(file__organisation_id=organisation_id) | Q(recipients=organisation_id))
        .distinct()
        .select_related("author", "to_livc")
        .prefetch_related("recipients")
    )
    referrals = (
        ServiceReferral.objects.filter(file__person=person)
        .filter(
            Q(file__organisation_id=organisation_id) | Q(service__organisation_id=organisation_id)
        )
        .select_related("service__organisation", "sent_by")
    )
    rows = [
        {
            "kind": "contribution",
            "id": c.uuid,
            "at": c.created_at,
            "by": c.author.email,
            "legal_basis": c.legal_basis,
            "purpose": c.purpose,
            "recipients": sorted(o.key for o in c.recipients.all())
            + ([c.to_livc.key] if c.to_livc else []),
            "service": None,
            "information": [c.kind],
            "status": _contribution_status(c),
            "withdrawn_at": c.withdrawn_at,
        }
        for c in contributions
    ]
    rows += [
        {
            "kind": "service_referral",
            "id": r.uuid,
            "at": r.sent_at,
            "by": r.sent_by.email,
            "legal_basis": r.legal_basis,
            "purpose": "",
            "recipients": [r.service.organisation.key],
            "service": r.service.uuid,
            "information": list(r.fields),
            "status": r.status,
            "withdrawn_at": None,
        }
        for r in referrals
    ]
    return sorted(rows, key=lambda row: row["at"], reverse=True)


@router.get(
    "/persons/{person_uuid}/disclosures",
    response=DisclosureLogOut,
    auth=AUTHENTICATED,
    summary="A person's disclosure log: who saw what, what was shared with whom (DPO)",
)
def get_disclosure_log(
    request, person_uuid: UUID, cursor: str | None = None, page_size: int | None = None
):
    person = access.get_person_for_dpo(request.auth, person_uuid, "case.disclosures.viewed")
    organisation_id = request.auth.organisation_id
    paginator = CursorPagination(ordering=("-at", "-id"))
    page = paginator.paginate_queryset(
        access.disclosure_events(request.auth, person).select_related("organisation"),
        CursorPagination.Input(cursor=cursor, page_size=page_size),
        request,
    )
    return {
        "person": person,
        "disclosures": _disclosures(person, organisation_id),
        "events": page["results"],
        "next": page["next"],
        "previous": page["previous"],
    }
