"""Platforms through the API: the same access rules, form and service as the pages."""

import json

from accounts.services import create_api_token
from audit.models import AuditEvent
from platforms.models import Meeting
from platforms.tests.base import PlatformCase


class PlatformApiTest(PlatformCase):
    def send(self, method, url, body=None, user=None, scope="read_write"):
        headers = {}
        if user is not None:
            _token, secret = create_api_token(user, name="t", scope=scope)
            headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        call = getattr(self.client, method)
        if body is None:
            return call(url, **headers)
        return call(url, data=json.dumps(body), content_type="application/json", **headers)

    def test_the_public_lists_public_platforms_and_their_organisations(self):
        listed = self.client.get("/api/v1/platforms").json()
        self.assertEqual([p["key"] for p in listed], ["flemish"])
        self.assertEqual(listed[0]["coordinator"], "agency-a")
        members = self.client.get("/api/v1/platforms/flemish/members").json()
        self.assertEqual([m["organisation"] for m in members], ["agency-a", "agency-b"])
        self.assertEqual({m["post"] for m in members}, {None})
        self.assertEqual(self.client.get("/api/v1/platforms/livc").status_code, 404)
        self.assertEqual(self.client.get("/api/v1/platforms/livc/meetings").status_code, 401)

    def test_members_see_seats_and_meetings(self):
        listed = self.send("get", "/api/v1/platforms", user=self.reader).json()
        self.assertEqual([p["key"] for p in listed], ["flemish", "livc"])
        members = self.send("get", "/api/v1/platforms/livc/members", user=self.reader).json()
        self.assertEqual(members[0]["holder"], "Rita Referent")
        self.assertEqual(members[0]["post"], str(self.post_a.uuid))
        meetings = self.send("get", "/api/v1/platforms/livc/meetings", user=self.reader).json()
        self.assertEqual(
            [m["title"] for m in meetings], ["Working arrangements", "Quarterly meeting"]
        )
        held = meetings[0]
        self.assertEqual(held["decisions"], ["We meet every quarter."])
        self.assertEqual(held["actions"][0]["owner"], "agency-a")
        self.assertEqual(held["agenda"][0]["title"], "The charter")
        url = f"/api/v1/platforms/livc/meetings/{self.held.uuid}"
        self.assertEqual(self.send("get", url, user=self.reader).json()["status"], "held")

    def test_outsiders_get_a_404_for_meetings(self):
        url = "/api/v1/platforms/livc/meetings"
        self.assertEqual(self.send("get", url, user=self.contact_b).status_code, 404)
        url = "/api/v1/platforms/flemish/meetings"  # visible, but B is a member
        self.assertEqual(self.send("get", url, user=self.contact_b).status_code, 200)
        url = f"/api/v1/platforms/flemish/meetings/{self.held.uuid}"  # not its meeting
        self.assertEqual(self.send("get", url, user=self.coordinator).status_code, 404)

    def test_a_coordinator_schedules_a_meeting(self):
        body = {
            "title": {"fr": "Réunion de printemps"},
            "starts_at": "2030-03-12T14:00:00+01:00",
            "ends_at": "2030-03-12T16:00:00+01:00",
            "location": "Namur",
            "agenda": ["Accueil", "Charte"],
        }
        response = self.send("post", "/api/v1/platforms/livc/meetings", body, self.coordinator)
        self.assertEqual(response.status_code, 201, response.content)
        created = response.json()
        self.assertEqual(created["starts_at"], "2030-03-12T13:00:00Z")
        self.assertEqual([a["title"] for a in created["agenda"]], ["Accueil", "Charte"])
        self.assertTrue(AuditEvent.objects.filter(action="meeting.scheduled").exists())

    def test_bad_input_is_a_400_and_nothing_is_written(self):
        body = {
            "title": {"en": "Backwards"},
            "starts_at": "2030-03-12T16:00:00Z",
            "ends_at": "2030-03-12T14:00:00Z",
        }
        response = self.send("post", "/api/v1/platforms/livc/meetings", body, self.coordinator)
        self.assertEqual(response.status_code, 400)
        self.assertIn("ends_at", response.json()["errors"])
        response = self.send(
            "post", "/api/v1/platforms/livc/meetings", {"title": "x"}, self.coordinator
        )
        self.assertEqual(response.status_code, 422)
        self.assertEqual(Meeting.objects.count(), 2)

    def test_who_may_schedule(self):
        body = {
            "title": {"en": "X"},
            "starts_at": "2030-03-12T14:00:00Z",
            "ends_at": "2030-03-12T16:00:00Z",
        }
        url = "/api/v1/platforms/livc/meetings"
        self.assertEqual(self.send("post", url, body, self.reader).status_code, 403)
        self.assertEqual(self.send("post", url, body, self.contact_b).status_code, 404)
        read_only = self.send("post", url, body, self.coordinator, scope="read")
        self.assertEqual(read_only.status_code, 403)
        self.assertEqual(Meeting.objects.count(), 2)
