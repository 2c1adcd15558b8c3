"""Cases through the API: the same access rules, forms, services and audit rows as the
pages. Outside one's cases a 404 (audited), in sight but not allowed a 403, refused input
a 400 (form, in the request's language) or a 422 (schema) with nothing changed, a stale
version a 409 with the current one; step-up through a TOTP code in X-Synergie-OTP."""

import datetime
import json
import time
from collections import Counter

from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.cache import cache
from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from ninja import Schema

import cases.api.file_schemas
import cases.api.sharing_schemas
import network.api.schemas
import plans.api
import platforms.api
from accounts.services import create_api_token
from audit.models import AuditEvent
from cases import services
from cases.models import (
    CaseFile,
    Contribution,
    Evaluation,
    GuidancePlan,
    JournalEntry,
    Person,
    Referral,
    ReferralStatus,
    ServiceReferral,
)
from cases.tests.base import CasePersonas, make_file, make_person
from core.testing import TOTP_SECRET, make_org

API = "/api/v1/cases"


def current_code() -> str:
    """The persona's current TOTP code (every persona with MFA shares TOTP_SECRET)."""
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def events(action: str, **lookup):
    return AuditEvent.objects.filter(action=action, **lookup)


class ApiCase(CasePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        TOTP.activate(cls.admin, TOTP_SECRET)  # an administrator must use a second factor

    def setUp(self):
        cache.clear()  # a TOTP code is accepted once; tests must not share used codes

    def call(self, method, url, body=None, *, user=None, **headers):
        if user is not None:
            self.login(user)
        send = getattr(self.client, method)
        if body is None:
            return send(url, **headers)
        return send(url, data=json.dumps(body), content_type="application/json", **headers)

    def file_url(self, rest="", file=None):
        return f"{API}/files/{(file or self.file).uuid}{rest}"

    def entry(self, text="Met Pat at the library."):
        return services.add_entry(
            self.file,
            {"kind": "note", "occurred_on": datetime.date(2025, 3, 1), "text": text},
            actor=self.partner,
        )

    def make_draft(self):
        plan = services.draft_plan(self.file, actor=self.officer)
        return services.save_plan(
            plan,
            {"phase": "after", "context": "community", "review_on": self.future(60)},
            [
                {
                    "sphere": "training",
                    "description": "Find a training course",
                    "partner": self.org_b,
                    "progress": "planned",
                }
            ],
            actor=self.officer,
            expected_version=plan.version,
        )

    def share(self, user=None, **extra):
        body = {
            "kind": "summary",
            "text": "Pat follows the training.",
            "purpose": "Coordinate the guidance",
            "legal_basis": "case_consultation",
            "recipients": ["agency-b"],
            **extra,
        }
        return self.call("post", self.file_url("/contributions"), body, user=user)


class WhoSeesWhatTest(ApiCase):
    def test_it_refuses_anonymous_callers(self):
        for method, url, body in [
            ("get", f"{API}/files", None),
            ("get", self.file_url(), None),
            ("post", self.file_url("/journal"), {"kind": "note", "text": "x"}),
            ("get", f"{API}/referrals", None),
            ("get", f"{API}/persons/{self.person.uuid}/disclosures", None),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.call(method, url, body).status_code, 401)
        self.assertFalse(events("case.file.viewed"))

    def test_it_hides_a_file_from_everyone_off_its_team_and_audits_the_attempt(self):
        for user in (self.partner_b, self.colleague, self.admin, self.dpo):
            with self.subTest(user=user.email):
                for method, rest, body in [
                    ("get", "", None),
                    ("get", "/journal", None),
                    ("post", "/journal", {"kind": "note", "text": "x"}),
                    ("patch", "", {"phase": "after", "version": 1}),
                ]:
                    response = self.call(method, self.file_url(rest), body, user=user)
                    self.assertEqual(response.status_code, 404, (method, rest))
                    self.assertEqual(response.json(), {"detail": "Not found."})
                denied = events("case.file.denied", actor=user)
                self.assertEqual(denied.count(), 4)
                self.assertEqual({e.subject for e in denied}, {str(self.person.uuid)})
        self.assertFalse(events("case.file.viewed"))
        self.assertFalse(JournalEntry.objects.exists())

    def test_it_lists_only_the_users_own_cases_and_logs_each_person_returned(self):
        response = self.call("get", f"{API}/files", user=self.partner)
        self.assertEqual(response.status_code, 200)
        results = response.json()["results"]
        self.assertEqual([r["id"] for r in results], [str(self.file.uuid)])
        self.assertEqual(results[0]["person"]["handle"], self.person.handle)
        self.assertEqual(results[0]["my_role"], "member")
        listed = events("case.file.listed", actor=self.partner)
        self.assertEqual(
            [(e.target_id, e.subject, e.via) for e in listed],
            [(str(self.file.pk), str(self.person.uuid), "api")],
        )
        for user in (self.colleague, self.admin, self.dpo):
            with self.subTest(user=user.email):
                response = self.call("get", f"{API}/files", user=user)
                self.assertEqual(response.json()["results"], [])

    def test_its_filters_narrow_the_list(self):
        other = make_file(make_person("Sam Other", None), self.org_a, self.officer)
        services.close_file(
            other,
            {"closure_reason": "moved", "outcome": "unchanged", "closure_note": ""},
            actor=self.officer,
            expected_version=other.version,
        )
        draft = self.make_draft()  # the sphere filter looks at the plan in force
        services.approve_plan(draft, actor=self.officer, expected_version=draft.version)
        CaseFile.objects.filter(pk=self.file.pk).update(
            next_review_on=self.future(-3), phase="none"
        )
        services.refer_to_service(
            self.file,
            self.service_a,
            fields=[],
            message="",
            legal_basis="consent",
            consent_reference="Signed form of 3 March",
            actor=self.officer,
        )
        ServiceReferral.objects.update(due_on=self.future(-1))
        cases = {
            "status=closed": [other],
            "status=open": [self.file],
            "q=pat": [self.file],
            "q=EXAMPLE+pat": [self.file],
            f"q={other.person.handle}": [other],
            "q=nobody": [],
            "overdue_review=true": [self.file],
            "overdue_referral=true": [self.file],
            "sphere=training": [self.file],
            "sphere=housing": [],
            "phase=none": [other, self.file],
        }
        self.login(self.officer)
        for query, expected in cases.items():
            with self.subTest(query=query):
                response = self.client.get(f"{API}/files?{query}")
                self.assertEqual(response.status_code, 200)
                found = {r["id"] for r in response.json()["results"]}
                self.assertEqual(found, {str(f.uuid) for f in expected})
        # each row says whether a referral of its file is overdue (found for the page)
        rows = self.client.get(f"{API}/files?phase=none").json()["results"]
        flags = {r["id"]: (r["referral_overdue"], r["my_role"]) for r in rows}
        self.assertEqual(
            flags, {str(self.file.uuid): (True, "manager"), str(other.uuid): (False, "manager")}
        )

    def test_a_bad_filter_is_refused_in_the_users_language(self):
        self.login(self.officer)
        response = self.client.get(f"{API}/files?status=lost", HTTP_ACCEPT_LANGUAGE="fr")
        self.assertEqual(response.status_code, 400)
        self.assertIn("Sélectionnez un choix valide", response.json()["errors"]["status"][0])

    def test_the_list_costs_the_same_for_3_or_12_files(self):
        def queries() -> tuple[int, int]:
            with CaptureQueriesContext(connection) as captured:
                response = self.client.get(f"{API}/files")
            self.assertEqual(response.status_code, 200)
            return len(captured), len(response.json()["results"])

        self.login(self.officer)
        self.client.get(f"{API}/files")  # the session's first request stores its start
        for n in range(2):
            make_file(make_person(f"Person {n}", None), self.org_a, self.officer)
        small = queries()
        for n in range(2, 11):
            make_file(make_person(f"Person {n}", None), self.org_a, self.officer)
        large = queries()
        self.assertEqual((small[1], large[1]), (3, 12))
        self.assertEqual(small[0], large[0])

    def test_a_file_shows_its_person_header_and_is_audited(self):
        response = self.call("get", self.file_url(), user=self.officer)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(
            body["person"],
            {
                "id": str(self.person.uuid),
                "handle": self.person.handle,
                "minor": False,
                "name": "Pat Example",
                "age": self.person.age,
                "municipality": "Namur",
                "languages": ["fr"],
                "national_number": "•••••••••45",
            },
        )
        self.assertEqual(body["my_role"], "manager")
        self.assertEqual(body["version"], 1)
        self.assertEqual(
            sorted((m["email"], m["role"]) for m in body["team"]),
            [("officer@a.test", "manager"), ("partner@a.test", "member")],
        )
        self.assertNotIn("90051712345", response.content.decode())
        self.assertNotIn("score", response.content.decode())
        viewed = events("case.file.viewed", actor=self.officer).get()
        self.assertEqual(
            (viewed.target_id, viewed.subject), (str(self.file.pk), str(self.person.uuid))
        )

    def test_a_bearer_token_works_and_a_read_only_one_cannot_write(self):
        _token, secret = create_api_token(self.partner, name="t", scope="read_write")
        response = self.client.get(f"{API}/files", HTTP_AUTHORIZATION=f"Bearer {secret}")
        self.assertEqual(len(response.json()["results"]), 1)
        body = {"kind": "note", "text": "By token."}
        response = self.call(
            "post", self.file_url("/journal"), body, HTTP_AUTHORIZATION=f"Bearer {secret}"
        )
        self.assertEqual(response.status_code, 201)
        _token, read_only = create_api_token(self.partner, name="r", scope="read")
        response = self.call(
            "post", self.file_url("/journal"), body, HTTP_AUTHORIZATION=f"Bearer {read_only}"
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(JournalEntry.objects.count(), 1)
        response = self.client.get(f"{API}/files", HTTP_AUTHORIZATION="Bearer syn_wrong")
        self.assertEqual(response.status_code, 401)


class StepUpTest(ApiCase):
    def reveal(self, user, **headers):
        return self.call("post", self.file_url("/reveal-national-number"), user=user, **headers)

    def test_revealing_the_national_number_needs_a_current_code(self):
        for headers in ({}, {"HTTP_X_SYNERGIE_OTP": "000000"}):
            with self.subTest(headers=headers):
                response = self.reveal(self.partner, **headers)
                self.assertEqual(response.status_code, 403)
                self.assertIn("X-Synergie-OTP", response.json()["detail"])
        self.assertFalse(events("case.person.national_number_revealed"))
        response = self.reveal(self.partner, HTTP_X_SYNERGIE_OTP=current_code())
        self.assertEqual(response.json(), {"national_number": "90051712345"})
        revealed = events("case.person.national_number_revealed", actor=self.partner).get()
        self.assertEqual(revealed.subject, str(self.person.uuid))

    def test_a_code_is_accepted_once(self):
        code = current_code()
        self.assertEqual(self.reveal(self.partner, HTTP_X_SYNERGIE_OTP=code).status_code, 200)
        self.assertEqual(self.reveal(self.partner, HTTP_X_SYNERGIE_OTP=code).status_code, 403)

    def test_another_organisation_gets_a_404_even_with_a_code(self):
        response = self.reveal(self.partner_b, HTTP_X_SYNERGIE_OTP=current_code())
        self.assertEqual(response.status_code, 404)
        self.assertTrue(events("case.file.denied", actor=self.partner_b))

    def test_the_case_manager_exports_the_file_after_step_up(self):
        self.entry("Noted in the journal.")
        url = self.file_url("/export")
        self.assertEqual(self.call("get", url, user=self.officer).status_code, 403)
        response = self.call("get", url, user=self.officer, HTTP_X_SYNERGIE_OTP=current_code())
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        data = json.loads(response.content)
        self.assertEqual(data["journal"][0]["text"], "Noted in the journal.")
        exported = events("case.file.exported", actor=self.officer).get()
        self.assertEqual(exported.subject, str(self.person.uuid))

    def test_a_team_member_may_not_export(self):
        url = self.file_url("/export")
        response = self.call("get", url, user=self.partner, HTTP_X_SYNERGIE_OTP=current_code())
        self.assertEqual(response.status_code, 403)
        self.assertFalse(events("case.file.exported"))


class FileWritesTest(ApiCase):
    def test_the_team_changes_the_phase_and_the_write_is_audited(self):
        body = {"phase": "during", "context": "prison", "version": 1}
        response = self.call("patch", self.file_url(), body, user=self.partner)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual((response.json()["phase"], response.json()["version"]), ("during", 2))
        self.assertEqual(response.json()["my_role"], "member")
        updated = events("case.file.updated", actor=self.partner).get()
        self.assertEqual(updated.subject, str(self.person.uuid))
        self.assertEqual(updated.changes, {"fields": [None, ["context", "phase"]]})

    def test_a_stale_version_is_a_409_with_the_current_one(self):
        services.update_file(
            self.file, {"phase": "after"}, actor=self.officer, expected_version=self.file.version
        )
        body = {"phase": "during", "version": 1}
        response = self.call("patch", self.file_url(), body, user=self.partner)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["current_version"], 2)
        self.assertEqual(response.json()["phase"], "after")
        self.file.refresh_from_db()
        self.assertEqual(self.file.phase, "after")

    def test_bad_input_changes_nothing(self):
        self.login(self.partner)
        response = self.call(
            "patch", self.file_url(), {"phase": "orbit", "version": 1}, HTTP_ACCEPT_LANGUAGE="fr"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("Sélectionnez un choix valide", response.json()["errors"]["phase"][0])
        response = self.call("patch", self.file_url(), {"next_review_on": "soon", "version": 1})
        self.assertEqual(response.status_code, 422)
        self.assertIn("payload.next_review_on", response.json()["errors"])
        response = self.call("patch", self.file_url(), {"phase": "after"})  # no version
        self.assertEqual(response.status_code, 422)
        self.file.refresh_from_db()
        self.assertEqual((self.file.phase, self.file.version), ("none", 1))
        self.assertFalse(events("case.file.updated"))

    def test_only_the_case_manager_closes_and_reopens(self):
        body = {"closure_reason": "goals_reached", "outcome": "stabilised", "version": 1}
        response = self.call("post", self.file_url("/close"), body, user=self.partner)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json(), {"detail": "You may not do this."})
        response = self.call("post", self.file_url("/close"), body, user=self.officer)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "closed")
        self.assertEqual(events("case.file.closed").get().subject, str(self.person.uuid))
        self.assertEqual(
            self.call("post", self.file_url("/reopen"), user=self.partner).status_code, 403
        )
        response = self.call("post", self.file_url("/reopen"), user=self.officer)
        self.assertEqual(response.json()["status"], "open")
        self.assertTrue(events("case.file.reopened", subject=str(self.person.uuid)))

    def test_closing_a_file_someone_changed_is_a_409(self):
        services.update_file(
            self.file, {"phase": "after"}, actor=self.partner, expected_version=self.file.version
        )
        body = {"closure_reason": "goals_reached", "outcome": "stabilised", "version": 1}
        response = self.call("post", self.file_url("/close"), body, user=self.officer)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(
            (response.json()["current_version"], response.json()["status"]), (2, "open")
        )

    def test_closing_a_closed_file_is_refused(self):
        body = {"closure_reason": "goals_reached", "outcome": "stabilised", "version": 1}
        self.assertEqual(
            self.call("post", self.file_url("/close"), body, user=self.officer).status_code, 200
        )
        body["version"] = 2
        response = self.call("post", self.file_url("/close"), body)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(events("case.file.closed").count(), 1)


