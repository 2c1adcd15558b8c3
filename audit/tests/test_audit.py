import csv
import io

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction
from django.urls import reverse

from audit.models import AuditEvent
from audit.services import record, record_many, record_person_reads
from core import request_context
from core.testing import Personas


class AuditTrailTest(Personas):
    def test_it_refuses_to_change_an_event_through_the_model(self):
        event = record("thing.done", actor=self.reader)
        event.action = "thing.undone"
        with pytest.raises(RuntimeError):
            event.save()
        with pytest.raises(RuntimeError):
            event.delete()

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="trigger is PostgreSQL-only")
    def test_it_refuses_update_and_delete_in_postgresql(self):
        record("thing.done", actor=self.reader)
        for statement in (
            "UPDATE audit_auditevent SET action = 'x'",
            "DELETE FROM audit_auditevent",
        ):
            with (
                pytest.raises((InternalError, ProgrammingError, IntegrityError)),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement)
        self.assertEqual(AuditEvent.objects.get().action, "thing.done")

    def test_it_ties_events_to_the_request_id(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("plans:round_open", args=["plan-a"]),
            {"name": "R", "period": "2018", "deadline": self.future().isoformat()},
        )
        event = AuditEvent.objects.get(action="round.opened")
        self.assertEqual(event.request_id, response["X-Request-ID"])
        self.assertEqual(event.ip, "127.0.0.1")
        self.assertEqual(event.organisation_id, self.org_a.pk)


class RecordManyTest(Personas):
    def test_it_writes_the_events_in_one_insert_as_record_builds_them(self):
        token = request_context.set_current(request_context.RequestContext("req-1", "10.0.0.9"))
        try:
            with self.assertNumQueries(1):
                written = record_many(
                    [
                        {
                            "action": "thing.purged",
                            "target": ("cases.person", 7),
                            "subject": "uuid-7",
                            "reason": "closed_file",
                            "changes": {"removed": [None, {"cases.person": 1}]},
                        },
                        {"action": "thing.done", "actor": self.reader, "target": self.plan},
                    ]
                )
        finally:
            request_context.reset(token)
        self.assertEqual(written, 2)
        purged, done = AuditEvent.objects.order_by("id")
        self.assertEqual(
            (purged.target_type, purged.target_id, purged.subject, purged.reason),
            ("cases.person", "7", "uuid-7", "closed_file"),
        )
        self.assertEqual(purged.changes, {"removed": [None, {"cases.person": 1}]})
        self.assertEqual((purged.actor, purged.actor_label), (None, ""))
        self.assertEqual(
            (done.actor, done.organisation_id), (self.reader, self.reader.organisation_id)
        )
        self.assertEqual((done.target_type, done.target_id), ("plans.plan", str(self.plan.pk)))
        self.assertEqual({(e.request_id, e.ip) for e in (purged, done)}, {("req-1", "10.0.0.9")})

    def test_it_writes_nothing_for_no_events(self):
        with self.assertNumQueries(0):
            self.assertEqual(record_many([]), 0)

    def test_a_lists_reads_are_one_event_per_row_shown_alike_but_for_target_and_person(self):
        rows = [(1000 + i, f"person-{i}" if i % 3 else None) for i in range(130)]
        token = request_context.set_current(request_context.RequestContext("req-2", "10.0.0.7"))
        try:
            # PostgreSQL takes any number of rows in one statement; SQLite, 100 per INSERT
            with self.assertNumQueries(1 if connection.vendor == "postgresql" else 2):
                written = record_person_reads(
                    "thing.listed", actor=self.reader, target_type="cases.casefile", rows=rows
                )
        finally:
            request_context.reset(token)
        self.assertEqual(written, 130)
        events = list(AuditEvent.objects.filter(action="thing.listed").order_by("id"))
        self.assertEqual(
            [(e.target_id, e.subject) for e in events],
            [(str(target), subject or "") for target, subject in rows],
        )
        shared = {
            (e.actor_id, e.actor_label, e.organisation_id, e.target_type, e.request_id, e.ip)
            for e in events
        }
        self.assertEqual(
            shared,
            {
                (
                    self.reader.pk,
                    self.reader.email,
                    self.reader.organisation_id,
                    "cases.casefile",
                    "req-2",
                    "10.0.0.7",
                )
            },
        )
        self.assertEqual({(e.reason, e.via, str(e.changes)) for e in events}, {("", "", "{}")})


class AuditPageTest(Personas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        record("plan.exported", actor=cls.reader, target=cls.plan)
        record("plan.exported", actor=cls.contact_b, target=cls.plan)

    def test_it_sends_anonymous_visitors_to_the_login(self):
        response = self.client.get(reverse("audit:search"))
        self.assertEqual(response.status_code, 302)

    def test_it_forbids_members_who_are_not_dpo(self):
        self.login(self.coordinator)
        self.assertEqual(self.client.get(reverse("audit:search")).status_code, 403)
        self.assertEqual(self.client.get(reverse("audit:export")).status_code, 403)

    def test_it_shows_the_dpo_only_their_organisations_events(self):
        self.login(self.dpo)
        response = self.client.get(reverse("audit:search"), {"action": "plan.exported"})
        self.assertContains(response, "reader@a.test")
        self.assertNotContains(response, "contact@b.test")
        self.assertTrue(AuditEvent.objects.filter(action="audit.searched", actor=self.dpo).exists())

    def test_it_filters_by_actor_and_period(self):
        self.login(self.dpo)
        response = self.client.get(
            reverse("audit:search"), {"actor": "nobody", "date_from": "2001-01-01"}
        )
        self.assertContains(response, "No event matches.")

    def test_it_reports_a_reversed_period(self):
        self.login(self.dpo)
        response = self.client.get(
            reverse("audit:search"), {"date_from": "2030-01-02", "date_to": "2030-01-01"}
        )
        self.assertContains(response, "The start date must be before the end date.")

    def test_it_exports_the_search_as_csv_and_logs_the_export(self):
        self.login(self.dpo)
        response = self.client.get(reverse("audit:export"), {"action": "plan.exported"})
        rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
        self.assertEqual(rows[0][:4], ["at", "actor", "organisation_id", "action"])
        self.assertEqual([r[1] for r in rows[1:]], ["reader@a.test"])
        self.assertTrue(AuditEvent.objects.filter(action="audit.exported").exists())

    def test_it_lists_in_a_constant_number_of_queries(self):
        self.login(self.dpo)
        url = reverse("audit:search")
        self.client.get(url)
        with self.assertNumQueries(7):
            self.client.get(url)
        for _n in range(30):
            record("plan.exported", actor=self.reader, target=self.plan)
        with self.assertNumQueries(7):
            self.client.get(url)


class AuditPagingTest(Personas):
    def test_it_pages_without_counting_and_survives_a_bad_page_number(self):
        for _n in range(60):
            record("plan.exported", actor=self.reader, target=self.plan)
        self.login(self.dpo)
        first = self.client.get(reverse("audit:search"), {"action": "plan.exported"})
        self.assertContains(first, "Page 1")
        self.assertContains(first, "page=2")
        second = self.client.get(reverse("audit:search"), {"action": "plan.exported", "page": "2"})
        self.assertEqual(len(second.context["page"].rows), 10)
        self.assertNotContains(second, "page=3")
        odd = self.client.get(reverse("audit:search"), {"page": "many"})
        self.assertEqual(odd.status_code, 200)
