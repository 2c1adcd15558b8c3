import io

from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from core.testing import Personas
from plans import services
from plans.models import EvaluationEntry


class EvaluationTest(Personas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.round = services.open_round(
            cls.plan, acting_user=cls.coordinator, name="R1", period="2018", deadline=cls.future()
        )

    def url(self):
        return reverse("plans:evaluation", args=["plan-a", self.round.pk])

    def data(self, **overrides):
        return {
            f"level_{self.measure.pk}": "largely",
            f"note_{self.measure.pk}": "Most of the platform meetings took place.",
            f"level_{self.measure_b.pk}": "",
            f"note_{self.measure_b.pk}": "",
            **overrides,
        }

    def test_it_lets_the_coordinator_write_the_evaluation(self):
        self.login(self.coordinator)
        response = self.client.post(self.url(), self.data())
        self.assertRedirects(response, self.url())
        entry = EvaluationEntry.objects.get()
        self.assertEqual((entry.item, entry.level), (self.measure, "largely"))
        self.assertEqual(entry.author, self.coordinator)
        self.assertTrue(AuditEvent.objects.filter(action="round.evaluated").exists())

    def test_it_rejects_an_unknown_level_and_saves_nothing(self):
        self.login(self.coordinator)
        response = self.client.post(
            self.url(), self.data(**{f"level_{self.measure.pk}": "excellent"})
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Select a valid choice.")
        self.assertFalse(EvaluationEntry.objects.exists())

    def test_it_shows_but_does_not_let_contact_points_edit(self):
        self.login(self.contact_a)
        self.assertEqual(self.client.get(self.url()).status_code, 200)
        self.assertEqual(self.client.post(self.url(), self.data()).status_code, 403)
        self.assertFalse(EvaluationEntry.objects.exists())

    def test_it_hides_the_evaluation_from_readers_and_visitors(self):
        self.login(self.reader)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.client.logout()
        self.assertEqual(self.client.get(self.url()).status_code, 302)

    def test_it_downloads_the_report_as_pdf_and_xlsx(self):
        services.save_evaluation(
            self.round, {self.measure.pk: ("fully", "Done & dusted")}, acting_user=self.coordinator
        )
        self.login(self.coordinator)
        pdf = self.client.get(
            reverse("plans:evaluation_export", args=["plan-a", self.round.pk, "pdf"])
        )
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        xlsx = self.client.get(
            reverse("plans:evaluation_export", args=["plan-a", self.round.pk, "xlsx"])
        )
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        rows = list(sheet.iter_rows(min_row=3, values_only=True))
        self.assertEqual(rows[0][0], "1.1")
        self.assertEqual(rows[0][4], "Fully achieved")
        self.assertEqual(rows[0][5], "Done & dusted")
        self.assertEqual(AuditEvent.objects.filter(action="round.evaluation_exported").count(), 2)

    def test_it_refuses_an_unknown_format(self):
        self.login(self.coordinator)
        response = self.client.get(
            reverse("plans:evaluation_export", args=["plan-a", self.round.pk, "doc"])
        )
        self.assertEqual(response.status_code, 404)
