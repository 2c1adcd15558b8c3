import json

from django.urls import reverse

from accounts.services import create_api_token
from audit.models import AuditEvent
from core.testing import Personas
from plans.models import Plan, PlanStatus


class PlanCreateTest(Personas):
    def data(self, **overrides):
        return {
            "slug": "local-plan",
            "title_nl": "Lokaal actieplan",
            "title_fr": "",
            "period_start": "2024",
            "period_end": "2026",
            **overrides,
        }

    def test_it_lets_a_coordinator_create_a_draft_for_their_organisation(self):
        self.login(self.coordinator)
        response = self.client.post(reverse("plans:create"), self.data())
        self.assertRedirects(response, reverse("plans:detail", args=["local-plan"]))
        plan = Plan.objects.get(slug="local-plan")
        self.assertEqual((plan.owner, plan.status), (self.org_a, PlanStatus.DRAFT))
        self.assertEqual(plan.title, {"nl": "Lokaal actieplan"})
        self.assertTrue(
            AuditEvent.objects.filter(action="plan.created", target_id=str(plan.pk)).exists()
        )

    def test_it_forbids_contact_points_and_sends_visitors_to_the_login(self):
        self.login(self.contact_a)
        self.assertEqual(self.client.post(reverse("plans:create"), self.data()).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.post(reverse("plans:create"), self.data()).status_code, 302)
        self.assertFalse(Plan.objects.filter(slug="local-plan").exists())

    def test_it_explains_bad_input_and_saves_nothing(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("plans:create"),
            self.data(slug="plan-a", title_nl="", period_start="2030", period_end="2020"),
        )
        self.assertContains(response, "This short name is already used.")
        self.assertContains(response, "Fill in at least one language.")
        self.assertContains(response, "The last year cannot come before the first year.")
        self.assertEqual(Plan.objects.count(), 3)


class PlanEditTest(Personas):
    def test_it_adopts_a_draft_which_then_becomes_public(self):
        self.login(self.coordinator)
        response = self.client.post(reverse("plans:edit", args=["draft-a"]), {"status": "adopted"})
        self.assertRedirects(response, reverse("plans:detail", args=["draft-a"]))
        self.client.logout()
        self.assertEqual(
            self.client.get(reverse("plans:detail", args=["draft-a"])).status_code, 200
        )
        event = AuditEvent.objects.get(action="plan.status_changed")
        self.assertEqual(event.changes, {"status": ["draft", "adopted"]})

    def test_it_forbids_a_coordinator_of_another_organisation(self):
        self.login(self.coordinator_b)
        self.assertEqual(
            self.client.post(
                reverse("plans:edit", args=["plan-a"]), {"status": "closed"}
            ).status_code,
            403,
        )
        self.assertEqual(self.client.get(reverse("plans:edit", args=["draft-a"])).status_code, 404)
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.status, PlanStatus.ADOPTED)

    def test_it_edits_the_titles(self):
        self.login(self.coordinator)
        self.client.post(
            reverse("plans:edit", args=["plan-a"]),
            {"title_en": "Plan A, revised", "period_start": "2017", "period_end": "2020"},
        )
        self.plan.refresh_from_db()
        self.assertEqual(self.plan.title, {"en": "Plan A, revised"})
        self.assertEqual(self.plan.period_end, 2020)


class MeasureEditTest(Personas):
    def data(self, **overrides):
        return {
            "title_en": "Better title",
            "title_nl": "Betere titel",
            "measure_type": "V",
            "reporting_organisation": "agency-b",
            "version": self.measure.version,
            **overrides,
        }

    def test_it_lets_the_coordinator_edit_a_measure(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("plans:measure_edit", args=["plan-a", "1.1"]), self.data()
        )
        self.assertRedirects(response, reverse("plans:measure", args=["plan-a", "1.1"]))
        self.measure.refresh_from_db()
        self.assertEqual(self.measure.measure_type, "V")
        self.assertEqual(self.measure.reporting_organisation, self.org_b)
        self.assertIn("better title", self.measure.search_text)
        event = AuditEvent.objects.get(action="measure.updated")
        self.assertEqual(event.changes["measure_type"], ["B", "V"])

    def test_it_shows_a_conflict_instead_of_overwriting(self):
        self.login(self.coordinator)
        url = reverse("plans:measure_edit", args=["plan-a", "1.1"])
        stale = self.data()
        self.client.post(url, self.data(title_en="First"))
        response = self.client.post(url, {**stale, "title_en": "Second"})
        self.assertEqual(response.status_code, 409)
        self.measure.refresh_from_db()
        self.assertEqual(self.measure.title["en"], "First")

    def test_it_forbids_contact_points(self):
        self.login(self.contact_a)
        url = reverse("plans:measure_edit", args=["plan-a", "1.1"])
        self.assertEqual(self.client.post(url, self.data()).status_code, 403)

    def test_it_refuses_an_unknown_type(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("plans:measure_edit", args=["plan-a", "1.1"]), self.data(measure_type="Z")
        )
        self.assertContains(response, "Select a valid choice.")


