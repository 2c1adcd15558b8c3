"""The who-is-who of prevention: organisations and the services they offer.

Every entry carries when it was last verified and by whom (freshness): the directory flags
entries older than NETWORK_VERIFY_AFTER_DAYS and their editors are reminded to check them.
"""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import i18n


class Sector(models.TextChoices):
    GOVERNMENT = "government", _("Government and administration")
    PREVENTION = "prevention", _("Prevention and safety")
    POLICE = "police", _("Police")
    JUSTICE = "justice", _("Justice")
    WELFARE = "welfare", _("Welfare and social work")
    HEALTH = "health", _("Mental health")
    EDUCATION = "education", _("Education")
    YOUTH = "youth", _("Youth work")
    EMPLOYMENT = "employment", _("Work and training")
    RELIGION = "religion", _("Religion and philosophy")
    OTHER = "other", _("Other")


class TargetGroup(models.TextChoices):
    YOUNG_PEOPLE = "young_people", _("Young people")
    PARENTS = "parents", _("Parents and families")
    ADULTS = "adults", _("Adults")
    PROFESSIONALS = "professionals", _("Professionals")
    SCHOOLS = "schools", _("Schools")
    DETAINEES = "detainees", _("Detainees and former detainees")
    RETURNEES = "returnees", _("Returnees and their families")
    COMMUNITIES = "communities", _("Local communities")


LANGUAGE_CHOICES = [
    ("nl", _("Dutch")),
    ("fr", _("French")),
    ("de", _("German")),
    ("en", _("English")),
    ("ar", _("Arabic")),
    ("tr", _("Turkish")),
]


