"""Case consultations through the API: the same access rules, forms, services and audit
rows as the pages. Outside the cell and one's invitations a 404, in sight but not allowed a
403 (and the content closed to an invited participant until they sign), refused input a 400
(form, in the request's language) or a 422 (schema) with nothing changed, a stale version a
409 with the current one; persons by handle, their identity only through the identity
operation; the sheet after step-up through a TOTP code in X-Synergie-OTP."""

import datetime
import json
import time
from collections import Counter

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import SimpleTestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from ninja import Schema

import cases.api.file_schemas
import cases.api.sharing_schemas
import consultations.api.schemas
import network.api.schemas
import plans.api
import platforms.api
from accounts.middleware import MFA_OK_KEY
from accounts.services import create_api_token
from audit.models import AuditEvent
from cases.tests.base import make_file, make_person
from consultations import services
from consultations.models import (
    AgendaCase,
    Attendance,
    CaseAction,
    Consensus,
    InformationSheet,
    Invitation,
    Meeting,
    MeetingStatus,
    Minutes,
    Seat,
)
from consultations.tests.base import ConsultationPersonas, share
from core.testing import TOTP_SECRET

API = "/api/v1/consultations"
NAMES = ("Pat Example", "Quinn Sample", "1990-05-17", "90051712345")


def current_code() -> str:
    """The persona's current TOTP code (every persona with MFA shares TOTP_SECRET)."""
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def events(action: str, **lookup):
    return AuditEvent.objects.filter(action=action, **lookup)


class ApiCase(ConsultationPersonas):
    def login(self, user):
        """A browser session that passed its second factor."""
        self.client.force_login(user)
        session = self.client.session
        session[MFA_OK_KEY] = True
        session.save()

    def setUp(self):
        cache.clear()  # a TOTP code is accepted once; tests must not share used codes

    def call(self, method, url, body=None, *, user=None, **headers):
        if user is not None:
            self.login(user)
        send = getattr(self.client, method)
        if body is None:
            return send(url, **headers)
        return send(url, data=json.dumps(body), content_type="application/json", **headers)

    def meeting_url(self, rest="", meeting=None):
        return f"{API}/meetings/{(meeting or self.meeting).uuid}{rest}"

    def case_url(self, rest="", case=None):
        case = case or self.pat_case
        return self.meeting_url(f"/cases/{case.pk}{rest}", case.meeting)

    def schedule(self, days: int = 7) -> Meeting:
        start = timezone.now() + datetime.timedelta(days=days)
        return services.schedule_meeting(
            self.cell,
            {
                "starts_at": start,
                "ends_at": start + datetime.timedelta(hours=2),
                "location": "Town hall",
                "chair": self.mayor,
                "secretary": self.prevention,
            },
            acting_user=self.prevention,
        )

    def prepare_consensus(self):
        Attendance.objects.filter(meeting=self.meeting, seat=Seat.MEMBER).update(present=True)
        AgendaCase.objects.filter(pk=self.pat_case.pk).update(discussed=True, summary="Talked")
        self.pat_case.refresh_from_db()

    def member_seats(self) -> list[Attendance]:
        return list(Attendance.objects.filter(meeting=self.meeting, seat=Seat.MEMBER))

    def assert_no_identity(self, response):
        for secret in NAMES:
            self.assertNotIn(secret, response.content.decode())


