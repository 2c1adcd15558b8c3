"""Small-cell suppression on its own (figures/tables.py), without the database: the rules
hold on hand-made cases and on random cubes."""

from __future__ import annotations

import random

from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from figures.tables import (
    ALL,
    THRESHOLD,
    _Lines,
    disclosed,
    lines_of,
    protect,
    protect_all,
    ranges,
    with_margins,
)

CATEGORIES = ["minor", "18_25", "36_plus"]
PLACES = ["Namur", "Liège", ""]
YEARS = [2025, 2026]


def equations(keys) -> list[tuple[tuple, list[tuple]]]:
    """What a reader of a cube knows, written independently of figures.tables: every margin
    (a position replaced by "all": municipality, quarter, year once the quarter is "all",
    breakdown value) is the sum of its non-zero cells."""
    members: dict[tuple, list[tuple]] = {}
    for key in keys:
        k, m, y, q = key
        margins = []
        if m is not ALL:
            margins.append(("m", (k, ALL, y, q)))
        if y is not ALL and q is not ALL:
            margins.append(("q", (k, m, y, ALL)))
        if y is not ALL and q is ALL:
            margins.append(("y", (k, m, ALL, ALL)))
        if k is not ALL:
            margins.append(("k", (ALL, m, y, q)))
        for margin in margins:
            members.setdefault(margin, []).append(key)
    return [(margin, cells) for (_axis, margin), cells in members.items()]


def reader(values: dict, hidden: set, system: list[tuple[tuple, list[tuple]]]) -> dict:
    """The least and the most of every hidden cell for a reader who knows that a hidden
    cell is at least 1 and goes over the lines again and again until nothing changes."""
    big = sum(values.values()) * 4 + 10  # more than any cell
    low = {key: 1 if key in hidden else values.get(key, 0) for key in values}
    high = {key: big if key in hidden else values.get(key, 0) for key in values}
    for _pass in range(500):
        changed = False
        for margin, cells in system:
            cells_low = sum(low[c] for c in cells)
            cells_high = sum(high[c] for c in cells)
            if cells_low > low[margin]:
                low[margin], changed = cells_low, True
            if cells_high < high[margin]:
                high[margin], changed = cells_high, True
            for c in cells:
                most = high[margin] - (cells_low - low[c])
                least = low[margin] - (cells_high - high[c])
                if most < high[c]:
                    high[c], changed = most, True
                if least > low[c]:
                    low[c], changed = least, True
        if not changed:
            break
    return {key: (low[key], high[key]) for key in hidden}


def check_together(test, totals, totals_hidden, cubes, hidden_by) -> None:
    """What the published views of one figure must satisfy together: no count from 1 to 4
    shown, no zero hidden, and no hidden cell that a reader of all the views, knowing each
    hidden cell is at least 1, can tell is under 5 (whether exactly or as a range)."""
    values: dict = dict(totals)
    hidden = set(totals_hidden)
    system = equations(totals)
    for name, cube_values in cubes.items():

        def tag(key, name=name):
            return key if key[0] is ALL else (name, key)

        values |= {tag(key): n for key, n in cube_values.items()}
        hidden |= {tag(key) for key in hidden_by[name]}
        system += [
            (tag(margin), [tag(c) for c in cells])
            for margin, cells in equations(cube_values)
            if not (margin[0] is ALL and all(c[0] is ALL for c in cells))
        ]
    for key, n in values.items():
        if 1 <= n < THRESHOLD:
            test.assertIn(key, hidden, f"small cell {key} = {n} shown")
    test.assertTrue(all(values.get(key, 0) > 0 for key in hidden), "a zero hidden")
    for key, (least, most) in reader(values, hidden, system).items():
        test.assertTrue(least <= values[key] <= most, f"the reader is wrong about {key}")
        test.assertGreaterEqual(most, THRESHOLD, f"{key} = {values[key]} is known to be small")


def check_protected(test, values, hidden, *, breakdown: bool) -> None:
    """One cube alone (its totals included)."""
    if not breakdown:
        check_together(test, values, hidden, {}, {})
        return
    totals = {key: n for key, n in values.items() if key[0] is ALL}
    totals_hidden = {key for key in hidden if key[0] is ALL}
    check_together(test, totals, totals_hidden, {"": values}, {"": hidden})


def cube(counts: dict, *, breakdown: bool):
    values = with_margins(counts, breakdown=breakdown)
    return values, protect(values, breakdown=breakdown)


