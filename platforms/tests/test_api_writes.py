"""Writing platforms through the API: members, meetings and their agenda, minutes,
decisions and actions, with the same access rules, forms and services as the pages.
Out of sight is a 404, in sight but not allowed a 403, refused input a 400 (form) or a 422
(schema) with the errors by field; nothing is written then."""

import datetime
import json

from django.utils import timezone

from accounts.services import create_api_token
from audit.models import AuditEvent
from platforms.models import AgendaItem, Membership
from platforms.tests.base import PlatformCase, make_meeting


def written():
    """Audit rows of this app (logging in writes its own)."""
    return AuditEvent.objects.filter(target_type__startswith="platforms.")


class ApiCase(PlatformCase):
    def send(self, method, url, body, user=None, scope="read_write"):
        headers = {}
        if user is not None:
            _token, secret = create_api_token(user, name="t", scope=scope)
            headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        call = getattr(self.client, method)
        if body is None:
            return call(url, **headers)
        return call(url, data=json.dumps(body), content_type="application/json", **headers)

    def meeting_url(self, meeting, rest="", key="livc"):
        return f"/api/v1/platforms/{key}/meetings/{meeting.uuid}{rest}"

    def writes(self):
        """One call to each write endpoint of this module, with valid input."""
        return [
            (
                "post",
                "/api/v1/platforms/livc/members",
                {"organisation": "agency-b", "starts_on": "2024-01-01"},
            ),
            (
                "post",
                f"/api/v1/platforms/livc/members/{self.seat.pk}/end",
                {"ends_on": "2024-01-01"},
            ),
            ("patch", self.meeting_url(self.upcoming), {"location": "Namur"}),
            ("put", self.meeting_url(self.held, "/minutes"), {"status": "held", "minutes": "x"}),
            ("post", self.meeting_url(self.held, "/decisions"), {"text": "We agree."}),
            ("post", self.meeting_url(self.held, "/actions"), {"title": "X", "owner": "agency-b"}),
            (
                "post",
                self.meeting_url(self.held, f"/actions/{self.action.pk}/done"),
                {"done_on": "2030-01-02"},
            ),
        ]


class WhoMayWriteTest(ApiCase):
    def check_every_write(self, expected, **who):
        for method, url, body in self.writes():
            with self.subTest(method=method, url=url):
                response = self.send(method, url, body, **who)
                self.assertEqual(response.status_code, expected, response.content)
        self.assertFalse(written())

    def test_anonymous_visitors_get_a_401(self):
        self.check_every_write(401)

    def test_another_organisation_gets_a_404(self):
        self.check_every_write(404, user=self.contact_b)  # B has left the LIVC-R

    def test_a_member_who_may_not_manage_gets_a_403(self):
        self.check_every_write(403, user=self.reader)

    def test_a_read_only_token_gets_a_403(self):
        self.check_every_write(403, user=self.coordinator, scope="read")

    def test_a_visible_platform_the_user_may_not_manage_is_a_403(self):
        response = self.send(
            "post",
            "/api/v1/platforms/flemish/members",
            {"organisation": "agency-b", "starts_on": "2024-01-01"},
            self.contact_b,
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response.json()["detail"], "You may not do this.")

    def test_a_meeting_or_action_of_another_platform_or_meeting_is_a_404(self):
        for method, url, body in (
            ("patch", self.meeting_url(self.upcoming, key="flemish"), {"location": "X"}),
            ("post", self.meeting_url(self.held, "/decisions", key="flemish"), {"text": "Y"}),
            (
                "post",
                self.meeting_url(self.upcoming, f"/actions/{self.action.pk}/done"),
                {"done_on": "2030-01-02"},
            ),
            (
                "post",
                f"/api/v1/platforms/flemish/members/{self.seat.pk}/end",
                {"ends_on": "2024-01-01"},
            ),
            ("post", f"/api/v1/platforms/livc/members/{2**70}/end", {"ends_on": "2024-01-01"}),
            (
                "post",
                self.meeting_url(self.held, f"/actions/{2**70}/done"),
                {"done_on": "2030-01-02"},
            ),
        ):
            with self.subTest(url=url):
                response = self.send(method, url, body, self.coordinator)
                self.assertEqual(response.status_code, 404, response.content)
        self.assertFalse(written())


