from django.test import override_settings
from django.urls import reverse

from audit.models import AuditEvent
from core.testing import Personas
from plans.models import ProgressUpdate, ReportingRound


class PlanPagesTest(Personas):
    def test_it_shows_an_adopted_plan_to_anonymous_visitors(self):
        response = self.client.get(reverse("plans:detail", args=["plan-a"]))
        self.assertContains(response, "Item 1.1")
        self.assertContains(response, "Item 1.2")

    def test_it_hides_drafts_from_anonymous_visitors(self):
        response = self.client.get(reverse("plans:detail", args=["draft-a"]))
        self.assertEqual(response.status_code, 404)

    def test_it_hides_another_organisations_draft(self):
        self.login(self.coordinator_b)
        response = self.client.get(reverse("plans:detail", args=["draft-a"]))
        self.assertEqual(response.status_code, 404)

    def test_it_shows_the_own_draft_to_its_organisation(self):
        self.login(self.reader)
        response = self.client.get(reverse("plans:detail", args=["draft-a"]))
        self.assertContains(response, "Draft A")

    def test_it_lists_only_visible_plans(self):
        response = self.client.get(reverse("plans:list"))
        self.assertContains(response, "Plan A")
        self.assertNotContains(response, "Draft A")
        self.assertNotContains(response, "Draft B")

    def test_it_filters_the_tree_by_type(self):
        response = self.client.get(reverse("plans:detail", args=["plan-a"]), {"type": "N"})
        self.assertContains(response, "Item 1.2")
        self.assertNotContains(response, "Item 1.1")
        self.assertContains(response, "1 measure matches.")

    def test_it_filters_the_tree_by_actor_and_minister(self):
        url = reverse("plans:detail", args=["plan-a"])
        by_actor = self.client.get(url, {"actor": "agency-b"})
        self.assertContains(by_actor, "Item 1.2")
        self.assertNotContains(by_actor, "Item 1.1")
        by_minister = self.client.get(url, {"minister": "welfare"})
        self.assertContains(by_minister, "Item 1.1")
        self.assertNotContains(by_minister, "Item 1.2")

    def test_it_answers_htmx_with_the_tree_only(self):
        response = self.client.get(
            reverse("plans:detail", args=["plan-a"]), {"q": "1.2"}, HTTP_HX_REQUEST="true"
        )
        self.assertContains(response, "Item 1.2")
        self.assertNotContains(response, "<html")

    def test_it_reports_a_bad_filter_without_failing(self):
        response = self.client.get(
            reverse("plans:detail", args=["plan-a"]), {"actor": "no-such-org", "type": "X"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'role="alert"')

    def test_it_shows_a_measure_with_its_budget_and_ministers(self):
        response = self.client.get(reverse("plans:measure", args=["plan-a", "1.1"]))
        self.assertContains(response, "Minister for Welfare")
        self.assertContains(response, "1.000 € (2017)")
        self.assertContains(response, "Agency A")

    def test_it_answers_404_for_a_measure_of_a_hidden_plan(self):
        response = self.client.get(reverse("plans:measure", args=["draft-b", "1.1"]))
        self.assertEqual(response.status_code, 404)

    def test_it_draws_the_dashboard(self):
        response = self.client.get(reverse("plans:dashboard", args=["plan-a"]))
        self.assertContains(response, "Budget by minister")
        self.assertContains(response, "Minister for Welfare")

    @override_settings(PLANS_CACHE_SECONDS=0)  # count what a cache miss costs
    def test_it_lists_the_tree_in_a_constant_number_of_queries(self):
        url = reverse("plans:detail", args=["plan-a"])
        self.client.get(url)  # warm up content types and sessions
        # plan, filter choices (actors, ministers, lines), items, actors
        with self.assertNumQueries(6):
            self.client.get(url)
        from core.testing import make_item
        from plans.models import ItemKind

        for n in range(20):
            make_item(
                self.plan,
                f"1.{n + 10}",
                ItemKind.MEASURE,
                self.action,
                10 + n,
                measure_type="B",
                reporting_organisation=self.org_a,
            )
        with self.assertNumQueries(6):
            self.client.get(url)


class OpenRoundTest(Personas):
    def url(self, slug="plan-a"):
        return reverse("plans:round_open", args=[slug])

    def data(self, **overrides):
        return {
            "name": "Round 2018",
            "period": "2018",
            "deadline": self.future().isoformat(),
            **overrides,
        }

    def test_it_sends_anonymous_visitors_to_the_login(self):
        response = self.client.post(self.url(), self.data())
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("account_login"), response["Location"])
        self.assertFalse(ReportingRound.objects.exists())

    def test_it_answers_404_for_another_organisations_draft(self):
        self.login(self.coordinator)
        self.assertEqual(self.client.get(self.url("draft-b")).status_code, 404)

    def test_it_forbids_a_coordinator_of_another_organisation(self):
        self.login(self.coordinator_b)
        self.assertEqual(self.client.post(self.url(), self.data()).status_code, 403)
        self.assertFalse(ReportingRound.objects.exists())

    def test_it_forbids_a_member_without_the_role(self):
        self.login(self.reader)
        self.assertEqual(self.client.post(self.url(), self.data()).status_code, 403)

    def test_it_opens_a_round_with_a_prefilled_update_per_measure(self):
        self.login(self.coordinator)
        response = self.client.post(self.url(), self.data())
        rnd = ReportingRound.objects.get()
        self.assertRedirects(response, reverse("plans:round", args=["plan-a", rnd.pk]))
        self.assertEqual(ProgressUpdate.objects.filter(round=rnd).count(), 2)
        event = AuditEvent.objects.get(action="round.opened")
        self.assertEqual(event.actor, self.coordinator)
        self.assertEqual(event.target_id, str(rnd.pk))

    def test_it_refuses_a_deadline_in_the_past(self):
        self.login(self.coordinator)
        response = self.client.post(self.url(), self.data(deadline="2001-01-01"))
        self.assertContains(response, "The deadline cannot be in the past.")
        self.assertFalse(ReportingRound.objects.exists())

    def test_it_refuses_a_malformed_date(self):
        self.login(self.coordinator)
        response = self.client.post(self.url(), self.data(deadline="tomorrow", name=""))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Enter a valid date.")
        self.assertFalse(ReportingRound.objects.exists())

    def test_it_refuses_a_round_on_a_draft(self):
        self.login(self.coordinator)
        response = self.client.post(self.url("draft-a"), self.data())
        self.assertContains(response, "Only an adopted plan can have reporting rounds.")
        self.assertFalse(ReportingRound.objects.exists())
