import csv
import io
import json

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import TestCase
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from core.testing import Personas
from plans.exports import COLUMNS
from plans.models import ImportStatus, PlanImport, PlanItem


def csv_file(rows, name="plan.csv"):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(), content_type="text/csv")


def row(**values):
    return {column: values.get(column, "") for column in COLUMNS}


class OnCommit:
    """Run on-commit callbacks (the queued import) inside the test transaction."""

    def post(self, *args, **kwargs):
        with self.captureOnCommitCallbacks(execute=True):
            return self.client.post(*args, **kwargs)


class ImportAccessTest(OnCommit, Personas):
    def upload(self, slug="plan-a"):
        return self.post(
            reverse("plans:import", args=[slug]),
            {"file": csv_file([row(code="L2", kind="line", title_en="X")])},
        )

    def test_it_sends_anonymous_visitors_to_the_login(self):
        self.assertEqual(self.upload().status_code, 302)
        self.assertFalse(PlanImport.objects.exists())

    def test_it_forbids_contact_points(self):
        self.login(self.contact_a)
        self.assertEqual(self.upload().status_code, 403)

    def test_it_answers_404_for_another_organisations_draft(self):
        self.login(self.coordinator)
        self.assertEqual(self.upload("draft-b").status_code, 404)

    def test_it_imports_new_items_for_the_coordinator(self):
        self.login(self.coordinator)
        response = self.post(
            reverse("plans:import", args=["plan-a"]),
            {
                "file": csv_file(
                    [
                        row(code="L2", kind="line", title_en="Second line"),
                        row(code="A9", parent="L2", kind="action", title_en="New action"),
                        row(
                            code="9.1",
                            parent="A9",
                            kind="measure",
                            type="N",
                            title_en="New measure",
                            actors="agency-b:coordination|agency-a:funder",
                            ministers="welfare",
                            budget_text="5.000 € per year (2020-2021)",
                            budget_lines=json.dumps(
                                [
                                    {
                                        "mode": "amount",
                                        "amount": "5000",
                                        "periodicity": "per_year",
                                        "period_start": 2020,
                                        "period_end": 2021,
                                        "original_text": "5.000 €",
                                    }
                                ]
                            ),
                        ),
                    ]
                )
            },
        )
        job = PlanImport.objects.get()
        self.assertRedirects(response, reverse("plans:import_status", args=["plan-a", job.pk]))
        self.assertEqual(job.status, ImportStatus.DONE, job.errors)
        measure = PlanItem.objects.get(plan=self.plan, code="9.1")
        self.assertEqual(measure.parent.code, "A9")
        self.assertEqual(measure.reporting_organisation, self.org_b)
        self.assertEqual(measure.budget_lines.get().amount, 5000)
        self.assertEqual([a.role for a in measure.actors.all()], ["coordination", "funder"])
        self.assertTrue(AuditEvent.objects.filter(action="plan.imported").exists())
        status = self.client.get(reverse("plans:import_status", args=["plan-a", job.pk]))
        self.assertContains(status, "3 rows imported: 3 new items, 0 updated.")

    def test_it_changes_nothing_when_a_row_is_wrong_and_lists_every_error(self):
        self.login(self.coordinator)
        before = PlanItem.objects.count()
        self.post(
            reverse("plans:import", args=["plan-a"]),
            {
                "file": csv_file(
                    [
                        row(code="L2", kind="line", title_en="Fine"),
                        row(
                            code="9.1",
                            parent="NOPE",
                            kind="measure",
                            type="X",
                            title_en="Bad",
                            actors="ghost:partner",
                            budget_lines="{broken",
                        ),
                        row(code="L2", kind="line", title_en="Twice"),
                        row(code="9.2", parent="L2", kind="thing"),
                    ]
                )
            },
        )
        job = PlanImport.objects.get()
        self.assertEqual(job.status, ImportStatus.FAILED)
        self.assertEqual([e["row"] for e in job.errors], [3, 4, 5])
        third = " ".join(job.errors[0]["errors"])
        self.assertIn("The parent NOPE is not defined above.", third)
        self.assertIn("A measure's type must be B, V or N.", third)
        self.assertIn("Unknown organisation: ghost.", third)
        self.assertIn("The budget lines are not valid JSON.", third)
        self.assertIn("appears twice", " ".join(job.errors[1]["errors"]))
        self.assertIn("Give a title in at least one language.", " ".join(job.errors[2]["errors"]))
        self.assertEqual(PlanItem.objects.count(), before)
        page = self.client.get(reverse("plans:import_status", args=["plan-a", job.pk]))
        self.assertContains(page, "Nothing was imported")
        self.assertContains(page, "Row 4")

    def test_it_reports_errors_in_the_users_language(self):
        self.login(self.coordinator)
        self.client.post(reverse("core:set_language"), {"language": "fr", "next": "/"})
        self.post(
            reverse("plans:import", args=["plan-a"]),
            {"file": csv_file([row(code="L2", kind="nope", title_en="x")])},
        )
        errors = PlanImport.objects.get().errors
        self.assertIn("line, action ou measure", errors[0]["errors"][0])

    def test_it_refuses_a_file_with_unknown_columns_or_encoding(self):
        self.login(self.coordinator)
        self.post(
            reverse("plans:import", args=["plan-a"]),
            {"file": SimpleUploadedFile("x.csv", b"code,parent,kind,colour\nL2,,line,red\n")},
        )
        self.post(
            reverse("plans:import", args=["plan-a"]),
            {"file": SimpleUploadedFile("y.csv", "code,parent,kind\nL2,,line\n".encode("utf-16"))},
        )
        self.post(
            reverse("plans:import", args=["plan-a"]),
            {"file": SimpleUploadedFile("z.xlsx", b"not really a spreadsheet")},
        )
        jobs = PlanImport.objects.order_by("pk")
        self.assertEqual([j.status for j in jobs], [ImportStatus.FAILED] * 3)
        self.assertIn("Unknown columns: colour.", jobs[0].errors[0]["errors"])
        self.assertIn("The CSV file must be encoded in UTF-8.", jobs[1].errors[0]["errors"])
        self.assertIn("This is not a readable XLSX file.", jobs[2].errors[0]["errors"])

    def test_it_refuses_other_file_types_in_the_form(self):
        self.login(self.coordinator)
        response = self.post(
            reverse("plans:import", args=["plan-a"]),
            {"file": SimpleUploadedFile("plan.pdf", b"%PDF")},
        )
        self.assertContains(response, "Upload a .csv or .xlsx file.")
        self.assertFalse(PlanImport.objects.exists())


