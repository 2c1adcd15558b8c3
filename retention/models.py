"""Retention of records about persons, and what is left of them afterwards.

`Residue` is the anonymised remainder of records that were deleted or anonymised at the end
of their retention clock: counts only, by kind of record and coarse dimensions, never a
link to a person. The statistics module adds it to the figures of live records.

The rest is the machinery of the clocks (docs/retention.md): the rules each organisation's
data protection officer sets per kind of record, legal holds that suspend removal, the review
queue the scheduled job fills and empties, and a record of each run.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.encryption import EncryptedTextField


class AgeBand(models.TextChoices):
    """Coarse age bands, the same for live records and for the residue."""

    MINOR = "minor", _("Under 18")
    YOUNG = "18_25", _("18 to 25")
    ADULT = "26_35", _("26 to 35")
    OLDER = "36_plus", _("36 and over")
    UNKNOWN = "unknown", _("Age unknown")


def age_band(
    date_of_birth: datetime.date | None,
    on: datetime.date,
    minor_until: datetime.date | None = None,
) -> str:
    """The band of a person born on `date_of_birth` on the day `on`. Without a date of
    birth, a record that only knows the person is a minor (cases.Person.minor_until, for
    a service sent no date of birth) counts them as one until that day: the 1st of January
    after they turn 18, so for up to a year such a record still says "under 18" where the
    sender's, with the date, says 18-25. Residue written before this rule (2026-11-22)
    counted such records as unknown."""
    if date_of_birth is None:
        if minor_until is not None and on < minor_until:
            return AgeBand.MINOR
        return AgeBand.UNKNOWN
    age = (
        on.year
        - date_of_birth.year
        - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))
    )
    if age < 18:
        return AgeBand.MINOR
    if age <= 25:
        return AgeBand.YOUNG
    if age <= 35:
        return AgeBand.ADULT
    return AgeBand.OLDER


class ResidueKind(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    FILE = "file", _("Case file")
    GOAL = "goal", _("Goal of a guidance plan")
    SERVICE_REFERRAL = "service_referral", _("Referral to a service")
    CONSULTATION_CASE = "consultation_case", _("Case discussed in a consultation")
    ACTION = "action", _("Consultation action")


class Residue(models.Model):
    """How many records of a kind, with these coarse dimensions, were removed. Blank
    dimensions do not apply to the kind (e.g. no phase for a referral; the sphere of life is a
    goal's, counted with kind "goal", since a file has goals in several spheres). `year` is the year
    the record counts for (received, opened, discussed); `outcome` is the record's end
    state (the file's outcome, the referral's status, the service's answer)."""

    kind = models.CharField(_("kind of record"), max_length=20, choices=ResidueKind.choices)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    age_band = models.CharField(_("age band"), max_length=8, choices=AgeBand.choices)
    sphere = models.CharField(_("sphere of life"), max_length=14, blank=True)
    phase = models.CharField(_("phase"), max_length=8, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, blank=True)
    count = models.PositiveIntegerField(_("count"), default=0)

    class Meta:
        verbose_name = _("anonymised residue")
        verbose_name_plural = _("anonymised residue")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "municipality", "year", "age_band", "sphere", "phase", "outcome"],
                name="one_residue_row_per_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.year} ({self.count})"


# --- Rules -------------------------------------------------------------------------------


class RuleKind(models.TextChoices):
    """The kinds of record a retention clock runs for, each from its own starting date."""

    REFERRAL_NO_FURTHER_ACTION = (
        "referral_no_further_action",
        _("Referral closed with no further action"),
    )
    REFERRAL_REDIRECTED = "referral_redirected", _("Referral redirected to another service")
    CLOSED_FILE = "closed_file", _("Closed case file")
    HELPDESK_CONTACT = "helpdesk_contact", _("Help-desk contact")
    CONSULTATION_MINUTES = "consultation_minutes", _("Case consultation: minutes and discussion")


class RuleAction(models.TextChoices):
    ANONYMISE = "anonymise", _("Anonymise: remove the records, keep anonymous counts")
    DELETE = "delete", _("Delete: remove the records, keep nothing")


# What an organisation whose DPO has not set a rule gets: (months, action).
DEFAULT_RULES: dict[str, tuple[int, str]] = {
    RuleKind.REFERRAL_NO_FURTHER_ACTION: (12, RuleAction.ANONYMISE),
    RuleKind.REFERRAL_REDIRECTED: (12, RuleAction.ANONYMISE),
    RuleKind.CLOSED_FILE: (60, RuleAction.ANONYMISE),
    RuleKind.HELPDESK_CONTACT: (12, RuleAction.ANONYMISE),
    RuleKind.CONSULTATION_MINUTES: (60, RuleAction.ANONYMISE),
}

MAX_MONTHS = 1200  # a hundred years: beyond that a clock is no clock


class RetentionRule(models.Model):
    """How long an organisation keeps one kind of record, and what happens at the end.

    Rows exist only where the DPO changed a default (DEFAULT_RULES); minutes may have a
    rule per cell (`cell`), the organisation's rule applying to its other cells."""

    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="retention_rules"
    )
    kind = models.CharField(_("kind of record"), max_length=30, choices=RuleKind.choices)
    cell = models.ForeignKey(
        "platforms.Platform",
        verbose_name=_("LIVC-R"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    months = models.PositiveSmallIntegerField(_("kept for (months)"))
    action = models.CharField(_("at the end"), max_length=10, choices=RuleAction.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("retention rule")
        verbose_name_plural = _("retention rules")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind"],
                condition=models.Q(cell__isnull=True),
                name="one_retention_rule_per_kind",
            ),
            models.UniqueConstraint(
                fields=["organisation", "kind", "cell"],
                condition=models.Q(cell__isnull=False),
                name="one_retention_rule_per_cell",
            ),
            models.CheckConstraint(
                condition=models.Q(cell__isnull=True) | models.Q(kind="consultation_minutes"),
                name="retention_cell_rule_for_minutes_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.organisation_id}): {self.months}"

    @property
    def is_default(self) -> bool:
        return self.pk is None


# --- Legal holds -------------------------------------------------------------------------


class LegalHoldQuerySet(models.QuerySet):
    def active(self) -> LegalHoldQuerySet:
        return self.filter(lifted_at__isnull=True)


class LegalHold(models.Model):
    """A legal hold placed by an organisation's DPO: on its file on a person, or on the
    person (then on everything the organisation holds on them, and on the person's record
    itself). While active, nothing it covers is queued and nothing queued is removed; the
    retention period is not lengthened (lifted, what is overdue is queued at once)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    file = models.ForeignKey(
        "cases.CaseFile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_holds",
    )
    person = models.ForeignKey(
        "cases.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_holds",
    )
    reason = EncryptedTextField(_("reason"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    placed_at = models.DateTimeField(_("placed on"), default=timezone.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(_("lifted on"), null=True, blank=True)
    lift_reason = EncryptedTextField(_("reason for lifting"), blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(file__isnull=True, person__isnull=False)
                | models.Q(file__isnull=False, person__isnull=True),
                name="legal_hold_on_a_file_or_a_person",
            )
        ]
        indexes = [models.Index(fields=["organisation", "lifted_at"])]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


# --- The review queue --------------------------------------------------------------------


class ReviewStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting review")
    APPROVED = "approved", _("Approved: removed at the next run")
    EXTENDED = "extended", _("Kept longer")
    DONE = "done", _("Removed")
    CANCELLED = "cancelled", _("No longer due")


OPEN_STATUSES = (ReviewStatus.PENDING, ReviewStatus.APPROVED, ReviewStatus.EXTENDED)


class ReviewItem(models.Model):
    """A record whose clock has run out, waiting for its organisation's DPO. Approved, it
    is removed by the next run following the rule's action; extended, it comes back on the
    date chosen. Kept as history once done, without any link left to the person."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind of record"), max_length=30, choices=RuleKind.choices)
    organisation = models.ForeignKey(
        "network.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    # the record's primary key, which outlives it (the audit trail names it the same way)
    object_id = models.PositiveBigIntegerField()
    file = models.ForeignKey(
        "cases.CaseFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    referral = models.ForeignKey(
        "cases.Referral", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    meeting = models.ForeignKey(
        "consultations.Meeting",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_since = models.DateField(_("due since"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.PENDING
    )
    action = models.CharField(_("action"), max_length=10, choices=RuleAction.choices, blank=True)
    extended_until = models.DateField(_("kept until"), null=True, blank=True)
    extension_reason = EncryptedTextField(_("reason for keeping it longer"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    executed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removed = models.JSONField(_("rows removed"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("record to review")
        verbose_name_plural = _("records to review")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=models.Q(status__in=["pending", "approved", "extended"]),
                name="one_open_review_per_record",
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "due_since"]),
            models.Index(fields=["status", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.status})"

    @property
    def target_type(self) -> str:
        return TARGET_TYPES[self.kind]


TARGET_TYPES: dict[str, str] = {
    RuleKind.REFERRAL_NO_FURTHER_ACTION: "cases.referral",
    RuleKind.REFERRAL_REDIRECTED: "cases.referral",
    RuleKind.CLOSED_FILE: "cases.casefile",
    RuleKind.HELPDESK_CONTACT: "helpdesk.contact",
    RuleKind.CONSULTATION_MINUTES: "consultations.meeting",
}


class RetentionRun(models.Model):
    """One run of the job: what it queued, removed, cancelled and left for a hold."""

    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    queued = models.PositiveIntegerField(_("queued"), default=0)
    executed = models.PositiveIntegerField(_("removed"), default=0)
    cancelled = models.PositiveIntegerField(_("no longer due"), default=0)
    held = models.PositiveIntegerField(_("kept for a legal hold"), default=0)
    removed = models.JSONField(_("rows removed"), default=dict, blank=True)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"