records_strategy = st.lists(
    st.tuples(
        st.sampled_from(CATEGORIES),
        st.sampled_from(["a", "b"]),
        st.sampled_from(PLACES),
        st.sampled_from(YEARS),
        st.sampled_from([0, 1, 2, 3, 4]),
        st.one_of(st.integers(1, 4), st.integers(1, 30)),
    ),
    max_size=40,
)


def by(records, position: int) -> dict:
    counts: dict = {}
    for record in records:
        key = (record[position], *record[2:5])
        counts[key] = counts.get(key, 0) + record[5]
    return counts


class SuppressionTest(SimpleTestCase):
    def test_it_hides_counts_from_1_to_4_and_shows_zero_and_5(self):
        values, hidden = cube(
            {("minor", "Namur", 2026, 1): 5, ("18_25", "Namur", 2026, 1): 5}, breakdown=True
        )
        self.assertNotIn(("minor", "Namur", 2026, 1), hidden)
        self.assertEqual(values.get(("36_plus", "Namur", 2026, 1), 0), 0)
        values, hidden = cube(
            {("minor", "Namur", 2026, 1): 4, ("18_25", "Namur", 2026, 1): 9}, breakdown=True
        )
        self.assertIn(("minor", "Namur", 2026, 1), hidden)

    def test_it_hides_a_second_cell_so_the_first_cannot_be_subtracted(self):
        """Namur 2026: 6 referrals, 5 adults and 1 minor: the adults are hidden too."""
        values, hidden = cube(
            {("minor", "Namur", 2026, 1): 1, ("36_plus", "Namur", 2026, 1): 5}, breakdown=True
        )
        self.assertNotIn((ALL, "Namur", 2026, ALL), hidden)  # the total, 6, is shown
        self.assertIn(("minor", "Namur", 2026, ALL), hidden)
        self.assertIn(("36_plus", "Namur", 2026, ALL), hidden)

    def test_the_hidden_cells_of_a_line_add_up_to_5_or_more(self):
        counts = {
            ("minor", "Namur", 2026, 1): 1,
            ("18_25", "Namur", 2026, 1): 2,
            ("36_plus", "Namur", 2026, 1): 20,
        }
        values, hidden = cube(counts, breakdown=True)
        line = [("minor", "Namur", 2026, 1), ("18_25", "Namur", 2026, 1)]
        self.assertTrue(set(line) <= hidden)
        self.assertIn(("36_plus", "Namur", 2026, 1), hidden)  # 1 + 2 < 5: one more
        check_protected(self, values, hidden, breakdown=True)

    def test_a_value_equal_to_its_shown_total_is_not_hidden_in_vain(self):
        """All 7 referrals of Namur in 2026 are of adults: hiding 7 protects nothing."""
        counts = {
            ("36_plus", "Namur", 2026, 1): 7,
            ("36_plus", "Liège", 2026, 1): 2,
            ("36_plus", "Gent", 2026, 1): 6,
        }
        values, hidden = cube(counts, breakdown=True)
        self.assertNotIn(("36_plus", "Namur", 2026, 1), hidden)
        check_protected(self, values, hidden, breakdown=True)

    def test_the_totals_are_hidden_alike_in_every_breakdown(self):
        counts = {
            ("minor", "Namur", 2026, 1): 3,
            ("18_25", "Liège", 2026, 2): 6,
            ("36_plus", "Liège", 2026, 2): 1,
            ("36_plus", "", 2025, 0): 2,
        }
        values, with_breakdown = cube(counts, breakdown=True)
        totals = {key: n for key, n in values.items() if key[0] is ALL}
        totals_hidden = protect_all(totals, {"age": values})[0]
        self.assertEqual({k for k in with_breakdown if k[0] is ALL}, set(totals_hidden))
        self.assertTrue(protect(totals, breakdown=False) <= totals_hidden)

    def test_it_gives_the_same_pattern_whatever_the_order_of_the_rows(self):
        counts = {
            (k, m, y, q): (i * 7) % 9 + 1
            for i, (k, m, y, q) in enumerate(
                (k, m, y, q) for k in CATEGORIES for m in PLACES for y in YEARS for q in (1, 3)
            )
        }
        first = cube(counts, breakdown=True)[1]
        items = list(counts.items())
        random.Random(4).shuffle(items)
        self.assertEqual(first, cube(dict(items), breakdown=True)[1])

    @settings(max_examples=300, deadline=None)
    @given(records=records_strategy)
    def test_no_random_figure_shows_a_count_from_1_to_4_or_lets_one_be_worked_out(self, records):
        """Two breakdowns of the same records, protected together: each cube is safe, and
        the totals are hidden alike in both and without breakdown."""
        first, second = by(records, 0), by(records, 1)
        totals = with_margins(_sum_totals(first), breakdown=False)
        cubes = {
            "first": with_margins(first, breakdown=True),
            "second": with_margins(second, breakdown=True),
        }
        totals_hidden, hidden = protect_all(totals, cubes)
        check_together(self, totals, totals_hidden, cubes, hidden)
        for key, values in cubes.items():
            check_protected(self, values, hidden[key], breakdown=True)
            self.assertEqual({k for k in hidden[key] if k[0] is ALL}, set(totals_hidden))

    def test_five_hidden_ones_and_their_total_do_not_give_each_other_away(self):
        """The reviewer's case: 5 municipalities with 1 referral each in Q1 2026. With
        "all municipalities: 5" shown, each "x" would be 1: the total is hidden too."""
        counts = {(ALL, f"Town {i}", 2026, 1): 1 for i in range(5)}
        values, hidden = cube(counts, breakdown=False)
        self.assertIn((ALL, ALL, 2026, 1), hidden)
        check_protected(self, values, hidden, breakdown=False)

    def test_a_row_of_ones_does_not_give_itself_or_its_complements_away(self):
        """1 minor and 9 adults in each of 5 municipalities: the minors' row is 5 times
        "x" and would add up to a shown 5, so each minor is 1, and each adult 10 - 1 = 9.
        The minors' total is hidden as well, and no cell can be told any more."""
        counts = {}
        for i in range(5):
            counts[("minor", f"Town {i}", 2026, 1)] = 1
            counts[("36_plus", f"Town {i}", 2026, 1)] = 9
        values, hidden = cube(counts, breakdown=True)
        self.assertIn(("minor", ALL, 2026, 1), hidden)
        self.assertNotIn((ALL, "Town 0", 2026, 1), hidden)  # the totals, 10, stay shown
        check_protected(self, values, hidden, breakdown=True)
        found = ranges(values, _Lines(lines_of(values, across_categories=True)), set(hidden))
        self.assertEqual(disclosed(found, hidden), [])
        adult = ("36_plus", "Town 0", 2026, 1)
        self.assertLess(found.low[adult], found.high[adult])  # not known to be 9

    def test_the_line_rule_counts_each_other_hidden_cell_as_at_least_1(self):
        """3 hidden cells adding up to 7 under a shown margin: each is at most 7 - 2 = 5,
        enough; adding up to 6, each would be at most 4."""
        enough = {
            (ALL, "A", 2026, 1): 2,
            (ALL, "B", 2026, 1): 2,
            (ALL, "C", 2026, 1): 3,
            (ALL, "D", 2026, 1): 40,
        }
        values, hidden = cube(enough, breakdown=False)
        self.assertNotIn((ALL, "D", 2026, 1), hidden)
        check_protected(self, values, hidden, breakdown=False)
        short = {**enough, (ALL, "C", 2026, 1): 2}
        values, hidden = cube(short, breakdown=False)
        self.assertIn((ALL, "D", 2026, 1), hidden)
        check_protected(self, values, hidden, breakdown=False)

    def test_a_bound_found_in_one_breakdown_is_used_in_the_others(self):
        """The views of a figure are read together: a hidden total bounded by one breakdown
        must not let another breakdown's hidden cell be told small."""
        records = [  # (first breakdown, second breakdown, place, year, quarter, count)
            ("minor", "a", "Namur", 2025, 0, 10),
            ("minor", "a", "Namur", 2025, 1, 1),
            ("minor", "a", "Namur", 2025, 2, 1),
            ("minor", "b", "Namur", 2025, 1, 4),
            ("18_25", "a", "Namur", 2025, 0, 1),
        ]
        first, second = by(records, 0), by(records, 1)
        totals = with_margins(_sum_totals(first), breakdown=False)
        cubes = {
            "first": with_margins(first, breakdown=True),
            "second": with_margins(second, breakdown=True),
        }
        totals_hidden, hidden = protect_all(totals, cubes)
        check_together(self, totals, totals_hidden, cubes, hidden)


def _sum_totals(counts: dict) -> dict:
    totals: dict = {}
    for (_k, m, y, q), n in counts.items():
        totals[(ALL, m, y, q)] = totals.get((ALL, m, y, q), 0) + n
    return totals
