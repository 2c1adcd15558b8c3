"""Schemas of what passes between organisations, and of its oversight by the DPO."""

import datetime
from uuid import UUID

from ninja import Field, Schema

from cases.api.common import VERSION_HELP
from cases.api.file_schemas import PersonOut
from core.api import ErrorOut, display_name


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
    own_file: UUID | None = Field(
        ..., description="Your organisation's file opened from this referral, if any"
    )

    @staticmethod
    def resolve_own_file(obj):
        return obj.receiver_file.uuid if obj.receiver_file_id else None

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

    kind: str = Field(..., description="contribution, service_referral or handover")
    id: UUID
    at: datetime.datetime
    by: str = Field(..., description="E-mail of the professional")
    organisation: str = Field(..., description="Key of the organisation whose file it left")
    legal_basis: str
    purpose: str
    recipients: list[str] = Field(..., description="Organisation keys (and LIVC-R key)")
    service: UUID | None
    information: list[str] = Field(
        ..., description="What was passed: kind, fields sent, or the handover's summary"
    )
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