class JournalTest(ApiCase):
    def test_the_team_writes_and_reads_the_journal(self):
        body = {"kind": "contact", "occurred_on": "2025-02-01", "text": "Phone call."}
        response = self.call("post", self.file_url("/journal"), body, user=self.partner)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["text"], "Phone call.")
        entry = JournalEntry.objects.get()
        created = events("case.journal.created").get()
        self.assertEqual(
            (created.target_id, created.subject), (str(entry.pk), str(self.person.uuid))
        )
        response = self.call("get", self.file_url("/journal"))
        self.assertEqual([e["text"] for e in response.json()["results"]], ["Phone call."])
        self.assertTrue(events("case.journal.listed", actor=self.partner))

    def test_a_future_date_is_refused_and_nothing_is_written(self):
        body = {"kind": "note", "occurred_on": str(self.future()), "text": "Later."}
        response = self.call("post", self.file_url("/journal"), body, user=self.partner)
        self.assertEqual(response.status_code, 400)
        self.assertIn("occurred_on", response.json()["errors"])
        self.assertFalse(JournalEntry.objects.exists())

    def test_editing_a_stale_entry_shows_the_current_text_and_version(self):
        entry = self.entry()
        services.update_entry(
            entry,
            {"text": "Corrected by Rachid."},
            actor=self.officer,
            expected_version=entry.version,
        )
        url = self.file_url(f"/journal/{entry.uuid}")
        response = self.call("patch", url, {"text": "Mine.", "version": 1}, user=self.partner)
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["current_version"], 2)
        self.assertEqual(response.json()["current"]["text"], "Corrected by Rachid.")
        response = self.call("patch", url, {"text": "Mine.", "version": 2})
        self.assertEqual(response.status_code, 200)
        self.assertEqual((response.json()["text"], response.json()["version"]), ("Mine.", 3))
        updated = events("case.journal.updated", actor=self.partner).get()
        self.assertEqual(updated.subject, str(self.person.uuid))

    def test_an_entry_of_another_file_is_a_404(self):
        entry = services.add_entry(
            self.file_b, {"kind": "note", "text": "B's note."}, actor=self.partner_b
        )
        url = self.file_url(f"/journal/{entry.uuid}")
        response = self.call("patch", url, {"text": "x", "version": 1}, user=self.partner)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(JournalEntry.objects.get().text, "B's note.")


