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
   hidden cell or at least two; and when its margin is known, none of its hidden cells may
   be known to be under 5. A reader knows that every hidden cell is at least 1 (zeros are
   shown), so each of k hidden cells is at most the margin minus what is shown minus
   (k - 1): that must be 5 or more. Five municipalities with 1 referral each and "all
   municipalities: 5" shown would otherwise give each "x" away as 1. This is also the rule
   against differencing across filters: a filtered figure and its unfiltered parent are a
   cell and the margin of one line, so "Namur 2026: 6 referrals" and "Namur 2026, adults:
   5" are never both shown (their difference, the minors, is 1). When a line breaks the
   rule, its smallest non-zero shown cell is hidden too (its margin if there is none), and
   the lines through that cell are checked again.
3. The audit. Lines share cells, so a reader can chain them: bound a hidden cell on one
   line (at least 1; at most what the line leaves), then use the bound on the next. After
   rule 2, the module does what such a reader does (`ranges`: bounds carried from line to
   line until nothing changes), over every view of the figure at once (a bound on a hidden
   total found in one breakdown is used in the others), and, as long as a hidden cell can
   be told to be under 5 (`disclosed`), hides one more shown cell on the line that bounded
   it (or on a line that bounded a cell of that line). What this reader does not do is
   solve the whole system of lines at once (linear programming); its chains of lines are
   what the rule protects against.
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

Which municipalities: those of the directory (organisations, services, platforms), not
those of the persons (sources.municipality_names), so that a village does not appear in the
list because someone there was referred; records elsewhere count under "other municipality
or not recorded", always listed.

