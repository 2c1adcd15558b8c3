"""Action plans: plan → items of any depth (policy line → action → measure), and their progress."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import i18n


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ADOPTED = "adopted", _("Adopted")
    CLOSED = "closed", pgettext_lazy("plan status", "Closed")


class Plan(models.Model):
    """An action plan, regional or local, owned by one organisation."""

    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    owner = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    title = models.JSONField(_("title"), default=dict)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    period_start = models.PositiveSmallIntegerField(_("first year"))
    period_end = models.PositiveSmallIntegerField(_("last year"))
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-period_start", "slug"]
        permissions = [
            ("coordinate_plans", "Can coordinate the action plans of the organisation"),
            ("report_progress", "Can report progress on measures of the organisation"),
        ]

    def __str__(self) -> str:
        return i18n.pick(self.title) or self.slug

    @property
    def is_public(self) -> bool:
        return self.status in (PlanStatus.ADOPTED, PlanStatus.CLOSED)


class ItemKind(models.TextChoices):
    LINE = "line", _("Policy line")
    ACTION = "action", _("Action")
    MEASURE = "measure", _("Measure")


class MeasureType(models.TextChoices):
    EXISTING = "B", _("B — existing")
    REINFORCED = "V", _("V — reinforced")
    NEW = "N", _("N — new")


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    DELAYED = "delayed", _("Delayed")
    CANCELLED = "cancelled", _("Cancelled")


class PlanItemQuerySet(models.QuerySet):
    def measures(self) -> PlanItemQuerySet:
        return self.filter(kind=ItemKind.MEASURE)

    def search(self, text: str) -> PlanItemQuerySet:
        text = text.strip().lower()
        return self.filter(search_text__contains=text) if text else self


class PlanItem(models.Model):
    """A node of a plan's tree. Measures carry type, actors, ministers, budget and indicators.

    The tree has any depth: a measure's parent is usually an action, whose parent is a
    policy line. Progress of a measure is the latest published update (denormalised here
    so that lists need no extra query).
    """

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("parent"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ItemKind.choices)
    code = models.CharField(_("code"), max_length=20)
    position = models.PositiveIntegerField(_("position"), default=0)
    title = models.JSONField(_("title"), default=dict)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    measure_type = models.CharField(
        _("type"), max_length=1, choices=MeasureType.choices, blank=True
    )
    budget_text = models.TextField(_("budget as written"), blank=True)
    reporting_organisation = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("reporting organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_items",
    )
    ministers = models.ManyToManyField(  # type: ignore[var-annotated]
        "Minister",
        through="MeasureMinister",
        blank=True,
        related_name="items",
        verbose_name=_("ministers"),
    )
    current_status = models.CharField(
        _("status"),
        max_length=12,
        choices=ProgressStatus.choices,
        default=ProgressStatus.NOT_STARTED,
    )
    current_progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    search_text = models.TextField(editable=False, default="")
    version = models.PositiveIntegerField(default=1)

    objects = PlanItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")
        ordering = ["plan", "position"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "code"], name="plan_item_code_unique"),
        ]
        indexes = [models.Index(fields=["plan", "kind", "position"], name="plan_item_kind_idx")]

    def __str__(self) -> str:
        return f"{self.code} {i18n.pick(self.title)}"

    @property
    def is_measure(self) -> bool:
        return self.kind == ItemKind.MEASURE

    def refresh_search_text(self) -> None:
        self.search_text = i18n.search_blob(self.code, self.title, self.summary)


class ActorRole(models.TextChoices):
    COORDINATION = "coordination", _("Coordination")
    PARTNER = "partner", _("Partner")
    FUNDER = "funder", _("Funder")
    BENEFICIARY = "beneficiary", _("Beneficiary")


class MeasureActor(models.Model):
    """An organisation taking part in a measure, with its role and the text as written."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="actors")
    organisation = models.ForeignKey(
        "network.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="measure_roles",
    )
    role = models.CharField(
        _("role"), max_length=12, choices=ActorRole.choices, default=ActorRole.PARTNER
    )
    as_written = models.CharField(_("as written"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        ordering = ["item_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "organisation"], name="measure_actor_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.get_role_display()})"


class Minister(models.Model):
    """A responsible minister or post, named per language."""

    key = models.SlugField(max_length=120, unique=True)
    title = models.JSONField(_("title"), default=dict)
    as_written = models.CharField(_("as written"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("minister or post")
        verbose_name_plural = _("ministers or posts")
        ordering = ["key"]

    def __str__(self) -> str:
        return i18n.pick(self.title) or self.as_written


class MeasureMinister(models.Model):
    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE)
    minister = models.ForeignKey(Minister, on_delete=models.PROTECT)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["item_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "minister"], name="measure_minister_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.minister_id}"


class BudgetMode(models.TextChoices):
    AMOUNT = "amount", _("Amount")
    REGULAR_RESOURCES = "regular_resources", _("Within the regular resources")
    TO_BE_DETERMINED = "to_be_determined", _("To be determined")


class Periodicity(models.TextChoices):
    ONE_OFF = "one_off", _("One-off")
    PER_YEAR = "per_year", _("Per year")
    PER_DOSSIER = "per_dossier", _("Per dossier")


# The fields of a budget line that exports, imports and the API carry.
BUDGET_LINE_FIELDS = (
    "mode",
    "amount",
    "currency",
    "periodicity",
    "period_start",
    "period_end",
    "source",
    "fte",
    "label",
    "original_text",
)


class BudgetLine(models.Model):
    """One amount (or a non-monetary mode) of a measure's budget, with the text it came from."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="budget_lines")
    position = models.PositiveSmallIntegerField(default=0)
    mode = models.CharField(
        _("mode"), max_length=20, choices=BudgetMode.choices, default=BudgetMode.AMOUNT
    )
    amount = models.DecimalField(
        _("amount"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    periodicity = models.CharField(
        _("periodicity"), max_length=12, choices=Periodicity.choices, default=Periodicity.ONE_OFF
    )
    period_start = models.PositiveSmallIntegerField(_("from year"), null=True, blank=True)
    period_end = models.PositiveSmallIntegerField(_("to year"), null=True, blank=True)
    source = models.CharField(_("funding source"), max_length=80, blank=True)
    fte = models.DecimalField(
        _("staff (FTE)"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    label = models.CharField(_("label"), max_length=120, blank=True)
    original_text = models.TextField(_("original text"), blank=True)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["item_id", "position"]

    def __str__(self) -> str:
        return self.original_text or self.get_mode_display()


class Indicator(models.Model):
    """A measurable indicator of a measure, with baseline and target."""

    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="indicators")
    position = models.PositiveSmallIntegerField(default=0)
    name = models.JSONField(_("name"), default=dict)
    unit = models.CharField(_("unit"), max_length=40, blank=True)
    baseline = models.DecimalField(
        _("baseline"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"), null=True, blank=True)
    target = models.DecimalField(
        _("target"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    target_year = models.PositiveSmallIntegerField(_("target year"), null=True, blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["item_id", "position"]

    def __str__(self) -> str:
        return i18n.pick(self.name)


class IndicatorValue(models.Model):
    """The actual value of an indicator for a period, as published in a reporting round."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    period = models.CharField(_("period"), max_length=20)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    update = models.ForeignKey(
        "ProgressUpdate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "period"], name="indicator_value_period_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period}: {self.value}"


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", pgettext_lazy("round status", "Closed")


class ReportingRound(models.Model):
    """A call by the coordinator for progress on every measure of a plan, with a deadline."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rounds")
    name = models.CharField(_("name"), max_length=120)
    period = models.CharField(_("period reported on"), max_length=20)
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    last_reminder_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["plan", "-opened_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == RoundStatus.OPEN


class UpdateState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CHANGES_REQUESTED = "changes_requested", _("Changes requested")
    PUBLISHED = "published", _("Published")


class ProgressUpdate(models.Model):
    """A contact point's report on one measure in one round, reviewed by the coordinator."""

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="updates")
    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="updates")
    state = models.CharField(
        _("state"), max_length=20, choices=UpdateState.choices, default=UpdateState.DRAFT
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=ProgressStatus.choices,
        default=ProgressStatus.NOT_STARTED,
    )
    percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    narrative = models.TextField(_("narrative"), blank=True)
    evidence_links = models.TextField(_("evidence links"), blank=True)
    indicator_values = models.JSONField(_("indicator values"), default=dict, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["round", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "item"], name="progress_update_unique")
        ]
        indexes = [models.Index(fields=["item", "state"], name="progress_item_state_idx")]

    def __str__(self) -> str:
        return f"{self.item.code} — {self.round}"

    def evidence_link_list(self) -> list[str]:
        return [line.strip() for line in self.evidence_links.splitlines() if line.strip()]


