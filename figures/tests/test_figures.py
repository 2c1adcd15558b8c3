"""What the figures count, and the statistics page, API and exports that show them."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re

from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from cases.models import GuidancePlan, Person, Referral, ServiceReferral
from consultations.models import AgendaCase, CaseAction, Meeting
from figures import sources
from figures.exports import safe_cell
from figures.tables import Query, build_table, get_cube
from figures.tests.base import (
    FigurePersonas,
    make_files,
    make_person,
    make_referrals,
    minor_born,
    place,
)
from platforms.models import Platform
from retention.models import Residue, ResidueKind, age_band

DAY = datetime.date(2026, 3, 2)


def held_meeting(officer, org, key: str, start: datetime.datetime, **cell) -> Meeting:
    """A meeting held by a new cell (LIVC-R) coordinated by `org`."""
    livc = Platform.objects.create(
        key=key, name={"en": key}, kind="livc_r", coordinator=org, **cell
    )
    return Meeting.objects.create(
        cell=livc,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        location="here",
        chair=officer,
        secretary=officer,
        created_by=officer,
        status="held",
    )


class CountingTest(FigurePersonas):
    def test_the_age_band_is_computed_in_the_database_as_in_python(self):
        born_on = [
            datetime.date(2008, 3, 2),  # 18 on the day
            datetime.date(2008, 3, 3),  # 18 tomorrow
            datetime.date(2000, 2, 29),  # leap day
            datetime.date(2000, 3, 3),  # 26 tomorrow
            datetime.date(1990, 3, 2),  # 36 on the day
            datetime.date(1, 1, 1),
        ]
        for born in born_on:
            make_referrals(self.org_a, self.officer, 1, DAY, born=born)
        # without a date of birth: unknown, or a minor while `minor_until` is after the day
        minor_until = [
            None,
            datetime.date(2027, 1, 1),
            datetime.date(2026, 3, 3),  # the flag ends tomorrow: still a minor
            datetime.date(2026, 3, 2),  # ends on the day: no longer
            datetime.date(2026, 1, 1),
        ]
        for until in minor_until:
            person = make_person(None)
            Person.objects.filter(pk=person.pk).update(minor_until=until)
            Referral.objects.create(
                person=person,
                organisation=self.org_a,
                source="professional",
                concern="c",
                received_on=DAY,
                created_by=self.officer,
            )
        figure = sources.get_figure("referrals")
        counts = sources.live_counts(figure, figure.breakdown("age_band"))
        expected: dict = {}
        for born, until in [*((b, None) for b in born_on), *((None, u) for u in minor_until)]:
            key = (age_band(born, DAY, until), "Namur", 2026, 1)
            expected[key] = expected.get(key, 0) + 1
        self.assertEqual(counts, expected)
        self.assertEqual(len(expected), 5)  # every band, "unknown" included
        self.assertEqual(
            [age_band(None, DAY, until) for until in minor_until],
            ["unknown", "minor", "minor", "unknown", "unknown"],
        )

    def test_it_adds_the_residue_of_deleted_records(self):
        make_referrals(self.org_a, self.officer, 3, DAY)
        Residue.objects.create(
            kind=ResidueKind.REFERRAL,
            municipality="Namur",
            year=2026,
            age_band="minor",
            outcome="accepted",
            count=4,
        )
        Residue.objects.create(  # another kind: not a referral
            kind=ResidueKind.FILE, municipality="Namur", year=2026, age_band="minor", count=9
        )
        figure = sources.get_figure("referrals")
        counts = sources.counts(figure, figure.breakdown("status"))
        self.assertEqual(
            counts, {("received", "Namur", 2026, 1): 3, ("accepted", "Namur", 2026, 0): 4}
        )
        by_source = sources.counts(figure, figure.breakdown("source"))
        self.assertEqual(by_source[("unknown", "Namur", 2026, 0)], 4)  # the residue has none
        cube = get_cube("referrals", "status")
        self.assertEqual(cube.cell((None, "Namur", 2026, None)).value, 7)

    def test_it_counts_each_figure_from_its_own_records(self):
        files = make_files(self.org_a, self.officer, 2, DAY)
        GuidancePlan.objects.create(
            file=files[0], number=1, review_on=DAY, status="approved", created_by=self.officer
        )
        goal_plan = files[0].plans.get()
        goal_plan.goals.create(sphere="housing", description="d", partner=self.org_a)
        service = self.service_a
        ServiceReferral.objects.create(
            file=files[1],
            service=service,
            legal_basis="consent",
            sent_by=self.officer,
            due_on=DAY,
            status="refused",
            sent_at=datetime.datetime(2026, 3, 1, 12, tzinfo=datetime.UTC),
        )
        start = datetime.datetime(2026, 4, 2, 9, tzinfo=datetime.UTC)
        held = held_meeting(self.officer, self.org_a, "livc-namur", start, municipality="Namur")
        cell = held.cell
        case = AgendaCase.objects.create(
            meeting=held,
            person=files[0].person,
            position=1,
            presented_by=self.org_a,
            discussed=True,
        )
        CaseAction.objects.create(
            case=case,
            person=files[0].person,
            cell=cell,
            text="t",
            owner=self.org_a,
            due_on=DAY,
            done_on=DAY,
        )
        expected = {
            ("files", "plan"): {
                ("with_plan", "Namur", 2026, 1): 1,
                ("without_plan", "Namur", 2026, 1): 1,
            },
            ("goals", "sphere"): {("housing", "Namur", 2026, 1): 1},
            ("service_referrals", "status"): {("refused", "Namur", 2026, 1): 1},
            ("consultation_cases", "age_band"): {("36_plus", "Namur", 2026, 2): 1},
            ("actions", "outcome"): {("done", "Namur", 2026, 1): 1},
            ("meetings", "status"): {("held", "Namur", 2026, 2): 1},
        }
        for (figure_key, breakdown_key), counts in expected.items():
            figure = sources.get_figure(figure_key)
            with self.subTest(figure=figure_key):
                self.assertEqual(sources.counts(figure, figure.breakdown(breakdown_key)), counts)

    def test_a_joint_cell_counts_each_person_in_their_own_municipality(self):
        files = make_files(self.org_a, self.officer, 2, DAY)
        other = files[1].person
        other.municipality = "Profondeville"
        other.save()
        start = datetime.datetime(2026, 4, 2, 9, tzinfo=datetime.UTC)
        held = held_meeting(
            self.officer,
            self.org_a,
            "livc-joint",
            start,
            municipality="Namur",
            joint_municipalities=["Profondeville"],
        )
        cell = held.cell
        for position, file in enumerate(files, start=1):
            case = AgendaCase.objects.create(
                meeting=held,
                person=file.person,
                position=position,
                presented_by=self.org_a,
                discussed=True,
            )
            CaseAction.objects.create(
                case=case, person=file.person, cell=cell, text="t", owner=self.org_a, due_on=DAY
            )
        self.assertEqual(sources.municipality_names()["profondeville"], "Profondeville")
        for key in ("consultation_cases", "actions"):
            figure = sources.get_figure(key)
            with self.subTest(figure=key):
                found = sources.counts(figure, None)
                self.assertEqual(
                    {place: n for (_v, place, _y, _q), n in found.items()},
                    {"Namur": 1, "Profondeville": 1},
                )
        meetings = sources.counts(sources.get_figure("meetings"), None)
        self.assertEqual({place for (_v, place, _y, _q) in meetings}, {"Namur"})
        residue = sources.residue_cells(ResidueKind.CONSULTATION_CASE, Q(meeting=held))
        self.assertEqual(
            sorted((cell[0], n) for cell, n in residue.items()),
            [("Namur", 1), ("Profondeville", 1)],
        )

    def test_meetings_are_about_no_one_and_are_not_hidden(self):
        start = datetime.datetime(2026, 1, 5, 9, tzinfo=datetime.UTC)
        held_meeting(self.officer, self.org_a, "livc-liege", start, municipality="Liège")
        table = build_table(Query(figure="meetings", breakdown="status"))
        self.assertEqual(table.rows[-1].cells[-1].value, 1)
        self.assertFalse(table.rows[-1].cells[-1].hidden)


class PageTest(FigurePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_referrals(cls.org_a, cls.officer, 12, DAY)
        make_referrals(cls.org_a, cls.officer, 1, DAY, born=minor_born(DAY))
        make_referrals(cls.org_a, cls.officer, 9, datetime.date(2025, 6, 1), municipality="Liège")

    def setUp(self):
        super().setUp()
        self.login(self.coordinator)

    def test_it_shows_the_table_with_hidden_cells_marked(self):
        response = self.client.get(reverse("figures:index"), {"breakdown": "age_band"})
        self.assertEqual(response.status_code, 200)
        table = response.context["table"]
        minors = next(row for row in table.rows if row.key == "minor")
        self.assertTrue(all(cell.hidden or cell.value == 0 for cell in minors.cells))
        self.assertEqual(table.rows[-1].cells[-1].value, 22)
        self.assertContains(response, '<caption id="figures-table-caption">')
        self.assertContains(response, '<th scope="row">Under 18</th>', html=False)
        self.assertContains(response, ">x</abbr>")

    def test_it_draws_charts_with_a_text_alternative_and_no_inline_style(self):
        response = self.client.get(reverse("figures:index"), {"breakdown": "age_band"})
        html = response.content.decode()
        self.assertEqual(html.count('<svg role="img"'), 2)
        self.assertIn('<desc id="chart-by-row-desc">Under 18: x;', html)
        self.assertNotIn("style=", html)
        self.assertNotIn("<script>", html)

    def test_it_writes_an_audit_row_with_the_filters_only(self):
        self.client.get(reverse("figures:index"), {"municipality": "Namur", "year": 2026})
        event = AuditEvent.objects.filter(action="figures.viewed").latest("id")
        self.assertEqual(event.actor, self.coordinator)
        self.assertEqual(event.subject, "")
        self.assertEqual(
            event.changes["query"][1],
            {"figure": "referrals", "columns": "period", "municipality": "Namur", "year": "2026"},
        )

    def test_its_queries_do_not_grow_with_the_records(self):
        url = reverse("figures:index")
        params = {"breakdown": "age_band", "columns": "municipality"}
        self.client.get(url, params)  # sessions and the like settle first
        with CaptureQueriesContext(connection) as before:
            self.client.get(url, params)
        for index in range(30):
            place(f"Town {index}")
            make_referrals(self.org_a, self.officer, 2, DAY, municipality=f"Town {index}")
        with self.assertNumQueries(len(before.captured_queries)):
            response = self.client.get(url, params)
        # Gent, Liège, Namur, the 30 towns, "other or not recorded" and all
        self.assertEqual(len(response.context["table"].columns), 35)

    def test_it_offers_the_municipalities_and_years_with_records(self):
        response = self.client.get(reverse("figures:index"))
        self.assertContains(response, '<option value="Liège">Liège</option>', html=True)
        self.assertContains(response, '<option value="2025">2025</option>', html=True)

    def test_it_explains_a_quarter_without_a_year(self):
        response = self.client.get(reverse("figures:index"), {"quarter": 2})
        self.assertContains(response, "Choose a year for the quarter.")
        api = self.client.get(reverse("api:get_statistics_table"), {"quarter": 2})
        self.assertEqual(api.status_code, 400)
        self.assertIn("quarter", api.json()["errors"])

    def test_the_api_refuses_a_breakdown_of_another_figure(self):
        response = self.client.get(
            reverse("api:get_statistics_table"), {"figure": "meetings", "breakdown": "age_band"}
        )
        self.assertEqual(response.status_code, 400)

    def test_the_api_gives_hidden_cells_as_null(self):
        response = self.client.get(
            reverse("api:get_statistics_table"),
            {"breakdown": "age_band", "municipality": "Namur", "year": 2026},
        )
        rows = {row["key"]: row for row in response.json()["rows"]}
        self.assertIsNone(rows["minor"]["values"][0])  # Q1
        self.assertEqual(rows["*"]["values"][-1], 13)  # the year's total
        self.assertEqual(
            [c["key"] for c in response.json()["columns"]],
            ["2026-1", "2026-2", "2026-3", "2026-4", "2026"],
        )

    def test_columns_by_municipality_for_a_quarter(self):
        table = build_table(Query(figure="referrals", columns="municipality", year=2026, quarter=1))
        self.assertEqual([c.key for c in table.columns], ["Gent", "Liège", "Namur", "~", "*"])
        self.assertEqual([c.value for c in table.rows[-1].cells], [0, 0, 13, 0, 13])


class MunicipalityTest(FigurePersonas):
    """The municipalities named are those of the directory, not those of the persons: a
    village where one person was referred does not appear because of them."""

    def setUp(self):
        super().setUp()
        self.login(self.coordinator)

    def test_a_municipality_outside_the_directory_is_never_named(self):
        make_referrals(self.org_a, self.officer, 6, DAY)
        listed = get_cube("referrals").municipalities
        make_referrals(self.org_a, self.officer, 1, DAY, municipality="Hamlet")
        cube = get_cube("referrals", "age_band")
        self.assertEqual(cube.municipalities, listed)  # the one person changes nothing
        self.assertEqual(cube.municipalities, ["Gent", "Liège", "Namur", ""])
        self.assertEqual(cube.cell((None, "", 2026, 1)).value, 1)  # counted, as other
        self.assertTrue(cube.cell((None, "", 2026, 1)).hidden)
        table = build_table(Query(figure="referrals", columns="municipality"))
        self.assertNotIn("Hamlet", [c.key for c in table.columns])
        api = self.client.get(reverse("api:get_statistics_table"), {"columns": "municipality"})
        self.assertNotIn("Hamlet", api.json()["municipalities"])
        self.assertNotIn("Hamlet", json.dumps(api.json()))
        page = self.client.get(reverse("figures:index"))
        self.assertNotContains(page, "Hamlet")
        self.assertContains(page, '<option value="~">Other municipality or not recorded</option>')

    def test_a_municipality_outside_the_directory_cannot_be_asked_for(self):
        make_referrals(self.org_a, self.officer, 1, DAY, municipality="Hamlet")
        api = self.client.get(reverse("api:get_statistics_table"), {"municipality": "Hamlet"})
        self.assertEqual(api.status_code, 400)
        self.assertIn("municipality", api.json()["errors"])
        page = self.client.get(reverse("figures:index"), {"municipality": "Hamlet"})
        self.assertContains(page, "Choose a municipality of the list.")
        self.assertIsNone(page.context["table"].query.municipality)  # the default view

    def test_a_row_of_hidden_ones_does_not_add_up_to_a_shown_total(self):
        """The reviewer's case through the API: 1 minor and 9 adults referred in each of 5
        towns in Q1 2026. "Under 18: x x x x x | 5" would make each x a 1 (every hidden
        cell is at least 1), and each adult 10 - 1 = 9."""
        for index in range(5):
            place(f"Town {index}")
            make_referrals(
                self.org_a, self.officer, 1, DAY, municipality=f"Town {index}", born=minor_born(DAY)
            )
            make_referrals(self.org_a, self.officer, 9, DAY, municipality=f"Town {index}")
        response = self.client.get(
            reverse("api:get_statistics_table"),
            {"breakdown": "age_band", "columns": "municipality", "year": 2026, "quarter": 1},
        )
        keys = [c["key"] for c in response.json()["columns"]]
        rows = {
            row["key"]: dict(zip(keys, row["values"], strict=True))
            for row in response.json()["rows"]
        }
        self.assertEqual([rows["minor"][f"Town {i}"] for i in range(5)], [None] * 5)
        self.assertIsNone(rows["minor"]["*"])  # so the 5 hidden ones add up to nothing shown
        self.assertEqual([rows["*"][f"Town {i}"] for i in range(5)], [10] * 5)
        self.assertEqual(rows["*"]["*"], 50)

    def test_spellings_of_a_municipality_count_together(self):
        make_referrals(self.org_a, self.officer, 3, DAY, municipality="Namur")
        make_referrals(self.org_a, self.officer, 3, DAY, municipality=" NAMUR ")
        cube = get_cube("referrals")
        self.assertEqual(cube.cell((None, "Namur", 2026, 1)).value, 6)
        response = self.client.get(
            reverse("api:get_statistics_table"), {"municipality": "namur", "year": 2026}
        )
        self.assertEqual(response.json()["rows"][-1]["values"][-1], 6)

    def test_the_directory_names_a_municipality_in_its_most_frequent_spelling(self):
        place("Sint-Niklaas")
        place("Sint-Niklaas")
        place("SINT-NIKLAAS")
        names = sources.municipality_names()
        self.assertEqual(names["sint-niklaas"], "Sint-Niklaas")
        self.assertEqual(names["namur"], "Namur")  # from a service
        cell = Platform.objects.create(
            key="livc-dinant",
            name={"en": "LIVC Dinant"},
            kind="livc_r",
            municipality="Dinant",
            coordinator=self.org_a,
        )
        self.assertEqual(sources.municipality_names()["dinant"], cell.municipality)


class ExportTest(FigurePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_referrals(cls.org_a, cls.officer, 12, DAY)
        make_referrals(cls.org_a, cls.officer, 2, DAY, born=minor_born(DAY))

    def setUp(self):
        super().setUp()
        self.login(self.dpo)
        self.params = {"breakdown": "age_band", "year": "2026"}
        self.shown = (
            self.client.get(reverse("figures:index"), self.params).context["table"].as_grid()
        )

    def test_the_csv_holds_exactly_the_table_shown(self):
        response = self.client.get(reverse("figures:export", args=["csv"]), self.params)
        self.assertEqual(response["Content-Type"], "text/csv; charset=utf-8")
        self.assertIn(
            "statistics-referrals-age_band-2026-period.csv", response["Content-Disposition"]
        )
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertEqual(rows, [[str(cell) for cell in row] for row in self.shown])
        self.assertEqual(rows[1][0], "Under 18")
        self.assertEqual(rows[1][1], "x")
        self.assertFalse([c for row in rows[1:] for c in row[1:] if re.fullmatch("[1-4]", c)])
        event = AuditEvent.objects.filter(action="figures.exported").latest("id")
        self.assertEqual((event.actor, event.via), (self.dpo, "csv"))

    def test_the_xlsx_holds_exactly_the_table_shown(self):
        response = self.client.get(reverse("figures:export", args=["xlsx"]), self.params)
        book = load_workbook(io.BytesIO(response.content))
        rows = [list(row) for row in book["figures"].iter_rows(values_only=True)]
        self.assertEqual(rows, self.shown)
        self.assertIn("x: hidden", book["notes"]["A2"].value)

    def test_the_api_exports_the_same_file(self):
        page = self.client.get(reverse("figures:export", args=["csv"]), self.params)
        api = self.client.get(
            reverse("api:export_statistics_table"), {**self.params, "format": "csv"}
        )
        self.assertEqual(api.status_code, 200)
        self.assertEqual(api.content, page.content)

    def test_no_text_cell_can_be_read_as_a_formula(self):
        """A municipality's name comes from the directory, as typed: one a spreadsheet
        would run as a formula is written as text."""
        for name in ('=HYPERLINK("http://x.test","open")', "+1+1", "-2+3", "@SUM(A1)"):
            place(name)
            make_referrals(self.org_a, self.officer, 6, DAY, municipality=name)
        params = {"columns": "municipality", "year": "2026"}
        response = self.client.get(reverse("figures:export", args=["csv"]), params)
        header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        self.assertIn('\'=HYPERLINK("http://x.test","open")', header)
        self.assertIn("'+1+1", header)
        self.assertIn("'-2+3", header)
        self.assertIn("'@SUM(A1)", header)
        self.assertFalse([c for c in header if c[:1] in ("=", "+", "-", "@")])
        response = self.client.get(reverse("figures:export", args=["xlsx"]), params)
        sheet = load_workbook(io.BytesIO(response.content))["figures"]
        self.assertFalse([c for c in sheet[1] if c.data_type == "f"])
        self.assertIn('\'=HYPERLINK("http://x.test","open")', [c.value for c in sheet[1]])
        self.assertEqual(sheet.cell(row=2, column=2).data_type, "n")  # numbers stay numbers

    def test_only_text_that_starts_a_formula_is_changed(self):
        self.assertEqual(safe_cell("\tx"), "'\tx")
        self.assertEqual(safe_cell("\rx"), "'\rx")
        self.assertEqual(safe_cell("Namur"), "Namur")
        self.assertEqual(safe_cell("x"), "x")
        self.assertEqual(safe_cell(-3), -3)

    def test_an_unknown_format_is_not_found(self):
        self.assertEqual(self.client.get(reverse("figures:export", args=["pdf"])).status_code, 404)
        api = self.client.get(reverse("api:export_statistics_table"), {"format": "pdf"})
        self.assertEqual(api.status_code, 400)
