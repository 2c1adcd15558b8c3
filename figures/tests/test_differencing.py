"""Small-cell suppression against an attacker: a test tries to single out a person by
combining filters, and fails.

One minor was referred in Namur in 2026, among adults. The test asks the API for every
combination of filters it offers — figure breakdown x municipality x year x quarter x
columns — collects every number published, checks each against the records it counts, and
then compares every pair whose filters nest (a total and one of its values, in any
breakdown; a municipality and all; a quarter, its year and all years): they may not differ
by 1 to 4, or the difference would count (and so single out) a few persons. Nor may any two
published numbers differ by exactly the minor.
"""

from __future__ import annotations

import datetime
import itertools

from django.test import override_settings
from django.urls import reverse

from cases.models import Referral
from figures.tables import THRESHOLD
from figures.tests.base import FigurePersonas, adult_born, make_person, minor_born
from retention.models import Residue, ResidueKind, age_band

BREAKDOWNS = ["", "age_band", "source", "status"]
MUNICIPALITIES = ["", "Namur", "Liège", "Gent", "~"]
YEARS = [None, 2024, 2025, 2026]
QUARTERS = [None, 1, 2, 3, 4]


@override_settings(FIGURES_CACHE_SECONDS=600)
class DifferencingAttackTest(FigurePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.records: list[dict] = []
        plan = [
            # (municipality, date, adult?, source, status, how many)
            ("Namur", datetime.date(2026, 2, 10), True, "professional", "received", 5),
            ("Namur", datetime.date(2026, 2, 11), False, "professional", "received", 1),
            ("Namur", datetime.date(2025, 4, 1), True, "organisation", "accepted", 6),
            ("Namur", datetime.date(2025, 11, 5), True, "professional", "accepted", 2),
            ("Liège", datetime.date(2026, 5, 3), True, "helpdesk", "received", 7),
            ("Liège", datetime.date(2026, 8, 3), None, "professional", "redirected", 2),
            ("Gent", datetime.date(2025, 1, 20), True, "professional", "accepted", 3),
            ("", datetime.date(2026, 10, 1), True, "organisation", "received", 5),
        ]
        for municipality, day, adult, source, status, count in plan:
            for _i in range(count):
                if adult is None:  # 18 to 25
                    born = day.replace(year=day.year - 20)
                else:
                    born = adult_born(day) if adult else minor_born(day)
                person = make_person(born, municipality)
                referral = Referral.objects.create(
                    person=person,
                    organisation=cls.org_a,
                    source=source,
                    concern="c",
                    received_on=day,
                    status=status,
                    created_by=cls.officer,
                )
                cls.records.append(
                    {
                        "id": f"r{referral.pk}",
                        "municipality": municipality,
                        "year": day.year,
                        "quarter": (day.month - 1) // 3 + 1,
                        "age_band": age_band(born, day),
                        "source": source,
                        "status": status,
                    }
                )
                if not adult and adult is not None:
                    cls.minor = f"r{referral.pk}"
        # the residue of deleted referrals: the year only, no source
        for municipality, year, band, outcome, count in [
            ("Namur", 2024, "36_plus", "accepted", 5),
            ("Liège", 2025, "minor", "no_further_action", 6),
        ]:
            Residue.objects.create(
                kind=ResidueKind.REFERRAL,
                municipality=municipality,
                year=year,
                age_band=band,
                outcome=outcome,
                count=count,
            )
            for i in range(count):
                cls.records.append(
                    {
                        "id": f"residue-{municipality}-{year}-{i}",
                        "municipality": municipality,
                        "year": year,
                        "quarter": 0,
                        "age_band": band,
                        "source": "unknown",
                        "status": outcome,
                    }
                )

    def setUp(self):
        super().setUp()
        self.login(self.coordinator)

    _published: dict[tuple, int] | None = None

    def published(self) -> dict[tuple, int]:
        """Every number the API publishes for referrals, keyed by what it counts:
        (breakdown, value, municipality, year, quarter), None standing for "all". Asked
        once for the class: the data is the class's."""
        if DifferencingAttackTest._published is None:
            DifferencingAttackTest._published = self.ask_everything()
        return DifferencingAttackTest._published

    def ask_everything(self) -> dict[tuple, int]:
        numbers: dict[tuple, int] = {}
        url = reverse("api:get_statistics_table")
        for breakdown, municipality, year, quarter, columns in itertools.product(
            BREAKDOWNS, MUNICIPALITIES, YEARS, QUARTERS, ["period", "municipality"]
        ):
            if quarter is not None and year is None:
                continue
            params = {"figure": "referrals", "breakdown": breakdown, "columns": columns}
            params |= {"municipality": municipality} if municipality else {}
            params |= {"year": year} if year else {}
            params |= {"quarter": quarter} if quarter else {}
            response = self.client.get(url, params)
            self.assertEqual(response.status_code, 200, params)
            table = response.json()
            place = None if not municipality else ("" if municipality == "~" else municipality)
            for row in table["rows"]:
                value = None if row["key"] == "*" else row["key"]
                for column, number in zip(table["columns"], row["values"], strict=True):
                    if number is None:
                        continue
                    if columns == "period":
                        where, period = place, self.period(column["key"])
                    else:
                        where = self.place(column["key"])
                        period = (year, quarter)
                    numbers[(breakdown or None, value, where, *period)] = number
        return numbers

    @staticmethod
    def period(key: str) -> tuple[int | None, int | None]:
        if key == "*":
            return None, None
        year, _sep, quarter = key.partition("-")
        return int(year), (int(quarter) if quarter else None)

    @staticmethod
    def place(key: str) -> str | None:
        return None if key == "*" else ("" if key == "~" else key)

    def counted(self, definition: tuple) -> frozenset[str]:
        breakdown, value, municipality, year, quarter = definition
        return frozenset(
            r["id"]
            for r in self.records
            if (value is None or r[breakdown] == value)
            and (municipality is None or r["municipality"] == municipality)
            and (year is None or r["year"] == year)
            and (quarter is None or r["quarter"] == quarter)
        )

    def test_no_pair_of_published_numbers_singles_anyone_out(self):
        numbers = self.published()
        self.assertGreater(len(numbers), 100)
        counted = {}
        for definition, number in numbers.items():
            records = self.counted(definition)
            self.assertEqual(number, len(records), definition)  # the numbers are right
            self.assertFalse(1 <= number < THRESHOLD, definition)
            counted[definition] = records
        # every pair whose definitions nest: a total and one of its values, a municipality
        # and all, a quarter and its year, a year and all years, across the breakdowns
        for (a, big), (b, small) in itertools.permutations(counted.items(), 2):
            if self.refines(b, a):
                difference = len(big) - len(small)
                self.assertTrue(small <= big)
                self.assertFalse(
                    1 <= difference < THRESHOLD,
                    f"{a} minus {b} counts {sorted(big - small)}",
                )
        # and the minor is never the difference of two published numbers, nested or not
        sets = set(counted.values())
        self.assertNotIn(
            frozenset({self.minor}), {big - small for big in sets for small in sets if small < big}
        )

    @staticmethod
    def refines(b: tuple, a: tuple) -> bool:
        """Whether b's filters are a's plus some more: b counts a subset of a's records
        whatever the data."""
        breakdown_a, value_a, municipality_a, year_a, quarter_a = a
        breakdown_b, value_b, municipality_b, year_b, quarter_b = b
        return (
            a != b
            and (value_a is None or (breakdown_a, value_a) == (breakdown_b, value_b))
            and (municipality_a is None or municipality_a == municipality_b)
            and (year_a is None or year_a == year_b)
            and (quarter_a is None or quarter_a == quarter_b)
        )

    def test_the_attack_of_the_issue_fails(self):
        """ "Namur 2026: 6 referrals" and "Namur 2026, adults: 5" are not both published."""
        numbers = self.published()
        total = numbers.get((None, None, "Namur", 2026, None))
        adults = numbers.get(("age_band", "36_plus", "Namur", 2026, None))
        self.assertEqual(total, 6)  # the total is published
        self.assertIsNone(adults)  # so the adults are not
        self.assertIsNone(numbers.get(("age_band", "minor", "Namur", 2026, None)))

    def test_the_page_shows_no_small_count_either(self):
        response = self.client.get(
            reverse("figures:index"),
            {"figure": "referrals", "breakdown": "age_band", "municipality": "Namur", "year": 2026},
        )
        table = response.context["table"]
        shown = [c.value for row in table.rows for c in row.cells if not c.hidden]
        self.assertTrue(shown)
        self.assertFalse([n for n in shown if 1 <= n < THRESHOLD])
        self.assertContains(response, "<abbr", html=False)