class EvaluationAndPlanTest(ApiCase):
    def test_an_evaluation_is_signed_with_its_spheres(self):
        body = {
            "evaluated_on": "2025-01-10",
            "summary": "Isolated, looking for meaning.",
            "spheres": {"family": {"needs": "Contact with his sister", "concerns": "Conflict"}},
        }
        response = self.call("post", self.file_url("/evaluations"), body, user=self.partner)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(
            response.json()["spheres"],
            {
                "family": {
                    "needs": "Contact with his sister",
                    "protective": "",
                    "concerns": "Conflict",
                }
            },
        )
        self.assertEqual(response.json()["author"], "partner")
        signed = events("case.evaluation.signed").get()
        self.assertEqual(signed.subject, str(self.person.uuid))
        listed = self.call("get", self.file_url("/evaluations")).json()
        self.assertEqual([e["summary"] for e in listed], ["Isolated, looking for meaning."])
        self.assertNotIn("score", json.dumps(listed))

    def test_an_unknown_sphere_is_refused(self):
        body = {"summary": "x", "spheres": {"astrology": {"needs": "x"}}}
        response = self.call("post", self.file_url("/evaluations"), body, user=self.partner)
        self.assertEqual(response.status_code, 422)
        self.assertFalse(Evaluation.objects.exists())

    def plan_body(self, **extra):
        return {
            "phase": "after",
            "context": "follow_up",
            "review_on": str(self.future(90)),
            "goals": [
                {"sphere": "training", "description": "Training course", "partner": "agency-b"},
                {"sphere": "housing", "description": "A flat", "partner": "agency-a"},
            ],
            **extra,
        }

    def test_the_team_drafts_and_the_case_manager_approves_the_plan(self):
        url = self.file_url("/plans/draft")
        response = self.call("put", url, self.plan_body(), user=self.partner)
        self.assertEqual(response.status_code, 200, response.content)
        draft = response.json()
        self.assertEqual((draft["status"], draft["number"]), ("draft", 1))
        self.assertEqual([g["partner"] for g in draft["goals"]], ["agency-b", "agency-a"])
        self.assertEqual(events("case.plan.saved").get().subject, str(self.person.uuid))
        approve = self.file_url(f"/plans/{draft['id']}/approve")
        body = {"version": draft["version"]}
        self.assertEqual(self.call("post", approve, body).status_code, 403)
        response = self.call("post", approve, {"version": 0}, user=self.officer)
        self.assertEqual(response.status_code, 409)  # not the version the manager read
        response = self.call("post", approve, body, user=self.officer)
        self.assertEqual(response.json()["status"], "approved")
        self.file.refresh_from_db()
        self.assertEqual((self.file.phase, self.file.context), ("after", "follow_up"))
        listed = self.call("get", self.file_url("/plans")).json()
        self.assertEqual([p["status"] for p in listed], ["approved"])

    def test_saving_a_draft_someone_changed_is_a_409(self):
        draft = self.make_draft()  # version 2
        url = self.file_url("/plans/draft")
        for version in (None, 1):
            with self.subTest(version=version):
                body = self.plan_body(version=version)
                response = self.call("put", url, body, user=self.partner)
                self.assertEqual(response.status_code, 409)
                self.assertEqual(response.json()["current_version"], draft.version)
                self.assertEqual(len(response.json()["current"]["goals"]), 1)
        response = self.call("put", url, self.plan_body(version=draft.version))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.json()["goals"]), 2)

    def test_a_bad_goal_creates_no_draft(self):
        body = self.plan_body()
        body["goals"][1]["partner"] = "no-such-agency"
        response = self.call("put", self.file_url("/plans/draft"), body, user=self.partner)
        self.assertEqual(response.status_code, 400)
        self.assertIn("goals.1.partner", response.json()["errors"])
        self.assertFalse(GuidancePlan.objects.exists())

    def test_conditions_and_their_checks(self):
        body = {
            "imposed_by": "Court of Namur",
            "imposed_on": "2025-01-05",
            "text": "Follow a training.",
            "justice_assistant": "partner@a.test",
        }
        response = self.call("post", self.file_url("/conditions"), body, user=self.officer)
        self.assertEqual(response.status_code, 201, response.content)
        condition = response.json()
        self.assertEqual(condition["justice_assistant"], "partner@a.test")
        url = self.file_url(f"/conditions/{condition['id']}/checks")
        response = self.call("post", url, {"compliance": "partly"}, user=self.partner)
        self.assertEqual(response.status_code, 201)
        self.assertEqual([c["compliance"] for c in response.json()["checks"]], ["partly"])
        self.assertEqual(events("case.condition.checked").get().subject, str(self.person.uuid))
        body["justice_assistant"] = "colleague@a.test"  # not on the team
        response = self.call("post", self.file_url("/conditions"), body)
        self.assertEqual(response.status_code, 400)


