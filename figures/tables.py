"""The statistics tables and how small counts are kept from singling anyone out.

Every number the module publishes — a cell of the statistics page, of the API, of an export,
or a value written to a plan indicator — is a cell of one *protected cube* per figure and
breakdown: counts by breakdown value x municipality x period, with every margin (all values,
all municipalities, each year as the sum of its quarters, all years as the sum of the
years). A page or an export only ever shows a slice of that cube, so two views can never
disagree about which cells are hidden, and no filter can produce a number that is not a cell
of the cube.

The rules (THRESHOLD = 5):

1. Primary suppression. A count from 1 to 4 is hidden. Zero is shown: a zero says that
   nobody is in the cell, which singles out no one, and hiding zeros would hide most of a
   sparse table while protecting nothing (a hidden zero is never used to protect another
   cell either). A hidden cell is therefore always at least 1.
2. Secondary suppression, so that no hidden cell can be worked out from the totals. Each
   *line* of the cube — cells that add up to a margin, with that margin — must have no
   hidden cell or at least two; and when its margin is known, its hidden cells must add up
   to 5 or more (their sum is the margin minus what is shown: a sum from 1 to 4 would be a
   small count published by subtraction). This is the rule against differencing across
   filters: a filtered figure and its unfiltered parent are a cell and the margin of one
   line, so "Namur 2026: 6 referrals" and "Namur 2026, adults: 5" are never both shown
   (their difference, the minors, is 1). When a line breaks the rule, its smallest non-zero
   shown cell is hidden too (its margin if there is none), and the lines through that cell
   are checked again.
3. The audit. Lines share cells, so a reader can chain them: work out a hidden cell on
   one line, then use it on the next. After rule 2, the module does what such a reader
   does (`derivations`: every line with a single unknown cell gives it) and, as long as
   a count from 1 to 4 or a group of unknown cells adding up to 1 to 4 can be worked out,
   hides one more shown cell on the line that gave it away (or on a line before it in the
   chain).
4. One pattern for the totals. The totals (the cube without breakdown: by municipality and
   period) are hidden alike in every breakdown of a figure: they are protected first; each
   breakdown may only hide more cells *inside* the breakdown; and when a breakdown would
   give a hidden total away and only hiding another total helps, that total is hidden in
   every view and everything is protected again. So "referrals by age band" and "referrals
   by source" hide the same totals, and a total hidden in one view is hidden in all.
5. Determinism. Lines are checked in a fixed order and ties are broken by the cells'
   keys, so every server computes the same pattern from the same data.
6. One mark. Every hidden cell is shown as "x", whether it is small itself or hidden to
   protect a small one: marking the small ones "<5" and the others differently would tell
   a reader that the others are 5 or more, enough to solve a line (6 = "<5" + "x" with
   x >= 5 gives 1 + 5).

A breakdown value that is the only one of its municipality and period equals the total
shown there, so it is known anyway and is not hidden (hiding it would protect nothing; it
is at least 5, since a total under 5 is itself hidden).

Counts of meetings are about no one (Figure.about_persons) and are shown as they are.

What remains: figures change as records are added, so comparing the same cell on two days
tells how many records were added in between (at most one cube per figure and breakdown is
computed every FIGURES_CACHE_SECONDS, and every view is audited).

Who sees the figures: coordinators of plans or of the network and data protection officers
(figures/access.py). The figures are anonymised by these rules, so they see every
municipality.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from figures import sources
from figures.sources import Breakdown, Figure

logger = logging.getLogger(__name__)

THRESHOLD = 5
HIDDEN_MARK = "x"
ALL = None  # the margin along an axis: all values, all municipalities, all periods
QUARTERS = (1, 2, 3, 4, sources.NO_QUARTER)
MAX_BARS = 24

# (breakdown value, municipality, year, quarter); ALL in a position is the margin
Key = tuple[str | None, str | None, int | None, int | None]
Line = tuple[tuple[Key, ...], Key]  # the cells and the margin they add up to


def _order(key: Iterable) -> tuple:
    """A total order on keys with ALL in them (ALL first), the same in every process."""
    return tuple((0, "") if part is ALL else (1, part) for part in key)


# --- the cube -------------------------------------------------------------------------------


@dataclass
class Cube:
    """A figure's protected counts: non-zero cells with margins, and the hidden ones."""

    figure: str
    breakdown: str  # "" without breakdown
    categories: list[str]
    municipalities: list[str]
    years: list[int]
    values: dict[Key, int]
    hidden: frozenset[Key]
    computed_at: datetime.datetime = field(default_factory=timezone.now)

    def cell(self, key: Key) -> Cell:
        return Cell(self.values.get(key, 0), key in self.hidden)

    def has_unknown_quarter(self, year: int) -> bool:
        return bool(self.values.get((ALL, ALL, year, sources.NO_QUARTER)))

    def has_category(self, category: str) -> bool:
        return bool(self.values.get((category, ALL, ALL, ALL)))