class PlanApiWriteTest(Personas):
    def call(self, method, url, payload, user=None, scope="read_write"):
        _token, secret = create_api_token(user or self.coordinator, name="t", scope=scope)
        return getattr(self.client, method)(
            url,
            data=json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )

    def test_it_creates_a_plan(self):
        response = self.call(
            "post",
            "/api/v1/plans",
            {
                "slug": "api-plan",
                "title": {"fr": "Plan communal"},
                "period_start": 2025,
                "period_end": 2027,
            },
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["owner"], "agency-a")
        self.assertEqual(response.json()["status"], "draft")

    def test_it_explains_an_invalid_plan(self):
        response = self.call(
            "post",
            "/api/v1/plans",
            {"slug": "bad slug!", "title": {}, "period_start": 2025, "period_end": 2020},
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(set(response.json()["errors"]), {"slug", "title_nl", "period_end"})

    def test_it_adopts_a_plan_through_patch(self):
        response = self.call("patch", "/api/v1/plans/draft-a", {"status": "adopted"})
        self.assertEqual(response.json()["status"], "adopted")

    def test_it_refuses_an_unknown_status_and_changes_nothing(self):
        response = self.call(
            "patch", "/api/v1/plans/draft-a", {"status": "archived", "period_end": 2023}
        )
        self.assertEqual(response.status_code, 400)
        self.draft.refresh_from_db()
        self.assertEqual((self.draft.status, self.draft.period_end), ("draft", 2022))

    def test_it_patches_a_measure_with_its_version(self):
        response = self.call(
            "patch",
            f"/api/v1/measures/{self.measure.pk}",
            {"version": self.measure.version, "type": "N"},
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["type"], "N")
        stale = self.call(
            "patch",
            f"/api/v1/measures/{self.measure.pk}",
            {"version": self.measure.version, "type": "V"},
        )
        self.assertEqual(stale.status_code, 409)

    def test_it_forbids_measure_changes_to_contact_points(self):
        response = self.call(
            "patch",
            f"/api/v1/measures/{self.measure.pk}",
            {"version": self.measure.version, "type": "N"},
            user=self.contact_a,
        )
        self.assertEqual(response.status_code, 403)


class IndicatorTest(Personas):
    def test_it_lets_the_coordinator_add_edit_and_delete_an_indicator(self):
        self.login(self.coordinator)
        new = reverse("plans:indicator_new", args=["plan-a", "1.1"])
        response = self.client.post(
            new,
            {
                "name_en": "Schools reached",
                "target": "120",
                "target_year": "2019",
                "baseline": "0",
                "baseline_year": "2017",
            },
        )
        self.assertRedirects(response, reverse("plans:measure", args=["plan-a", "1.1"]))
        indicator = self.measure.indicators.get()
        self.assertEqual((indicator.name, indicator.target), ({"en": "Schools reached"}, 120))
        edit = reverse("plans:indicator_edit", args=["plan-a", "1.1", indicator.pk])
        self.client.post(edit, {"name_en": "Schools reached", "target": "150"})
        indicator.refresh_from_db()
        self.assertEqual(indicator.target, 150)
        self.client.post(edit, {"delete": "1"})
        self.assertFalse(self.measure.indicators.exists())
        actions = list(
            AuditEvent.objects.filter(action__startswith="indicator.")
            .order_by("pk")
            .values_list("action", flat=True)
        )
        self.assertEqual(actions, ["indicator.created", "indicator.updated", "indicator.deleted"])

    def test_it_refuses_bad_indicator_input_and_other_people(self):
        self.login(self.coordinator)
        new = reverse("plans:indicator_new", args=["plan-a", "1.1"])
        response = self.client.post(
            new, {"name_en": "", "target": "lots", "baseline_year": "2019", "target_year": "2017"}
        )
        self.assertContains(response, "Fill in at least one language.")
        self.assertContains(response, "Enter a number.")
        self.assertContains(response, "The target year cannot come before the baseline.")
        self.login(self.contact_a)
        self.assertEqual(self.client.post(new, {"name_en": "x"}).status_code, 403)
        self.assertFalse(self.measure.indicators.exists())

    def test_it_manages_indicators_through_the_api(self):
        _token, secret = create_api_token(self.coordinator, name="t", scope="read_write")
        auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        url = f"/api/v1/measures/{self.measure.pk}/indicators"
        created = self.client.post(
            url,
            data=json.dumps({"name": {"nl": "Bereikte scholen"}, "target": "80"}),
            content_type="application/json",
            **auth,
        )
        self.assertEqual(created.status_code, 201, created.content)
        indicator_id = created.json()["id"]
        changed = self.client.put(
            f"{url}/{indicator_id}",
            data=json.dumps({"name": {"nl": "Bereikte scholen"}, "target": "90"}),
            content_type="application/json",
            **auth,
        )
        self.assertEqual(changed.json()["target"], "90.00")
        bad = self.client.post(
            url,
            data=json.dumps({"name": {}, "target_year": 3000}),
            content_type="application/json",
            **auth,
        )
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(self.client.delete(f"{url}/{indicator_id}", **auth).status_code, 204)
        self.assertFalse(self.measure.indicators.exists())


class MeasureEditsShownTest(Personas):
    def test_it_lists_the_edits_to_coordinators_only_and_keeps_the_title_clean(self):
        from plans import services

        services.update_measure(
            self.measure,
            {
                "title": {"en": "Renamed"},
                "summary": {},
                "measure_type": "V",
                "reporting_organisation": self.org_a,
            },
            acting_user=self.coordinator,
            expected_version=self.measure.version,
        )
        url = reverse("plans:measure", args=["plan-a", "1.1"])
        self.login(self.coordinator)
        page = self.client.get(url).content.decode()
        self.assertIn("Changes to the measure", page)
        title = page[page.index("<title>") : page.index("</title>")]
        self.assertNotIn("<", title[7:])
        self.login(self.reader)
        self.assertNotContains(self.client.get(url), "Changes to the measure")


class MeasureDetailsTest(Personas):
    def form(self, **overrides):
        data = {
            "version": self.measure.version,
            "ministers": ["welfare"],
            "actors-TOTAL_FORMS": "2",
            "actors-INITIAL_FORMS": "1",
            "actors-MIN_NUM_FORMS": "0",
            "actors-MAX_NUM_FORMS": "200",
            "actors-0-organisation": "agency-a",
            "actors-0-role": "coordination",
            "actors-1-organisation": "agency-b",
            "actors-1-role": "funder",
            "budget-TOTAL_FORMS": "1",
            "budget-INITIAL_FORMS": "1",
            "budget-MIN_NUM_FORMS": "0",
            "budget-MAX_NUM_FORMS": "50",
            "budget-0-mode": "amount",
            "budget-0-amount": "2500",
            "budget-0-currency": "EUR",
            "budget-0-periodicity": "per_year",
            "budget-0-period_start": "2018",
            "budget-0-period_end": "2019",
            "budget-0-original_text": "2.500 € per year",
        }
        data.update(overrides)
        return data

    def url(self):
        return reverse("plans:measure_details", args=["plan-a", "1.1"])

    def test_it_replaces_actors_ministers_and_budget_lines(self):
        self.login(self.coordinator)
        response = self.client.post(self.url(), self.form())
        self.assertRedirects(response, reverse("plans:measure", args=["plan-a", "1.1"]))
        self.assertEqual(
            list(self.measure.actors.values_list("organisation__key", "role")),
            [("agency-a", "coordination"), ("agency-b", "funder")],
        )
        line = self.measure.budget_lines.get()
        self.assertEqual((line.amount, line.periodicity, line.period_end), (2500, "per_year", 2019))
        self.assertTrue(AuditEvent.objects.filter(action="measure.details_synced").exists())

    def test_it_refuses_bad_rows_and_changes_nothing(self):
        self.login(self.coordinator)
        response = self.client.post(
            self.url(),
            self.form(
                **{
                    "actors-1-organisation": "agency-a",
                    "budget-0-amount": "-5",
                    "budget-0-period_start": "3000",
                }
            ),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Ensure this value is greater than or equal to 0.")
        self.assertEqual(self.measure.budget_lines.get().amount, 1000)
        twice = self.client.post(self.url(), self.form(**{"actors-1-organisation": "agency-a"}))
        self.assertContains(twice, "The organisation agency-a is listed twice.")
        self.assertEqual(self.measure.actors.count(), 1)

    def test_it_forbids_contact_points_and_hides_drafts_of_others(self):
        self.login(self.contact_a)
        self.assertEqual(self.client.post(self.url(), self.form()).status_code, 403)
        self.login(self.coordinator)
        url = reverse("plans:measure_details", args=["draft-b", "1.1"])
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_replaces_the_details_through_the_api(self):
        _token, secret = create_api_token(self.coordinator, name="t", scope="read_write")
        payload = {
            "version": self.measure.version,
            "actors": [{"organisation": "agency-b", "role": "partner"}],
            "ministers": [],
            "budget_lines": [{"mode": "regular_resources"}],
        }
        response = self.client.put(
            f"/api/v1/measures/{self.measure.pk}/details",
            data=json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual([a["organisation"] for a in body["actors"]], ["agency-b"])
        self.assertEqual(body["ministers"], [])
        self.assertEqual(body["budget_lines"][0]["mode"], "regular_resources")
        stale = self.client.put(
            f"/api/v1/measures/{self.measure.pk}/details",
            data=json.dumps(payload),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        self.assertEqual(stale.status_code, 409)
        bad = self.client.put(
            f"/api/v1/measures/{self.measure.pk}/details",
            data=json.dumps(
                {
                    **payload,
                    "version": self.measure.version + 1,
                    "actors": [{"organisation": "ghost", "role": "partner"}],
                }
            ),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        self.assertEqual(bad.status_code, 400)
        self.assertIn("actors", bad.json()["errors"])