class SharingTest(ApiCase):
    def test_a_contribution_reaches_its_recipients_until_withdrawn(self):
        response = self.share(user=self.partner)
        self.assertEqual(response.status_code, 201, response.content)
        shared = response.json()
        self.assertEqual((shared["recipients"], shared["active"]), (["agency-b"], True))
        self.assertEqual(events("case.contribution.shared").get().subject, str(self.person.uuid))
        seen_by_b = self.call(
            "get", self.file_url("/contributions", self.file_b), user=self.partner_b
        )
        self.assertEqual([c["text"] for c in seen_by_b.json()], ["Pat follows the training."])
        withdraw = self.file_url(f"/contributions/{shared['id']}/withdraw")
        response = self.call("post", withdraw, {"reason": "Sent too early."}, user=self.officer)
        self.assertEqual(response.status_code, 403)  # only its author
        response = self.call("post", withdraw, {"reason": "Sent too early."}, user=self.partner)
        self.assertEqual(response.json()["active"], False)
        seen_by_b = self.call(
            "get", self.file_url("/contributions", self.file_b), user=self.partner_b
        )
        self.assertEqual(seen_by_b.json(), [])

    def test_consent_needs_its_reference(self):
        response = self.share(user=self.partner, legal_basis="consent")
        self.assertEqual(response.status_code, 400)
        self.assertIn("consent_reference", response.json()["errors"])
        response = self.share(recipients=["nowhere"])
        self.assertEqual(response.status_code, 400)
        self.assertIn("recipients", response.json()["errors"])
        self.assertFalse(Contribution.objects.exists())


