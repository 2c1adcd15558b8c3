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
    _breaches,
    _Lines,
    lines_of,
    protect,
    protect_all,
    with_margins,
)

CATEGORIES = ["minor", "18_25", "36_plus"]
PLACES = ["Namur", "Liège", ""]
YEARS = [2025, 2026]


def check_protected(test, values, hidden, *, breakdown: bool) -> None:
    """What any published cube must satisfy: no count from 1 to 4 shown, none that a reader
    can work out line after line from what is shown, and no group of unknown cells whose
    sum (a shown margin minus the shown cells) is from 1 to 4."""
    for key, n in values.items():
        if 1 <= n < THRESHOLD:
            test.assertIn(key, hidden, f"small cell {key} = {n} shown")
    test.assertTrue(all(values.get(key, 0) > 0 for key in hidden), "a zero hidden")
    lines = _Lines(lines_of(values, across_categories=breakdown))
    _derived, small, groups = _breaches(values, lines, set(hidden))
    test.assertEqual(small, [], "small counts can be worked out")
    test.assertEqual([lines.lines[i][1] for i in groups], [], "small groups can be worked out")


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
        check_protected(self, totals, totals_hidden, breakdown=False)
        for key, values in cubes.items():
            check_protected(self, values, hidden[key], breakdown=True)
            self.assertEqual({k for k in hidden[key] if k[0] is ALL}, set(totals_hidden))


def _sum_totals(counts: dict) -> dict:
    totals: dict = {}
    for (_k, m, y, q), n in counts.items():
        totals[(ALL, m, y, q)] = totals.get((ALL, m, y, q), 0) + n
    return totals
