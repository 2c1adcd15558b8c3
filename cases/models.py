"""The person-centred approach: persons, each organisation's own file on them, the shared
file of explicit contributions, referral intake, evaluations, guidance plans, judges'
conditions, closed-loop referrals to services, handovers and break-glass access.

Privacy by design (PRODUCT.md): free text about persons and their names are encrypted at
rest; nothing here is ever scored or ranked; who sees what is decided in access.py only.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.encryption import EncryptedJSONField, EncryptedTextField, blind_index


class Record(models.Model):
    """Base of the module's models: printed as kind and id, never with personal data."""

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"


class Sphere(models.TextChoices):
    """The spheres of life of measure 6.1, plus housing and justice follow-up."""

    PSYCHOSOCIAL = "psychosocial", _("Psycho-social support")
    TRAINING = "training", _("Training and employment")
    MENTAL_HEALTH = "mental_health", _("Mental healthcare, addiction included")
    FAMILY = "family", _("Social context and family")
    MENTOR = "mentor", _("Alternative-discourse mentor")
    HOUSING = "housing", _("Housing")
    JUSTICE = "justice", _("Justice follow-up")


class Phase(models.TextChoices):
    """Where the person stands with regard to detention (measure 6.3)."""

    NONE = "none", _("No detention")
    BEFORE = "before", _("Before detention")
    DURING = "during", _("During detention")
    AFTER = "after", _("After detention")


class Context(models.TextChoices):
    COMMUNITY = "community", _("In the community")
    FACILITY = "facility", _("Community facility")
    FOLLOW_UP = "follow_up", _("Follow-up assistance")
    PRISON = "prison", _("Prison")


class LegalBasis(models.TextChoices):
    CASE_CONSULTATION = (
        "case_consultation",
        _("Case consultation (Art. 458ter Criminal Code; LIVC-R law of 30 July 2018)"),
    )
    FLEMISH_DECREE = "flemish_decree", _("Flemish decree of 21 May 2021")
    FRENCH_COMMUNITY_DECREE = "fwb_decree", _("French Community decree of 8 June 2023")
    CONSENT = "consent", _("Consent of the person")
    VITAL_INTEREST = "vital_interest", _("Vital interest")


class GuardianDecision(models.TextChoices):
    """How parents or guardian were involved in a minor's consent: a decision, recorded."""

    NOT_APPLICABLE = "", _("Not applicable (adult)")
    CONSENTED = "consented", _("Parents or guardian consented")
    INFORMED = "informed", _("Parents or guardian informed")
    NOT_INVOLVED = "not_involved", _("Not involved, for the reason given")


class Consent(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")
    NOT_ASKED = "not_asked", _("Not asked yet")


class Person(models.Model):
    """Minimal identity. Everywhere identity is not needed, the handle stands for it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    handle = models.CharField(_("handle"), max_length=20, unique=True)
    full_name = EncryptedTextField(_("name"))
    name_index = models.CharField(max_length=400, blank=True, editable=False)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    national_number = EncryptedTextField(_("national number"), blank=True)
    # A receiving service's own record of a person it was referred (see
    # services.open_file_from_service_referral) holds only what was sent. `same_as` links it to
    # the first record of the person, so that what partners share about them reaches both.
    # When the sender kept a minor's date of birth back, `minor_until` keeps the flag until
    # the 1st of January after they come of age (not the birthday, which would show the
    # date of birth when the flag goes); it is never shown.
    same_as = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    minor_until = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")

    def __str__(self) -> str:
        return self.handle

    def save(self, *args, **kwargs):
        self.name_index = blind_index(self.full_name or "")
        super().save(*args, **kwargs)

    @property
    def age(self) -> int | None:
        if self.date_of_birth is None:
            return None
        today = timezone.localdate()
        born = self.date_of_birth
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    @property
    def is_minor(self) -> bool:
        age = self.age
        if age is not None:
            return age < 18
        return self.minor_until is not None and timezone.localdate() < self.minor_until

    @property
    def first_record_id(self) -> int:
        """The person's first record: this one, or the one it was opened from (same_as)."""
        return self.same_as_id or self.pk

    @property
    def comes_of_age_on(self) -> datetime.date | None:
        """The day the person turns 18, as far as this record knows."""
        born = self.date_of_birth
        if born is None:
            return self.minor_until
        try:
            return born.replace(year=born.year + 18)
        except ValueError:  # born on 29 February
            return datetime.date(born.year + 18, 3, 1)

    @property
    def masked_national_number(self) -> str:
        return "•" * 9 + self.national_number[-2:] if self.national_number else ""


class HandleCounter(Record):
    """The last number given per prefix and year: NAM-2026-0042."""

    prefix = models.CharField(max_length=6)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="handle_counter_unique")
        ]