class WhoSeesWhatTest(ApiCase):
    def test_it_refuses_anonymous_callers_and_logs_nothing(self):
        for method, url in [
            ("get", f"{API}/meetings"),
            ("get", self.meeting_url()),
            ("get", self.case_url()),
            ("post", self.case_url("/identity")),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.call(method, url).status_code, 401)
        self.assertFalse(AuditEvent.objects.exists())

    def test_it_lists_the_meetings_of_ones_cells_and_invitations_only(self):
        elsewhere = Meeting.objects.create(
            cell=self.other_cell,
            starts_at=self.meeting.starts_at,
            ends_at=self.meeting.ends_at,
            location="Liège",
            chair=self.police_other,
            secretary=self.police_other,
            created_by=self.police_other,
        )
        rows = self.call("get", f"{API}/meetings", user=self.police).json()["results"]
        self.assertEqual([r["id"] for r in rows], [str(self.meeting.uuid)])
        self.assertEqual((rows[0]["member"], rows[0]["must_sign"]), (True, False))
        rows = self.call("get", f"{API}/meetings", user=self.police_other).json()["results"]
        self.assertEqual([r["id"] for r in rows], [str(elsewhere.uuid)])
        rows = self.call("get", f"{API}/meetings", user=self.partner_b).json()["results"]
        self.assertEqual([(r["member"], r["must_sign"]) for r in rows], [(False, True)])
        self.sign()
        rows = self.call("get", f"{API}/meetings").json()["results"]
        self.assertEqual([(r["member"], r["must_sign"]) for r in rows], [(False, False)])
        for user in (self.officer, self.coordinator, self.admin, self.dpo):
            with self.subTest(user=user.email):
                rows = self.call("get", f"{API}/meetings", user=user).json()["results"]
                self.assertEqual(rows, [])

    def test_it_lists_the_cells_one_sits_in_with_their_members(self):
        cells = self.call("get", f"{API}/cells", user=self.prevention).json()
        self.assertEqual([c["key"] for c in cells], ["namur-livc"])
        self.assertTrue(cells[0]["can_prepare"])
        self.assertEqual(
            {m["email"] for m in cells[0]["members"]},
            {self.mayor.email, self.police.email, self.prevention.email},
        )
        self.assertFalse(
            self.call("get", f"{API}/cells", user=self.police).json()[0]["can_prepare"]
        )
        self.assertEqual(self.call("get", f"{API}/cells", user=self.partner_b).json(), [])

    def test_it_shows_members_the_agenda_by_handle_and_the_register_and_logs_each_person(self):
        response = self.call("get", self.meeting_url(), user=self.police)
        body = response.json()
        self.assertEqual(
            [c["handle"] for c in body["agenda"]], [self.person.handle, self.quinn.handle]
        )
        self.assertEqual(len(body["attendance"]), 4)
        self.assertEqual(
            (body["member"], body["can_prepare"], body["can_chair"]), (True, False, False)
        )
        self.assert_no_identity(response)
        subjects = set(
            events("consultation.agenda.read", actor=self.police).values_list("subject", flat=True)
        )
        self.assertEqual(subjects, {str(self.person.uuid), str(self.quinn.uuid)})

    def test_it_keeps_the_content_closed_to_an_invited_participant_until_they_sign(self):
        body = self.call("get", self.meeting_url(), user=self.partner_b).json()
        self.assertEqual((body["must_sign"], body["agenda"], body["attendance"]), (True, [], None))
        self.assertEqual(body["location"], "Town hall")
        response = self.call("get", self.case_url())
        self.assertEqual(response.status_code, 403)
        self.assertIn("declaration", response.json()["detail"])
        self.assertEqual(self.call("post", self.case_url("/identity")).status_code, 403)
        self.assertFalse(events("consultation.agenda.read").exists())
        self.assertFalse(events("consultation.case.read").exists())

    def test_it_shows_a_signed_participant_their_case_only(self):
        self.sign()
        body = self.call("get", self.meeting_url(), user=self.partner_b).json()
        self.assertEqual([c["handle"] for c in body["agenda"]], [self.person.handle])
        self.assertIsNone(body["attendance"])
        response = self.call("get", self.case_url())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["contributions"][0]["text"], "Pat left school in March.")
        self.assertIsNone(response.json()["consensus"])
        self.assertIsNone(response.json()["invitations"])
        self.assertEqual(self.call("get", self.case_url(case=self.quinn_case)).status_code, 404)
        denied = events("consultation.case.denied", actor=self.partner_b).get()
        self.assertEqual(denied.target_id, str(self.quinn_case.pk))
        self.assertEqual(self.call("get", self.meeting_url("/minutes")).status_code, 403)

    def test_it_hides_the_meeting_from_everybody_else(self):
        for user in (self.officer, self.coordinator, self.admin, self.dpo, self.police_other):
            with self.subTest(user=user.email):
                self.login(user)
                for url in (self.meeting_url(), self.case_url(), self.meeting_url("/minutes")):
                    self.assertEqual(self.call("get", url).status_code, 404)
        self.assertFalse(events("consultation.case.read").exists())

    def test_it_drops_a_police_member_whose_clearance_expired(self):
        self.police_post.clearance_expires_on = timezone.localdate() - datetime.timedelta(days=1)
        self.police_post.save()
        self.assertEqual(self.call("get", self.meeting_url(), user=self.police).status_code, 404)

    def test_it_answers_404_to_absurd_ids(self):
        self.login(self.mayor)
        for url in (
            self.meeting_url("/cases/99999999999999999999999"),
            self.meeting_url("/cases/0"),
            f"{API}/actions/99999999999999999999999/done",
            f"{API}/meetings/00000000-0000-0000-0000-000000000000",
            f"{API}/sheets/00000000-0000-0000-0000-000000000000",
        ):
            with self.subTest(url=url):
                method = "post" if url.endswith("/done") else "get"
                response = self.call(method, url, {} if method == "post" else None)
                self.assertEqual(response.status_code, 404, response.content[:200])
        # not even an id: the schema refuses it
        self.assertEqual(self.call("get", f"{API}/meetings/not-a-uuid").status_code, 422)