@dataclass(frozen=True)
class Cell:
    value: int
    hidden: bool

    @property
    def shown(self) -> int | None:
        """The published value: None when hidden."""
        return None if self.hidden else self.value

    @property
    def text(self) -> str:
        return HIDDEN_MARK if self.hidden else str(self.value)


def with_margins(counts: dict[sources.CountKey, int], *, breakdown: bool) -> dict[Key, int]:
    """Every non-zero cell of the cube, margins included."""
    values: dict[Key, int] = defaultdict(int)
    for (category, municipality, year, quarter), n in counts.items():
        if not n:
            continue
        for k in (category, ALL) if breakdown else (ALL,):
            for m in (municipality, ALL):
                for y, q in ((year, quarter), (year, ALL), (ALL, ALL)):
                    values[(k, m, y, q)] += n
    return {key: n for key, n in values.items() if n}


def lines_of(keys: Iterable[Key], *, across_categories: bool) -> list[Line]:
    """The lines through these cells: along municipalities, quarters of a year, years, and
    (across_categories) along the breakdown values, whose margin is the total. Only non-zero
    cells are members: a zero is shown and never hidden."""
    members: dict[tuple, list[Key]] = defaultdict(list)
    margins: dict[tuple, Key] = {}
    for key in keys:
        k, m, y, q = key
        ids: list[tuple[tuple, Key]] = []
        if m is not ALL:
            ids.append((("m", k, y, q), (k, ALL, y, q)))
        if y is not ALL and q is not ALL:
            ids.append((("q", k, m, y), (k, m, y, ALL)))
        if y is not ALL and q is ALL:
            ids.append((("y", k, m), (k, m, ALL, ALL)))
        if across_categories and k is not ALL:
            ids.append((("k", m, y, q), (ALL, m, y, q)))
        for line_id, margin in ids:
            members[line_id].append(key)
            margins[line_id] = margin
    return [
        (tuple(sorted(members[line_id], key=_order)), margins[line_id])
        for line_id in sorted(members, key=_order)
    ]


class _Lines:
    """The lines of a cube with, for each cell, the lines through it."""

    def __init__(self, lines: list[Line]):
        self.lines = lines
        self.through: dict[Key, list[int]] = defaultdict(list)
        for index, (cells, margin) in enumerate(lines):
            for cell in (*cells, margin):
                self.through[cell].append(index)

    def cells(self, index: int) -> tuple[Key, ...]:
        cells, margin = self.lines[index]
        return (*cells, margin)


def _candidate(values, cells, hidden, frozen, exposed) -> Key | None:
    """The smallest shown non-zero cell that may still be hidden (ties: by key); cells
    known anyway (`exposed`) are not worth hiding."""
    free = [c for c in cells if c not in hidden and c not in frozen and c not in exposed]
    free = [c for c in free if values.get(c, 0) > 0]
    return min(free, key=lambda c: (values[c], _order(c))) if free else None