class Urgency(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    SOON = "soon", _("Within a week")
    URGENT = "urgent", _("Urgent")


class ReferralSource(models.TextChoices):
    ORGANISATION = "organisation", _("An organisation")
    PROFESSIONAL = "professional", _("A professional")
    HELPDESK = "helpdesk", _("The help desk")


class Awareness(models.TextChoices):
    AWARE = "aware", _("The person knows of the referral")
    NOT_AWARE = "not_aware", _("The person does not know")
    UNKNOWN = "unknown", _("Unknown")


class ReferralStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ACCEPTED = "accepted", _("Accepted: file opened")
    REDIRECTED = "redirected", _("Redirected to another service")
    NO_FURTHER_ACTION = "no_further_action", _("Closed: no further action")


class Referral(Record):
    """A concern about a person brought to an organisation's referral officer."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals")
    organisation = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("received by"),
        on_delete=models.PROTECT,
        related_name="case_referrals",
    )
    source = models.CharField(_("referred by"), max_length=14, choices=ReferralSource.choices)
    referrer_organisation = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("referring organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    referrer_name = EncryptedTextField(_("referring professional"), blank=True)
    concern = EncryptedTextField(_("concern, in the referrer's words"))
    received_on = models.DateField(_("received on"), default=timezone.localdate)
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE
    )
    awareness = models.CharField(
        _("awareness"), max_length=10, choices=Awareness.choices, default=Awareness.UNKNOWN
    )
    consent = models.CharField(
        _("consent"), max_length=10, choices=Consent.choices, default=Consent.NOT_ASKED
    )
    guardian = models.CharField(
        _("parents or guardian"), max_length=14, choices=GuardianDecision.choices, blank=True
    )
    guardian_reason = EncryptedTextField(_("why parents or guardian are not involved"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.RECEIVED
    )
    decision_note = EncryptedTextField(_("note on the decision"), blank=True)
    redirected_to = models.ForeignKey(
        "network.Service",
        verbose_name=_("redirected to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    file = models.ForeignKey(
        "CaseFile", null=True, blank=True, on_delete=models.PROTECT, related_name="referrals"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["organisation", "status", "-received_on"])]


class FileStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ClosureReason(models.TextChoices):
    GOALS_REACHED = "goals_reached", _("Goals reached")
    NO_LONGER_NEEDED = "no_longer_needed", _("Support no longer needed")
    PERSON_STOPPED = "person_stopped", _("The person ended the guidance")
    MOVED = "moved", _("The person moved away")
    HANDED_OVER = "handed_over", _("Handed over to another organisation")
    NO_FURTHER_ACTION = "no_further_action", _("No further action")
    OTHER = "other", _("Other")


class Outcome(models.TextChoices):
    DISENGAGED = "disengaged", _("Disengaged")
    STABILISED = "stabilised", _("Situation stabilised")
    REFERRED_ON = "referred_on", _("Referred on")
    LOST_CONTACT = "lost_contact", _("Contact lost")
    UNCHANGED = "unchanged", _("No change")


class CaseFile(models.Model):
    """One organisation's own file on one person. Only its case team sees it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="files")
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="case_files"
    )
    manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("case manager"),
        on_delete=models.PROTECT,
        related_name="managed_files",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=FileStatus.choices, default=FileStatus.OPEN
    )
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices, default=Phase.NONE)
    context = models.CharField(
        _("context"), max_length=10, choices=Context.choices, default=Context.COMMUNITY
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(
        _("reason for closing"), max_length=20, choices=ClosureReason.choices, blank=True
    )
    outcome = models.CharField(_("outcome"), max_length=14, choices=Outcome.choices, blank=True)
    closure_note = EncryptedTextField(_("closing note"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    # set by cases.access when a user opens the file (with `my_role`, their seat: "manager",
    # "member", or "" under break-glass): why they may read it, for the audit row
    access_reason: str = ""
    break_glass_grant: Any = None  # the grant a break-glass reader reads it under

    class Meta:
        verbose_name = _("case file")
        verbose_name_plural = _("case files")
        constraints = [
            models.UniqueConstraint(fields=["person", "organisation"], name="one_file_per_agency")
        ]
        indexes = [models.Index(fields=["organisation", "status"])]
        permissions = [
            ("work_cases", "Keeps case files on persons"),
            ("receive_referrals", "Receives and decides referrals for the organisation"),
        ]

    def __str__(self) -> str:
        return f"{self.person.handle} ({self.organisation_id})"

    @property
    def review_overdue(self) -> bool:
        return (
            self.status == FileStatus.OPEN
            and self.next_review_on is not None
            and self.next_review_on < timezone.localdate()
        )


class TeamRole(models.TextChoices):
    MANAGER = "manager", _("Case manager")
    MEMBER = "member", _("Team member")


class TeamMember(Record):
    """A member of the organisation assigned to the person: the case team."""

    file = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_teams"
    )
    # The file's organisation, which never changes: with it on the seat, PostgreSQL sees that
    # a user's seats are in the user's organisation (bench/CASES.md, finding 4), so the case
    # list walks them newest first and stops after a page, however many files the user has.
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+", editable=False
    )
    role = models.CharField(max_length=8, choices=TeamRole.choices, default=TeamRole.MEMBER)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["file", "user"], name="one_seat_per_file")]
        indexes = [
            models.Index(fields=["user", "organisation", "file"], name="cases_seat_user_org_file")
        ]

    def save(self, *args, **kwargs):
        if self.organisation_id is None:
            self.organisation_id = self.file.organisation_id
        super().save(*args, **kwargs)