class CaseTest(ApiCase):
    def test_it_gives_the_case_by_handle_with_contributions_and_logs_the_read(self):
        CaseAction.objects.create(
            case=self.pat_case,
            person=self.person,
            cell=self.cell,
            text="Contact the school",
            owner=self.org_a,
            due_on=self.future(),
        )
        upcoming = self.schedule()
        carried = AgendaCase.objects.get(meeting=upcoming)
        response = self.call("get", self.case_url(case=carried), user=self.mayor)
        body = response.json()
        self.assertEqual(body["handle"], self.person.handle)
        self.assertEqual(body["carried_from"], str(self.meeting.uuid))
        self.assertEqual(
            [(c["legal_basis"], c["organisation"]) for c in body["contributions"]],
            [("case_consultation", "agency-a")],
        )
        self.assertEqual([a["text"] for a in body["open_actions"]], ["Contact the school"])
        self.assertEqual(body["open_actions"][0]["meeting"], str(self.meeting.uuid))
        self.assertEqual(body["actions"], [])
        self.assertTrue(body["entitled_to_identity"])
        self.assertEqual(body["invitations"], [])
        self.assert_no_identity(response)
        event = events("consultation.case.read", actor=self.mayor).get()
        self.assertEqual(event.subject, str(self.person.uuid))

    def test_it_leaves_out_a_withdrawn_contribution(self):
        self.pat_shared.withdrawn_at = timezone.now()
        self.pat_shared.save()
        body = self.call("get", self.case_url(), user=self.mayor).json()
        self.assertEqual(body["contributions"], [])

    def test_it_reveals_the_identity_only_on_request_and_logs_it(self):
        response = self.call("post", self.case_url("/identity"), user=self.mayor)
        self.assertEqual(
            response.json(),
            {
                "handle": self.person.handle,
                "name": "Pat Example",
                "date_of_birth": "1990-05-17",
                "municipality": "Namur",
            },
        )
        event = events("consultation.identity.revealed").get()
        self.assertEqual(
            (event.subject, event.actor, event.via), (str(self.person.uuid), self.mayor, "api")
        )
        self.assertNotIn("Pat", json.dumps(event.changes))

    def test_it_reveals_the_identity_to_the_signed_participant_of_that_case_only(self):
        self.sign()
        self.login(self.partner_b)
        self.assertEqual(self.call("post", self.case_url("/identity")).status_code, 200)
        response = self.call("post", self.case_url("/identity", case=self.quinn_case))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(events("consultation.identity.revealed").count(), 1)

    def test_it_records_the_discussion_with_a_version(self):
        url = self.case_url("/discussion")
        body = {"summary": "Pat is doing better.", "decisions": "Follow up", "discussed": True}
        response = self.call("put", url, {**body, "version": 1}, user=self.prevention)
        self.assertEqual(response.json(), {**body, "version": 2})
        self.pat_case.refresh_from_db()
        self.assertEqual((self.pat_case.summary, self.pat_case.discussed), (body["summary"], True))
        event = events("consultation.case.discussed").get()
        self.assertEqual(event.subject, str(self.person.uuid))
        stale = self.call("put", url, {**body, "summary": "Other", "version": 1})
        self.assertEqual(stale.status_code, 409)
        self.assertEqual(stale.json()["current_version"], 2)
        self.assertEqual(stale.json()["current"]["summary"], body["summary"])
        self.pat_case.refresh_from_db()
        self.assertEqual(self.pat_case.summary, body["summary"])

    def test_it_refuses_a_bad_discussion_and_changes_nothing(self):
        self.login(self.prevention)
        url = self.case_url("/discussion")
        for body, status in [
            ({"summary": "x" * 20001, "version": 1}, 400),
            ({"summary": "x", "version": 0}, 400),
            ({"summary": "x"}, 422),
            ({"summary": ["x"], "version": 1}, 422),
            ({"summary": "x", "version": "one"}, 422),
        ]:
            with self.subTest(body=str(body)[:40]):
                self.assertEqual(self.call("put", url, body).status_code, status)
        self.pat_case.refresh_from_db()
        self.assertEqual((self.pat_case.summary, self.pat_case.version), ("", 1))

    def test_it_lets_only_the_meetings_chair_and_secretary_write(self):
        self.sign()
        for user in (self.police, self.partner_b):
            with self.subTest(user=user.email):
                response = self.call(
                    "put", self.case_url("/discussion"), {"summary": "x", "version": 1}, user=user
                )
                self.assertEqual(response.status_code, 403)
        self.assertFalse(events("consultation.case.discussed").exists())

    def test_it_adds_an_action_and_marks_it_done(self):
        self.login(self.prevention)
        due = self.future()
        response = self.call(
            "post",
            self.case_url("/actions"),
            {"text": "Call the family", "owner": "agency-b", "due_on": str(due)},
        )
        self.assertEqual(response.status_code, 201)
        action = CaseAction.objects.get()
        self.assertEqual(
            (action.owner, action.due_on, action.person), (self.org_b, due, self.person)
        )
        self.assertEqual(response.json()["meeting"], str(self.meeting.uuid))
        done = self.call(
            "post", f"{API}/actions/{action.pk}/done", {"follow_up": "Called on Monday"}
        )
        self.assertEqual(done.status_code, 200)
        self.assertEqual(done.json()["done_on"], str(timezone.localdate()))
        action.refresh_from_db()
        self.assertEqual(action.follow_up, "Called on Monday")
        self.assertEqual(events("consultation.action.done").get().subject, str(self.person.uuid))

    def test_it_refuses_a_bad_action_and_adds_nothing(self):
        self.login(self.prevention)
        url = self.case_url("/actions")
        past = str(timezone.localdate() - datetime.timedelta(days=1))
        for body, status in [
            ({"text": "x", "owner": "nobody", "due_on": str(self.future())}, 400),
            ({"text": "", "owner": "agency-a", "due_on": str(self.future())}, 400),
            ({"text": "x", "owner": "agency-a", "due_on": past}, 400),
            ({"text": "x", "owner": "agency-a", "due_on": "2999-01-01"}, 400),
            ({"text": "x", "owner": "agency-a", "due_on": "tomorrow"}, 422),
            ({"text": "x", "owner": 12, "due_on": str(self.future())}, 422),
        ]:
            with self.subTest(body=body):
                response = self.call("post", url, body)
                self.assertEqual(response.status_code, status)
        self.assertFalse(CaseAction.objects.exists())

    def test_it_refuses_a_future_follow_up_and_an_action_of_another_cell(self):
        action = CaseAction.objects.create(
            case=self.pat_case,
            person=self.person,
            cell=self.cell,
            text="Contact the school",
            owner=self.org_a,
            due_on=self.future(),
        )
        url = f"{API}/actions/{action.pk}/done"
        response = self.call("post", url, {"done_on": str(self.future())}, user=self.prevention)
        self.assertEqual(response.status_code, 400)
        self.assertIn("done_on", response.json()["errors"])
        self.assertEqual(self.call("post", url, {}, user=self.police).status_code, 403)
        self.assertEqual(self.call("post", url, {}, user=self.police_other).status_code, 404)
        action.refresh_from_db()
        self.assertIsNone(action.done_on)

    def test_it_invites_a_professional_for_one_case(self):
        self.login(self.prevention)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.call(
                "post",
                self.case_url("/invitations", case=self.quinn_case),
                {"email": "Colleague@A.test", "reason": "Knows Quinn"},
            )
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["email"], self.colleague.email)
        self.assertTrue(
            Attendance.objects.filter(
                meeting=self.meeting, user=self.colleague, seat=Seat.INVITED
            ).exists()
        )
        self.assertEqual(len(mail.outbox), 1)
        self.assertNotIn(self.quinn.handle, mail.outbox[0].body)

    def test_it_refuses_a_bad_invitation_and_invites_nobody(self):
        self.login(self.prevention)
        url = self.case_url("/invitations")
        for body, status in [
            ({"email": "nobody@nowhere.test", "reason": "x"}, 400),
            ({"email": "", "reason": "x"}, 400),
            ({"email": self.colleague.email, "reason": ""}, 400),
            ({"email": self.colleague.email, "reason": "   "}, 400),
            ({"email": self.police.email, "reason": "x"}, 400),  # a member
            ({"email": self.partner_b.email, "reason": "x"}, 400),  # already invited
            ({"email": self.reader.email, "reason": "x"}, 400),  # no second factor
            ({"email": None, "reason": "x"}, 422),
        ]:
            with self.subTest(body=body):
                self.assertEqual(self.call("post", url, body).status_code, status)
        self.assertEqual(Invitation.objects.count(), 1)
        self.assertEqual(
            self.call(
                "post", url, {"email": self.colleague.email, "reason": "x"}, user=self.police
            ).status_code,
            403,
        )


