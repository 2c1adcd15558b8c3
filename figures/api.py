"""Statistics in the API: the same protected tables as the page (figures/tables.py), their
CSV and XLSX exports, and the feeds to plan indicators.

Coordinators and data protection officers only (figures/access.py): others get a 403,
anonymous callers a 401. A hidden cell is null in JSON and "x" in the exports; every call
that returns figures writes an audit row naming the figure and filters, never a person.
"""

import datetime

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from core.api import AUTHENTICATED, require_write
from core.forms import raise_form_errors
from figures import access, exports, services, tables
from figures.forms import NOT_RECORDED, FeedForm, FigureQueryForm
from figures.models import IndicatorFeed
from figures.sources import FIGURES, UNKNOWN
from plans.access import visible_plans
from plans.models import Indicator

router = Router(tags=["statistics"])


class FiguresQueryIn(Schema):
    figure: str = "referrals"
    breakdown: str = ""
    municipality: str = ""
    year: int | None = None
    quarter: int | None = None
    columns: str = "period"


class FiguresColumnOut(Schema):
    key: str
    label: str
    is_total: bool


class FiguresRowOut(Schema):
    key: str
    label: str
    is_total: bool
    values: list[int | None]


class FiguresTableOut(Schema):
    figure: str
    breakdown: str
    caption: str
    computed_at: datetime.datetime
    threshold: int
    hidden_mark: str
    columns: list[FiguresColumnOut]
    rows: list[FiguresRowOut]
    municipalities: list[str]
    years: list[int]


class FiguresCategoryOut(Schema):
    value: str
    label: str


class FiguresBreakdownOut(Schema):
    key: str
    label: str
    values: list[FiguresCategoryOut]


class FiguresFigureOut(Schema):
    key: str
    label: str
    description: str
    about_persons: bool
    breakdowns: list[FiguresBreakdownOut]


class FiguresFeedIn(Schema):
    indicator: int
    figure: str
    breakdown: str = ""
    category: str = ""
    municipality: str = ""


class FiguresFeedChangeIn(Schema):
    figure: str
    breakdown: str = ""
    category: str = ""
    municipality: str = ""


class FiguresFeedOut(Schema):
    id: int
    indicator: int
    plan: str
    measure: str
    figure: str
    breakdown: str
    category: str
    municipality: str
    last_run_at: datetime.datetime | None
    report: dict[str, dict]

    @staticmethod
    def resolve_indicator(obj):
        return obj.indicator_id

    @staticmethod
    def resolve_plan(obj):
        return obj.indicator.item.plan.slug

    @staticmethod
    def resolve_measure(obj):
        return obj.indicator.item.code


def _table(request, filters: FiguresQueryIn) -> tables.Table:
    access.require(access.can_view_figures(request.auth))
    data = {k: v for k, v in filters.dict().items() if v not in (None, "")}
    form = FigureQueryForm(data)
    raise_form_errors(form)
    return tables.build_table(form.query())


def _table_out(table: tables.Table) -> dict:
    return {
        "figure": table.figure.key,
        "breakdown": table.breakdown.key if table.breakdown else "",
        "caption": table.caption,
        "computed_at": table.computed_at,
        "threshold": tables.THRESHOLD,
        "hidden_mark": tables.HIDDEN_MARK,
        "columns": table.columns,
        "rows": [
            {
                "key": row.key,
                "label": row.label,
                "is_total": row.is_total,
                "values": [cell.shown for cell in row.cells],
            }
            for row in table.rows
        ],
        "municipalities": table.municipalities,
        "years": table.years,
    }


@router.get(
    "/figures",
    response=FiguresTableOut,
    auth=AUTHENTICATED,
    summary=(
        "A table of anonymised figures (coordinators, DPO). municipality: empty for all, "
        f'"{NOT_RECORDED}" for another municipality or none recorded; hidden cells are null'
    ),
)
def get_statistics_table(request, filters: Query[FiguresQueryIn]):
    table = _table(request, filters)
    services.record_figures_read(request.auth, table.query, via="api")
    return _table_out(table)


