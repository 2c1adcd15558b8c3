import json
from pathlib import Path

from django.test import override_settings
from django.urls import reverse

from accounts import services as account_services
from accounts.models import TokenScope
from audit.models import AuditEvent
from core.testing import Personas, make_item
from plans import services
from plans.models import Indicator, ItemKind, UpdateState

SNAPSHOT = Path(__file__).resolve().parents[2] / "config" / "openapi.json"


class PublicApiTest(Personas):
    def test_it_lists_measures_of_adopted_plans_without_authentication(self):
        response = self.client.get("/api/v1/measures", {"plan": "plan-a"})
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual([m["code"] for m in body["results"]], ["1.1", "1.2"])
        first = body["results"][0]
        self.assertEqual(first["type"], "B")
        self.assertEqual(first["actors"][0]["organisation"], "agency-a")
        self.assertEqual(first["actors"][0]["role"], "coordination")
        self.assertEqual(first["ministers"][0]["key"], "welfare")
        line = first["budget_lines"][0]
        self.assertEqual(line["amount"], "1000.00")
        self.assertEqual(line["original_text"], "1.000 € (2017)")
        self.assertEqual(
            set(line),
            {
                "mode",
                "amount",
                "currency",
                "periodicity",
                "period_start",
                "period_end",
                "source",
                "fte",
                "label",
                "original_text",
            },
        )
        self.assertIn("indicators", first)

    def test_it_never_lists_draft_measures_publicly(self):
        make_item(self.draft, "9.9", ItemKind.MEASURE, None, 1, measure_type="N")
        body = self.client.get("/api/v1/measures").json()
        self.assertNotIn("9.9", [m["code"] for m in body["results"]])
        self.assertEqual(self.client.get("/api/v1/plans/draft-a").status_code, 404)

    def test_it_pages_with_a_cursor_and_a_next_link(self):
        first = self.client.get("/api/v1/measures", {"plan": "plan-a", "page_size": 1}).json()
        self.assertEqual([m["code"] for m in first["results"]], ["1.1"])
        second = self.client.get(first["next"]).json()
        self.assertEqual([m["code"] for m in second["results"]], ["1.2"])
        self.assertIsNone(second["next"])

    def test_it_filters_measures(self):
        body = self.client.get("/api/v1/measures", {"type": "N"}).json()
        self.assertEqual([m["code"] for m in body["results"]], ["1.2"])
        body = self.client.get("/api/v1/measures", {"actor": "agency-a"}).json()
        self.assertEqual([m["code"] for m in body["results"]], ["1.1"])

    def test_it_lists_in_a_constant_number_of_queries(self):
        Indicator.objects.create(item=self.measure, name={"en": "Trained"}, target=10)
        with self.assertNumQueries(6):
            self.client.get("/api/v1/measures")
        for n in range(15):
            extra = make_item(
                self.plan, f"2.{n}", ItemKind.MEASURE, self.action, 20 + n, measure_type="V"
            )
            Indicator.objects.create(item=extra, name={"en": f"I{n}"}, target=n)
        with self.assertNumQueries(6):
            self.client.get("/api/v1/measures")

    def test_it_gives_the_plan_tree_with_rolled_up_progress(self):
        body = self.client.get("/api/v1/plans/plan-a").json()
        self.assertEqual([i["code"] for i in body["items"]], ["L1", "A1", "1.1", "1.2"])
        self.assertEqual(body["progress"], 0.0)

    def test_it_refuses_a_bad_token_even_on_public_endpoints(self):
        response = self.client.get("/api/v1/measures", HTTP_AUTHORIZATION="Bearer syn_nope")
        self.assertEqual(response.status_code, 401)

    def test_it_answers_404_as_json(self):
        response = self.client.get("/api/v1/measures/999999")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json(), {"detail": "Not found."})


