import datetime

import time_machine
from django.core import mail
from django.urls import reverse

from audit.models import AuditEvent
from core.testing import Personas
from plans import services
from plans.models import ProgressStatus, UpdateState


class ReportingTest(Personas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.round = services.open_round(
            cls.plan, acting_user=cls.coordinator, name="R1", period="2018", deadline=cls.future(7)
        )

    def update_url(self, code="1.1"):
        return reverse("plans:update", args=["plan-a", self.round.pk, code])

    def form(self, **overrides):
        update = self.round.updates.get(item__code="1.1")
        return {
            "status": "in_progress",
            "percent": "40",
            "narrative": "Done a lot.",
            "evidence_links": "https://example.org/report",
            "version": update.version,
            **overrides,
        }

    def test_it_shows_a_contact_point_only_their_measures(self):
        self.login(self.contact_a)
        response = self.client.get(reverse("plans:round", args=["plan-a", self.round.pk]))
        self.assertContains(response, "Item 1.1")
        self.assertNotContains(response, "Item 1.2")

    def test_it_hides_another_organisations_update(self):
        self.login(self.contact_a)
        self.assertEqual(self.client.get(self.update_url("1.2")).status_code, 404)

    def test_it_hides_the_round_from_readers(self):
        self.login(self.reader)
        url = reverse("plans:round", args=["plan-a", self.round.pk])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_lets_the_contact_point_submit(self):
        self.login(self.contact_a)
        response = self.client.post(self.update_url(), {**self.form(), "submit": "1"})
        self.assertRedirects(response, reverse("plans:round", args=["plan-a", self.round.pk]))
        update = self.round.updates.get(item__code="1.1")
        self.assertEqual(update.state, UpdateState.SUBMITTED)
        self.assertEqual(update.percent, 40)
        self.assertEqual(update.submitted_by, self.contact_a)
        event = AuditEvent.objects.get(action="update.submitted")
        self.assertEqual(event.changes["percent"], [0, 40])

    def test_it_forbids_the_coordinator_to_write_the_update(self):
        self.login(self.coordinator)
        self.assertEqual(self.client.post(self.update_url(), self.form()).status_code, 403)

    def test_it_rejects_malformed_input_and_saves_nothing(self):
        self.login(self.contact_a)
        response = self.client.post(
            self.update_url(),
            self.form(percent="500", status="nonsense", evidence_links="not a link"),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Ensure this value is less than or equal to 100.")
        self.assertContains(response, "Enter a valid URL.")
        update = self.round.updates.get(item__code="1.1")
        self.assertEqual(update.percent, 0)
        self.assertFalse(AuditEvent.objects.filter(action__startswith="update.").exists())

    def test_it_wants_100_percent_for_a_completed_measure(self):
        self.login(self.contact_a)
        response = self.client.post(self.update_url(), self.form(status="completed"))
        self.assertContains(response, "A completed measure is at 100%.")

    def test_it_shows_a_conflict_instead_of_overwriting(self):
        self.login(self.contact_a)
        stale = self.form()
        self.client.post(self.update_url(), self.form(percent="30"))
        response = self.client.post(self.update_url(), {**stale, "percent": "70"})
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Someone else saved this update", status_code=409)
        self.assertEqual(self.round.updates.get(item__code="1.1").percent, 30)

    def test_it_publishes_and_rolls_progress_into_the_measure_and_history(self):
        update = self.round.updates.get(item__code="1.1")
        services.save_update(
            update,
            {
                "status": "in_progress",
                "percent": 40,
                "narrative": "Halfway",
                "evidence_links": "",
                "indicator_values": {},
            },
            acting_user=self.contact_a,
            expected_version=update.version,
            submit=True,
        )
        self.login(self.coordinator)
        response = self.client.post(self.update_url() + "review/", {"decision": "publish"})
        self.assertEqual(response.status_code, 302)
        self.measure.refresh_from_db()
        self.assertEqual(self.measure.current_progress, 40)
        self.assertEqual(self.measure.current_status, ProgressStatus.IN_PROGRESS)
        self.assertTrue(AuditEvent.objects.filter(action="update.published").exists())
        self.client.logout()
        page = self.client.get(reverse("plans:measure", args=["plan-a", "1.1"]))
        self.assertContains(page, "Halfway")
        self.assertNotContains(page, "reported by")  # no names for the public

    def test_it_asks_for_changes_only_with_a_comment(self):
        update = self.round.updates.get(item__code="1.1")
        services.save_update(
            update,
            {"status": "in_progress", "percent": 10},
            acting_user=self.contact_a,
            expected_version=update.version,
            submit=True,
        )
        self.login(self.coordinator)
        url = self.update_url() + "review/"
        self.client.post(url, {"decision": "changes", "comment": ""})
        self.assertEqual(self.round.updates.get(item__code="1.1").state, UpdateState.SUBMITTED)
        self.client.post(url, {"decision": "changes", "comment": "Add the figures."})
        update.refresh_from_db()
        self.assertEqual(update.state, UpdateState.CHANGES_REQUESTED)
        self.assertEqual(update.review_comment, "Add the figures.")

    def test_it_forbids_reviewing_to_contact_points(self):
        update = self.round.updates.get(item__code="1.1")
        services.save_update(
            update,
            {"status": "in_progress", "percent": 10},
            acting_user=self.contact_a,
            expected_version=update.version,
            submit=True,
        )
        self.login(self.contact_a)
        response = self.client.post(self.update_url() + "review/", {"decision": "publish"})
        self.assertEqual(response.status_code, 403)

    def test_it_reminds_late_contact_points_by_mail(self):
        self.assertEqual(services.send_reminders(self.round), 0)
        later = datetime.datetime.combine(self.future(8), datetime.time(9), tzinfo=datetime.UTC)
        with time_machine.travel(later):
            sent = services.send_reminders(self.round)
        self.assertEqual(sent, 2)  # contact points of agency A and agency B
        recipients = sorted(m.to[0] for m in mail.outbox)
        self.assertEqual(recipients, ["contact@a.test", "contact@b.test"])
        self.assertIn("1.1", next(m.body for m in mail.outbox if m.to == ["contact@a.test"]))


class ReminderCommandTest(Personas):
    def test_it_sends_reminders_once_a_day_from_the_command(self):
        from django.core.management import call_command

        services.open_round(
            self.plan,
            acting_user=self.coordinator,
            name="R1",
            period="2018",
            deadline=self.future(1),
        )
        later = datetime.datetime.combine(self.future(3), datetime.time(9), tzinfo=datetime.UTC)
        with time_machine.travel(later):
            call_command("send_round_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
            call_command("send_round_reminders", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.assertEqual(len(mail.outbox), 2)


class HistoryTest(Personas):
    def publish(self, rnd, percent, status):
        update = rnd.updates.get(item__code="1.1")
        services.save_update(
            update,
            {"status": status, "percent": percent},
            acting_user=self.contact_a,
            expected_version=update.version,
            submit=True,
        )
        services.publish_update(rnd.updates.get(item__code="1.1"), acting_user=self.coordinator)

    def test_it_shows_what_changed_between_rounds_and_by_whom(self):
        first = services.open_round(
            self.plan,
            acting_user=self.coordinator,
            name="Round one",
            period="2018",
            deadline=self.future(),
        )
        self.publish(first, 30, "in_progress")
        second = services.open_round(
            self.plan,
            acting_user=self.coordinator,
            name="Round two",
            period="2019",
            deadline=self.future(),
        )
        self.assertEqual(second.updates.get(item__code="1.1").percent, 30)  # pre-filled
        self.publish(second, 100, "completed")
        self.login(self.reader)
        page = self.client.get(reverse("plans:measure", args=["plan-a", "1.1"]))
        self.assertContains(page, "+70 points since the previous round")
        self.assertContains(page, "was In progress")
        self.assertContains(page, "reported by contact")
        body = page.content.decode()
        self.assertLess(body.index("Round two"), body.index("Round one"))


class MyWorkTest(Personas):
    def test_it_lists_what_each_role_must_do(self):
        rnd = services.open_round(
            self.plan,
            acting_user=self.coordinator,
            name="R1",
            period="2018",
            deadline=self.future(),
        )
        self.login(self.contact_a)
        page = self.client.get(reverse("plans:my_work"))
        self.assertContains(page, "Item 1.1")
        self.assertNotContains(page, "Item 1.2")
        update = rnd.updates.get(item__code="1.1")
        services.save_update(
            update,
            {"status": "in_progress", "percent": 5},
            acting_user=self.contact_a,
            expected_version=update.version,
            submit=True,
        )
        self.assertContains(
            self.client.get(reverse("plans:my_work")), "Nothing to report at the moment."
        )
        self.login(self.coordinator)
        self.assertContains(self.client.get(reverse("plans:my_work")), "Item 1.1")
        self.login(self.coordinator_b)
        self.assertContains(
            self.client.get(reverse("plans:my_work")), "Nothing to review at the moment."
        )


class EvidenceTest(Personas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.round = services.open_round(
            cls.plan, acting_user=cls.coordinator, name="R1", period="2018", deadline=cls.future()
        )

    def post_file(self, name, content):
        from django.core.files.uploadedfile import SimpleUploadedFile

        update = self.round.updates.get(item__code="1.1")
        self.login(self.contact_a)
        return self.client.post(
            reverse("plans:update", args=["plan-a", self.round.pk, "1.1"]),
            {
                "status": "in_progress",
                "percent": "10",
                "version": update.version,
                "file": SimpleUploadedFile(name, content),
            },
        )

    def test_it_stores_an_uploaded_file_and_serves_it_to_the_round_only(self):
        self.post_file("minutes.pdf", b"%PDF-1.4 minutes")
        evidence = self.round.updates.get(item__code="1.1").files.get()
        download = reverse("plans:evidence", args=["plan-a", self.round.pk, "1.1", evidence.pk])
        self.assertEqual(b"".join(self.client.get(download).streaming_content), b"%PDF-1.4 minutes")
        self.login(self.contact_b)
        self.assertEqual(self.client.get(download).status_code, 404)
        self.assertTrue(AuditEvent.objects.filter(action="update.evidence_added").exists())

    def test_it_refuses_an_executable_as_evidence(self):
        response = self.post_file("virus.exe", b"MZ")
        self.assertContains(response, "This type of file is not accepted.")
        update = self.round.updates.get(item__code="1.1")
        self.assertFalse(update.files.exists())
        self.assertEqual(update.percent, 0)


class RoundListQueriesTest(Personas):
    def test_it_lists_a_round_in_a_constant_number_of_queries(self):
        from core.testing import make_item
        from plans.models import ItemKind

        rnd = services.open_round(
            self.plan,
            acting_user=self.coordinator,
            name="R1",
            period="2018",
            deadline=self.future(),
        )
        url = reverse("plans:round", args=["plan-a", rnd.pk])
        self.login(self.coordinator)
        self.client.get(url)
        with self.assertNumQueries(8):
            self.client.get(url)
        for n in range(15):
            item = make_item(
                self.plan,
                f"5.{n}",
                ItemKind.MEASURE,
                self.action,
                50 + n,
                measure_type="B",
                reporting_organisation=self.org_b,
            )
            rnd.updates.create(item=item)
        with self.assertNumQueries(8):
            self.client.get(url)