class ReferralIntakeTest(ApiCase):
    def test_a_professional_refers_and_the_officer_decides(self):
        body = {
            "organisation": "agency-a",
            "full_name": "Lou Young",
            "date_of_birth": "1999-04-02",
            "source": "organisation",
            "referrer_organisation": "agency-b",
            "concern": "Talks about leaving for abroad.",
            "urgency": "soon",
        }
        response = self.call("post", f"{API}/referrals", body, user=self.partner_b)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["status"], "received")
        self.assertNotIn("Talks about", response.content.decode())
        referral = Referral.objects.get(uuid=response.json()["id"])
        self.assertEqual(referral.person.full_name, "Lou Young")
        self.assertEqual(self.call("get", f"{API}/referrals/{referral.uuid}").status_code, 404)

        queue = self.call("get", f"{API}/referrals?status=received", user=self.officer).json()
        self.assertEqual(
            {r["id"] for r in queue["results"]}, {str(referral.uuid), str(self.referral.uuid)}
        )
        self.assertEqual(events("case.referral.listed", actor=self.officer, via="api").count(), 2)
        url = f"{API}/referrals/{referral.uuid}"
        self.assertEqual(self.call("get", url).json()["concern"], "Talks about leaving for abroad.")
        decision = {"decision": "accept", "manager": "partner@a.test", "version": 1}
        response = self.call("post", url + "/decision", decision)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "accepted")
        file = CaseFile.objects.get(uuid=response.json()["file"])
        self.assertEqual(file.manager, self.partner)
        self.assertEqual(self.call("post", url + "/decision", decision).status_code, 409)
        del decision["version"]
        self.assertEqual(self.call("post", url + "/decision", decision).status_code, 400)

    def test_a_minors_referral_records_the_guardians_involvement(self):
        body = {
            "organisation": "agency-a",
            "full_name": "Kim Kid",
            "date_of_birth": str(datetime.date(timezone.localdate().year - 12, 1, 1)),
            "source": "helpdesk",
            "concern": "A parent called.",
        }
        response = self.call("post", f"{API}/referrals", body, user=self.partner)
        self.assertEqual(response.status_code, 400)
        self.assertIn("guardian", response.json()["errors"])
        self.assertEqual(Person.objects.count(), 2)

    def test_an_officer_redirects_or_closes(self):
        url = f"{API}/referrals/{self.referral.uuid}/decision"
        response = self.call(
            "post", url, {"decision": "redirect"}, user=self.officer, HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("service", response.json()["errors"])
        body = {"decision": "redirect", "service": str(self.service_a.uuid)}
        response = self.call("post", url, body)
        self.assertEqual(response.json()["redirected_to"], str(self.service_a.uuid))
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, ReferralStatus.REDIRECTED)

    def test_the_queue_is_the_referral_officers_own(self):
        for user in (self.partner, self.partner_b, self.dpo):
            with self.subTest(user=user.email):
                response = self.call("get", f"{API}/referrals", user=user)
                self.assertEqual(response.json()["results"], [])
                url = f"{API}/referrals/{self.referral.uuid}"
                self.assertEqual(self.call("get", url).status_code, 404)