class WriteApiTest(Personas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.round = services.open_round(
            cls.plan, acting_user=cls.coordinator, name="R1", period="2018", deadline=cls.future()
        )
        _t, cls.rw_secret = account_services.create_api_token(
            cls.contact_a, name="rw", scope=TokenScope.READ_WRITE
        )
        _t, cls.ro_secret = account_services.create_api_token(
            cls.contact_a, name="ro", scope=TokenScope.READ
        )
        _t, cls.coord_secret = account_services.create_api_token(
            cls.coordinator, name="c", scope=TokenScope.READ_WRITE
        )
        _t, cls.b_secret = account_services.create_api_token(
            cls.contact_b, name="b", scope=TokenScope.READ_WRITE
        )

    def put(self, secret, code="1.1", **overrides):
        update = self.round.updates.get(item__code=code)
        payload = {
            "status": "in_progress",
            "percent": 55,
            "narrative": "API report",
            "evidence_links": ["https://example.org/x"],
            "version": update.version,
            "submit": True,
            **overrides,
        }
        return self.client.put(
            f"/api/v1/rounds/{self.round.pk}/updates/{code}",
            data=json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    def test_it_requires_authentication_for_rounds(self):
        response = self.client.get(f"/api/v1/rounds/{self.round.pk}/updates")
        self.assertEqual(response.status_code, 401)

    def test_it_lets_a_contact_point_submit_through_the_api(self):
        response = self.put(self.rw_secret)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["state"], UpdateState.SUBMITTED)
        event = AuditEvent.objects.get(action="update.submitted")
        self.assertEqual(event.actor, self.contact_a)

    def test_it_refuses_writes_with_a_read_only_token(self):
        self.assertEqual(self.put(self.ro_secret).status_code, 403)
        self.assertEqual(self.round.updates.get(item__code="1.1").state, UpdateState.DRAFT)

    def test_it_hides_another_organisations_update(self):
        self.assertEqual(self.put(self.b_secret).status_code, 404)

    def test_it_forbids_the_coordinator_to_write_an_update(self):
        self.assertEqual(self.put(self.coord_secret).status_code, 403)

    def test_it_returns_field_messages_for_bad_input(self):
        response = self.put(self.rw_secret, percent=250, status="bogus")
        self.assertEqual(response.status_code, 400)
        errors = response.json()["errors"]
        self.assertIn("percent", errors)
        self.assertIn("status", errors)
        self.assertEqual(self.round.updates.get(item__code="1.1").percent, 0)

    def test_it_returns_422_for_a_malformed_body(self):
        response = self.client.put(
            f"/api/v1/rounds/{self.round.pk}/updates/1.1",
            data="{not json",
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.rw_secret}",
        )
        self.assertIn(response.status_code, (400, 422))
        self.assertIn("detail", response.json())

    def test_it_reports_a_version_conflict(self):
        update = self.round.updates.get(item__code="1.1")
        self.put(self.rw_secret, submit=False)
        response = self.put(self.rw_secret, version=update.version)
        self.assertEqual(response.status_code, 409)

    def test_it_lets_the_coordinator_publish(self):
        self.put(self.rw_secret)
        response = self.client.post(
            f"/api/v1/rounds/{self.round.pk}/updates/1.1/review",
            data=json.dumps({"decision": "publish"}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.coord_secret}",
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.measure.refresh_from_db()
        self.assertEqual(self.measure.current_progress, 55)

    def test_it_lets_the_coordinator_open_a_round(self):
        response = self.client.post(
            "/api/v1/plans/plan-a/rounds",
            data=json.dumps(
                {"name": "R2", "period": "2019", "deadline": self.future().isoformat()}
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {self.coord_secret}",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["name"], "R2")

    def test_it_refuses_session_calls_without_csrf(self):
        self.login(self.contact_a)
        update = self.round.updates.get(item__code="1.1")
        response = self.client_class(enforce_csrf_checks=True)
        response.force_login(self.contact_a)
        answer = response.put(
            f"/api/v1/rounds/{self.round.pk}/updates/1.1",
            data=json.dumps({"status": "in_progress", "percent": 5, "version": update.version}),
            content_type="application/json",
        )
        self.assertIn(answer.status_code, (401, 403))


class OpenApiSnapshotTest(Personas):
    @override_settings(LANGUAGE_CODE="en")
    def test_it_matches_the_committed_schema(self):
        current = self.client.get("/api/v1/openapi.json").json()
        committed = json.loads(SNAPSHOT.read_text())
        self.assertEqual(
            current,
            committed,
            "The API changed. If intended, run: "
            ".venv/bin/python manage.py export_openapi_schema --api config.api.api "
            "--indent 2 --output config/openapi.json",
        )

    def test_it_serves_the_documentation_from_our_own_host(self):
        response = self.client.get("/api/v1/docs")
        self.assertContains(response, "/static/ninja/swagger-ui-bundle.js")
        self.assertNotContains(response, "cdn.")


class NulCharacterTest(Personas):
    """PostgreSQL refuses NUL characters in text: they must give a 400, never a 500."""

    def test_it_refuses_nul_in_query_and_path(self):
        for url in (
            "/api/v1/measures?q=a%00b",
            "/api/v1/plans/a%00b",
            "/plans/?q=%00",
            "/plans/plan-a/?q=x%00",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 400)

    def test_it_refuses_nul_in_json_and_form_bodies(self):
        self.login(self.coordinator)
        response = self.client.patch(
            f"/api/v1/measures/{self.measure.pk}",
            content_type="application/json",
            data='{"version": 1, "reporting_organisation": "a\\u0000b"}',
        )
        self.assertEqual(response.status_code, 400)
        response = self.client.post(
            reverse("plans:measure_edit", args=["plan-a", "1.1"]),
            {
                "title_en": "x",
                "measure_type": "B",
                "version": "1",
                "reporting_organisation": "a\x00b",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.measure.refresh_from_db()
        self.assertEqual(self.measure.title["en"], "Item 1.1")