def _line_rule(values, lines: _Lines, hidden: set[Key], frozen, exposed) -> None:
    """Rule 2, line by line: no line with a single hidden cell, and the hidden cells of a
    line whose margin is shown add up to THRESHOLD or more. Only the lines through a newly
    hidden cell are checked again."""
    queue = deque(i for i in range(len(lines.lines)) if any(c in hidden for c in lines.cells(i)))
    queued = set(queue)
    while queue:
        index = queue.popleft()
        queued.discard(index)
        cells, margin = lines.lines[index]
        hidden_here = [c for c in cells if c in hidden]
        count = len(hidden_here) + (margin in hidden)
        if count == 0 or (
            count >= 2 and (margin in hidden or sum(values[c] for c in hidden_here) >= THRESHOLD)
        ):
            continue
        cell = _candidate(values, cells, hidden, frozen, exposed)
        if cell is None and margin not in hidden and margin not in frozen:
            cell = margin
        if cell is None:
            continue  # what is hidden here is known anyway; the audit decides
        hidden.add(cell)
        for other in (index, *lines.through[cell]):
            if other not in queued:
                queue.append(other)
                queued.add(other)


def derivations(values, lines: _Lines, hidden: set[Key]) -> tuple[dict[Key, int], set[Key]]:
    """What a reader can work out from what is shown, line after line: a line with a single
    unknown cell gives it (the margin minus the others, or the sum of the cells). Returns
    the hidden cells so worked out, each with the line that gives it, and those that stay
    unknown."""
    unknown = set(hidden)
    missing = [sum(1 for c in lines.cells(i) if c in unknown) for i in range(len(lines.lines))]
    queue = [i for i, n in enumerate(missing) if n == 1]
    derived: dict[Key, int] = {}
    while queue:
        index = queue.pop()
        if missing[index] != 1:
            continue
        cell = next(c for c in lines.cells(index) if c in unknown)
        unknown.discard(cell)
        derived[cell] = index
        for other in lines.through[cell]:
            missing[other] -= 1
            if missing[other] == 1:
                queue.append(other)
    return derived, unknown


def _breaches(values, lines: _Lines, hidden: set[Key]):
    """Small counts a reader can work out: hidden cells from 1 to 4 that are derived, and
    lines whose shown (or derived) margin leaves unknown cells adding up to 1 to 4."""
    derived, unknown = derivations(values, lines, hidden)
    small = sorted((c for c in derived if values[c] < THRESHOLD), key=_order)
    groups = []
    for index, (cells, margin) in enumerate(lines.lines):
        if margin in unknown:
            continue
        total = sum(values[c] for c in cells if c in unknown)
        if 0 < total < THRESHOLD:
            groups.append(index)
    return derived, small, groups


def _fix_in_line(values, lines, index, hidden, frozen, exposed, derived, seen) -> Key | None:
    """A shown cell to hide on this line, or, when all its other cells were themselves
    worked out, on a line that gave one of them."""
    if index in seen:
        return None
    seen.add(index)
    cells = lines.cells(index)
    cell = _candidate(values, cells, hidden, frozen, exposed)
    if cell is not None:
        return cell
    # a cell worked out on another line, or equal to a total shown: look there
    known = {**exposed, **derived}
    for other in sorted((c for c in cells if c in known), key=_order):
        found = _fix_in_line(values, lines, known[other], hidden, frozen, exposed, derived, seen)
        if found is not None:
            return found
    # only cells that may not change are left: one of them (the caller raises it)
    fixed = [c for c in cells if c not in hidden and c in frozen and values.get(c, 0) > 0]
    return min(fixed, key=lambda c: (values[c], _order(c))) if fixed else None