Who sees the figures: coordinators of plans or of the network and data protection officers
(figures/access.py). The figures are anonymised by these rules, so they see every
municipality.
"""

from __future__ import annotations

import datetime
import logging
import sys
import threading
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache as shared_cache
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
FIX_DEPTH = 6  # how far the audit looks for a cell to hide, from the line that tells
HIGH, LOW = "high", "low"

UNBOUNDED = sys.maxsize  # the most a hidden cell can be, when nothing says

# (breakdown value, municipality, year, quarter); ALL in a position is the margin
Key = tuple[str | None, str | None, int | None, int | None]
AnyKey = tuple  # a Key, or a Key tagged with its breakdown (`_Views`)
Line = tuple[tuple[AnyKey, ...], AnyKey]  # the cells and the margin they add up to


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


def lines_of(keys: Iterable[AnyKey], *, across_categories: bool) -> list[Line]:
    """The lines through these cells: along municipalities, quarters of a year, years, and
    (across_categories) along the breakdown values, whose margin is the total. Only non-zero
    cells are members: a zero is shown and never hidden. A key may carry a tag before its
    four parts (`_Views`: the breakdown it belongs to, ALL for the totals)."""
    members: dict[tuple, list[AnyKey]] = defaultdict(list)
    margins: dict[tuple, AnyKey] = {}
    for key in keys:
        *tag, k, m, y, q = key
        ids: list[tuple[tuple, AnyKey]] = []
        if m is not ALL:
            ids.append((("m", *tag, k, y, q), (*tag, k, ALL, y, q)))
        if y is not ALL and q is not ALL:
            ids.append((("q", *tag, k, m, y), (*tag, k, m, y, ALL)))
        if y is not ALL and q is ALL:
            ids.append((("y", *tag, k, m), (*tag, k, m, ALL, ALL)))
        if across_categories and k is not ALL:
            ids.append((("k", *tag, m, y, q), (*(ALL for _t in tag), ALL, m, y, q)))
        for line_id, margin in ids:
            members[line_id].append(key)
            margins[line_id] = margin
    orders: dict[tuple, tuple] = {}

    def order(key: tuple) -> tuple:
        found = orders.get(key)
        if found is None:
            found = orders[key] = _order(key)
        return found

    return [
        (tuple(sorted(members[line_id], key=order)), margins[line_id])
        for line_id in sorted(members, key=order)
    ]


class _Lines:
    """The lines of a cube with, for each cell, the lines through it and the lines it is
    the margin of."""

    def __init__(self, lines: list[Line]):
        self.lines = lines
        self.through: dict[AnyKey, list[int]] = defaultdict(list)
        self.summed: dict[AnyKey, list[int]] = defaultdict(list)
        for index, (cells, margin) in enumerate(lines):
            for cell in (*cells, margin):
                self.through[cell].append(index)
            self.summed[margin].append(index)

    def cells(self, index: int) -> tuple[AnyKey, ...]:
        cells, margin = self.lines[index]
        return (*cells, margin)


@dataclass
class Ranges:
    """What a reader can tell of each hidden cell: the least and the most it can be, with
    the line that said so last (a shown cell is its value)."""

    low: dict
    high: dict  # UNBOUNDED: nothing says
    why_low: dict
    why_high: dict
    complete: bool = True


class _State:
    """The lines of a cube and its hidden cells as a reader sees them: for each line, the
    sum of its shown cells and its hidden cells, kept up to date as cells are hidden."""

    def __init__(self, values, lines: _Lines, hidden: set):
        self.values = values
        self.lines = lines
        self.hidden = hidden
        self.shown_sum: list[int] = []
        self.hidden_cells: list[list] = []
        for cells, _margin in lines.lines:
            self.shown_sum.append(sum(values.get(c, 0) for c in cells if c not in hidden))
            self.hidden_cells.append([c for c in cells if c in hidden])

    def hide(self, cell) -> None:
        if cell in self.hidden:
            return
        self.hidden.add(cell)
        for index in self.lines.through.get(cell, ()):
            if self.lines.lines[index][1] != cell:
                self.shown_sum[index] -= self.values.get(cell, 0)
                self.hidden_cells[index].append(cell)

    def floor(self, cell, low: dict | None = None) -> int:
        """The least a reader can tell `cell` is, were it hidden, from the lines it is the
        margin of: what they show plus the least of their hidden cells (`low`, else 1)."""
        best = 1
        for index in self.lines.summed.get(cell, ()):
            hidden_cells = self.hidden_cells[index]
            if low is None:
                least = self.shown_sum[index] + len(hidden_cells)
            else:
                least = self.shown_sum[index] + sum(low.get(c, 1) for c in hidden_cells)
            best = max(best, least)
        return best

    def shortfall(self, index: int, most_of=None) -> int:
        """Rule 2 for one line: how much more its hidden cells need to be able to be (0:
        none). No hidden cell is fine. Else none of them may be below THRESHOLD at most —
        the margin (or, hidden, the most it is known to be: `most_of`) minus what is shown
        minus the least of the others (`floor`: 1, or more when the lines below them say
        so); and a shown margin needs two hidden cells, a hidden one at least one."""
        cells, margin = self.lines.lines[index]
        hidden_cells = self.hidden_cells[index]
        if margin in self.hidden:
            if not hidden_cells:
                return 1
            most = most_of(margin) if most_of is not None else UNBOUNDED
            if most == UNBOUNDED:
                return 0
        else:
            if not hidden_cells:
                return 0
            most = self.values.get(margin, 0)
        floors = [self.floor(c) for c in hidden_cells]
        least_most = most - self.shown_sum[index] - sum(floors) + min(floors)
        need = THRESHOLD - least_most
        if margin not in self.hidden and len(hidden_cells) == 1:
            need = max(need, 1)
        return max(need, 0)

    def choose(self, cells, frozen, exposed, need: int, low: dict | None = None):
        """The shown cell of `cells` to hide to give the line `need` more: the smallest
        whose value exceeds the least a reader could tell it is (`floor`) by `need`; else
        the one that gives the most. Frozen cells may not be hidden, and cells known anyway
        (`exposed`) are not worth it. None: nothing left."""
        free = [
            c
            for c in cells
            if c not in self.hidden
            and c not in frozen
            and c not in exposed
            and self.values.get(c, 0) > 0
        ]
        if not free:
            return None
        gains = {c: self.values[c] - self.floor(c, low) for c in free}
        enough = [c for c in free if gains[c] >= need]
        if enough:
            return min(enough, key=lambda c: (self.values[c], _order(c)))
        return min(free, key=lambda c: (-gains[c], self.values[c], _order(c)))

    def ranges(self) -> Ranges:
        """What a reader works out line after line. Each line says that its cells add up
        to its margin; a hidden cell is at least 1 (a zero is shown). So a hidden cell is at
        most its margin's most minus the others' least, and at least its margin's least
        minus the others' most; a hidden margin lies between the sums of its cells' least
        and most. Each bound found is used on the other lines through the cell, until
        nothing changes."""
        through = self.lines.through
        found = Ranges(dict.fromkeys(self.hidden, 1), dict.fromkeys(self.hidden, UNBOUNDED), {}, {})
        queue = deque(sorted({i for c in self.hidden for i in through.get(c, ())}))
        queued = set(queue)
        budget = 40 * len(queue) + 1000
        while queue:
            budget -= 1
            if budget < 0:
                logger.warning("figures: the audit stopped before it was complete")
                found.complete = False
                break
            index = queue.popleft()
            queued.discard(index)
            for key in self._tighten(index, found):
                for other in through[key]:
                    if other not in queued:
                        queue.append(other)
                        queued.add(other)
        return found

    def _tighten(self, index: int, found: Ranges) -> list:
        """One line's bounds on its hidden cells and margin; the cells whose bounds
        changed."""
        margin = self.lines.lines[index][1]
        hidden_cells = self.hidden_cells[index]
        low, high = found.low, found.high
        least = most = self.shown_sum[index]
        unbounded = 0
        for c in hidden_cells:
            least += low[c]
            h = high[c]
            if h == UNBOUNDED:
                unbounded += 1
            else:
                most += h
        changed = []
        if margin in self.hidden:
            if least > low[margin]:
                low[margin] = least
                found.why_low[margin] = index
                changed.append(margin)
            if not unbounded and most < high[margin]:
                high[margin] = most
                found.why_high[margin] = index
                changed.append(margin)
            margin_low, margin_high = low[margin], high[margin]
        else:
            margin_low = margin_high = self.values.get(margin, 0)
        if margin_high == UNBOUNDED and unbounded > 1:
            return changed  # nothing to tell of the cells
        for c in hidden_cells:
            c_low, c_high = low[c], high[c]
            if margin_high != UNBOUNDED:
                bound = margin_high - least + c_low
                if bound < c_high:
                    high[c] = bound
                    found.why_high[c] = index
                    changed.append(c)
            if c_high == UNBOUNDED:
                if unbounded == 1:
                    bound = margin_low - most
                    if bound > c_low:
                        low[c] = bound
                        found.why_low[c] = index
                        changed.append(c)
            elif not unbounded:
                bound = margin_low - most + c_high
                if bound > c_low:
                    low[c] = bound
                    found.why_low[c] = index
                    changed.append(c)
        return changed


def ranges(values, lines: _Lines, hidden: set) -> Ranges:
    """What a reader can tell of the hidden cells (`_State.ranges`)."""
    return _State(values, lines, set(hidden)).ranges()


def disclosed(ranges: Ranges, hidden: Iterable) -> list:
    """The hidden cells a reader can tell are below THRESHOLD (from 1 to 4: their most is
    under THRESHOLD), in order."""
    return sorted((c for c in hidden if ranges.high.get(c, UNBOUNDED) < THRESHOLD), key=_order)


def _line_rule(state: _State, frozen, exposed, most_of=None, start=None) -> list[int]:
    """Rule 2, line by line (`_State.shortfall`): a line that breaks it gets a shown cell
    hidden (`_State.choose`; its margin if there is none), and the lines through that cell
    are checked again — first those it is the margin of, whose cells must now hide it.
    Checks the lines through the hidden cells (through `start` only, when given). Returns
    the lines where only a frozen cell could help."""
    lines = state.lines
    cells = state.hidden if start is None else start
    queue = deque(sorted({i for c in cells for i in lines.through.get(c, ())}))
    queued = set(queue)
    stuck = []
    while queue:
        index = queue.popleft()
        queued.discard(index)
        need = state.shortfall(index, most_of)
        if not need:
            continue
        cells, margin = lines.lines[index]
        cell = state.choose(cells, frozen, exposed, need)
        if cell is None and margin not in state.hidden and margin not in frozen:
            cell = margin
        if cell is None:
            stuck.append(index)  # what is hidden here is known anyway, or a total helps
            continue
        state.hide(cell)
        for other in reversed(lines.summed.get(cell, [])):
            queue.appendleft(other)  # (if it was queued further on, it is checked twice)
            queued.add(other)
        for other in (index, *lines.through[cell]):
            if other not in queued:
                queue.append(other)
                queued.add(other)
    return [index for index in stuck if state.shortfall(index, most_of)]


class _Fixer:
    """Which shown cell to hide so that a hidden cell is no longer bounded so tightly,
    following its bound back to the line that set it (`Ranges.why_*`): a shown cell of
    that line; else, when the line's margin is hidden, what loosens the margin's bound, as
    far as FIX_DEPTH lines up (or, for a margin, what loosens its cells'); else a shown
    cell of a line that set another cell's bound on the first line; else a frozen cell (a
    total) of the line (the caller hides it in every view)."""

    def __init__(self, state: _State, frozen, exposed, found: Ranges):
        self.state, self.frozen, self.exposed, self.found = state, frozen, exposed, found
        self.answers: dict[tuple, AnyKey | None] = {}
        self.wide: dict[int, AnyKey | None] = {}

    def fix(self, cell) -> AnyKey | None:
        """For a cell whose most is too small."""
        index = self.found.why_high[cell]
        fix = self.loosen(cell, HIGH, index, FIX_DEPTH)
        if fix is None:
            if index not in self.wide:
                self.wide[index] = self.anywhere(index)
            fix = self.wide[index]
        return fix

    def anywhere(self, start: int) -> AnyKey | None:
        """When the lines above found nothing: breadth first through every line that set a
        bound used on the way, a shown cell that may be hidden; else a frozen one."""
        state, found = self.state, self.found
        seen = {start}
        queue = deque([start])
        order = []
        while queue:
            index = queue.popleft()
            order.append(index)
            fix = self._pick(state.lines.cells(index))
            if fix is not None:
                return fix
            for other in state.lines.cells(index):
                if other in state.hidden:
                    reasons = (found.why_high.get(other), found.why_low.get(other))
                else:
                    reasons = (self.exposed.get(other), None)
                for reason in reasons:
                    if reason is not None and reason not in seen:
                        seen.add(reason)
                        queue.append(reason)
        for index in order:
            fixed = [
                c
                for c in state.lines.cells(index)
                if c not in state.hidden and c in self.frozen and state.values.get(c, 0) > 0
            ]
            if fixed:
                return min(fixed, key=lambda c: (state.values[c], _order(c)))
        return None

    def loosen(self, cell, bound: str, index: int, depth: int) -> AnyKey | None:
        """A cell to hide so that line `index` gives `cell` a looser `bound`."""
        goal = (cell, bound, index)
        if goal not in self.answers:
            self.answers[goal] = None  # while looked at: a cycle finds nothing here
            self.answers[goal] = self._loosen(cell, bound, index, depth)
        return self.answers[goal]

    def _pick(self, cells) -> AnyKey | None:
        return self.state.choose(cells, self.frozen, self.exposed, THRESHOLD - 1, self.found.low)

    def _loosen(self, cell, bound: str, index: int, depth: int) -> AnyKey | None:
        state = self.state
        cells, margin = state.lines.lines[index]
        every = (*cells, margin)
        fix = self._pick(every)
        if fix is not None or depth == 0:
            return fix
        whys = {HIGH: self.found.why_high, LOW: self.found.why_low}
        hidden = [c for c in state.hidden_cells[index] if c != cell]
        if cell == margin:  # its most (least) is the sum of its cells' most (least)
            upward = [(c, bound) for c in hidden]
        elif margin in state.hidden:  # its most (least) depends on the margin's
            upward = [(margin, bound)]
        else:
            upward = []
        for other, other_bound in upward:
            reason = whys[other_bound].get(other)
            if reason is not None and reason != index:
                fix = self.loosen(other, other_bound, reason, depth - 1)
                if fix is not None:
                    return fix
        if cell != margin and depth == FIX_DEPTH:
            # the others' least (most) set on their own lines: a shown cell there
            other_bound = LOW if bound == HIGH else HIGH
            for other in hidden:
                reason = whys[other_bound].get(other)
                if reason is not None and reason != index:
                    fix = self._pick(state.lines.cells(reason))
                    if fix is not None:
                        return fix
        fixed = [
            c
            for c in every
            if c not in state.hidden and c in self.frozen and state.values.get(c, 0) > 0
        ]
        return min(fixed, key=lambda c: (state.values[c], _order(c))) if fixed else None


def _audit(state: _State, frozen, exposed) -> tuple[set, Ranges]:
    """Rule 3: hide more cells until a reader working line after line (`_State.ranges`)
    can tell of no hidden cell that it is below THRESHOLD. Returns the frozen cells
    (totals) that would have to be hidden too, and what the reader could tell last."""
    needed: set = set()
    exposed = dict(exposed)
    lines = state.lines
    while True:
        found = state.ranges()
        small = disclosed(found, state.hidden)
        fixes: dict = {}  # in order, without repeats
        fixer = _Fixer(state, frozen, exposed, found)
        for cell in small:
            fix = fixer.fix(cell)
            if fix is not None and fix not in state.hidden:
                fixes[fix] = True
        if not fixes:
            if small:
                logger.warning("figures: %s small counts could not be protected", len(small))
            return needed, found
        for fix in fixes:
            state.hide(fix)
            if fix in frozen:
                needed.add(fix)
        if needed:
            return needed, found  # the totals are hidden more and all is done again
        # a value is no longer known from a total hidden now
        exposed = {c: i for c, i in exposed.items() if lines.lines[i][1] not in state.hidden}
        # and what is hidden now must not be the sum of what is shown below it
        _line_rule(state, frozen, exposed, start=list(fixes))


def _exposed(lines: _Lines, hidden: set, is_total, is_inner) -> dict:
    """A breakdown value alone in its municipality and period equals the total shown there
    (with the line that says so)."""
    return {
        cells[0]: index
        for index, (cells, margin) in enumerate(lines.lines)
        if is_total(margin)
        and len(cells) == 1
        and is_inner(cells[0])
        and margin not in hidden
        and cells[0] not in hidden
    }


def _tagged(name: str) -> Callable[[Key], AnyKey]:
    """A breakdown's cells as the audit of every view sees them: tagged with the
    breakdown's key, the totals (shared by every view) with ALL."""

    def tag(key: Key) -> AnyKey:
        return (ALL, *key) if key[0] is ALL else (name, *key)

    return tag


