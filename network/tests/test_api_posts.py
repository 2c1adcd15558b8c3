"""Posts, appointments and coverage through the API: the same access rules, forms and
services as the pages."""

import json

from django.utils import timezone

from accounts.services import create_api_token
from audit.models import AuditEvent
from core.testing import Personas, make_post
from network import coverage
from network.models import CoverageRule, Post, Professional


class ApiCase(Personas):
    def send(self, method, url, body=None, user=None, scope="read_write"):
        headers = {}
        if user is not None:
            _token, secret = create_api_token(user, name="t", scope=scope)
            headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        call = getattr(self.client, method)
        if body is None:
            return call(url, **headers)
        return call(url, data=json.dumps(body), content_type="application/json", **headers)


class PostApiTest(ApiCase):
    def test_the_public_reads_public_posts_without_emails(self):
        results = self.client.get("/api/v1/posts").json()["results"]
        self.assertEqual([p["holder"]["name"] for p in results], ["Rita Referent"])
        self.assertIsNone(results[0]["holder"]["email"])
        url = f"/api/v1/posts/{self.private_post_b.uuid}"
        self.assertEqual(self.client.get(url).status_code, 404)
        detail = self.client.get(f"/api/v1/posts/{self.post_a.uuid}").json()
        self.assertEqual(detail["holders"], [])  # the history is for professionals

    def test_professionals_see_every_post_clearances_only_when_managing(self):
        body = self.send("get", f"/api/v1/posts/{self.private_post_b.uuid}", user=self.reader)
        self.assertIsNone(body.json()["clearance"])
        body = self.send("get", f"/api/v1/posts/{self.private_post_b.uuid}", user=self.coordinator)
        self.assertEqual(body.json()["clearance"], "secret")
        listed = self.send("get", "/api/v1/posts?vacant=true", user=self.reader).json()
        self.assertEqual([p["title"] for p in listed["results"]], ["Cell member"])

    def test_lists_run_a_constant_number_of_queries(self):
        self.client.get("/api/v1/posts")
        with self.assertNumQueries(1):
            self.client.get("/api/v1/posts")
        for n in range(10):
            person = Professional.objects.create(full_name=f"P {n}", email=f"p{n}@a.test")
            make_post(self.org_a, self.kind, person, is_public=True)
        with self.assertNumQueries(1):
            self.client.get("/api/v1/posts")

    def test_an_editor_adds_a_post_and_appoints_someone(self):
        created = self.send(
            "post",
            "/api/v1/organisations/agency-a/posts",
            {"kind": "reference-person", "capacity": "acting", "area": "Namur"},
            user=self.editor_a,
        )
        self.assertEqual(created.status_code, 201, created.content)
        post_id = created.json()["id"]
        appointed = self.send(
            "post",
            f"/api/v1/posts/{post_id}/appoint",
            {
                "email": "sam@a.test",
                "full_name": "Sam Acting",
                "starts_on": str(timezone.localdate()),
            },
            user=self.editor_a,
        )
        self.assertEqual(appointed.status_code, 200, appointed.content)
        self.assertEqual(appointed.json()["holder"]["name"], "Sam Acting")
        self.assertEqual(len(appointed.json()["holders"]), 1)
        self.assertTrue(AuditEvent.objects.filter(action="post.appointed").exists())
        vacated = self.send(
            "post",
            f"/api/v1/posts/{post_id}/vacate",
            {"ends_on": str(timezone.localdate())},
            user=self.editor_a,
        )
        self.assertIsNone(vacated.json()["holder"])

    def test_bad_input_is_a_400_with_the_field(self):
        url = f"/api/v1/posts/{self.post_a.uuid}/appoint"
        response = self.send(
            "post", url, {"email": "new@a.test", "starts_on": "2020-01-01"}, user=self.editor_a
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("full_name", response.content.decode())
        response = self.send(
            "patch", f"/api/v1/posts/{self.post_a.uuid}", {"kind": "nope"}, user=self.editor_a
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Post.objects.get(pk=self.post_a.pk).kind, self.kind)

    def test_who_may_write(self):
        url = f"/api/v1/posts/{self.post_a.uuid}"
        self.assertEqual(self.send("patch", url, {"area": "X"}).status_code, 401)
        self.assertEqual(self.send("patch", url, {"area": "X"}, user=self.reader).status_code, 403)
        read_only = self.send("patch", url, {"area": "X"}, user=self.editor_a, scope="read")
        self.assertEqual(read_only.status_code, 403)
        other = f"/api/v1/posts/{self.private_post_b.uuid}"
        self.assertEqual(
            self.send("patch", other, {"area": "X"}, user=self.editor_a).status_code, 403
        )
        patched = self.send("patch", url, {"area": "Liège"}, user=self.coordinator_b)
        self.assertEqual(patched.json()["area"], "Liège")


class CoverageApiTest(ApiCase):
    def test_only_network_coordinators_read_rules_and_gaps(self):
        coverage.evaluate(self.rule)
        self.assertEqual(self.send("get", "/api/v1/coverage/gaps").status_code, 401)
        self.assertEqual(
            self.send("get", "/api/v1/coverage/gaps", user=self.reader).status_code, 403
        )
        gaps = self.send("get", "/api/v1/coverage/gaps", user=self.coordinator_b).json()
        self.assertEqual([g["organisation"] for g in gaps["results"]], ["agency-b"])
        closed = self.send("get", "/api/v1/coverage/gaps?state=closed", user=self.coordinator)
        self.assertEqual(closed.json()["results"], [])
        rules = self.send("get", "/api/v1/coverage/rules", user=self.coordinator).json()
        self.assertEqual(rules[0]["kind"], "reference-person")

    def test_a_coordinator_creates_and_changes_a_rule(self):
        created = self.send(
            "post",
            "/api/v1/coverage/rules",
            {
                "name": {"en": "Actors of 1.2"},
                "scope_plan": "plan-a",
                "scope_measure": "1.2",
                "kind": "reference-person",
            },
            user=self.coordinator_b,
        )
        self.assertEqual(created.status_code, 201, created.content)
        rule = created.json()
        self.assertEqual((rule["owner"], rule["scope_measure"]), ("agency-b", "plan-a/1.2"))
        self.assertIsNotNone(rule["evaluated_at"])
        url = f"/api/v1/coverage/rules/{rule['id']}"
        self.assertEqual(
            self.send("patch", url, {"minimum_total": 2}, user=self.coordinator).status_code, 403
        )
        bad = self.send("patch", url, {"minimum_acting": 5}, user=self.coordinator_b)
        self.assertEqual(bad.status_code, 400)
        patched = self.send("patch", url, {"is_active": False}, user=self.coordinator_b)
        self.assertFalse(patched.json()["is_active"])
        self.assertFalse(
            CoverageRule.objects.get(pk=rule["id"]).gaps.filter(closed_at=None).exists()
        )