class EntryKind(models.TextChoices):
    NOTE = "note", _("Note")
    CONTACT = "contact", _("Contact")
    EVENT = "event", _("Event")


class JournalEntry(Record):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="journal")
    kind = models.CharField(_("kind"), max_length=8, choices=EntryKind.choices)
    occurred_on = models.DateField(_("date"), default=timezone.localdate)
    text = EncryptedTextField(_("text"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [models.Index(fields=["file", "-occurred_on"])]


class Evaluation(Record):
    """A professional's structured judgement, signed and dated; never computed.

    `spheres` holds, per sphere of life, {"needs", "protective", "concerns"} as free text.
    When an external instrument was used, only its name, date, assessor and summary."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="evaluations")
    evaluated_on = models.DateField(_("date"), default=timezone.localdate)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    summary = EncryptedTextField(_("diagnosis"))
    spheres = EncryptedJSONField(_("spheres of life"), default=dict, blank=True)
    instrument = models.CharField(_("instrument used elsewhere"), max_length=60, blank=True)
    instrument_on = models.DateField(_("instrument date"), null=True, blank=True)
    instrument_assessor = models.CharField(_("assessor"), max_length=150, blank=True)
    instrument_summary = EncryptedTextField(_("instrument summary"), blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-evaluated_on", "-id"]


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class GuidancePlan(Record):
    """A version of the guidance plan; the case manager approves it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="plans")
    number = models.PositiveIntegerField(_("version"))
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices, default=Phase.NONE)
    context = models.CharField(
        _("context"), max_length=10, choices=Context.choices, default=Context.COMMUNITY
    )
    review_on = models.DateField(_("review on"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("guidance plan")
        verbose_name_plural = _("guidance plans")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["file", "number"], name="plan_version_unique"),
            models.UniqueConstraint(
                fields=["file"], condition=Q(status="draft"), name="one_draft_plan"
            ),
        ]


