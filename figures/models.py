"""Feeds from the statistics to the indicators of plan measures.

The module stores no figures: they are counted from the live records and the anonymised
residue when asked (figures/tables.py). Only the wish to write a figure into an indicator
is kept, with what the last run wrote or skipped and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from figures.sources import FIGURES


class FeedStatus(models.TextChoices):
    """What a run did with one year of a feed."""

    WRITTEN = "written", _("Written")
    HIDDEN = "hidden", _("Not written: hidden to protect persons")
    REPORTED = "reported", _("Not written: reported in a reporting round")


class IndicatorFeed(models.Model):
    """A plan indicator whose yearly values come from a figure of the statistics: the
    figure's total, or one value of one breakdown ("case files — with an approved guidance
    plan"), for all municipalities or one. A value the statistics hide is never written."""

    indicator = models.OneToOneField(
        "plans.Indicator",
        verbose_name=_("indicator"),
        on_delete=models.CASCADE,
        related_name="figure_feed",
    )
    figure = models.CharField(
        _("figure"), max_length=30, choices=[(f.key, f.label) for f in FIGURES]
    )
    breakdown = models.CharField(_("breakdown"), max_length=20, blank=True)
    category = models.CharField(_("value of the breakdown"), max_length=30, blank=True)
    municipality = models.CharField(
        _("municipality"),
        max_length=100,
        blank=True,
        help_text=_("Leave empty for all municipalities."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    # {"2026": {"status": "written", "value": 12}, "2025": {"status": "hidden"}, …}
    report = models.JSONField(_("last run"), default=dict, blank=True)

    class Meta:
        verbose_name = _("indicator feed")
        verbose_name_plural = _("indicator feeds")
        ordering = ["indicator__item__plan__slug", "indicator__item__position", "id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.pk}"

    @property
    def series(self) -> str:
        """The figure, breakdown and value as one code ("files:plan:with_plan")."""
        if self.breakdown:
            return f"{self.figure}:{self.breakdown}:{self.category}"
        return self.figure

    def written_years(self) -> dict[str, int]:
        """The years the last run wrote, with their value."""
        return {
            year: entry["value"]
            for year, entry in (self.report or {}).items()
            if entry.get("status") == FeedStatus.WRITTEN
        }