class MeetingTest(ApiCase):
    def schedule_body(self, **extra):
        start = timezone.localtime() + datetime.timedelta(days=10)
        return {
            "starts_at": start.isoformat(),
            "ends_at": (start + datetime.timedelta(hours=2)).isoformat(),
            "location": "Town hall",
            "chair": self.mayor.email,
            "secretary": "Prevention@City.test",
            **extra,
        }

    def test_it_schedules_a_meeting_with_the_register_and_a_mail_without_persons(self):
        self.login(self.prevention)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.call("post", f"{API}/cells/namur-livc/meetings", self.schedule_body())
        self.assertEqual(response.status_code, 201)
        meeting = Meeting.objects.get(uuid=response.json()["id"])
        self.assertEqual(response.json()["secretary"], self.prevention.email)
        self.assertEqual(
            set(meeting.attendance.values_list("user", flat=True)),
            {self.mayor.pk, self.police.pk, self.prevention.pk},
        )
        self.assertEqual(len(mail.outbox), 3)
        self.assertNotIn(self.person.handle, mail.outbox[0].body)
        self.assertTrue(events("consultation.meeting.scheduled", actor=self.prevention).exists())

    def test_it_refuses_a_bad_meeting_and_schedules_nothing(self):
        self.login(self.prevention)
        url = f"{API}/cells/namur-livc/meetings"
        start = timezone.localtime() + datetime.timedelta(days=10)
        for extra, status, field in [
            ({"ends_at": (start - datetime.timedelta(hours=1)).isoformat()}, 400, "ends_at"),
            ({"chair": self.officer.email}, 400, "chair"),
            ({"secretary": ""}, 400, "secretary"),
            ({"location": ""}, 400, "location"),
            ({"location": "x" * 201}, 400, "location"),
            ({"starts_at": "9999-12-31T23:00:00+00:00"}, 400, "starts_at"),
            ({"starts_at": "next week"}, 422, "payload.starts_at"),
            ({"chair": 42}, 422, "payload.chair"),
        ]:
            with self.subTest(extra=extra):
                response = self.call("post", url, self.schedule_body(**extra))
                self.assertEqual(response.status_code, status)
                self.assertIn(field, response.json()["errors"])
        self.assertEqual(Meeting.objects.count(), 1)

    def test_it_answers_the_schedule_in_the_users_language(self):
        self.login(self.prevention)
        start = timezone.localtime() + datetime.timedelta(days=10)
        body = self.schedule_body(ends_at=(start - datetime.timedelta(hours=1)).isoformat())
        url = f"{API}/cells/namur-livc/meetings"
        english = self.call("post", url, body, HTTP_ACCEPT_LANGUAGE="en")
        self.assertIn("The meeting must end after it starts.", english.json()["errors"]["ends_at"])
        french = self.call("post", url, body, HTTP_ACCEPT_LANGUAGE="fr")
        self.assertNotEqual(french.json()["detail"], english.json()["detail"])

    def test_it_lets_only_those_who_prepare_schedule(self):
        url = f"{API}/cells/namur-livc/meetings"
        self.assertEqual(
            self.call("post", url, self.schedule_body(), user=self.police).status_code, 403
        )
        for user in (self.police_other, self.officer, self.admin):
            with self.subTest(user=user.email):
                response = self.call("post", url, self.schedule_body(), user=user)
                self.assertEqual(response.status_code, 404)
        self.assertEqual(
            self.call(
                "post",
                f"{API}/cells/liege-livc/meetings",
                self.schedule_body(),
                user=self.prevention,
            ).status_code,
            404,
        )
        self.assertEqual(Meeting.objects.count(), 1)

    def test_it_changes_a_meeting_with_its_version(self):
        self.login(self.mayor)
        response = self.call("patch", self.meeting_url(), {"location": "Room 2", "version": 1})
        self.assertEqual(response.status_code, 200)
        self.assertEqual((response.json()["location"], response.json()["version"]), ("Room 2", 2))
        stale = self.call("patch", self.meeting_url(), {"location": "Room 3", "version": 1})
        self.assertEqual(stale.status_code, 409)
        self.assertEqual(stale.json()["current_version"], 2)
        for body, status in [
            ({"chair": self.officer.email, "version": 2}, 400),
            ({"location": None, "version": 2}, 400),
            ({"location": "Room 4"}, 422),
        ]:
            with self.subTest(body=body):
                self.assertEqual(self.call("patch", self.meeting_url(), body).status_code, status)
        self.meeting.refresh_from_db()
        self.assertEqual((self.meeting.location, self.meeting.version), ("Room 2", 2))
        self.assertEqual(
            self.call(
                "patch", self.meeting_url(), {"location": "x", "version": 2}, user=self.police
            ).status_code,
            403,
        )

    def test_it_marks_a_meeting_held_or_cancelled(self):
        self.login(self.prevention)
        response = self.call("post", self.meeting_url("/status"), {"status": "held"})
        self.assertEqual(response.json()["status"], "held")
        upcoming = self.schedule()
        url = self.meeting_url("/status", upcoming)
        self.assertEqual(self.call("post", url, {"status": "held"}).status_code, 400)
        self.assertEqual(self.call("post", url, {"status": "postponed"}).status_code, 400)
        self.assertEqual(self.call("post", url, {"status": ""}).status_code, 400)
        self.assertEqual(
            self.call("post", url, {"status": "cancelled"}, user=self.police).status_code, 403
        )
        self.assertEqual(
            self.call("post", url, {"status": "cancelled"}, user=self.mayor).status_code, 200
        )
        upcoming.refresh_from_db()
        self.assertEqual(upcoming.status, MeetingStatus.CANCELLED)

    def test_it_serves_the_calendar_without_persons(self):
        response = self.call("get", self.meeting_url("/calendar"), user=self.partner_b)
        body = response.content.decode()
        self.assertEqual(response["Content-Type"], "text/calendar")
        self.assertIn("Town hall", body)
        self.assertNotIn(self.person.handle, body)

    def test_it_lets_the_invited_participant_sign_the_declaration(self):
        self.login(self.partner_b)
        refused = self.call("post", self.meeting_url("/declaration"), {"agree": False})
        self.assertEqual(refused.status_code, 400)
        self.assertIn("agree", refused.json()["errors"])
        self.assertEqual(self.call("post", self.meeting_url("/declaration"), {}).status_code, 422)
        response = self.call("post", self.meeting_url("/declaration"), {"agree": True})
        self.assertEqual(response.json()["version"], "2026-1")
        seat = Attendance.objects.get(meeting=self.meeting, user=self.partner_b)
        self.assertIsNotNone(seat.declaration_signed_at)
        self.assertTrue(events("consultation.declaration.signed", actor=self.partner_b).exists())
        member = self.call(
            "post", self.meeting_url("/declaration"), {"agree": True}, user=self.mayor
        )
        self.assertEqual(member.status_code, 400)
        self.assertIsNone(
            Attendance.objects.get(meeting=self.meeting, user=self.mayor).declaration_signed_at
        )

    def test_it_records_attendance_and_an_invited_participant_only_after_signing(self):
        self.login(self.prevention)
        url = self.meeting_url("/attendance")
        everyone = [seat.pk for seat in Attendance.objects.filter(meeting=self.meeting)]
        response = self.call("put", url, {"present": everyone})
        self.assertEqual(response.status_code, 400)
        self.assertIn("sign the confidentiality declaration", json.dumps(response.json()))
        for body, status in [
            ({"present": [99999999999999999999]}, 400),
            ({"present": [-1]}, 400),
            ({"present": ["x"]}, 422),
            ({"present": "all"}, 422),
        ]:
            with self.subTest(body=body):
                self.assertEqual(self.call("put", url, body).status_code, status)
        self.assertFalse(Attendance.objects.filter(present=True).exists())
        self.sign()
        response = self.call("put", url, {"present": everyone})
        self.assertEqual([s["present"] for s in response.json()], [True] * 4)
        self.assertEqual(self.call("put", url, {"present": []}, user=self.police).status_code, 403)