class Progress(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ONGOING = "ongoing", _("Ongoing")
    REACHED = "reached", _("Reached")
    STOPPED = "stopped", _("Stopped")


OPEN_PROGRESS = (Progress.PLANNED, Progress.ONGOING)


class Goal(Record):
    plan = models.ForeignKey(GuidancePlan, on_delete=models.CASCADE, related_name="goals")
    sphere = models.CharField(_("sphere of life"), max_length=14, choices=Sphere.choices)
    description = EncryptedTextField(_("goal"))
    partner = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("responsible partner"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    interventions = EncryptedTextField(_("interventions"), blank=True)
    starts_on = models.DateField(_("start"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    progress = models.CharField(
        _("progress"), max_length=8, choices=Progress.choices, default=Progress.PLANNED
    )
    progress_note = EncryptedTextField(_("progress note"), blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class Condition(Record):
    """A condition imposed by a judge (measure 6.4), followed up by a justice assistant."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="conditions")
    imposed_by = models.CharField(_("imposed by"), max_length=150)
    imposed_on = models.DateField(_("imposed on"))
    until = models.DateField(_("until"), null=True, blank=True)
    text = EncryptedTextField(_("condition"))
    justice_assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("justice assistant"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["imposed_on", "id"]


class Compliance(models.TextChoices):
    COMPLIED = "complied", _("Complied with")
    PARTLY = "partly", _("Partly complied with")
    NOT_COMPLIED = "not_complied", _("Not complied with")


class ConditionCheck(Record):
    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="checks")
    checked_on = models.DateField(_("date"), default=timezone.localdate)
    compliance = models.CharField(_("finding"), max_length=14, choices=Compliance.choices)
    note = EncryptedTextField(_("note"), blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-checked_on", "-id"]


class Attachment(Record):
    """A document in the agency file. The stored bytes are encrypted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.ForeignKey(CaseFile, on_delete=models.CASCADE, related_name="attachments")
    name = EncryptedTextField(_("name"))
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    blob = models.CharField(max_length=200, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]


class ContributionKind(models.TextChoices):
    SUMMARY = "summary", _("Summary")
    DECISION = "decision", _("Decision")
    PLAN_STEP = "plan_step", _("Step of the guidance plan")


class Contribution(Record):
    """One item a professional chose to share for multi-agency work, with its legal basis,
    purpose and recipients. Withdrawing keeps the row (and its log)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="contributions")
    file = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="contributions")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ContributionKind.choices)
    text = EncryptedTextField(_("text shared"))
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    consent_reference = EncryptedTextField(_("consent reference"), blank=True)
    consent_expires_on = models.DateField(_("consent expires on"), null=True, blank=True)
    guardian = models.CharField(
        _("parents or guardian"), max_length=14, choices=GuardianDecision.choices, blank=True
    )
    purpose = EncryptedTextField(_("purpose"))
    to_livc = models.ForeignKey(
        "platforms.Platform",
        verbose_name=_("LIVC-R"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    recipients = models.ManyToManyField(
        "network.Organisation", verbose_name=_("partner organisations"), blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_reason = EncryptedTextField(_("reason for withdrawing"), blank=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["-created_at", "-id"]

    @property
    def is_active(self) -> bool:
        if self.withdrawn_at is not None:
            return False
        return not (
            self.legal_basis == LegalBasis.CONSENT
            and self.consent_expires_on is not None
            and self.consent_expires_on < timezone.localdate()
        )


class ReferralField(models.TextChoices):
    """What a referral to a service may carry, chosen field by field."""

    HANDLE = "handle", _("Handle")
    NAME = "name", _("Name")
    DATE_OF_BIRTH = "date_of_birth", _("Date of birth")
    MUNICIPALITY = "municipality", _("Municipality")
    LANGUAGES = "languages", _("Languages")


class ServiceReferralStatus(models.TextChoices):
    SENT = "sent", _("Awaiting an answer")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    DONE = "done", _("Done")
    DROPPED = "dropped", _("Dropped")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_SERVICE_REFERRAL = (ServiceReferralStatus.SENT, ServiceReferralStatus.ACCEPTED)


class ServiceReferral(Record):
    """A closed-loop referral from a file to a service of the directory. `due_on` is the
    date by which the next step is expected (an answer, then an outcome)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="service_referrals")
    service = models.ForeignKey(
        "network.Service", on_delete=models.PROTECT, related_name="case_referrals"
    )
    fields = models.JSONField(_("information sent"), default=list)
    shared = EncryptedJSONField(default=dict)
    message = EncryptedTextField(_("message to the service"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    consent_reference = EncryptedTextField(_("consent reference"), blank=True)
    consent_expires_on = models.DateField(_("consent expires on"), null=True, blank=True)
    guardian = models.CharField(
        _("parents or guardian"), max_length=14, choices=GuardianDecision.choices, blank=True
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=ServiceReferralStatus.choices, default=ServiceReferralStatus.SENT
    )
    due_on = models.DateField()
    reason = EncryptedTextField(_("reason"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # the receiving organisation's own file on the person, opened from this referral with
    # only what was sent (services.open_file_from_service_referral); never shown to the sender
    receiver_file = models.OneToOneField(
        CaseFile,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opened_from_referral",
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["service", "status"])]

    @property
    def is_overdue(self) -> bool:
        return self.status in OPEN_SERVICE_REFERRAL and self.due_on < timezone.localdate()


class HandoverStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")


class Handover(Record):
    """Passing the follow-up to another organisation, with the legal basis checked again.
    The receiving organisation gets a file of its own with the handover summary only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    file = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="handovers")
    to_organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    consent_reference = EncryptedTextField(_("consent reference"), blank=True)
    consent_expires_on = models.DateField(_("consent expires on"), null=True, blank=True)
    guardian = models.CharField(
        _("parents or guardian"), max_length=14, choices=GuardianDecision.choices, blank=True
    )
    summary = EncryptedTextField(_("handover summary"))
    status = models.CharField(
        max_length=8, choices=HandoverStatus.choices, default=HandoverStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    new_file = models.ForeignKey(
        CaseFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )


class BreakGlass(Record):
    """Emergency access to a file of one's own organisation outside one's cases."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass"
    )
    file = models.ForeignKey(CaseFile, on_delete=models.PROTECT, related_name="break_glass")
    reason = EncryptedTextField(_("reason"))
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    justified = models.BooleanField(null=True)
    review_note = EncryptedTextField(_("review note"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["user", "expires_at"])]

    @property
    def is_active(self) -> bool:
        return self.expires_at > timezone.now()


BREAK_GLASS_HOURS = 4
SERVICE_ANSWER_DAYS = 10
SERVICE_OUTCOME_DAYS = 90


def default_due(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)