class MembershipApiTest(ApiCase):
    def add(self, user=None, **data):
        body = {"organisation": "agency-b", "role": "observer", "starts_on": "2024-01-01", **data}
        return self.send("post", "/api/v1/platforms/livc/members", body, user or self.coordinator)

    def test_a_coordinator_adds_a_member_through_a_post_with_its_audit_row(self):
        response = self.add(post=str(self.private_post_b.uuid))
        self.assertEqual(response.status_code, 201, response.content)
        created = response.json()
        membership = Membership.objects.get(platform=self.livc, post=self.private_post_b)
        self.assertEqual(created["id"], membership.pk)
        self.assertEqual(created["role"], "observer")
        self.assertEqual(created["post"], str(self.private_post_b.uuid))
        event = AuditEvent.objects.get(action="platform.member_added")
        self.assertEqual(event.actor, self.coordinator)
        self.assertEqual(event.target_id, str(self.livc.pk))
        self.assertEqual(event.changes["organisation"], [None, "agency-b"])

    def test_form_errors_are_a_400_by_field_and_nothing_is_written(self):
        for data, field in (
            ({"post": str(self.post_a.uuid)}, "post"),  # a post of agency A for agency B
            ({"post": "00000000-0000-0000-0000-000000000000"}, "post"),
            ({"organisation": "nobody"}, "organisation"),
            ({"role": "king"}, "role"),
            ({"ends_on": "2023-01-01"}, "ends_on"),
        ):
            with self.subTest(data=data):
                response = self.add(**data)
                self.assertEqual(response.status_code, 400, response.content)
                self.assertEqual(response.json()["detail"], "The data is not valid.")
                self.assertIn(field, response.json()["errors"])
        self.assertEqual(Membership.objects.filter(platform=self.livc).count(), 2)
        self.assertFalse(written())

    def test_a_body_that_does_not_fit_the_schema_is_a_422(self):
        for data in ({"starts_on": "yesterday"}, {"post": "not-a-uuid"}, {"organisation": None}):
            with self.subTest(data=data):
                response = self.add(**data)
                self.assertEqual(response.status_code, 422, response.content)
                self.assertTrue(response.json()["errors"])
        self.assertFalse(written())

    def test_a_coordinator_ends_a_membership_with_its_audit_row(self):
        url = f"/api/v1/platforms/livc/members/{self.seat.pk}/end"
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        response = self.send("post", url, {"ends_on": yesterday.isoformat()}, self.coordinator)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["ends_on"], yesterday.isoformat())
        event = AuditEvent.objects.get(action="platform.member_ended")
        self.assertEqual(event.actor, self.coordinator)
        self.assertEqual(event.changes["ends_on"], [None, yesterday.isoformat()])
        members = self.send("get", "/api/v1/platforms/livc/members", None, self.reader).json()
        self.assertNotIn(self.seat.pk, [m["id"] for m in members])

    def test_an_end_before_the_start_is_a_400(self):
        url = f"/api/v1/platforms/livc/members/{self.seat.pk}/end"
        response = self.send("post", url, {"ends_on": "2019-12-31"}, self.coordinator)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(
            response.json()["errors"], {"ends_on": ["The end cannot come before the start."]}
        )
        self.assertFalse(written())