class _Views:
    """The cubes of one figure, their lines and what is hidden in them, protected
    together: the totals alone, and every view at once (`together`: a breakdown's cells
    tagged with its key, the totals — shared by every view — with ALL). Hiding more never
    makes a safe line unsafe (a hidden cell gives its line its value less the least it can
    be told to be, which is never more than its value), so each round goes on from the
    last one and checks again only the lines through what was hidden since."""

    totals_ranges: Ranges

    def __init__(self, totals: dict[Key, int], breakdowns: dict[str, dict[Key, int]]):
        self.names = sorted(breakdowns)
        self.totals_hidden: set[Key] = {key for key, n in totals.items() if n < THRESHOLD}
        self.totals_state = _State(
            totals, _Lines(lines_of(totals, across_categories=False)), self.totals_hidden
        )
        values: dict[AnyKey, int] = {(ALL, *key): n for key, n in totals.items()}
        for name in self.names:
            values.update(
                {(name, *key): n for key, n in breakdowns[name].items() if key[0] is not ALL}
            )
        hidden = {key for key, n in values.items() if key[0] is not ALL and n < THRESHOLD}
        lines = _Lines(lines_of(values, across_categories=True))
        self.together = _State(values, lines, hidden)
        self.frozen = {key for key in values if key[0] is ALL}
        self.stuck: list[int] = []

    def protect_totals(self, more: set[Key] | None) -> list[Key]:
        """Rules 1 to 3 on the totals alone, `more` hidden as well (all is checked the
        first time); what a reader can tell of them is kept for the breakdowns. Returns
        the totals hidden now."""
        state = self.totals_state
        before = set(state.hidden)
        start = None
        if more is not None:
            start = [key for key in sorted(more, key=_order) if key not in state.hidden]
            for key in start:
                state.hide(key)
        _line_rule(state, set(), {}, start=start)
        _needed, self.totals_ranges = _audit(state, set(), {})
        return sorted(state.hidden - before, key=_order)

    def _exposed(self) -> dict:
        return _exposed(
            self.together.lines,
            self.together.hidden,
            lambda key: key[0] is ALL,
            lambda key: key[0] is not ALL,
        )

    def protect_breakdowns(self, new_totals: list[Key] | None, needed: set[Key]) -> None:
        """Rules 1 and 2 in every breakdown, the totals' pattern kept (`new_totals`: the
        totals hidden since the last round; all is checked the first time): a hidden total
        is as good as shown when the totals tell what it is. Adds to `needed` the totals
        that would have to be hidden too."""
        state = self.together
        start: list[AnyKey] | None = None
        if new_totals is None:
            for key in sorted(self.totals_hidden, key=_order):
                state.hide((ALL, *key))
        else:
            start = [(ALL, *key) for key in new_totals]
            for key in start:
                state.hide(key)
            start += [c for index in self.stuck for c in state.lines.cells(index)]
        known = self.totals_ranges

        def most_of(key: AnyKey) -> int:
            return known.high.get(key[1:], UNBOUNDED) if key[0] is ALL else UNBOUNDED

        self.stuck = _line_rule(state, self.frozen, self._exposed(), most_of, start=start)
        fixer = _Fixer(self.totals_state, set(), {}, known)
        for index in self.stuck:
            margin = state.lines.lines[index][1]
            if margin[0] is not ALL:
                continue  # the audit decides
            total = margin[1:]
            if total not in self.totals_hidden:
                needed.add(total)
            elif total in known.why_high:
                fix = fixer.loosen(total, HIGH, known.why_high[total], FIX_DEPTH)
                if fix is not None:
                    needed.add(fix)

    def audit_together(self) -> set[Key]:
        """Rule 3 over every view at once: a reader who bounds a hidden total in one
        breakdown uses the bound in the others. Returns the totals that would have to be
        hidden too."""
        needed, _found = _audit(self.together, self.frozen, self._exposed())
        return {key[1:] for key in needed} - self.totals_hidden

    def hidden(self, name: str) -> frozenset[Key]:
        inner = {key[1:] for key in self.together.hidden if key[0] == name}
        return frozenset(inner | self.totals_hidden)


