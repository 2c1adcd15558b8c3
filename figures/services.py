"""Writes of the statistics module: feeds to plan indicators, their runs, and the audit
rows of every look at the figures."""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import record, save_changes
from figures import access, sources, tables
from figures.models import FeedStatus, IndicatorFeed
from figures.sources import FIGURES_BY_KEY, UNKNOWN
from figures.tables import ALL, Query
from plans.models import Indicator, IndicatorValue

FEED_FIELDS = ("figure", "breakdown", "category", "municipality")

logger = logging.getLogger(__name__)


def record_figures_read(user, query: Query, *, action: str = "figures.viewed", via: str = ""):
    """The audit row of a look at the figures: which figure and filters, never a person."""
    return record(
        action,
        actor=user,
        target=("figures.figure", query.figure),
        changes={"query": [None, query.as_params()]},
        via=via,
    )


def _validate(data: dict[str, Any]) -> None:
    """The feed's figure, breakdown and value exist; its municipality is one the figures
    name (written in its spelling there), or empty for all: any other name would count
    nothing, and write zeros into the indicator."""
    figure = FIGURES_BY_KEY.get(data.get("figure", ""))
    if figure is None:
        raise ValidationError({"figure": _("Choose a figure.")})
    municipality = (data.get("municipality") or "").strip()
    if municipality:
        name = sources.municipality_names().get(sources.fold(municipality))
        if name is None:
            raise ValidationError(
                {
                    "municipality": _(
                        "The statistics know no municipality “%(name)s”: check the spelling, "
                        "or leave it empty for all municipalities."
                    )
                    % {"name": municipality}
                }
            )
        data["municipality"] = name
    breakdown_key = data.get("breakdown", "")
    if not breakdown_key:
        if data.get("category"):
            raise ValidationError({"category": _("A value needs a breakdown.")})
        return
    breakdown = figure.breakdown(breakdown_key)
    if breakdown is None:
        raise ValidationError({"breakdown": _("This breakdown does not apply to the figure.")})
    if data.get("category") not in breakdown.values or data.get("category") == UNKNOWN:
        raise ValidationError({"category": _("Choose a value of the breakdown.")})


def create_feed(data: dict[str, Any], *, acting_user) -> IndicatorFeed:
    """Feed an indicator of a plan the user coordinates from a figure."""
    indicator: Indicator = data["indicator"]
    if not access.can_feed_indicator(acting_user, indicator):
        raise PermissionDenied
    data = dict(data)
    _validate(data)
    if IndicatorFeed.objects.filter(indicator=indicator).exists():
        raise ValidationError({"indicator": _("This indicator is fed already.")})
    with transaction.atomic():
        feed = IndicatorFeed.objects.create(
            indicator=indicator,
            created_by=acting_user,
            **{name: data.get(name, "") for name in FEED_FIELDS},
        )
        record(
            "figures.feed.created",
            actor=acting_user,
            target=feed,
            changes={
                "indicator": [None, indicator.pk],
                **{name: [None, getattr(feed, name)] for name in FEED_FIELDS},
            },
        )
    return feed


def update_feed(feed: IndicatorFeed, data: dict[str, Any], *, acting_user) -> IndicatorFeed:
    """Change what feeds the indicator (the indicator stays)."""
    if not access.can_manage_feed(acting_user, feed):
        raise PermissionDenied
    values = {name: data.get(name, "") for name in FEED_FIELDS}
    _validate(values)
    with transaction.atomic():
        save_changes(feed, values, action="figures.feed.updated", actor=acting_user)
    return feed


def delete_feed(feed: IndicatorFeed, *, acting_user) -> None:
    """Stop feeding the indicator. The values written stay: they were published."""
    if not access.can_manage_feed(acting_user, feed):
        raise PermissionDenied
    with transaction.atomic():
        record(
            "figures.feed.deleted",
            actor=acting_user,
            target=feed,
            changes={"indicator": [feed.indicator_id, None]},
        )
        feed.delete()


def run_feed(feed: IndicatorFeed, *, acting_user=None) -> dict[str, dict[str, Any]]:
    """Write the figure's value of every year with records into the indicator, as the
    statistics publish it. A hidden value is never written (and one this feed wrote before
    is taken back); a year a reporting round published is left to the round. A feed whose
    municipality the figures do not name (any more) writes nothing: it would write zeros."""
    if acting_user is not None and not access.can_manage_feed(acting_user, feed):
        raise PermissionDenied
    cube = tables.get_cube(feed.figure, feed.breakdown, fresh=True)
    category = feed.category if feed.breakdown else ALL
    municipality = ALL
    if feed.municipality:
        named = {sources.fold(name): name for name in cube.municipalities if name}
        municipality = named.get(sources.fold(feed.municipality))
        if municipality is None:
            # not (or no longer) in the directory: its records count under "other"
            logger.warning("figures: feed %s names a municipality the figures do not", feed.pk)
            return _skip_feed(feed, acting_user)
    with transaction.atomic():
        existing = {value.period: value for value in feed.indicator.values.all()}
        before = feed.written_years()
        report: dict[str, dict[str, Any]] = {}
        for year in cube.years:
            period = str(year)
            current = existing.get(period)
            if current is not None and current.update_id is not None:
                report[period] = {"status": FeedStatus.REPORTED.value}
                continue
            cell = cube.cell((category, municipality, year, ALL))
            if cell.hidden:
                report[period] = {"status": FeedStatus.HIDDEN.value}
                if current is not None and period in before:
                    current.delete()
                continue
            if current is None or current.value != cell.value:
                IndicatorValue.objects.update_or_create(
                    indicator=feed.indicator,
                    period=period,
                    defaults={"value": Decimal(cell.value), "update": None},
                )
            report[period] = {"status": FeedStatus.WRITTEN.value, "value": cell.value}
        feed.report = report
        feed.last_run_at = timezone.now()
        feed.save(update_fields=["report", "last_run_at"])
        record(
            "figures.feed.run",
            actor=acting_user,
            target=feed,
            changes={"report": [before, report]},
        )
    return report


def _skip_feed(feed: IndicatorFeed, acting_user) -> dict[str, dict[str, Any]]:
    """A run that writes nothing (the values written before stay: they were published)."""
    with transaction.atomic():
        before = feed.written_years()
        feed.report = {}
        feed.last_run_at = timezone.now()
        feed.save(update_fields=["report", "last_run_at"])
        record(
            "figures.feed.run",
            actor=acting_user,
            target=feed,
            changes={"report": [before, {}]},
        )
    return {}


def run_all_feeds() -> int:
    """Run every feed (the task and `manage.py feed_indicators`). Returns how many ran."""
    count = 0
    for feed in IndicatorFeed.objects.select_related("indicator__item__plan").order_by("pk"):
        run_feed(feed)
        count += 1
    return count
