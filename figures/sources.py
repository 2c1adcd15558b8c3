"""What the statistics count: each figure, the records behind it, their date, municipality
and the person's age band on that date, and the breakdowns it offers.

Counts are grouped in the database (`values().annotate(Count)`): one query per figure and
breakdown, whatever the number of records, never a loop over persons in Python. The
anonymised residue of deleted records (retention.models.Residue) is added to the live counts,
so that a figure does not drop when records reach the end of their retention clock. The
residue knows the year but not the quarter: it is counted in the quarter "not known".

The year each kind of record counts for, for live records and for the residue alike:
referral — received on; case file — opened on; goal — its file's opening (goals of the
guidance plan in force only); referral to a service — sent on; case discussed — the meeting's
date; consultation action — its deadline; meeting — its date. The residue is written by
`residue_cells`, from the figures' own definitions (records counted, date, municipality, age
band, breakdown values), so that a record counts the same before and after it is removed.

The municipalities the figures name are not those of the persons: a list of municipalities
that appeared only because someone there was referred would say, by its mere presence, that
there is at least one case there. They are the municipalities of the directory — where the
organisations, their services and the platforms (LIVC-Rs included) are — which do not depend
on any person (`municipality_names`). A record whose municipality is not one of them, or is
not recorded, counts under "other or not recorded" (""). Spellings are matched regardless of
case and surrounding spaces.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Sum, Value, When
from django.db.models.functions import (
    ExtractDay,
    ExtractMonth,
    ExtractQuarter,
    ExtractYear,
)
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models import (
    CaseFile,
    Goal,
    GuidancePlan,
    Outcome,
    Phase,
    PlanStatus,
    Progress,
    Referral,
    ReferralSource,
    ReferralStatus,
    ServiceReferral,
    ServiceReferralStatus,
    Sphere,
)
from consultations.models import AgendaCase, CaseAction, Meeting, MeetingStatus
from network.models import Organisation, Service
from platforms.models import Platform
from retention.models import AgeBand, Residue, ResidueKind

UNKNOWN = "unknown"  # a breakdown value the record does not carry (e.g. residue by source)
NOT_RECORDED = _("Not recorded")
# key of a live or residue count: (breakdown value or None, municipality, year, quarter)
CountKey = tuple[str | None, str, int, int]
NO_QUARTER = 0  # the residue's records: the year is known, the quarter is not


@dataclass(frozen=True)
class Breakdown:
    """One way to split a figure: its values in display order, how a live record's value
    is read in the database, and which residue column holds it (None: the residue does not
    keep it, and deleted records count as "not recorded")."""

    key: str
    label: str | Promise
    choices: tuple[tuple[str, str | Promise], ...]
    live: Callable[[Figure], dict[str, models.Expression | F]]
    residue_field: str | None = None
    blank: str = UNKNOWN  # what an empty value stands for

    @property
    def values(self) -> list[str]:
        return [value for value, _label in self.choices]

    def label_of(self, value: str) -> str:
        return str(dict(self.choices).get(value, NOT_RECORDED))

    def normalise(self, raw) -> str:
        """A stored value as one of the choices: empty → `blank`, anything else unknown →
        "not recorded", so that the values of a breakdown always add up to the total."""
        if raw in (None, ""):
            return self.blank
        raw = str(raw)
        return raw if raw in self.values else UNKNOWN


@dataclass(frozen=True)
class Figure:
    """A count of one kind of record."""

    key: str
    label: str | Promise
    description: str | Promise
    model: type[models.Model]
    date: str  # path of the date (or date-time) the record counts for
    # path of the municipality, or an expression (see _cell_or_person)
    municipality: str | models.Expression
    birth: str | None = None  # path of the person's date of birth, if about a person
    condition: Q | None = None
    residue_kind: str | None = None
    breakdowns: tuple[Breakdown, ...] = field(default_factory=tuple)
    # Counts of records about persons are protected against singling anyone out; a count
    # of meetings is about no one and is shown as it is.
    about_persons: bool = True

    def breakdown(self, key: str) -> Breakdown | None:
        return next((b for b in self.breakdowns if b.key == key), None)


def _place(figure: Figure) -> models.Expression | F:
    """The expression of a record's municipality."""
    if isinstance(figure.municipality, str):
        return F(figure.municipality)
    return figure.municipality


def _cell_or_person(cell: str) -> models.Expression:
    """Where a record of a case consultation counts: in the municipality of its LIVC-R, or,
    for a joint LIVC-R of several municipalities, in the person's own municipality."""
    return Case(
        When(Q(**{f"{cell}__joint_municipalities": []}), then=F(f"{cell}__municipality")),
        default=F("person__municipality"),
        output_field=CharField(),
    )