class AgendaTest(ApiCase):
    def test_it_puts_only_persons_shared_with_the_cell_on_the_agenda(self):
        upcoming = self.schedule()
        self.login(self.prevention)
        url = self.meeting_url("/cases", upcoming)
        for body, status in [
            ({"handle": self.minor.handle, "presented_by": "city"}, 400),
            ({"handle": "", "presented_by": "city"}, 400),
            ({"handle": self.person.handle, "presented_by": "agency-b"}, 400),
            ({"handle": self.person.handle, "presented_by": ""}, 400),
            ({"handle": 7, "presented_by": "city"}, 422),
        ]:
            with self.subTest(body=body):
                self.assertEqual(self.call("post", url, body).status_code, status)
        self.assertFalse(upcoming.cases.exists())
        response = self.call("post", url, {"handle": self.person.handle, "presented_by": "city"})
        self.assertEqual(response.status_code, 201)
        self.assertEqual(
            {k: response.json()[k] for k in ("handle", "presented_by", "position")},
            {"handle": self.person.handle, "presented_by": "city", "position": 1},
        )
        again = self.call("post", url, {"handle": self.person.handle, "presented_by": "city"})
        self.assertEqual(again.status_code, 400)
        self.assertEqual(upcoming.cases.count(), 1)
        self.assertEqual(events("consultation.case.added").get().subject, str(self.person.uuid))

    def test_it_takes_a_case_off_the_agenda_unless_actions_were_decided(self):
        self.login(self.prevention)
        self.assertEqual(
            self.call("delete", self.case_url(case=self.quinn_case), user=self.police).status_code,
            403,
        )
        self.assertEqual(
            self.call(
                "delete", self.case_url(case=self.quinn_case), user=self.prevention
            ).status_code,
            204,
        )
        self.assertFalse(AgendaCase.objects.filter(pk=self.quinn_case.pk).exists())
        CaseAction.objects.create(
            case=self.pat_case,
            person=self.person,
            cell=self.cell,
            text="Contact the school",
            owner=self.org_a,
            due_on=self.future(),
        )
        self.assertEqual(self.call("delete", self.case_url()).status_code, 400)
        self.assertTrue(AgendaCase.objects.filter(pk=self.pat_case.pk).exists())

    def test_it_refuses_the_agenda_to_a_member_who_does_not_prepare_it(self):
        response = self.call(
            "post",
            self.meeting_url("/cases"),
            {"handle": self.person.handle, "presented_by": "city"},
            user=self.police,
        )
        self.assertEqual(response.status_code, 403)