def validate_kbo(value: str) -> None:
    """A Belgian enterprise number (KBO/BCE): ten digits, the last two a mod-97 check."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) != 10 or digits[0] not in "01" or any(ch not in "0123456789. " for ch in value):
        raise ValidationError(_("Write the enterprise number as 0123.456.749: ten digits."))
    if 97 - int(digits[:8]) % 97 != int(digits[8:]):
        raise ValidationError(
            _("This enterprise number does not exist: its check digits are wrong.")
        )


def format_kbo(value: str) -> str:
    digits = "".join(ch for ch in value if ch.isdigit())
    return f"{digits[:4]}.{digits[4:7]}.{digits[7:]}" if len(digits) == 10 else value


def facets(**values: list[str]) -> str:
    """Encode list fields as " name:value " words, matched with facet_filter()."""
    words = [f"{name}:{value}" for name, items in values.items() for value in items]
    return f" {' '.join(words)} " if words else ""


def facet_word(name: str, value: str) -> str:
    return f" {name}:{value} "


class Verifiable(models.Model):
    """When an entry was last checked by a person, and by whom."""

    verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        abstract = True

    @property
    def is_stale(self) -> bool:
        if self.verified_at is None:
            return True
        days = getattr(settings, "NETWORK_VERIFY_AFTER_DAYS", 365)
        return self.verified_at < timezone.now() - datetime.timedelta(days=days)


class Level(models.TextChoices):
    FEDERAL = "federal", _("Federal")
    REGION = "region", _("Region")
    COMMUNITY = "community", _("Community")
    PROVINCE = "province", _("Province")
    MUNICIPALITY = "municipality", _("Municipality")
    POLICE_ZONE = "police_zone", _("Police zone")
    PUBLIC_AGENCY = "public_agency", _("Public agency")
    NON_PROFIT = "non_profit", _("Non-profit organisation")
    SCHOOL = "school", _("School")
    RELIGIOUS_BODY = "religious_body", _("Religious body")
    INTERNATIONAL = "international", _("International body")
    OTHER = "other", _("Other")


class SearchableQuerySet(models.QuerySet):
    """Rows whose lower-cased search_text column contains the text."""

    def search(self, text: str) -> "SearchableQuerySet":
        return self.filter(search_text__contains=text.strip().lower()) if text.strip() else self


def address_line(street: str, postcode: str, municipality: str) -> str:
    place = " ".join(part for part in (postcode, municipality) if part)
    return ", ".join(part for part in (street, place) if part)


class Organisation(Verifiable):
    """A body that takes part in prevention: department, agency, municipality, non-profit…

    Names are stored per language. The key is stable and human-readable (an abbreviation or
    a slug) so that imports and the demo command can refer to organisations.
    """

    key = models.SlugField(_("key"), max_length=80, unique=True, allow_unicode=False)
    abbreviation = models.CharField(_("abbreviation"), max_length=40, blank=True)
    name = models.JSONField(_("name"), default=dict)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.OTHER)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    abbreviations = models.JSONField(
        _("abbreviation per language"), default=dict, blank=True
    )  # e.g. OCAD / OCAM / CUTA; the plain field keeps the one the source documents use
    description = models.JSONField(_("description"), default=dict, blank=True)
    sector = models.CharField(
        _("sector"), max_length=20, choices=Sector.choices, default=Sector.OTHER
    )
    kbo_number = models.CharField(
        _("enterprise number (KBO/BCE)"), max_length=14, blank=True, validators=[validate_kbo]
    )
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True, db_index=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    languages = models.JSONField(_("languages served"), default=list, blank=True)
    is_public = models.BooleanField(_("listed in the public directory"), default=True)
    search_text = models.TextField(editable=False, default="")
    # " language:nl language:fr " — list filters that work alike on SQLite and PostgreSQL
    facets = models.TextField(editable=False, default="")

    objects = SearchableQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["key"]
        indexes = [
            # municipality__iexact compares UPPER(municipality): the plain index cannot serve it.
            models.Index(Upper("municipality"), name="network_org_municipality_upper"),
            # What the public's lists join to: the public organisations, read from the index
            # alone rather than hashing the whole table.
            models.Index(
                fields=["id"], condition=models.Q(is_public=True), name="network_org_public"
            ),
        ]
        permissions = [
            ("edit_directory", "Can edit the directory entries of their own organisation"),
            ("coordinate_network", "Can define coverage rules, appoint to posts and import"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return i18n.pick(self.name) or self.abbreviation or self.key

    @property
    def short_name(self) -> str:
        return i18n.pick(self.abbreviations) or self.abbreviation or self.display_name

    @property
    def address_line(self) -> str:
        return address_line(self.street, self.postcode, self.municipality)

    def refresh_search_text(self) -> None:
        self.search_text = i18n.search_blob(
            self.name, self.abbreviation, self.abbreviations, self.key, self.municipality
        )
        self.facets = facets(language=self.languages)


class ServiceStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    INACTIVE = "inactive", _("Inactive")


class Intake(models.TextChoices):
    OPEN = "open", _("Takes new referrals")
    WAITING_LIST = "waiting_list", _("Waiting list")
    CLOSED = "closed", _("Takes no new referrals for now")


class Channel(models.TextChoices):
    PHONE = "phone", _("By phone")
    EMAIL = "email", _("By e-mail")
    IN_PERSON = "in_person", _("In person")
    PROFESSIONAL = "professional", _("Through a professional")
    WEB = "web", _("Through the website")


class Service(Verifiable):
    """What a partner offers people or professionals, and how to refer someone to it.

    A service not marked public (say, a counselling address) is shown to signed-in
    professionals only and left out of the open-data export.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="services",
    )
    name = models.JSONField(_("name"), default=dict)
    description = models.JSONField(_("description"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.ACTIVE
    )
    target_groups = models.JSONField(_("for whom"), default=list, blank=True)
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    maximum_age = models.PositiveSmallIntegerField(
        _("maximum age"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    areas = models.JSONField(_("municipalities served"), default=list, blank=True)
    channels = models.JSONField(_("how to refer"), default=list, blank=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True)
    information_needed = models.JSONField(_("information needed"), default=dict, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    hours_note = models.JSONField(_("about the opening hours"), default=dict, blank=True)
    intake = models.CharField(
        _("new referrals"), max_length=15, choices=Intake.choices, default=Intake.OPEN
    )
    waiting_weeks = models.PositiveSmallIntegerField(
        _("waiting time in weeks"), null=True, blank=True
    )
    free_of_charge = models.BooleanField(_("free of charge"), default=True)
    fees = models.JSONField(_("fees"), default=dict, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = models.CharField(_("postcode"), max_length=10, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    is_public = models.BooleanField(_("listed in the public directory"), default=True)
    search_text = models.TextField(editable=False, default="")
    facets = models.TextField(editable=False, default="")
    updated_at = models.DateTimeField(auto_now=True)

    objects = SearchableQuerySet.as_manager()

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["organisation", "id"]
        indexes = [
            models.Index(fields=["is_public", "status"]),
            models.Index(Upper("municipality"), name="network_service_municip_upper"),
        ]

    def __str__(self) -> str:
        return i18n.pick(self.name) or str(self.uuid)

    @property
    def address_line(self) -> str:
        return address_line(self.street, self.postcode, self.municipality)

    def refresh_search_text(self) -> None:
        self.search_text = i18n.search_blob(
            self.name, self.description, self.municipality, " ".join(self.areas)
        )
        self.facets = facets(
            language=self.languages,
            target=self.target_groups,
            area=[area.lower() for area in self.areas],
        )


class OpeningSlot(models.Model):
    """A weekly opening slot of a service (exported as an HSDS schedule)."""

    WEEKDAYS = [
        ("MO", _("Monday")),
        ("TU", _("Tuesday")),
        ("WE", _("Wednesday")),
        ("TH", _("Thursday")),
        ("FR", _("Friday")),
        ("SA", _("Saturday")),
        ("SU", _("Sunday")),
    ]
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="slots")
    weekday = models.CharField(_("day"), max_length=2, choices=WEEKDAYS)
    opens_at = models.TimeField(_("opens at"))
    closes_at = models.TimeField(_("closes at"))

    class Meta:
        ordering = ["service", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="slot_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}–{self.closes_at:%H:%M}"


class PostCategory(models.TextChoices):
    CONTACT_POINT = "contact_point", _("Contact point of a policy area")
    REFERENCE_PERSON = "reference_person", _("Reference person")
    POLICE_CONTACT = "police_contact", _("Police radicalism contact point")
    REFERRAL_OFFICER = "referral_officer", _("Radicalism referral officer")
    LIVC_MEMBER = "livc_member", _("LIVC-R member")
    OTHER = "other", _("Other post")


class PostKind(models.Model):
    """A kind of post a coordinator can ask for in a coverage rule, e.g. "reference
    consultant" or "reference justice assistant" (both reference persons)."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    name = models.JSONField(_("name"), default=dict)
    category = models.CharField(
        _("category"), max_length=20, choices=PostCategory.choices, default=PostCategory.OTHER
    )

    class Meta:
        verbose_name = _("kind of post")
        verbose_name_plural = _("kinds of post")
        ordering = ["key"]

    def __str__(self) -> str:
        return i18n.pick(self.name) or self.key


class Professional(models.Model):
    """A person known to the network because they hold (or held) a post. Not every one of
    them has an account; those who do are linked to it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    full_name = models.CharField(_("full name"), max_length=150)
    email = models.EmailField(_("e-mail"), unique=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="professional",
    )

    class Meta:
        verbose_name = _("professional")
        verbose_name_plural = _("professionals")
        ordering = ["full_name"]

    def __str__(self) -> str:
        return self.full_name


class Capacity(models.TextChoices):
    EFFECTIVE = "effective", _("Effective")
    ACTING = "acting", _("Acting")


class LegalRole(models.TextChoices):
    """The place of a member in an LIVC-R (Law of 30 July 2018)."""

    MAYOR = "mayor", _("Mayor or their representative")
    POLICE_CHIEF = "police_chief", _("Chief of the local police or their representative")
    PREVENTION_OFFICER = "prevention_officer", _("Prevention officer")
    INVITED = "invited", _("Invited member")


class Clearance(models.TextChoices):
    NONE = "none", _("No security clearance")
    REQUESTED = "requested", _("Clearance requested")
    CONFIDENTIAL = "confidential", _("Confidential")
    SECRET = "secret", _("Secret")
    TOP_SECRET = "top_secret", _("Top secret")


class Post(Verifiable):
    """A post within an organisation, held by one person at a time. The post outlives its
    holders: tenures keep who held it when; `holder` is the current one (none: vacant)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="posts"
    )
    kind = models.ForeignKey(
        PostKind, verbose_name=_("kind of post"), on_delete=models.PROTECT, related_name="posts"
    )
    title = models.JSONField(_("title"), default=dict, blank=True)
    capacity = models.CharField(
        _("capacity"), max_length=10, choices=Capacity.choices, default=Capacity.EFFECTIVE
    )
    area = models.CharField(_("area or policy field covered"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail of the post"), blank=True)
    phone = models.CharField(_("phone of the post"), max_length=40, blank=True)
    legal_role = models.CharField(
        _("legal role in the LIVC-R"), max_length=20, choices=LegalRole.choices, blank=True
    )
    clearance = models.CharField(
        _("security clearance"), max_length=15, choices=Clearance.choices, blank=True
    )
    clearance_expires_on = models.DateField(_("clearance valid until"), null=True, blank=True)
    is_public = models.BooleanField(_("listed in the public directory"), default=False)
    holder = models.ForeignKey(
        Professional,
        verbose_name=_("current holder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="current_posts",
    )
    search_text = models.TextField(editable=False, default="")
    updated_at = models.DateTimeField(auto_now=True)

    objects = SearchableQuerySet.as_manager()

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["organisation", "kind", "id"]
        indexes = [
            models.Index(fields=["kind", "organisation", "capacity"]),
            models.Index(Upper("area"), name="network_post_area_upper"),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return i18n.pick(self.title) or str(self.kind)

    def refresh_search_text(self) -> None:
        holder = self.holder.full_name if self.holder else ""
        self.search_text = i18n.search_blob(
            self.title,
            self.kind.name,
            holder,
            self.area,
            self.organisation.name,
            self.organisation.abbreviation,
            self.organisation.municipality,
        )


class Tenure(models.Model):
    """One person holding a post from a date until a date (open: still holding it)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="tenures")
    professional = models.ForeignKey(Professional, on_delete=models.PROTECT, related_name="tenures")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    appointed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["post", "-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post"], condition=models.Q(ends_on__isnull=True), name="one_open_tenure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.professional} ({self.starts_on}–{self.ends_on or ''})"


class CoverageRule(models.Model):
    """ "Every <organisations in scope> has at least <n> posts of <kind> held" — written by a
    coordinator and evaluated whenever posts, organisations or the rule change."""

    name = models.JSONField(_("name"), default=dict)
    reference = models.CharField(_("reference (e.g. measure 10.1)"), max_length=60, blank=True)
    owner = models.ForeignKey(
        Organisation, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    scope_level = models.CharField(
        _("organisations of level"), max_length=20, choices=Level.choices, blank=True
    )
    scope_sector = models.CharField(
        _("organisations of sector"), max_length=20, choices=Sector.choices, blank=True
    )
    scope_parent = models.ForeignKey(
        Organisation,
        verbose_name=_("organisations under"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scope_measure = models.ForeignKey(
        "plans.PlanItem",
        verbose_name=_("actors of the measure"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.ForeignKey(PostKind, verbose_name=_("kind of post"), on_delete=models.PROTECT)
    minimum_total = models.PositiveSmallIntegerField(_("at least, in all"), default=1)
    minimum_effective = models.PositiveSmallIntegerField(_("of which effective"), default=0)
    minimum_acting = models.PositiveSmallIntegerField(_("of which acting"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    evaluated_at = models.DateTimeField(null=True, editable=False)

    class Meta:
        verbose_name = _("coverage rule")
        verbose_name_plural = _("coverage rules")
        ordering = ["id"]

    def __str__(self) -> str:
        return i18n.pick(self.name) or f"#{self.pk}"


class CoverageGap(models.Model):
    """An organisation in a rule's scope that lacks posts, from when it was found until it
    was filled. Closed gaps stay as the history."""

    rule = models.ForeignKey(CoverageRule, on_delete=models.CASCADE, related_name="gaps")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="gaps")
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    held_total = models.PositiveIntegerField(default=0)
    held_effective = models.PositiveIntegerField(default=0)
    held_acting = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-opened_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "organisation"],
                condition=models.Q(closed_at__isnull=True),
                name="one_open_gap",
            )
        ]
        indexes = [
            models.Index(fields=["closed_at", "rule"]),
            # The gap report's first page: the newest open gaps without sorting them all.
            models.Index(
                fields=["-opened_at", "-id"],
                condition=models.Q(closed_at__isnull=True),
                name="network_gap_open_newest",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule} / {self.organisation}"


class SynergyArea(models.TextChoices):
    """The four areas in which the partners of Namur's protocol develop synergies."""

    STAFF_INFORMATION = "staff_information", _("Information between staff")
    PUBLIC_COMMUNICATION = "public_communication", _("Communication with the public")
    EXPERTISE = "expertise", _("Pooling expertise and sharing prevention projects")
    INDIVIDUAL_SITUATIONS = "individual_situations", _("Taking charge of individual situations")


class Protocol(models.Model):
    """A protocol of cooperation: its text, the partners who signed it, what each one
    commits to in every area, and each year's review of what they did."""

    key = models.SlugField(_("key"), max_length=80, unique=True)
    title = models.JSONField(_("title"), default=dict)
    text = models.JSONField(_("text"), default=dict, blank=True)
    coordinator = models.ForeignKey(
        Organisation,
        verbose_name=_("coordinating organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    presented_on = models.DateField(_("presented on"), null=True, blank=True)

    class Meta:
        verbose_name = _("protocol of cooperation")
        verbose_name_plural = _("protocols of cooperation")
        ordering = ["key"]

    def __str__(self) -> str:
        return i18n.pick(self.title) or self.key


class Signatory(models.Model):
    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="signatories")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    signed_on = models.DateField(_("signed on"))
    signed_by = models.CharField(_("signed by"), max_length=200)

    class Meta:
        ordering = ["protocol", "signed_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "organisation"], name="one_signature")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.signed_on})"


class Commitment(models.Model):
    """What one partner undertakes in one area (and, by year, what it did: Review)."""

    signatory = models.ForeignKey(Signatory, on_delete=models.CASCADE, related_name="commitments")
    area = models.CharField(_("area"), max_length=30, choices=SynergyArea.choices)
    text = models.TextField(_("commitment"), max_length=4000)

    class Meta:
        ordering = ["signatory", "area"]
        constraints = [
            models.UniqueConstraint(fields=["signatory", "area"], name="one_commitment_per_area")
        ]

    def __str__(self) -> str:
        return f"{self.signatory} / {self.get_area_display()}"


class Review(models.Model):
    """A partner's account of one year under the protocol, per area."""

    signatory = models.ForeignKey(Signatory, on_delete=models.CASCADE, related_name="reviews")
    year = models.PositiveSmallIntegerField(_("year"))
    area = models.CharField(_("area"), max_length=30, choices=SynergyArea.choices)
    text = models.TextField(_("what was done"), max_length=4000)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["signatory", "-year", "area"]
        constraints = [
            models.UniqueConstraint(
                fields=["signatory", "year", "area"], name="one_review_per_year_and_area"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signatory} {self.year} / {self.get_area_display()}"