def protect_all(
    totals: dict[Key, int], breakdowns: dict[str, dict[Key, int]]
) -> tuple[frozenset[Key], dict[str, frozenset[Key]]]:
    """The hidden cells of the totals and of each breakdown of one figure (rules 1 to 4).
    The totals are protected first, then the breakdowns, then all of them are audited
    together; when that would let a hidden total be worked out, or tell that it is below
    THRESHOLD, and only hiding another total helps, that total is hidden in every view and
    all are protected again."""
    views = _Views(totals, breakdowns)
    more: set[Key] | None = None
    while True:
        new_totals = views.protect_totals(more)
        needed: set[Key] = set()
        views.protect_breakdowns(None if more is None else new_totals, needed)
        if not needed:
            needed = views.audit_together()
        needed -= views.totals_hidden
        if not needed:
            hidden = {name: views.hidden(name) for name in views.names}
            return frozenset(views.totals_hidden), hidden
        more = needed


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


def _count_all(figure: Figure, names: dict[str, str]) -> dict[str, dict[sources.CountKey, int]]:
    """Counts by each breakdown (one grouped query each, plus the residue's). Their
    totals must agree; a record written between two queries makes them count again."""
    for _attempt in range(3):
        per: dict[str, dict[sources.CountKey, int]] = {}
        for breakdown in figure.breakdowns:
            per[breakdown.key] = sources.counts(figure, breakdown, names)
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
    """Count, add the margins, protect: every cube of the figure. Its municipalities are
    those of the directory, whatever the records (sources.municipality_names), and "" (other
    or not recorded) last."""
    names = sources.municipality_names()
    per = _count_all(figure, names)
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
    municipalities = [*sorted(set(names.values())), ""]
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