class ConsensusTest(ApiCase):
    def test_it_asks_consensus_only_after_discussion_and_only_the_police_member(self):
        url = self.case_url("/consensus")
        response = self.call("post", url, {"purpose": "Threat assessment"}, user=self.police)
        self.assertEqual(response.status_code, 400)
        self.prepare_consensus()
        self.assertEqual(self.call("post", url, {"purpose": "x"}, user=self.mayor).status_code, 403)
        self.assertEqual(
            self.call("post", url, {"purpose": " "}, user=self.police).status_code, 400
        )
        self.assertFalse(Consensus.objects.exists())
        response = self.call("post", url, {"purpose": "Threat assessment"}, user=self.police)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["status"], "open")
        self.assertEqual(self.call("post", url, {"purpose": "Again"}).status_code, 400)
        self.assertEqual(Consensus.objects.count(), 1)

    def test_it_makes_the_sheet_when_every_member_present_agrees(self):
        self.prepare_consensus()
        services.request_consensus(self.pat_case, "Threat assessment", acting_user=self.police)
        url = self.case_url("/consensus/answers")
        answers = {str(seat.pk): True for seat in self.member_seats()}
        self.assertEqual(
            self.call("post", url, {"answers": answers}, user=self.police).status_code, 403
        )
        response = self.call("post", url, {"answers": answers}, user=self.mayor)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        sheet = InformationSheet.objects.get()
        self.assertEqual((body["status"], body["sheet"]), ("reached", str(sheet.uuid)))
        self.assertEqual(len(body["answers"]), 3)
        case = self.call("get", self.case_url()).json()
        self.assertEqual(case["consensus"]["sheet"], str(sheet.uuid))
        self.assertEqual(self.call("post", url, {"answers": answers}).status_code, 400)

    def test_it_makes_no_sheet_when_one_member_disagrees(self):
        self.prepare_consensus()
        services.request_consensus(self.pat_case, "Threat assessment", acting_user=self.police)
        seats = self.member_seats()
        answers = {str(seat.pk): seat.user_id != self.police.pk for seat in seats}
        response = self.call(
            "post", self.case_url("/consensus/answers"), {"answers": answers}, user=self.mayor
        )
        self.assertEqual(
            (response.json()["status"], response.json()["sheet"]), ("not_reached", None)
        )
        self.assertFalse(InformationSheet.objects.exists())

    def test_it_needs_the_answer_of_every_member_present_and_no_other(self):
        self.prepare_consensus()
        consensus = services.request_consensus(
            self.pat_case, "Threat assessment", acting_user=self.police
        )
        seats = self.member_seats()
        self.login(self.mayor)
        url = self.case_url("/consensus/answers")
        everyone = {str(seat.pk): True for seat in seats}
        for answers, status in [
            ({str(seats[0].pk): True}, 400),
            ({**everyone, str(self.invited_seat.pk): True}, 400),
            ({**everyone, "99999999999999999999": True}, 400),
            ({}, 400),
            ({**everyone, "abc": True}, 422),
            ({str(seats[0].pk): "perhaps"}, 422),
        ]:
            with self.subTest(answers=answers):
                self.assertEqual(self.call("post", url, {"answers": answers}).status_code, status)
        consensus.refresh_from_db()
        self.assertEqual(consensus.status, "open")
        self.assertFalse(consensus.votes.exists())

    def test_it_has_no_answers_to_record_without_an_open_consensus(self):
        self.prepare_consensus()
        answers = {str(seat.pk): True for seat in self.member_seats()}
        response = self.call(
            "post", self.case_url("/consensus/answers"), {"answers": answers}, user=self.mayor
        )
        self.assertEqual(response.status_code, 400)