def _audit(values, lines: _Lines, hidden: set[Key], frozen, exposed) -> set[Key]:
    """Hide more cells until a reader working line after line finds no small count.
    Returns the frozen cells (totals) that would have to be hidden too."""
    needed: set[Key] = set()
    while True:
        derived, small, groups = _breaches(values, lines, hidden)
        fixes: list[Key] = []
        for cell in small:
            fix = _fix_in_line(
                values, lines, derived[cell], hidden, frozen, exposed, derived, set()
            )
            if fix is not None:
                fixes.append(fix)
        for index in groups:
            fix = _fix_in_line(values, lines, index, hidden, frozen, exposed, derived, set())
            if fix is None:
                margin = lines.lines[index][1]
                if margin not in frozen and margin not in hidden:
                    fix = margin
            if fix is not None:
                fixes.append(fix)
        new = [fix for fix in fixes if fix not in hidden]
        if not new:
            if small or groups:
                logger.warning("figures: %s small counts could not be protected", len(small))
            return needed
        for fix in new:
            hidden.add(fix)
            if fix in frozen:
                needed.add(fix)


def _protect_totals(totals: dict[Key, int], hidden: set[Key]) -> None:
    lines = _Lines(lines_of(totals, across_categories=False))
    hidden |= {key for key, n in totals.items() if n < THRESHOLD}
    _line_rule(totals, lines, hidden, set(), set())
    _audit(totals, lines, hidden, set(), set())


def _protect_breakdown(values, totals_hidden: set[Key]) -> tuple[set[Key], set[Key]]:
    """The hidden cells of one breakdown, the totals' pattern kept; and the totals that
    would have to be hidden as well."""
    frozen = {key for key in values if key[0] is ALL}
    inner = [key for key in values if key[0] is not ALL]
    hidden = set(totals_hidden) | {key for key in inner if values[key] < THRESHOLD}
    lines = _Lines(lines_of(values, across_categories=True))
    # a breakdown value alone in its municipality and period equals the total shown
    # (with the line that says so)
    exposed = {
        cells[0]: index
        for index, (cells, margin) in enumerate(lines.lines)
        if margin[0] is ALL
        and len(cells) == 1
        and cells[0][0] is not ALL
        and margin not in totals_hidden
        and cells[0] not in hidden
    }
    _line_rule(values, lines, hidden, frozen, exposed)
    needed = _audit(values, lines, hidden, frozen, exposed)
    return hidden, needed - totals_hidden


def protect_all(
    totals: dict[Key, int], breakdowns: dict[str, dict[Key, int]]
) -> tuple[frozenset[Key], dict[str, frozenset[Key]]]:
    """The hidden cells of the totals and of each breakdown of one figure (rules 1 to 4).
    The totals are protected first; when a breakdown would let a hidden total be worked
    out, that total is hidden in every view and all are protected again."""
    totals_hidden: set[Key] = set()
    while True:
        _protect_totals(totals, totals_hidden)
        result: dict[str, frozenset[Key]] = {}
        needed: set[Key] = set()
        for key in sorted(breakdowns):
            hidden, more = _protect_breakdown(breakdowns[key], totals_hidden)
            result[key] = frozenset(hidden)
            needed |= more
        if not needed:
            return frozenset(totals_hidden), result
        totals_hidden |= needed


def protect(values: dict[Key, int], *, breakdown: bool) -> frozenset[Key]:
    """The hidden cells of one cube alone (its totals protected first)."""
    totals = {key: n for key, n in values.items() if key[0] is ALL}
    if not breakdown:
        return protect_all(totals, {})[0]
    totals_hidden, hidden = protect_all(totals, {"": values})
    return hidden[""]


@dataclass
class Bundle:
    """The cubes of one figure: without breakdown ("") and with each of its breakdowns,
    counted together and protected together."""

    cubes: dict[str, Cube]


def _count_all(figure: Figure) -> dict[str, dict[sources.CountKey, int]]:
    """Counts by each breakdown (one grouped query each, plus the residue's). Their
    totals must agree; a record written between two queries makes them count again."""
    for _attempt in range(3):
        per: dict[str, dict[sources.CountKey, int]] = {}
        for breakdown in figure.breakdowns:
            per[breakdown.key] = sources.counts(figure, breakdown)
        sums = [_totals_of(c) for c in per.values()]
        if all(s == sums[0] for s in sums):
            return per
    logger.warning("figures: the counts of %s kept changing while counted", figure.key)
    return per