@router.get(
    "/figures/export",
    auth=AUTHENTICATED,
    summary="The same table as CSV or XLSX (format=csv|xlsx); hidden cells are x",
)
def export_statistics_table(request, filters: Query[FiguresQueryIn], format: str = "csv"):
    if format not in exports.FORMATS:
        raise HttpError(400, "format: csv or xlsx")
    table = _table(request, filters)
    services.record_figures_read(request.auth, table.query, action="figures.exported", via=format)
    response: HttpResponse = exports.response(table, format)
    return response


@router.get(
    "/catalogue",
    response=list[FiguresFigureOut],
    auth=AUTHENTICATED,
    summary="The figures, their breakdowns and values",
)
def list_statistics_figures(request):
    access.require(access.can_view_figures(request.auth))
    return [
        {
            "key": figure.key,
            "label": str(figure.label),
            "description": str(figure.description),
            "about_persons": figure.about_persons,
            "breakdowns": [
                {
                    "key": b.key,
                    "label": str(b.label),
                    "values": [{"value": v, "label": str(label)} for v, label in b.choices],
                }
                for b in figure.breakdowns
            ],
        }
        for figure in FIGURES
    ]


# --- feeds ------------------------------------------------------------------------------------


def _series(payload) -> str:
    if payload.breakdown:
        return f"{payload.figure}:{payload.breakdown}:{payload.category or UNKNOWN}"
    return payload.figure


@router.get(
    "/feeds",
    response=list[FiguresFeedOut],
    auth=AUTHENTICATED,
    summary="The plan indicators fed from the statistics",
)
def list_indicator_feeds(request):
    access.require(access.can_view_figures(request.auth))
    return list(access.visible_feeds(request.auth))


@router.post(
    "/feeds",
    response={201: FiguresFeedOut},
    auth=AUTHENTICATED,
    summary="Feed an indicator of a plan you coordinate from a figure",
)
def create_indicator_feed(request, payload: FiguresFeedIn):
    require_write(request)
    access.require(access.can_create_feed(request.auth))
    indicator = (
        Indicator.objects.filter(item__plan__in=visible_plans(request.auth), pk=payload.indicator)
        .select_related("item__plan")
        .first()
    )
    if indicator is None:
        raise HttpError(404, "indicator")
    access.require(access.can_feed_indicator(request.auth, indicator))
    data = {"series": _series(payload), "municipality": payload.municipality}
    form = FeedForm(data, user=request.auth, with_indicator=False)
    raise_form_errors(form)
    feed = services.create_feed(
        {**form.feed_data(), "indicator": indicator}, acting_user=request.auth
    )
    return Status(201, feed)


def _feed(request, feed_id: int) -> IndicatorFeed:
    return access.get_feed_for_user(request.auth, feed_id)


@router.get(
    "/feeds/{feed_id}",
    response=FiguresFeedOut,
    auth=AUTHENTICATED,
    summary="A feed, with what its last run wrote or skipped per year",
)
def get_indicator_feed(request, feed_id: int):
    return _feed(request, feed_id)


@router.put(
    "/feeds/{feed_id}",
    response=FiguresFeedOut,
    auth=AUTHENTICATED,
    summary="Change what feeds the indicator (its plan's coordinators)",
)
def put_indicator_feed(request, feed_id: int, payload: FiguresFeedChangeIn):
    require_write(request)
    feed = _feed(request, feed_id)
    access.require(access.can_manage_feed(request.auth, feed))
    form = FeedForm(
        {"series": _series(payload), "municipality": payload.municipality},
        user=request.auth,
        with_indicator=False,
    )
    raise_form_errors(form)
    return services.update_feed(feed, form.feed_data(), acting_user=request.auth)


@router.delete(
    "/feeds/{feed_id}",
    response={204: None},
    auth=AUTHENTICATED,
    summary="Stop feeding the indicator (the values written stay)",
)
def delete_indicator_feed(request, feed_id: int):
    require_write(request)
    feed = _feed(request, feed_id)
    services.delete_feed(feed, acting_user=request.auth)
    return Status(204, None)


@router.post(
    "/feeds/{feed_id}/run",
    response=FiguresFeedOut,
    auth=AUTHENTICATED,
    summary="Write the figure's yearly values into the indicator now",
)
def run_indicator_feed(request, feed_id: int):
    require_write(request)
    feed = _feed(request, feed_id)
    services.run_feed(feed, acting_user=request.auth)
    feed.refresh_from_db()
    return feed