def _with_unknown(choices) -> tuple[tuple[str, str | Promise], ...]:
    return (*((v, label) for v, label in choices if v != UNKNOWN), (UNKNOWN, NOT_RECORDED))


def _field(path: str) -> Callable[[Figure], dict[str, models.Expression | F]]:
    return lambda figure: {"_k": F(path)}


def _age_band(figure: Figure) -> dict[str, models.Expression | F]:
    """The person's age band on the record's date, computed in the database exactly as
    retention.models.age_band does: years between the two dates, one less before the
    birthday; without a date of birth, a minor while the record's date is before the
    person's `minor_until` (see age_band for what that means near their 18th birthday)."""
    birth, on = figure.birth, figure.date
    assert birth is not None and birth.endswith("date_of_birth")
    minor_until = birth.removesuffix("date_of_birth") + "minor_until"
    before_birthday = Q(_om__lt=F("_bm")) | Q(_om=F("_bm"), _od__lt=F("_bd"))
    flag_still_on = (
        Q(_my__gt=F("_oy"))
        | Q(_my=F("_oy"), _mm__gt=F("_om"))
        | Q(_my=F("_oy"), _mm=F("_om"), _md__gt=F("_od"))
    )
    return {
        "_by": ExtractYear(birth),
        "_bm": ExtractMonth(birth),
        "_bd": ExtractDay(birth),
        "_oy": ExtractYear(on),
        "_om": ExtractMonth(on),
        "_od": ExtractDay(on),
        "_my": ExtractYear(minor_until),
        "_mm": ExtractMonth(minor_until),
        "_md": ExtractDay(minor_until),
        "_age": F("_oy")
        - F("_by")
        - models.Case(
            models.When(before_birthday, then=Value(1)),
            default=Value(0),
            output_field=models.IntegerField(),
        ),
        "_k": models.Case(
            models.When(
                Q(**{f"{birth}__isnull": True}) & flag_still_on,
                then=Value(AgeBand.MINOR.value),
            ),
            models.When(**{f"{birth}__isnull": True}, then=Value(AgeBand.UNKNOWN.value)),
            models.When(_age__lt=18, then=Value(AgeBand.MINOR.value)),
            models.When(_age__lte=25, then=Value(AgeBand.YOUNG.value)),
            models.When(_age__lte=35, then=Value(AgeBand.ADULT.value)),
            default=Value(AgeBand.OLDER.value),
            output_field=models.CharField(),
        ),
    }


def _file_has_plan(figure: Figure) -> dict[str, models.Expression | F]:
    approved = GuidancePlan.objects.filter(
        file=OuterRef("pk"), status__in=[PlanStatus.APPROVED, PlanStatus.SUPERSEDED]
    )
    return {
        "_k": models.Case(
            models.When(Exists(approved), then=Value("with_plan")),
            default=Value("without_plan"),
            output_field=models.CharField(),
        )
    }


def _action_done(figure: Figure) -> dict[str, models.Expression | F]:
    return {
        "_k": models.Case(
            models.When(done_on__isnull=False, then=Value("done")),
            default=Value("open"),
            output_field=models.CharField(),
        )
    }


AGE_BAND = Breakdown("age_band", _("Age band"), tuple(AgeBand.choices), _age_band, "age_band")