class ServiceReferralTest(ApiCase):
    def refer(self, user=None, **extra):
        body = {
            "service": str(self.private_service_b.uuid),
            "fields": ["name"],
            "message": "Please call Pat.",
            "legal_basis": "consent",
            "consent_reference": "Form signed on 3 March",
            **extra,
        }
        return self.call("post", self.file_url("/service-referrals"), body, user=user)

    def test_the_receiving_service_sees_only_what_was_sent_and_answers(self):
        response = self.refer(user=self.partner)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["fields"], ["handle", "name"])
        sent = events("case.service_referral.sent").get()
        self.assertEqual(sent.subject, str(self.person.uuid))

        incoming = self.call("get", f"{API}/incoming", user=self.partner_b).json()["results"]
        self.assertEqual(
            incoming[0]["shared"], {"handle": self.person.handle, "name": "Pat Example"}
        )
        self.assertNotIn("1990", json.dumps(incoming))
        listed = events("case.service_referral.listed", actor=self.partner_b).get()
        self.assertEqual(listed.subject, str(self.person.uuid))
        self.assertEqual(
            self.call("get", f"{API}/incoming", user=self.officer).json()["results"], []
        )

        answer = f"{API}/incoming/{incoming[0]['id']}/answer"
        response = self.call(
            "post", answer, {"status": "refused", "version": 1}, user=self.partner_b
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("reason", response.json()["errors"])
        response = self.call("post", answer, {"status": "accepted", "version": 1})
        self.assertEqual(response.json()["status"], "accepted")
        response = self.call("post", answer, {"status": "done", "version": 1})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["current_version"], 2)

        outcome = self.call("get", self.file_url("/service-referrals"), user=self.officer).json()
        self.assertEqual([(r["status"], r["overdue"]) for r in outcome], [("accepted", False)])

    def test_others_cannot_answer_or_read_a_referral(self):
        self.refer(user=self.partner)
        referral = ServiceReferral.objects.get()
        for user in (self.officer, self.dpo):
            with self.subTest(user=user.email):
                url = f"{API}/incoming/{referral.uuid}"
                self.assertEqual(self.call("get", url, user=user).status_code, 404)
                body = {"status": "accepted", "version": 1}
                self.assertEqual(self.call("post", url + "/answer", body).status_code, 404)
        referral.refresh_from_db()
        self.assertEqual(referral.status, "sent")

    def test_an_unknown_service_is_refused(self):
        response = self.refer(user=self.partner, service="00000000-0000-0000-0000-000000000000")
        self.assertEqual(response.status_code, 400)
        response = self.refer(fields=["religion"])
        self.assertEqual(response.status_code, 400)
        self.assertFalse(ServiceReferral.objects.exists())


