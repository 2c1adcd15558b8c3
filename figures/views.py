"""The statistics page, its exports, and the feeds to plan indicators.

Every page checks figures/access.py first (login, then 403 for roles that do not see the
figures); every look at the figures writes an audit row naming the figure and filters only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from figures import access, exports, services, tables
from figures.forms import NOT_RECORDED, FeedForm, FigureQueryForm
from figures.models import FeedStatus
from figures.sources import FIGURES_BY_KEY


@login_required
def index(request):
    access.require(access.can_view_figures(request.user))
    form = FigureQueryForm(request.GET or None)
    table = tables.build_table(form.query())
    services.record_figures_read(request.user, table.query)
    context = {
        "form": form,
        "table": table,
        "legend": exports.legend(),
        "not_recorded": NOT_RECORDED,
        "export_query": _query_string(table.query),
        "municipality_options": _municipality_options(table),
        "year_options": _year_options(table),
    }
    return render(request, "figures/index.html", context)


def _municipality_options(table: tables.Table) -> list[tuple[str, str, bool]]:
    chosen = table.query.municipality
    options = [("", tables.municipality_label(tables.ALL), chosen is None)]
    places = list(table.municipalities)
    if chosen is not None and chosen not in places:
        places.append(chosen)
    for place in places:
        value = place or NOT_RECORDED
        options.append((value, tables.municipality_label(place), place == chosen))
    return options


def _year_options(table: tables.Table) -> list[tuple[str, str, bool]]:
    chosen = table.query.year
    years = sorted({*table.years, *([chosen] if chosen is not None else [])})
    return [("", _("All years"), chosen is None)] + [
        (str(year), str(year), year == chosen) for year in years
    ]


def _query_string(query: tables.Query) -> str:
    params = QueryDict(mutable=True)
    for key, value in query.as_params().items():
        params[key] = NOT_RECORDED if key == "municipality" and value == "" else value
    return params.urlencode()


@login_required
def export(request, fmt: str):
    access.require(access.can_view_figures(request.user))
    if fmt not in exports.FORMATS:
        raise Http404
    form = FigureQueryForm(request.GET or None)
    table = tables.build_table(form.query())
    services.record_figures_read(request.user, table.query, action="figures.exported", via=fmt)
    return exports.response(table, fmt)


# --- feeds to plan indicators ---------------------------------------------------------------


def _series_label(feed) -> str:
    figure = FIGURES_BY_KEY.get(feed.figure)
    if figure is None:
        return feed.figure
    if not feed.breakdown:
        return _("%(figure)s: total") % {"figure": figure.label}
    breakdown = figure.breakdown(feed.breakdown)
    if breakdown is None:
        return str(figure.label)
    return _("%(figure)s, %(breakdown)s: %(value)s") % {
        "figure": figure.label,
        "breakdown": breakdown.label,
        "value": breakdown.label_of(feed.category),
    }


@login_required
def feed_list(request):
    access.require(access.can_view_figures(request.user))
    feeds = [(feed, _series_label(feed)) for feed in access.visible_feeds(request.user)]
    context = {"feeds": feeds, "can_feed": access.can_create_feed(request.user)}
    return render(request, "figures/feed_list.html", context)


@login_required
def feed_create(request):
    access.require(access.can_create_feed(request.user))
    form = FeedForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            feed = services.create_feed(form.feed_data(), acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The indicator is fed from the statistics."))
            return redirect("figures:feed", feed.pk)
    return render(request, "figures/feed_form.html", {"form": form, "feed": None})


@login_required
def feed_detail(request, feed_id: int):
    feed = access.get_feed_for_user(request.user, feed_id)
    years = [
        (year, entry, FeedStatus(entry["status"]).label)
        for year, entry in sorted((feed.report or {}).items())
    ]
    context = {
        "feed": feed,
        "series_label": _series_label(feed),
        "years": years,
        "values": list(feed.indicator.values.all()),
        "can_manage": access.can_manage_feed(request.user, feed),
    }
    return render(request, "figures/feed_detail.html", context)


@login_required
def feed_edit(request, feed_id: int):
    feed = access.get_feed_for_user(request.user, feed_id)
    access.require(access.can_manage_feed(request.user, feed))
    initial = {"series": feed.series, "municipality": feed.municipality}
    form = FeedForm(request.POST or None, user=request.user, with_indicator=False, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_feed(feed, form.feed_data(), acting_user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The feed is saved."))
            return redirect("figures:feed", feed.pk)
    return render(request, "figures/feed_form.html", {"form": form, "feed": feed})


@login_required
@require_POST
def feed_delete(request, feed_id: int):
    feed = access.get_feed_for_user(request.user, feed_id)
    access.require(access.can_manage_feed(request.user, feed))
    services.delete_feed(feed, acting_user=request.user)
    messages.success(request, _("The indicator is no longer fed from the statistics."))
    return redirect("figures:feeds")


@login_required
@require_POST
def feed_run(request, feed_id: int):
    feed = access.get_feed_for_user(request.user, feed_id)
    access.require(access.can_manage_feed(request.user, feed))
    services.run_feed(feed, acting_user=request.user)
    messages.success(request, _("The indicator's values are brought up to date."))
    return redirect("figures:feed", feed.pk)