def _totals_of(counts: dict[sources.CountKey, int]) -> dict[tuple, int]:
    sums: dict[tuple, int] = defaultdict(int)
    for (_k, m, y, q), n in counts.items():
        sums[(m, y, q)] += n
    return dict(sums)


def build_bundle(figure: Figure) -> Bundle:
    """Count, add the margins, protect: every cube of the figure."""
    per = _count_all(figure)
    first = next(iter(per.values()), {})
    total_counts: dict[sources.CountKey, int] = {
        (None, m, y, q): n for (m, y, q), n in _totals_of(first).items()
    }
    totals = with_margins(total_counts, breakdown=False)
    values = {key: with_margins(c, breakdown=True) for key, c in per.items()}
    if figure.about_persons:
        totals_hidden, hidden = protect_all(totals, values)
    else:
        totals_hidden, hidden = frozenset(), {key: frozenset() for key in values}
    municipalities = sorted({m for _k, m, _y, _q in total_counts})
    years = sorted({y for _k, _m, y, _q in total_counts})
    now = timezone.now()

    def cube(key: str, cube_values: dict[Key, int], cube_hidden: frozenset[Key]) -> Cube:
        breakdown = figure.breakdown(key)
        return Cube(
            figure=figure.key,
            breakdown=key,
            categories=breakdown.values if breakdown else [],
            municipalities=municipalities,
            years=years,
            values=cube_values,
            hidden=cube_hidden,
            computed_at=now,
        )

    cubes = {"": cube("", totals, totals_hidden)}
    for key in per:
        cubes[key] = cube(key, values[key], hidden[key])
    return Bundle(cubes)


# --- a cache per process --------------------------------------------------------------------

_cache: dict[str, tuple[float, Bundle]] = {}
_lock = threading.Lock()
MAX_CACHED = 8


def cache_seconds() -> int:
    """How long a figure's cubes are reused (FIGURES_CACHE_SECONDS; 0 in tests unless
    set). Kept in the process, not the shared cache: a national cube weighs megabytes, and
    unpickling it on every request would cost more than the lookup saves."""
    default = 0 if getattr(settings, "TESTING", False) else 300
    return int(getattr(settings, "FIGURES_CACHE_SECONDS", default))


def get_cube(figure_key: str, breakdown_key: str = "", *, fresh: bool = False) -> Cube:
    """The protected cube of a figure and breakdown ("" for none)."""
    figure = sources.get_figure(figure_key)
    if breakdown_key and figure.breakdown(breakdown_key) is None:
        raise KeyError(breakdown_key)
    seconds = cache_seconds()
    now = time.monotonic()
    if seconds and not fresh:
        with _lock:
            hit = _cache.get(figure.key)
        if hit is not None and hit[0] > now:
            return hit[1].cubes[breakdown_key]
    bundle = build_bundle(figure)
    if seconds:
        with _lock:
            if len(_cache) >= MAX_CACHED:
                _cache.pop(min(_cache, key=lambda k: _cache[k][0]))
            _cache[figure.key] = (now + seconds, bundle)
    return bundle.cubes[breakdown_key]


def clear_cache() -> None:
    with _lock:
        _cache.clear()


# --- a table: a slice of the cube -----------------------------------------------------------

PERIOD, MUNICIPALITY = "period", "municipality"


@dataclass(frozen=True)
class Query:
    """What a person asked for (validated by forms.FigureQueryForm)."""

    figure: str
    breakdown: str = ""
    municipality: str | None = None  # None: all municipalities
    year: int | None = None
    quarter: int | None = None
    columns: str = PERIOD

    def as_params(self) -> dict[str, str]:
        """The query as the page's and the API's parameters (for links and exports)."""
        params = {"figure": self.figure, "breakdown": self.breakdown, "columns": self.columns}
        if self.municipality is not None:
            params["municipality"] = self.municipality
        if self.year is not None:
            params["year"] = str(self.year)
        if self.quarter is not None:
            params["quarter"] = str(self.quarter)
        return {k: v for k, v in params.items() if v != ""}