class MeetingPatchTest(ApiCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        AgendaItem.objects.create(meeting=cls.upcoming, position=1, title="Welcome")
        AgendaItem.objects.create(
            meeting=cls.upcoming, position=2, title="Budget", notes="Figures of 2025"
        )

    def patch(self, body, meeting=None, user=None):
        url = self.meeting_url(meeting or self.upcoming)
        return self.send("patch", url, body, user or self.coordinator)

    def test_a_coordinator_changes_the_place_and_the_agenda_with_one_audit_row(self):
        agenda = [
            {"title": "Budget", "notes": "Figures of 2025 and 2026"},
            {"title": "Welcome"},
            {"title": "Any other business"},
        ]
        response = self.patch({"location": "Namur", "agenda": agenda})
        self.assertEqual(response.status_code, 200, response.content)
        changed = response.json()
        self.assertEqual(changed["location"], "Namur")
        self.assertEqual(
            [(a["position"], a["title"], a["notes"]) for a in changed["agenda"]],
            [
                (1, "Budget", "Figures of 2025 and 2026"),
                (2, "Welcome", ""),
                (3, "Any other business", ""),
            ],
        )
        event = AuditEvent.objects.get(action="meeting.updated")
        self.assertEqual(event.actor, self.coordinator)
        self.assertEqual(event.target_id, str(self.upcoming.pk))
        self.assertEqual(set(event.changes), {"location", "agenda"})
        self.assertEqual(
            event.changes["agenda"][0],
            [{"title": "Welcome", "notes": ""}, {"title": "Budget", "notes": "Figures of 2025"}],
        )

    def test_only_the_languages_given_change_and_the_agenda_stays_when_left_out(self):
        response = self.patch({"title": {"fr": "Réunion trimestrielle"}})
        self.assertEqual(response.status_code, 200, response.content)
        self.upcoming.refresh_from_db()
        self.assertEqual(
            self.upcoming.title, {"en": "Quarterly meeting", "fr": "Réunion trimestrielle"}
        )
        self.assertEqual(
            list(self.upcoming.agenda_items.values_list("title", flat=True)), ["Welcome", "Budget"]
        )
        event = AuditEvent.objects.get(action="meeting.updated")
        self.assertEqual(set(event.changes), {"title"})

    def test_an_empty_agenda_clears_it_and_nothing_changed_writes_nothing(self):
        self.assertEqual(self.patch({"location": "Town hall"}).status_code, 200)
        self.assertFalse(written())
        response = self.patch({"agenda": []})
        self.assertEqual(response.json()["agenda"], [])
        self.assertEqual(written().get().changes["agenda"][1], [])

    def test_a_meeting_that_was_held_or_has_started_does_not_change(self):
        started = make_meeting(self.livc, "Started", 0)  # starts now: still planned
        for meeting in (self.held, started):
            with self.subTest(meeting=meeting.display_title):
                response = self.patch({"location": "Elsewhere"}, meeting)
                self.assertEqual(response.status_code, 400, response.content)
                self.assertEqual(
                    response.json()["errors"],
                    {
                        "__all__": [
                            "A meeting can be changed only while it is planned and before "
                            "it starts."
                        ]
                    },
                )
        self.assertFalse(written())

    def test_form_errors_are_a_400_by_field_and_nothing_is_written(self):
        starts = self.upcoming.starts_at
        for body, field in (
            ({"ends_at": (starts - datetime.timedelta(hours=1)).isoformat()}, "ends_at"),
            ({"title": {"en": ""}}, "title_nl"),
            ({"starts_at": "0001-01-01T00:00:00+01:00"}, "starts_at"),  # not a 500
            ({"ends_at": "9999-12-31T23:00:00-05:00"}, "ends_at"),
            ({"location": "x" * 201}, "location"),
            ({"agenda": [{"title": "x" * 301}]}, "agenda.0"),
            ({"agenda": [{"title": "Fine"}, {"title": "", "notes": "Orphan"}]}, "agenda.1"),
            ({"agenda": [{"title": f"Item {i}"} for i in range(51)]}, "agenda"),
        ):
            with self.subTest(field=field):
                response = self.patch(body)
                self.assertEqual(response.status_code, 400, response.content)
                self.assertIn(field, response.json()["errors"])
        self.assertFalse(written())

    def test_a_body_that_does_not_fit_the_schema_is_a_422(self):
        for body in ({"starts_at": "soon"}, {"agenda": ["welcome"]}, {"agenda": [{"notes": "x"}]}):
            with self.subTest(body=body):
                self.assertEqual(self.patch(body).status_code, 422)
        self.assertFalse(written())


class MinutesDecisionsActionsApiTest(ApiCase):
    def test_a_coordinator_records_the_minutes_with_their_audit_row(self):
        url = self.meeting_url(self.upcoming, "/minutes")
        body = {"status": "held", "minutes": "Done.", "approved": True}
        response = self.send("put", url, body, self.coordinator)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["status"], "held")
        self.assertIsNotNone(response.json()["minutes_approved_at"])
        event = AuditEvent.objects.get(action="meeting.minutes_recorded")
        self.assertEqual(event.actor, self.coordinator)
        self.assertEqual(set(event.changes), {"minutes", "status", "minutes_approved_at"})

    def test_bad_minutes_are_refused(self):
        url = self.meeting_url(self.upcoming, "/minutes")
        response = self.send("put", url, {"status": "postponed"}, self.coordinator)
        self.assertEqual(response.status_code, 400)
        self.assertIn("status", response.json()["errors"])
        response = self.send("put", url, {"minutes": "No status"}, self.coordinator)
        self.assertEqual(response.status_code, 422)
        self.assertFalse(written())

    def test_a_coordinator_records_a_decision_with_its_audit_row(self):
        url = self.meeting_url(self.held, "/decisions")
        response = self.send("post", url, {"text": "We agree."}, self.coordinator)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["text"], "We agree.")
        event = AuditEvent.objects.get(action="meeting.decision_recorded")
        self.assertEqual(event.changes["decision"], [None, response.json()["id"]])

    def test_an_empty_or_long_decision_is_a_400(self):
        url = self.meeting_url(self.held, "/decisions")
        for text in ("", "  ", "x" * 4001):
            with self.subTest(length=len(text)):
                response = self.send("post", url, {"text": text}, self.coordinator)
                self.assertEqual(response.status_code, 400)
                self.assertIn("text", response.json()["errors"])
        self.assertFalse(written())

    def test_a_coordinator_records_an_action_with_its_audit_row(self):
        url = self.meeting_url(self.held, "/actions")
        body = {"title": "Write to the mayor", "owner": "agency-b", "due_on": "2030-01-01"}
        response = self.send("post", url, body, self.coordinator)
        self.assertEqual(response.status_code, 201, response.content)
        created = response.json()
        self.assertEqual((created["owner"], created["due_on"]), ("agency-b", "2030-01-01"))
        self.assertIsNone(created["done_on"])
        event = AuditEvent.objects.get(action="meeting.action_recorded")
        self.assertEqual(event.changes["owner"], [None, "agency-b"])

    def test_bad_actions_are_refused(self):
        url = self.meeting_url(self.held, "/actions")
        response = self.send("post", url, {"title": "X", "owner": "nobody"}, self.coordinator)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()["errors"]), {"owner"})
        body = {"title": "X", "owner": "agency-b", "due_on": "31/31/2030"}
        self.assertEqual(self.send("post", url, body, self.coordinator).status_code, 422)
        self.assertFalse(written())

    def test_an_action_is_marked_done_once(self):
        url = self.meeting_url(self.held, f"/actions/{self.action.pk}/done")
        response = self.send("post", url, {"done_on": "2030-01-02"}, self.coordinator)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["done_on"], "2030-01-02")
        again = self.send("post", url, {"done_on": "2030-01-03"}, self.coordinator)
        self.assertEqual(again.json()["done_on"], "2030-01-02")
        event = AuditEvent.objects.get(action="meeting.action_done")
        self.assertEqual(event.actor, self.coordinator)
        self.assertEqual(self.send("post", url, {}, self.coordinator).status_code, 422)