class DisclosureLogTest(ApiCase):
    def url(self, person=None):
        return f"{API}/persons/{(person or self.person).uuid}/disclosures"

    def test_the_dpo_reads_who_saw_and_received_what_without_case_content(self):
        self.share(user=self.partner)
        self.call("get", self.file_url(), user=self.partner)
        self.call("get", self.file_url(), user=self.partner_b)  # denied, on A's file
        self.call("get", self.file_url("", self.file_b))  # B's own work: not A's DPO's
        response = self.call("get", self.url(), user=self.dpo)
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["person"]["handle"], self.person.handle)
        self.assertEqual(
            [
                (d["kind"], d["organisation"], d["legal_basis"], d["recipients"])
                for d in body["disclosures"]
            ],
            [("contribution", "agency-a", "case_consultation", ["agency-b"])],
        )
        actions = [(e["actor"], e["action"]) for e in body["events"]]
        self.assertIn(("partner@a.test", "case.file.viewed"), actions)
        self.assertIn(("partner@b.test", "case.file.denied"), actions)
        self.assertNotIn(("partner@b.test", "case.file.viewed"), actions)
        self.assertNotIn("Pat follows", response.content.decode())
        self.assertNotIn("Pat Example", response.content.decode())
        self.assertTrue(events("case.disclosures.viewed", actor=self.dpo))

    def test_a_contribution_to_two_organisations_is_one_disclosure(self):
        make_org("agency-c", "Agency C")
        shared = self.share(user=self.partner, recipients=["agency-b", "agency-c"])
        self.assertEqual(shared.status_code, 201, shared.content)
        body = self.call("get", self.url(), user=self.dpo).json()
        self.assertEqual(
            [d["recipients"] for d in body["disclosures"] if d["kind"] == "contribution"],
            [["agency-b", "agency-c"]],
        )

    def test_its_events_are_cursor_paginated(self):
        for _n in range(3):
            self.call("get", self.file_url(), user=self.partner)
        self.login(self.dpo)
        first = self.client.get(self.url() + "?page_size=2").json()
        self.assertEqual(len(first["events"]), 2)
        second = self.client.get(first["next"]).json()
        self.assertTrue(second["events"])
        self.assertNotEqual(first["events"], second["events"])

    def test_only_the_dpo_and_only_for_their_organisations_persons(self):
        self.assertEqual(self.call("get", self.url(), user=self.partner).status_code, 403)
        elsewhere = make_person("Bo Elsewhere", None)
        make_file(elsewhere, self.org_b, self.partner_b)
        self.assertEqual(self.call("get", self.url(elsewhere), user=self.dpo).status_code, 404)


class SchemaNamesTest(SimpleTestCase):
    def test_its_schema_names_are_not_taken_by_another_module(self):
        """The OpenAPI components are keyed by class name: a clash silently documents one
        module's schema in place of the other's."""
        modules = (
            cases.api.file_schemas,
            cases.api.sharing_schemas,
            network.api.schemas,
            plans.api,
            platforms.api,
        )
        names = Counter(
            name
            for module in modules
            for name, value in vars(module).items()
            if isinstance(value, type)
            and issubclass(value, Schema)
            and value.__module__ == module.__name__
        )
        self.assertEqual([name for name, count in names.items() if count > 1], [])