FIGURES: tuple[Figure, ...] = (
    Figure(
        key="referrals",
        label=_("Referrals received"),
        description=_("Concerns about a person brought to a referral officer, by date received."),
        model=Referral,
        date="received_on",
        municipality="person__municipality",
        birth="person__date_of_birth",
        residue_kind=ResidueKind.REFERRAL,
        breakdowns=(
            AGE_BAND,
            Breakdown(
                "source",
                _("Referred by"),
                _with_unknown(ReferralSource.choices),
                _field("source"),
            ),
            Breakdown(
                "status",
                _("Decision"),
                _with_unknown(ReferralStatus.choices),
                _field("status"),
                "outcome",
            ),
        ),
    ),
    Figure(
        key="files",
        label=_("Case files opened"),
        description=_(
            "Files opened on a person by an organisation, by date opened, with their phase "
            "and, once closed, their outcome."
        ),
        model=CaseFile,
        date="opened_on",
        municipality="person__municipality",
        birth="person__date_of_birth",
        residue_kind=ResidueKind.FILE,
        breakdowns=(
            AGE_BAND,
            Breakdown("phase", _("Phase"), _with_unknown(Phase.choices), _field("phase"), "phase"),
            Breakdown(
                "outcome",
                _("Outcome"),
                _with_unknown([("none", _("Not closed yet")), *Outcome.choices]),
                _field("outcome"),
                "outcome",
                blank="none",
            ),
            Breakdown(
                "plan",
                _("Guidance plan"),
                _with_unknown(
                    [
                        ("with_plan", _("With an approved guidance plan")),
                        ("without_plan", _("Without an approved guidance plan")),
                    ]
                ),
                _file_has_plan,
            ),
        ),
    ),
    Figure(
        key="goals",
        label=_("Goals of guidance plans"),
        description=_(
            "Goals of the guidance plan in force, by sphere of life (measure 6.1), counted "
            "in the year their file was opened."
        ),
        model=Goal,
        date="plan__file__opened_on",
        municipality="plan__file__person__municipality",
        birth="plan__file__person__date_of_birth",
        condition=Q(plan__status=PlanStatus.APPROVED),
        residue_kind=ResidueKind.GOAL,
        breakdowns=(
            Breakdown(
                "sphere",
                _("Sphere of life"),
                _with_unknown(Sphere.choices),
                _field("sphere"),
                "sphere",
            ),
            Breakdown(
                "progress",
                _("Progress"),
                _with_unknown(Progress.choices),
                _field("progress"),
                "outcome",
            ),
            AGE_BAND,
        ),
    ),
    Figure(
        key="service_referrals",
        label=_("Referrals to services"),
        description=_("Referrals from a file to a service of the directory, by date sent."),
        model=ServiceReferral,
        date="sent_at",
        municipality="file__person__municipality",
        birth="file__person__date_of_birth",
        residue_kind=ResidueKind.SERVICE_REFERRAL,
        breakdowns=(
            Breakdown(
                "status",
                _("Answer of the service"),
                _with_unknown(ServiceReferralStatus.choices),
                _field("status"),
                "outcome",
            ),
            AGE_BAND,
        ),
    ),
    Figure(
        key="consultation_cases",
        label=_("Cases discussed in consultations"),
        description=_(
            "Persons discussed in a case consultation that was held, by the municipality of "
            "the LIVC-R (of the person, for a joint LIVC-R of several municipalities) and the "
            "meeting's date."
        ),
        model=AgendaCase,
        date="meeting__starts_at",
        municipality=_cell_or_person("meeting__cell"),
        birth="person__date_of_birth",
        condition=Q(meeting__status=MeetingStatus.HELD, discussed=True),
        residue_kind=ResidueKind.CONSULTATION_CASE,
        breakdowns=(AGE_BAND,),
    ),
    Figure(
        key="actions",
        label=_("Consultation actions"),
        description=_(
            "Actions an LIVC-R asked of an organisation about a person, by deadline; done or "
            "still open. A joint LIVC-R's actions count in the person's municipality."
        ),
        model=CaseAction,
        date="due_on",
        municipality=_cell_or_person("cell"),
        birth="person__date_of_birth",
        residue_kind=ResidueKind.ACTION,
        breakdowns=(
            Breakdown(
                "outcome",
                pgettext_lazy("consultation action", "Completion"),
                _with_unknown(
                    [
                        ("done", pgettext_lazy("consultation action", "Completed")),
                        ("open", pgettext_lazy("consultation action", "Not completed")),
                    ]
                ),
                _action_done,
                "outcome",
            ),
            AGE_BAND,
        ),
    ),
    Figure(
        key="meetings",
        label=_("Case consultations"),
        description=_(
            "Meetings of the LIVC-Rs, by date: planned, held or cancelled. They are about no "
            "one, so small numbers are shown. A joint LIVC-R's meetings count in its first "
            "municipality."
        ),
        model=Meeting,
        date="starts_at",
        municipality="cell__municipality",
        about_persons=False,
        breakdowns=(
            Breakdown(
                "status",
                _("Status"),
                _with_unknown(MeetingStatus.choices),
                _field("status"),
            ),
        ),
    ),
)

FIGURES_BY_KEY = {figure.key: figure for figure in FIGURES}


def get_figure(key: str) -> Figure:
    return FIGURES_BY_KEY[key]


# --- the municipalities named -----------------------------------------------------------


def fold(name: str | None) -> str:
    """A municipality's name as it is compared: case and surrounding spaces ignored."""
    return (name or "").strip().casefold()


def municipality_names() -> dict[str, str]:
    """The municipalities of the directory (organisations, services, platforms), keyed by
    their folded name, each with its most frequent spelling (ties: the first in order), and
    the other municipalities of joint platforms. Two queries; they read no record about a
    person."""
    rows = (
        Organisation.objects.exclude(municipality="")
        .order_by()
        .values("municipality")
        .annotate(n=Count("pk"))
        .union(
            Service.objects.exclude(municipality="")
            .order_by()
            .values("municipality")
            .annotate(n=Count("pk")),
            Platform.objects.exclude(municipality="")
            .order_by()
            .values("municipality")
            .annotate(n=Count("pk")),
            all=True,
        )
    )
    spellings: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        name = row["municipality"].strip()
        if name:
            spellings[fold(name)][name] += row["n"]
    joint = Platform.objects.exclude(joint_municipalities=[]).values_list(
        "joint_municipalities", flat=True
    )
    for names in joint:
        for name in (str(name).strip() for name in names or []):
            if name:
                spellings[fold(name)][name] += 1
    return {
        key: min(found, key=lambda name: (-found[name], name)) for key, found in spellings.items()
    }


