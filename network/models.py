"""Organisations: the first piece of the Network module (issue "Network" grows it)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core import i18n


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


class OrganisationQuerySet(models.QuerySet):
    def search(self, text: str) -> "OrganisationQuerySet":
        return self.filter(search_text__contains=text.strip().lower()) if text.strip() else self


class Organisation(models.Model):
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
    search_text = models.TextField(editable=False, default="")

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["key"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return i18n.pick(self.name) or self.abbreviation or self.key

    @property
    def short_name(self) -> str:
        return self.abbreviation or self.display_name

    def refresh_search_text(self) -> None:
        self.search_text = i18n.search_blob(self.name, self.abbreviation, self.key)