# (figure, breakdown) -> (monotonic expiry, cube)
_cache: dict[tuple[str, str], tuple[float, Cube]] = {}
_lock = threading.Lock()
MAX_CACHED = 32


def cache_seconds() -> int:
    """How long a figure's cubes are reused (FIGURES_CACHE_SECONDS; 0 in tests unless
    set). Each process keeps the cubes it read; the shared cache spares the other processes
    the build."""
    default = 0 if getattr(settings, "TESTING", False) else 300
    return int(getattr(settings, "FIGURES_CACHE_SECONDS", default))


def get_cube(figure_key: str, breakdown_key: str = "", *, fresh: bool = False) -> Cube:
    """The protected cube of a figure and breakdown ("" for none). A page shows one cube,
    so each cube is shared on its own: a process reads only the one it needs (a national
    figure's cubes together weigh megabytes)."""
    figure = sources.get_figure(figure_key)
    if breakdown_key and figure.breakdown(breakdown_key) is None:
        raise KeyError(breakdown_key)
    seconds = cache_seconds()
    now = time.monotonic()
    if seconds and not fresh:
        with _lock:
            hit = _cache.get((figure.key, breakdown_key))
        if hit is not None and hit[0] > now:
            return hit[1]
        shared = shared_cache.get(_shared_key(figure.key, breakdown_key))
        if shared is not None:
            _keep({(figure.key, breakdown_key): shared}, now + seconds)
            return shared
    bundle = build_bundle(figure)
    if seconds:
        _share(figure.key, bundle, seconds)
        _keep({(figure.key, key): cube for key, cube in bundle.cubes.items()}, now + seconds)
    return bundle.cubes[breakdown_key]