class Evidence(models.Model):
    """A file attached to a progress update as evidence."""

    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to="evidence/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.name


class CompletionLevel(models.TextChoices):
    NOT_ACHIEVED = "not_achieved", _("Not achieved")
    PARTLY = "partly", _("Partly achieved")
    LARGELY = "largely", _("Largely achieved")
    FULLY = "fully", _("Fully achieved")


class EvaluationEntry(models.Model):
    """The coordinator's evaluation of one measure in one round (measure 1.3 of the plan):
    a completion level and a note, written and owned by a person, never computed."""

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="evaluations")
    item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="evaluations")
    level = models.CharField(_("completion level"), max_length=14, choices=CompletionLevel.choices)
    note = models.TextField(_("note"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("evaluation entry")
        verbose_name_plural = _("evaluation entries")
        ordering = ["round", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["round", "item"], name="evaluation_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.level}"


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    CHECKING = "checking", _("Checking rows")
    APPLYING = "applying", _("Saving")
    DONE = "done", _("Done")
    FAILED = "failed", _("Refused")


class PlanImport(models.Model):
    """A spreadsheet import into a plan: checked row by row, then applied all at once or not
    at all. Progress is kept here so the page can show a progress bar."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    file = models.FileField(upload_to="imports/%Y/%m/")
    filename = models.CharField(max_length=200)
    language = models.CharField(max_length=5, default="en")
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    checked_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("plan import")
        verbose_name_plural = _("plan imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.filename

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return int(self.checked_rows * 90 / self.total_rows) if self.total_rows else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)
