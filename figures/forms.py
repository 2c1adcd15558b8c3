"""The statistics page's filters and the feed form, shared by the pages and the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from figures import access, tables
from figures.sources import FIGURES, FIGURES_BY_KEY, UNKNOWN, fold
from figures.tables import MUNICIPALITY, NOT_RECORDED_KEY, PERIOD, Query

# the municipality parameter of records whose municipality is not recorded ("" is "all")
NOT_RECORDED = NOT_RECORDED_KEY
DEFAULT_FIGURE = FIGURES[0].key


class FigureQueryForm(forms.Form):
    """Which figure, broken down how, for which municipality and period, and what the
    columns are. Every combination is a slice of the same protected cube."""

    figure = forms.ChoiceField(
        label=_("Figure"), choices=[(f.key, f.label) for f in FIGURES], required=False
    )
    breakdown = forms.ChoiceField(label=_("Breakdown"), required=False)
    municipality = forms.CharField(label=_("Municipality"), max_length=100, required=False)
    year = forms.IntegerField(label=_("Year"), min_value=1900, max_value=2200, required=False)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[
            ("", _("Whole year")),
            *[(q, _("Q%(quarter)s") % {"quarter": q}) for q in range(1, 5)],
        ],
        coerce=int,
        empty_value=None,
        required=False,
    )
    columns = forms.ChoiceField(
        label=_("Columns"),
        choices=[(PERIOD, _("Periods")), (MUNICIPALITY, _("Municipalities"))],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        figure = FIGURES_BY_KEY.get(self.data.get("figure") or DEFAULT_FIGURE)
        figure = figure or FIGURES_BY_KEY[DEFAULT_FIGURE]
        self.fields["breakdown"].choices = [
            ("", _("No breakdown")),
            *[(b.key, b.label) for b in figure.breakdowns],
        ]

    def clean_municipality(self) -> str:
        """One of the municipalities the figures name (any spelling of it), "~" or empty:
        a municipality outside the list counts under "other or not recorded", so a figure
        for it alone would be a wrong zero."""
        value = self.cleaned_data["municipality"].strip()
        if value in ("", NOT_RECORDED):
            return value
        name = tables.municipality_names().get(fold(value))
        if name is None:
            raise forms.ValidationError(
                _("Choose a municipality of the list."), code="unknown_municipality"
            )
        return name

    def clean(self):
        data = super().clean()
        if data.get("quarter") is not None and data.get("year") is None:
            self.add_error("quarter", _("Choose a year for the quarter."))
        return data

    def query(self) -> Query:
        """The valid query, or the default one (all referrals by year) when invalid."""
        if not self.is_bound or not self.is_valid():
            return Query(figure=DEFAULT_FIGURE)
        data = self.cleaned_data
        municipality = data["municipality"].strip() or None
        if municipality == NOT_RECORDED:
            municipality = ""
        return Query(
            figure=data["figure"] or DEFAULT_FIGURE,
            breakdown=data["breakdown"] or "",
            municipality=municipality,
            year=data["year"],
            quarter=data["quarter"],
            columns=data["columns"] or PERIOD,
        )


def series_choices() -> list[tuple[str, Any]]:
    """Each figure's total and each value of each of its breakdowns, grouped by figure."""
    groups: list[tuple[str, Any]] = []
    for figure in FIGURES:
        options: list[tuple[str, Any]] = [
            (figure.key, _("%(figure)s: total") % {"figure": figure.label})
        ]
        for breakdown in figure.breakdowns:
            for value, label in breakdown.choices:
                if value == UNKNOWN:
                    continue
                options.append(
                    (
                        f"{figure.key}:{breakdown.key}:{value}",
                        _("%(breakdown)s: %(value)s")
                        % {"breakdown": breakdown.label, "value": label},
                    )
                )
        groups.append((str(figure.label), options))
    return groups


def split_series(series: str) -> dict[str, str]:
    figure, _sep, rest = series.partition(":")
    breakdown, _sep, category = rest.partition(":")
    return {"figure": figure, "breakdown": breakdown, "category": category}


class IndicatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.item.plan.slug} {obj.item.code}: {obj}"


class FeedForm(forms.Form):
    """A feed: the indicator (when created), the figure's series and the municipality."""

    indicator = IndicatorChoiceField(label=_("Indicator"), queryset=None)
    series = forms.ChoiceField(label=_("Figure"), choices=series_choices)
    municipality = forms.CharField(
        label=_("Municipality"),
        max_length=100,
        required=False,
        help_text=_("Leave empty for all municipalities."),
    )

    def __init__(self, *args, user, with_indicator: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if with_indicator:
            field = self.fields["indicator"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = access.feedable_indicators(user).filter(figure_feed__isnull=True)
        else:
            del self.fields["indicator"]

    def feed_data(self) -> dict[str, Any]:
        data = {
            **split_series(self.cleaned_data["series"]),
            "municipality": self.cleaned_data["municipality"].strip(),
        }
        if "indicator" in self.fields:
            data["indicator"] = self.cleaned_data["indicator"]
        return data
