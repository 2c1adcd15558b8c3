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
        permissions = [
            ("edit_directory", "Can edit the directory entries of their own organisation"),
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
        indexes = [models.Index(fields=["is_public", "status"])]

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