def _placer(names: dict[str, str] | None) -> Callable[[str | None], str]:
    """A record's municipality as the figures name it: its directory spelling, or ""."""
    known = municipality_names() if names is None else names
    return lambda raw: known.get(fold(raw), "")


# --- counting ------------------------------------------------------------------------------


def live_counts(
    figure: Figure, breakdown: Breakdown | None, names: dict[str, str] | None = None
) -> dict[CountKey, int]:
    """Live records grouped by (breakdown value, municipality, year, quarter): one query
    (and two for the municipalities when `names` is not given)."""
    place = _placer(names)
    rows = figure.model._default_manager.all()
    if figure.condition is not None:
        rows = rows.filter(figure.condition)
    rows = rows.annotate(
        _m=_place(figure), _y=ExtractYear(figure.date), _q=ExtractQuarter(figure.date)
    )
    group = ["_m", "_y", "_q"]
    if breakdown is not None:
        rows = rows.annotate(**breakdown.live(figure))
        group.append("_k")
    counts: dict[CountKey, int] = defaultdict(int)
    for row in rows.order_by().values(*group).annotate(n=Count("pk")):
        value = None if breakdown is None else breakdown.normalise(row["_k"])
        counts[(value, place(row["_m"]), int(row["_y"]), int(row["_q"]))] += row["n"]
    return counts


def residue_counts(
    figure: Figure, breakdown: Breakdown | None, names: dict[str, str] | None = None
) -> dict[CountKey, int]:
    """The residue of deleted records of the figure's kind, grouped alike: one query."""
    counts: dict[CountKey, int] = defaultdict(int)
    if figure.residue_kind is None:
        return counts
    place = _placer(names)
    group = ["municipality", "year"]
    column = breakdown.residue_field if breakdown is not None else None
    if column is not None:
        group.append(column)
    rows = Residue.objects.filter(kind=figure.residue_kind).order_by().values(*group)
    for row in rows.annotate(n=Sum("count")):
        if not row["n"]:
            continue
        value = None
        if breakdown is not None:
            value = breakdown.normalise(row[column]) if column is not None else UNKNOWN
        counts[(value, place(row["municipality"]), int(row["year"]), NO_QUARTER)] += row["n"]
    return counts


def counts(
    figure: Figure, breakdown: Breakdown | None, names: dict[str, str] | None = None
) -> dict[CountKey, int]:
    """Live and residue counts together (two queries, four without `names`)."""
    if names is None:
        names = municipality_names()
    total = live_counts(figure, breakdown, names)
    for key, n in residue_counts(figure, breakdown, names).items():
        total[key] = total.get(key, 0) + n
    return dict(total)


# --- the residue of records removed ------------------------------------------------------

# the columns of retention.models.Residue a figure's records fill, besides kind and count
RESIDUE_COLUMNS = ("municipality", "year", "age_band", "sphere", "phase", "outcome")


def residue_cells(kind: str, records: Q) -> dict[tuple, int]:
    """What the records of one residue kind that match `records` (about to be removed)
    leave in the residue: how many per (municipality, year, age band, sphere, phase,
    outcome), counted as their figure counts them — the same records (its condition),
    its date, its municipality (as stored: names are matched when counted), the age band
    on that date, and the value of each breakdown the residue keeps. One query."""
    figure = next(f for f in FIGURES if f.residue_kind == kind)
    rows = figure.model._default_manager.filter(records)
    if figure.condition is not None:
        rows = rows.filter(figure.condition)
    annotations: dict[str, models.Expression | F] = {
        "_m": _place(figure),
        "_y": ExtractYear(figure.date),
    }
    columns: dict[str, str] = {}
    for breakdown in figure.breakdowns:
        if breakdown.residue_field is None:
            continue
        name = f"_r_{breakdown.residue_field}"
        for key, expression in breakdown.live(figure).items():
            annotations[name if key == "_k" else key] = expression
        columns[breakdown.residue_field] = name
    rows = rows.annotate(**annotations).order_by().values("_m", "_y", *columns.values())
    cells: dict[tuple, int] = defaultdict(int)
    for row in rows.annotate(n=Count("pk")):
        found = {
            "municipality": row["_m"] or "",
            "year": int(row["_y"]),
            **{column: row[name] or "" for column, name in columns.items()},
        }
        cell = tuple(found.get(column, "") for column in RESIDUE_COLUMNS)
        cells[cell] += row["n"]
    return dict(cells)
