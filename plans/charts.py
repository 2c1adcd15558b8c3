"""Figures for the dashboard, as plain data that templates draw as accessible bar charts.

Attribution rules (also in the README):
- an amount "per year" counts once for every year of its period (once if no period);
  "one-off" and "per dossier" amounts count once;
- a measure's budget is split equally between its responsible ministers, and goes wholly
  to its reporting organisation;
- "by year" spreads per-year amounts over their years and puts one-off amounts in their
  first year ("no year" when the text gives none).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _

from core import i18n
from plans.models import BudgetLine, BudgetMode, MeasureMinister, MeasureType, Periodicity
from plans.tree import Node


@dataclass
class Bar:
    label: str
    value: Decimal | float | int
    share: float  # 0..100, width relative to the largest bar


@dataclass
class Chart:
    key: str
    title: str
    bars: list[Bar]
    kind: str  # "money", "percent" or "count"


def _bars(
    values: Mapping[str, Decimal | float | int], *, sort: bool = True, limit: int | None = None
) -> list[Bar]:
    """Bars relative to the largest; with a limit, the smallest are summed as "Others"."""
    items = (
        sorted(values.items(), key=lambda kv: kv[1], reverse=True) if sort else list(values.items())
    )
    if limit is not None and len(items) > limit:
        rest = sum((v for _k, v in items[limit - 1 :]), Decimal(0))
        items = [*items[: limit - 1], (str(_("Others")), rest)]
    top = max((v for _k, v in items), default=0) or 1
    return [Bar(label=k, value=v, share=round(float(v) * 100 / float(top), 1)) for k, v in items]


def line_total(line: BudgetLine) -> Decimal:
    if line.mode != BudgetMode.AMOUNT or line.amount is None:
        return Decimal(0)
    if line.periodicity == Periodicity.PER_YEAR and line.period_start and line.period_end:
        return line.amount * (line.period_end - line.period_start + 1)
    return line.amount


def _years(line: BudgetLine) -> list[tuple[str, Decimal]]:
    if line.mode != BudgetMode.AMOUNT or line.amount is None:
        return []
    if line.period_start is None:
        return [(_("no year"), line.amount)]
    if line.periodicity == Periodicity.PER_YEAR and line.period_end:
        return [(str(y), line.amount) for y in range(line.period_start, line.period_end + 1)]
    return [(str(line.period_start), line.amount)]


MAX_BARS = 12


def dashboard_charts(plan, root: Node) -> list[Chart]:
    """The dashboard's charts. Reads plain values rather than model instances: a national
    plan has thousands of budget lines."""
    measures = root.measures
    reporter = {
        m.pk: m.reporting_organisation.short_name
        for m in measures
        if m.reporting_organisation is not None
    }
    language = translation.get_language()
    ministers: dict[int, list[str]] = defaultdict(list)
    # order_by(): the model's default ordering makes PostgreSQL scan every row of the table
    rows = MeasureMinister.objects.filter(item__plan=plan).order_by()
    for item_id, title, written in rows.values_list(
        "item_id", "minister__title", "minister__as_written"
    ):
        ministers[item_id].append(i18n.pick(title, language) or written)

    by_minister: dict[str, Decimal] = defaultdict(Decimal)
    by_org: dict[str, Decimal] = defaultdict(Decimal)
    by_year: dict[str, Decimal] = defaultdict(Decimal)
    fields = ("item_id", "mode", "amount", "periodicity", "period_start", "period_end")
    for values in BudgetLine.objects.filter(item__plan=plan).values_list(*fields):
        line = BudgetLine(**dict(zip(fields, values, strict=True)))
        total = line_total(line)
        responsible = ministers.get(line.item_id, [])
        for minister in responsible:
            by_minister[minister] += total / len(responsible)
        if line.item_id in reporter and total:
            by_org[reporter[line.item_id]] += total
        for year, amount in _years(line):
            by_year[year] += amount

    by_type = {
        str(label): sum(1 for m in measures if m.measure_type == code)
        for code, label in MeasureType.choices
    }
    progress = {
        f"{node.item.code} {i18n.pick(node.item.title)}": node.progress or 0
        for node in root.children
        if node.item is not None
    }
    return [
        Chart(
            "progress_by_line", _("Progress by policy line"), _bars(progress, sort=False), "percent"
        ),
        Chart("count_by_type", _("Measures by type"), _bars(by_type, sort=False), "count"),
        Chart(
            "budget_by_minister",
            _("Budget by minister"),
            _bars(
                {k: v.quantize(Decimal("0.01")) for k, v in by_minister.items() if v},
                limit=MAX_BARS,
            ),
            "money",
        ),
        Chart(
            "budget_by_organisation",
            _("Budget by organisation"),
            _bars({k: v for k, v in by_org.items() if v}, limit=MAX_BARS),
            "money",
        ),
        Chart(
            "budget_by_year",
            _("Budget by year"),
            _bars(dict(sorted(by_year.items())), sort=False),
            "money",
        ),
    ]