@dataclass
class Column:
    key: str
    label: str
    is_total: bool = False


@dataclass
class Row:
    key: str
    label: str
    cells: list[Cell]
    is_total: bool = False


@dataclass
class Bar:
    label: str
    value: int | None  # None: hidden
    width: float  # 0..BAR_WIDTH
    y: float  # top of the row in the drawing

    @property
    def text(self) -> str:
        return HIDDEN_MARK if self.value is None else str(self.value)

    @property
    def text_x(self) -> float:
        """Where the figure is written: just after the bar."""
        return 32.0 if self.value is None else self.width + 6


@dataclass
class Chart:
    key: str
    title: str
    bars: list[Bar]
    truncated: bool
    height: float

    @property
    def description(self) -> str:
        return "; ".join(f"{bar.label}: {bar.text}" for bar in self.bars)


@dataclass
class Table:
    query: Query
    figure: Figure
    breakdown: Breakdown | None
    columns: list[Column]
    rows: list[Row]
    computed_at: datetime.datetime
    municipalities: list[str]
    years: list[int]
    caption: str = ""
    charts: list[Chart] = field(default_factory=list)

    def as_grid(self) -> list[list[str | int]]:
        """Header and rows as shown: what the exports write (hidden cells as "x")."""
        corner = str(self.breakdown.label) if self.breakdown else str(self.figure.label)
        grid: list[list[str | int]] = [[corner, *(c.label for c in self.columns)]]
        for row in self.rows:
            grid.append([row.label, *(c.text if c.hidden else c.value for c in row.cells)])
        return grid


TOTAL_KEY = "*"
NOT_RECORDED_KEY = "~"


def municipality_key(municipality: str | None) -> str:
    """A column's key in the API: the name, "~" when not recorded, "*" for all."""
    if municipality is ALL:
        return TOTAL_KEY
    return municipality or NOT_RECORDED_KEY


def period_key(year: int | None, quarter: int | None) -> str:
    """ "2026", "2026-1" … "2026-4", "2026-0" (quarter not known), "*" for all years."""
    if year is ALL:
        return TOTAL_KEY
    return str(year) if quarter is ALL else f"{year}-{quarter}"


def municipality_label(municipality: str | None) -> str:
    if municipality is ALL:
        return _("All municipalities")
    return municipality or _("Municipality not recorded")


def period_label(year: int | None, quarter: int | None) -> str:
    if year is ALL:
        return _("All years")
    if quarter is ALL:
        return str(year)
    if quarter == sources.NO_QUARTER:
        return _("%(year)s, quarter not known") % {"year": year}
    return _("Q%(quarter)s %(year)s") % {"quarter": quarter, "year": year}


def _columns(cube: Cube, query: Query) -> list[tuple[Column, str | None, int | None, int | None]]:
    """(column, municipality, year, quarter) of each column of the table."""
    if query.columns == MUNICIPALITY:
        y, q = query.year, query.quarter if query.year is not None else None
        places: list[str | None] = (
            [query.municipality] if query.municipality is not None else [*cube.municipalities]
        )
        if query.municipality is None:
            places.append(ALL)
        return [
            (Column(municipality_key(m), municipality_label(m), m is ALL), m, y, q) for m in places
        ]
    m = query.municipality
    if query.year is None:
        periods: list[tuple[int | None, int | None]] = [(y, ALL) for y in cube.years]
        periods.append((ALL, ALL))
    elif query.quarter is None:
        quarters = [1, 2, 3, 4]
        if cube.has_unknown_quarter(query.year):
            quarters.append(sources.NO_QUARTER)
        periods = [(query.year, q) for q in quarters]
        periods.append((query.year, ALL))
    else:
        periods = [(query.year, query.quarter)]
    total = (ALL, ALL) if query.year is None else (query.year, ALL)
    return [
        (
            Column(period_key(y, q), period_label(y, q), (y, q) == total and len(periods) > 1),
            m,
            y,
            q,
        )
        for y, q in periods
    ]