class SheetTest(ApiCase):
    def setUp(self):
        super().setUp()
        self.prepare_consensus()
        consensus = services.request_consensus(
            self.pat_case, "Threat assessment", acting_user=self.police
        )
        answers = {seat.pk: True for seat in self.member_seats()}
        services.record_votes(consensus, answers, acting_user=self.mayor)
        self.sheet = InformationSheet.objects.get()
        self.url = f"{API}/sheets/{self.sheet.uuid}"

    def test_it_gives_the_police_member_the_sheet_after_step_up_watermarked_and_logged(self):
        self.login(self.police)
        refused = self.call("get", self.url)
        self.assertEqual(refused.status_code, 403)
        self.assertIn("X-Synergie-OTP", refused.json()["detail"])
        self.assertEqual(self.call("get", self.url, HTTP_X_SYNERGIE_OTP="000000").status_code, 403)
        self.assertFalse(events("consultation.sheet.downloaded").exists())
        response = self.call("get", self.url, HTTP_X_SYNERGIE_OTP=current_code())
        self.assertEqual(response.status_code, 200)
        text = response.content.decode()
        for mark in ("Threat assessment", str(self.sheet.uuid), self.police.email, "Pat Example"):
            self.assertIn(mark, text)
        self.assertIn("no-cache", response["Cache-Control"])
        self.assertIn("attachment", response["Content-Disposition"])
        event = events("consultation.sheet.downloaded").get()
        self.assertEqual((event.subject, event.actor), (str(self.person.uuid), self.police))

    def test_it_refuses_the_sheet_to_the_other_members_and_hides_it_from_everybody_else(self):
        for user in (self.mayor, self.prevention):
            with self.subTest(user=user.email):
                cache.clear()
                response = self.call("get", self.url, user=user, HTTP_X_SYNERGIE_OTP=current_code())
                self.assertEqual(response.status_code, 403)
        for user in (self.police_other, self.partner_b, self.officer, self.admin, self.dpo):
            with self.subTest(user=user.email):
                cache.clear()
                response = self.call("get", self.url, user=user, HTTP_X_SYNERGIE_OTP=current_code())
                self.assertEqual(response.status_code, 404)
        self.assertFalse(events("consultation.sheet.downloaded").exists())


class MinutesTest(ApiCase):
    def test_it_writes_the_minutes_of_a_held_meeting_and_approves_them_at_the_next(self):
        self.login(self.prevention)
        url = self.meeting_url("/minutes")
        before = self.call("get", url).json()
        self.assertEqual((before["written"], before["editable"]), (False, False))
        self.assertEqual(self.call("put", url, {"text": "The cell met."}).status_code, 400)
        services.set_status(self.meeting, "held", acting_user=self.prevention)
        self.assertTrue(self.call("get", url).json()["editable"])
        response = self.call("put", url, {"text": "The cell met."})
        self.assertEqual(
            (response.json()["text"], response.json()["version"]), ("The cell met.", 1)
        )
        stale = self.call("put", url, {"text": "Other", "version": None})
        self.assertEqual(stale.status_code, 409)
        changed = self.call("put", url, {"text": "The cell met twice.", "version": 1})
        self.assertEqual(changed.json()["version"], 2)
        self.assertEqual(self.call("put", url, {"text": "", "version": 2}).status_code, 400)
        self.assertEqual(
            self.call("put", url, {"text": "x", "version": 2}, user=self.police).status_code, 403
        )
        read = self.call("get", url, user=self.police)
        self.assertEqual(read.json()["text"], "The cell met twice.")
        self.assertTrue(events("consultation.minutes.read", actor=self.police, via="api").exists())

        start = timezone.now() - datetime.timedelta(minutes=5)
        later = Meeting.objects.create(
            cell=self.cell,
            starts_at=start + datetime.timedelta(days=30),
            ends_at=start + datetime.timedelta(days=30, hours=1),
            location="Town hall",
            chair=self.mayor,
            secretary=self.prevention,
            created_by=self.prevention,
        )
        approve = self.meeting_url("/minutes/approve", later)
        self.assertEqual(self.call("post", approve, user=self.mayor).status_code, 400)  # not yet
        Meeting.objects.filter(pk=later.pk).update(
            starts_at=timezone.now() - datetime.timedelta(minutes=5)
        )
        self.assertEqual(self.call("post", approve, user=self.prevention).status_code, 403)
        response = self.call("post", approve, user=self.mayor)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["approved_in"], str(later.uuid))
        self.assertEqual(response.json()["meeting"], str(self.meeting.uuid))
        self.assertEqual(self.call("post", approve).status_code, 400)  # already approved
        self.login(self.prevention)
        self.assertEqual(
            self.call("put", url, {"text": "Rewritten", "version": 2}).status_code, 400
        )
        self.assertEqual(Minutes.objects.get().text, "The cell met twice.")

    def test_it_keeps_the_minutes_from_invited_participants(self):
        self.sign()
        services.set_status(self.meeting, "held", acting_user=self.prevention)
        self.login(self.partner_b)
        self.assertEqual(self.call("get", self.meeting_url("/minutes")).status_code, 403)
        self.assertEqual(
            self.call("put", self.meeting_url("/minutes"), {"text": "x"}).status_code, 403
        )
        self.assertFalse(Minutes.objects.exists())


