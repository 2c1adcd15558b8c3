"""Retention in the API: the same access, forms and services as the pages."""

from __future__ import annotations

import datetime
import json
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.services import create_api_token
from audit.models import AuditEvent
from cases.models import CaseFile
from cases.tests.base import make_file, make_person
from core.testing import TOTP_SECRET
from retention import services
from retention.models import LegalHold, RetentionRule, ReviewItem, ReviewStatus, RuleKind
from retention.tests.base import RetentionPersonas

BASE = "/api/v1/retention"


def current_code() -> str:
    """The persona's current TOTP code (every persona with MFA shares TOTP_SECRET)."""
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


class RetentionApiTest(RetentionPersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.due = cls.make_due("Api Person")
        cls.item = cls.make_item(cls.due)

    @classmethod
    def make_due(cls, name):
        file = make_file(make_person(name, None), cls.org_a, cls.officer)
        CaseFile.objects.filter(pk=file.pk).update(
            status="closed", closed_on=datetime.date(2019, 1, 1)
        )
        file.refresh_from_db()
        return file

    @classmethod
    def make_item(cls, file):
        return ReviewItem.objects.create(
            kind=RuleKind.CLOSED_FILE,
            organisation=cls.org_a,
            object_id=file.pk,
            file=file,
            due_since=datetime.date(2024, 1, 1),
        )

    def setUp(self):
        cache.clear()  # a TOTP code is accepted once; tests must not share used codes

    def send(self, method, path, body=None, **extra):
        call = getattr(self.client, method)
        if body is None:
            return call(BASE + path, **extra)
        return call(BASE + path, data=json.dumps(body), content_type="application/json", **extra)

    def test_it_lists_the_rules_in_force(self):
        self.login(self.dpo)
        services.change_rule(
            self.org_a, "closed_file", {"months": 36, "action": "delete"}, actor=self.dpo
        )
        rules = {r["kind"]: r for r in self.send("get", "/rules").json()}
        self.assertEqual(len(rules), 5)
        self.assertEqual(
            (rules["closed_file"]["months"], rules["closed_file"]["is_default"]), (36, False)
        )
        self.assertEqual(
            (rules["helpdesk_contact"]["months"], rules["helpdesk_contact"]["is_default"]),
            (12, True),
        )

    def test_a_rule_is_changed_through_the_form(self):
        self.login(self.dpo)
        response = self.send("put", "/rules/closed_file", {"months": 0, "action": "anonymise"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("months", response.json()["errors"])
        response = self.send("put", "/rules/closed_file", {"months": 24, "action": "shred"})
        self.assertIn("action", response.json()["errors"])
        self.assertEqual(
            self.send("put", "/rules/unknown", {"months": 2, "action": "delete"}).status_code, 404
        )
        response = self.send("put", "/rules/cells/livc-a", {"months": 24, "action": "delete"})
        self.assertEqual(response.json()["cell"], "livc-a")
        self.assertEqual(RetentionRule.objects.get().cell, self.cell)

    def test_the_queue_pages_and_records_whom_it_showed(self):
        for i in range(3):
            self.make_item(self.make_due(f"Page {i}"))
        self.login(self.dpo)
        response = self.send("get", "/queue?page_size=2")
        body = response.json()
        self.assertEqual(len(body["results"]), 2)
        self.assertTrue(body["next"])
        self.assertEqual(body["results"][0]["person"], self.due.person.handle)
        events = AuditEvent.objects.filter(action="retention.review.listed", via="api")
        self.assertEqual(events.count(), 2)

    def test_its_number_of_queries_does_not_grow_with_the_records(self):
        self.login(self.dpo)
        self.send("get", "/queue")
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(len(self.send("get", "/queue").json()["results"]), 1)
        for i in range(8):
            self.make_item(self.make_due(f"More {i}"))
        with self.assertNumQueries(len(few)):
            self.assertEqual(len(self.send("get", "/queue").json()["results"]), 9)

    def test_the_dpo_extends_then_approves_through_the_api(self):
        self.login(self.dpo)
        path = f"/queue/{self.item.uuid}/decision"
        response = self.send("post", path, {"decision": "extend"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()["errors"]), {"until", "reason"})
        until = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
        response = self.send(
            "post", path, {"decision": "extend", "until": until, "reason": "Court appeal"}
        )
        self.assertEqual(
            (response.json()["status"], response.json()["extended_until"]), ("extended", until)
        )
        # kept longer: not pending, so approving it is refused until it comes back
        response = self.send(
            "post", path, {"decision": "approve"}, HTTP_X_SYNERGIE_OTP=current_code()
        )
        self.assertEqual(response.status_code, 400)

    def test_bulk_approval_says_what_it_left(self):
        other = self.make_item(self.make_due("Held Api"))
        services.place_hold(actor=self.dpo, person=other.file.person, file=other.file, reason="C")
        self.login(self.dpo)
        response = self.send(
            "post",
            "/approvals",
            {"items": [str(self.item.uuid), str(other.uuid)]},
            HTTP_X_SYNERGIE_OTP=current_code(),
        )
        self.assertEqual(response.json(), {"approved": 1, "skipped": [str(other.uuid)]})
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, ReviewStatus.APPROVED)

    def test_approving_one_needs_a_current_code(self):
        self.login(self.dpo)
        path = f"/queue/{self.item.uuid}/decision"
        for extra in ({}, {"HTTP_X_SYNERGIE_OTP": "000000"}):
            with self.subTest(header=extra):
                response = self.send("post", path, {"decision": "approve"}, **extra)
                self.assertEqual(response.status_code, 403)
                self.assertIn("X-Synergie-OTP", response.json()["detail"])
        self.item.refresh_from_db()
        self.assertEqual((self.item.status, self.item.decided_by), (ReviewStatus.PENDING, None))
        self.assertFalse(AuditEvent.objects.filter(action="retention.review.approved").exists())
        response = self.send(
            "post", path, {"decision": "approve"}, HTTP_X_SYNERGIE_OTP=current_code()
        )
        self.assertEqual(response.json()["status"], "approved")
        self.assertEqual(AuditEvent.objects.get(action="retention.review.approved").actor, self.dpo)

    def test_approving_several_needs_a_current_code(self):
        self.login(self.dpo)
        body = {"items": [str(self.item.uuid)]}
        for extra in ({}, {"HTTP_X_SYNERGIE_OTP": "000000"}):
            with self.subTest(header=extra):
                response = self.send("post", "/approvals", body, **extra)
                self.assertEqual(response.status_code, 403)
                self.assertIn("X-Synergie-OTP", response.json()["detail"])
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, ReviewStatus.PENDING)
        self.assertFalse(AuditEvent.objects.filter(action="retention.review.approved").exists())
        response = self.send("post", "/approvals", body, HTTP_X_SYNERGIE_OTP=current_code())
        self.assertEqual(response.json(), {"approved": 1, "skipped": []})

    def test_holds_are_placed_and_lifted(self):
        self.login(self.dpo)
        response = self.send(
            "post", "/holds", {"handle": self.person.handle, "scope": "person", "reason": "Court"}
        )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["scope"], "person")
        hold = LegalHold.objects.get()
        self.assertEqual(self.send("get", "/holds").json()[0]["id"], str(hold.uuid))
        lift = f"/holds/{hold.uuid}/lift"
        self.assertEqual(self.send("post", lift, {"reason": ""}).status_code, 400)
        self.assertIsNotNone(self.send("post", lift, {"reason": "Done"}).json()["lifted_at"])
        self.assertEqual(self.send("post", lift, {"reason": "Again"}).status_code, 400)
        response = self.send("post", "/holds", {"handle": "NOPE-1", "reason": "Court"})
        self.assertIn("handle", response.json()["errors"])

    def test_a_read_only_token_cannot_decide(self):
        _token, secret = create_api_token(self.dpo, name="r", scope="read")
        headers = {"Authorization": f"Bearer {secret}", "X-Synergie-OTP": current_code()}
        self.assertEqual(self.send("get", "/queue", headers=headers).status_code, 200)
        response = self.send(
            "post", f"/queue/{self.item.uuid}/decision", {"decision": "approve"}, headers=headers
        )
        self.assertEqual(response.status_code, 403)
        self.item.refresh_from_db()
        self.assertEqual(self.item.status, ReviewStatus.PENDING)

    def test_the_history_lists_done_items(self):
        ReviewItem.objects.filter(pk=self.item.pk).update(
            status=ReviewStatus.DONE, removed={"cases.casefile": 1}, file=None
        )
        self.login(self.dpo)
        results = self.send("get", "/history").json()["results"]
        self.assertEqual(
            (results[0]["removed"], results[0]["person"]), ({"cases.casefile": 1}, None)
        )