def build_table(query: Query) -> Table:
    """The slice of the protected cube the query asks for, with its charts."""
    figure = sources.get_figure(query.figure)
    breakdown = figure.breakdown(query.breakdown) if query.breakdown else None
    cube = get_cube(figure.key, breakdown.key if breakdown else "")
    columns = _columns(cube, query)
    categories: list[tuple[str | None, str]] = []
    if breakdown is not None:
        categories = [
            (value, str(label))
            for value, label in breakdown.choices
            if value != sources.UNKNOWN or cube.has_category(value)
        ]
    categories.append((ALL, _("Total")))
    rows = [
        Row(
            key=TOTAL_KEY if value is ALL else value,
            label=label,
            cells=[cube.cell((value, m, y, q)) for _c, m, y, q in columns],
            is_total=value is ALL,
        )
        for value, label in categories
    ]
    table = Table(
        query=query,
        figure=figure,
        breakdown=breakdown,
        columns=[c for c, *_rest in columns],
        rows=rows,
        computed_at=cube.computed_at,
        municipalities=cube.municipalities,
        years=cube.years,
    )
    table.caption = caption(table)
    table.charts = charts(table)
    return table


def caption(table: Table) -> str:
    query = table.query
    where = [municipality_label(query.municipality)]
    if query.year is not None:
        quarter = query.quarter if query.quarter is not None else ALL
        where.append(period_label(query.year, quarter))
    names = {
        "figure": table.figure.label,
        "breakdown": table.breakdown.label if table.breakdown else "",
        "where": ", ".join(where),
    }
    by_place = query.columns == MUNICIPALITY
    if table.breakdown is None and by_place:
        return _("%(figure)s, by municipality — %(where)s") % names
    if table.breakdown is None:
        return _("%(figure)s, by period — %(where)s") % names
    if by_place:
        return _("%(figure)s (%(breakdown)s), by municipality — %(where)s") % names
    return _("%(figure)s (%(breakdown)s), by period — %(where)s") % names


# --- charts: drawn by the template as SVG -----------------------------------------------------

BAR_WIDTH = 300.0
ROW_HEIGHT = 40.0


def _chart(key: str, title: str, pairs: list[tuple[str, Cell]]) -> Chart:
    truncated = len(pairs) > MAX_BARS
    pairs = pairs[:MAX_BARS]
    top = max((c.value for _label, c in pairs if not c.hidden), default=0) or 1
    bars = [
        Bar(
            label=label,
            value=cell.shown,
            width=0.0 if cell.hidden else round(cell.value * BAR_WIDTH / top, 1),
            y=index * ROW_HEIGHT,
        )
        for index, (label, cell) in enumerate(pairs)
    ]
    return Chart(key, title, bars, truncated, max(len(bars), 1) * ROW_HEIGHT)


def charts(table: Table) -> list[Chart]:
    """The total row across the columns and, with a breakdown, the total column down the
    rows: the same published cells as the table."""
    total_row = table.rows[-1]
    pairs = [
        (column.label, cell)
        for column, cell in zip(table.columns, total_row.cells, strict=True)
        if not column.is_total
    ]
    if table.query.columns == MUNICIPALITY:
        title = _("%(figure)s by municipality") % {"figure": table.figure.label}
    else:
        title = _("%(figure)s by period") % {"figure": table.figure.label}
    result = [_chart("by-column", title, pairs)]
    if table.breakdown is not None:
        last = len(table.columns) - 1
        result.append(
            _chart(
                "by-row",
                _("%(figure)s: %(breakdown)s")
                % {"figure": table.figure.label, "breakdown": table.breakdown.label},
                [(row.label, row.cells[last]) for row in table.rows if not row.is_total],
            )
        )
    return result