def _shared_key(figure_key: str, breakdown_key: str) -> str:
    return f"figures:cube:{figure_key}:{breakdown_key}"


def _share(figure_key: str, bundle: Bundle, seconds: int) -> None:
    """Every cube of a bundle into the shared cache, together (they are protected together)."""
    shared_cache.set_many(
        {_shared_key(figure_key, key): cube for key, cube in bundle.cubes.items()}, seconds
    )


def _keep(cubes: dict[tuple[str, str], Cube], until: float) -> None:
    with _lock:
        for key, cube in cubes.items():
            if key not in _cache and len(_cache) >= MAX_CACHED:
                _cache.pop(min(_cache, key=lambda k: _cache[k][0]))
            _cache[key] = (until, cube)


def warm_all() -> int:
    """Build every figure's cubes and put them in the shared cache, for twice the cache's
    lifetime: run every few minutes (`manage.py warm_figures`), it spares the people who
    open the statistics page the build, which takes seconds at national scale. Each app
    process still keeps what it read for FIGURES_CACHE_SECONDS. Returns figures built."""
    seconds = cache_seconds()
    if not seconds:
        return 0
    built = 0
    for figure in sources.FIGURES:
        _share(figure.key, build_bundle(figure), 2 * seconds)
        built += 1
    return built


_names: list[tuple[float, dict[str, str]]] = []


def municipality_names() -> dict[str, str]:
    """The municipalities the figures name (sources.municipality_names), kept as long as
    the cubes: what the filters accept."""
    seconds = cache_seconds()
    now = time.monotonic()
    if seconds:
        with _lock:
            if _names and _names[0][0] > now:
                return _names[0][1]
    names = sources.municipality_names()
    if seconds:
        with _lock:
            _names[:] = [(now + seconds, names)]
    return names


def clear_cache() -> None:
    with _lock:
        _cache.clear()
        _names.clear()


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
    """A column's key in the API: the name, "~" for other municipalities or none recorded,
    "*" for all."""
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
    return municipality or _("Other municipality or not recorded")


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