class TokenTest(ApiCase):
    def test_a_read_only_token_reads_but_changes_nothing(self):
        _token, secret = create_api_token(self.prevention, name="t", scope="read")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        self.assertEqual(self.client.get(self.meeting_url(), **auth).status_code, 200)
        response = self.client.put(
            self.case_url("/discussion"),
            data=json.dumps({"summary": "x", "version": 1}),
            content_type="application/json",
            **auth,
        )
        self.assertEqual(response.status_code, 403)
        self.pat_case.refresh_from_db()
        self.assertEqual(self.pat_case.summary, "")


class QueryCountTest(ApiCase):
    def add_cases(self, meeting: Meeting, count: int, start: int) -> None:
        for n in range(start, start + count):
            person = make_person(f"Extra {n}", None)
            share(make_file(person, self.org_a, self.officer), self.officer, "x", self.cell)
            AgendaCase.objects.create(
                meeting=meeting, person=person, position=10 + n, presented_by=self.org_a
            )

    def queries(self, url: str) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(captured), len(response.content)

    def test_its_meeting_costs_the_same_queries_with_more_cases_and_seats(self):
        self.login(self.police)
        self.client.get(self.meeting_url())  # the session's first request stores its start
        few, small = self.queries(self.meeting_url())
        self.add_cases(self.meeting, 5, 0)
        for n in range(3):
            Attendance.objects.create(
                meeting=self.meeting,
                user=self.make_guest(n),
                organisation=self.org_b,
                seat=Seat.INVITED,
            )
        many, large = self.queries(self.meeting_url())
        self.assertGreater(large, small)
        self.assertEqual(few, many)

    def make_guest(self, n: int):
        from core.testing import make_user

        return make_user(f"guest{n}@b.test", self.org_b, mfa=True)

    def test_its_meeting_list_costs_the_same_queries_with_more_meetings(self):
        self.login(self.police)
        url = f"{API}/meetings"
        self.client.get(url)
        few, _small = self.queries(url)
        for n in range(6):
            start = timezone.now() + datetime.timedelta(days=n + 1)
            Meeting.objects.create(
                cell=self.cell,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=1),
                location="Town hall",
                chair=self.mayor,
                secretary=self.prevention,
                created_by=self.prevention,
            )
        many, _large = self.queries(url)
        self.assertEqual(len(self.client.get(url).json()["results"]), 7)
        self.assertEqual(few, many)

    def test_its_case_costs_the_same_queries_with_more_contributions_and_actions(self):
        self.login(self.mayor)
        self.client.get(self.case_url())
        few, _small = self.queries(self.case_url())
        for n in range(4):
            share(self.file, self.officer, f"More {n}", self.cell)
            CaseAction.objects.create(
                case=self.pat_case,
                person=self.person,
                cell=self.cell,
                text=f"Action {n}",
                owner=self.org_a,
                due_on=self.future(),
            )
        many, _large = self.queries(self.case_url())
        self.assertEqual(few, many)


class SchemaNamesTest(SimpleTestCase):
    def test_its_schema_names_are_not_taken_by_another_module(self):
        """The OpenAPI components are keyed by class name: a clash silently documents one
        module's schema in place of the other's."""
        modules = (
            consultations.api.schemas,
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
        own = [
            name
            for name, value in vars(consultations.api.schemas).items()
            if isinstance(value, type)
            and issubclass(value, Schema)
            and value.__module__ == consultations.api.schemas.__name__
        ]
        self.assertTrue(all(name.startswith("Consultation") for name in own), own)


class PagingTest(ApiCase):
    def test_it_pages_the_meetings_latest_first(self):
        for n in range(3):
            start = timezone.now() + datetime.timedelta(days=n + 1)
            Meeting.objects.create(
                cell=self.cell,
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=1),
                location=f"Room {n}",
                chair=self.mayor,
                secretary=self.prevention,
                created_by=self.prevention,
            )
        self.login(self.mayor)
        url, seen = f"{API}/meetings?page_size=2", []
        while url:
            page = self.client.get(url).json()
            seen += [row["location"] for row in page["results"]]
            url = page["next"]
        self.assertEqual(seen, ["Room 2", "Room 1", "Room 0", "Town hall"])
