"""Retention of records about persons, and what is left of them afterwards.

`Residue` is the anonymised remainder of records that were deleted or anonymised at the end
of their retention clock: counts only, by kind of record and coarse dimensions, never a
link to a person. The statistics module adds it to the figures of live records.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class AgeBand(models.TextChoices):
    """Coarse age bands, the same for live records and for the residue."""

    MINOR = "minor", _("Under 18")
    YOUNG = "18_25", _("18 to 25")
    ADULT = "26_35", _("26 to 35")
    OLDER = "36_plus", _("36 and over")
    UNKNOWN = "unknown", _("Age unknown")


def age_band(date_of_birth: datetime.date | None, on: datetime.date) -> str:
    """The band of a person born on `date_of_birth` on the day `on`."""
    if date_of_birth is None:
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