class RoundTripTest(OnCommit, TestCase):
    """An export of the whole Flemish plan imports back without a single change."""

    @classmethod
    def setUpTestData(cls):
        with open("/dev/null", "w") as quiet:
            call_command("demo", stdout=quiet)
        cls.coordinator = User.objects.get(email="coordinator@demo.synergie.test")

    def round_trip(self, fmt):
        self.client.force_login(self.coordinator)
        exported = self.client.get(reverse("plans:export", args=["flanders-2017", fmt]))
        before = AuditEvent.objects.count()
        self.post(
            reverse("plans:import", args=["flanders-2017"]),
            {"file": SimpleUploadedFile(f"plan.{fmt}", exported.content)},
        )
        job = PlanImport.objects.latest("pk")
        self.assertEqual(job.status, ImportStatus.DONE, job.errors)
        self.assertEqual(job.summary["created"], 0)
        actions = set(AuditEvent.objects.order_by("pk")[before:].values_list("action", flat=True))
        self.assertEqual(actions, {"plan.import_started", "plan.imported"})
        return exported

    def test_it_imports_its_own_csv_export_unchanged(self):
        exported = self.round_trip("csv")
        again = self.client.get(reverse("plans:export", args=["flanders-2017", "csv"]))
        self.assertEqual(exported.content, again.content)

    def test_it_imports_its_own_xlsx_export_unchanged(self):
        self.round_trip("xlsx")


class ImportApiTest(OnCommit, Personas):
    def test_it_imports_through_the_api_with_a_read_write_token(self):
        from accounts.services import create_api_token

        _token, secret = create_api_token(self.coordinator, name="t", scope="read_write")
        upload = csv_file([row(code="L2", kind="line", title_en="Second line")])
        response = self.post(
            "/api/v1/plans/plan-a/imports", {"file": upload}, HTTP_AUTHORIZATION=f"Bearer {secret}"
        )
        self.assertEqual(response.status_code, 202, response.content)
        job_id = response.json()["id"]
        status = self.client.get(
            f"/api/v1/plans/plan-a/imports/{job_id}", HTTP_AUTHORIZATION=f"Bearer {secret}"
        ).json()
        self.assertEqual(status["status"], "done")
        self.assertTrue(PlanItem.objects.filter(plan=self.plan, code="L2").exists())

    def test_it_refuses_an_import_by_a_contact_point(self):
        from accounts.services import create_api_token

        _token, secret = create_api_token(self.contact_a, name="t", scope="read_write")
        response = self.post(
            "/api/v1/plans/plan-a/imports",
            {"file": csv_file([row(code="L2", kind="line", title_en="x")])},
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(PlanImport.objects.exists())
