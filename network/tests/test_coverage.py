"""Coverage rules and the gap report: gaps open and close with appointments, changes of an
organisation and of the rule; the history stays; only network coordinators see it."""

from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.testing import Personas, make_org
from network import coverage, services
from network.models import CoverageGap, CoverageRule, Level, Professional


def open_gaps(rule):
    return set(
        CoverageGap.objects.filter(rule=rule, closed_at__isnull=True).values_list(
            "organisation__key", flat=True
        )
    )


class EvaluationTest(Personas):
    def setUp(self):
        coverage.evaluate(self.rule)

    def test_an_organisation_without_a_held_post_has_a_gap(self):
        self.assertEqual(open_gaps(self.rule), {"agency-b"})
        gap = CoverageGap.objects.get(rule=self.rule)
        self.assertEqual((gap.held_total, gap.held_effective, gap.held_acting), (0, 0, 0))

    def test_appointing_closes_the_gap_and_relieving_opens_a_new_one(self):
        person = Professional.objects.create(full_name="Bo", email="bo@b.test")
        services.appoint(
            self.private_post_b, person, timezone.localdate(), acting_user=self.coordinator
        )
        self.assertEqual(open_gaps(self.rule), set())
        closed = CoverageGap.objects.get(rule=self.rule)
        self.assertIsNotNone(closed.closed_at)
        self.assertEqual(closed.closed_by, self.coordinator)
        services.vacate(self.private_post_b, timezone.localdate(), acting_user=self.coordinator)
        self.assertEqual(open_gaps(self.rule), {"agency-b"})
        self.assertEqual(CoverageGap.objects.filter(rule=self.rule).count(), 2)  # history

    def test_effective_and_acting_minimums(self):
        rule = CoverageRule.objects.create(
            owner=self.org_a,
            name={"en": "Effective and acting"},
            scope_level=Level.OTHER,
            kind=self.kind,
            minimum_total=2,
            minimum_effective=1,
            minimum_acting=1,
        )
        coverage.evaluate(rule)
        self.assertEqual(open_gaps(rule), {"agency-a", "agency-b"})
        gap_a = CoverageGap.objects.get(rule=rule, organisation=self.org_a)
        self.assertEqual((gap_a.held_total, gap_a.held_effective, gap_a.held_acting), (1, 1, 0))
        acting = services.create_post(
            self.org_a, {"kind": self.kind, "capacity": "acting"}, acting_user=self.editor_a
        )
        self.assertEqual(open_gaps(rule), {"agency-a", "agency-b"})  # vacant: not enough
        person = Professional.objects.create(full_name="Ann", email="ann@a.test")
        services.appoint(acting, person, timezone.localdate(), acting_user=self.editor_a)
        self.assertEqual(open_gaps(rule), {"agency-b"})

    def test_an_organisation_leaving_the_scope_has_its_gap_closed(self):
        data = {"level": Level.MUNICIPALITY, "name": self.org_b.name}
        services.update_organisation(self.org_b, data, acting_user=self.coordinator_b)
        self.assertEqual(open_gaps(self.rule), set())

    def test_a_new_organisation_in_scope_is_checked_by_the_nightly_evaluation(self):
        make_org("agency-c", "Agency C")
        self.assertEqual(coverage.evaluate_all(), 2)
        self.assertEqual(open_gaps(self.rule), {"agency-b", "agency-c"})

    def test_switching_a_rule_off_closes_its_gaps(self):
        services.save_rule(
            self.rule, {"is_active": False}, owner=self.org_a, acting_user=self.coordinator
        )
        self.assertEqual(open_gaps(self.rule), set())

    def test_scope_by_measure_and_by_parent(self):
        by_measure = CoverageRule.objects.create(
            owner=self.org_a, name={"en": "m"}, scope_measure=self.measure_b, kind=self.kind
        )
        coverage.evaluate(by_measure)
        self.assertEqual(open_gaps(by_measure), {"agency-b"})  # agency B acts in 1.2
        child = make_org("agency-a-east", "Agency A, East")
        child.parent = self.org_a
        child.save()
        by_parent = CoverageRule.objects.create(
            owner=self.org_a, name={"en": "p"}, scope_parent=self.org_a, kind=self.kind
        )
        coverage.evaluate(by_parent)
        self.assertEqual(open_gaps(by_parent), {"agency-a-east"})

    def test_evaluation_runs_a_constant_number_of_queries(self):
        for n in range(15):
            make_org(f"extra-{n}", f"Extra {n}")
        # scope, held posts, open gaps, new gaps, evaluated_at
        with self.assertNumQueries(5):
            coverage.evaluate(self.rule)
        for n in range(15, 40):
            make_org(f"extra-{n}", f"Extra {n}")
        with self.assertNumQueries(5):
            coverage.evaluate(self.rule)


class GapReportTest(Personas):
    url = "/directory/coverage/"

    def setUp(self):
        coverage.evaluate(self.rule)

    def test_who_sees_the_report(self):
        self.assertEqual(self.client.get(self.url).status_code, 302)
        for user, status in [
            (self.reader, 403),
            (self.editor_a, 403),
            (self.dpo, 403),
            (self.coordinator, 200),
            (self.coordinator_b, 200),
        ]:
            self.login(user)
            self.assertEqual(self.client.get(self.url).status_code, status, user)

    def test_it_lists_open_gaps_with_a_way_to_fill_each(self):
        self.login(self.coordinator)
        page = self.client.get(self.url)
        self.assertContains(page, "Agency B")
        self.assertContains(page, "0 of 1")
        # agency B has a vacant post of the kind: appoint to it
        self.assertContains(page, reverse("network:post_appoint", args=[self.private_post_b.uuid]))
        self.assertContains(page, "Coverage")  # in the navigation

    def test_it_offers_to_add_a_post_when_none_is_vacant(self):
        self.private_post_b.delete()
        self.login(self.coordinator)
        page = self.client.get(self.url)
        self.assertContains(
            page, reverse("network:post_create", args=["agency-b"]) + "?kind=reference-person"
        )

    def test_the_history_shows_closed_gaps_and_who_closed_them(self):
        person = Professional.objects.create(full_name="Bo", email="bo@b.test")
        services.appoint(
            self.private_post_b, person, timezone.localdate(), acting_user=self.coordinator
        )
        self.login(self.coordinator)
        self.assertContains(self.client.get(self.url), "No open gap")
        history = self.client.get(self.url, {"state": "closed"})
        self.assertContains(history, "Agency B")
        self.assertContains(history, self.coordinator.full_name)

    def test_filters_and_bad_filters(self):
        self.login(self.coordinator)
        self.assertNotContains(self.client.get(self.url, {"q": "agency a"}), "0 of 1")
        page = self.client.get(self.url, {"rule": "999", "state": "nonsense"})
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, "Select a valid choice")

    def test_the_report_runs_a_constant_number_of_queries(self):
        self.login(self.coordinator)
        self.client.get(self.url)
        # session and user (7), roles and permissions (3), count, page, vacant posts, rules,
        # rule choices of the filter, session save (3)
        with self.assertNumQueries(10):
            self.client.get(self.url)
        for n in range(30):
            make_org(f"extra-{n}", f"Extra {n}")
        coverage.evaluate(self.rule)
        with self.assertNumQueries(10):
            self.client.get(self.url)


class RuleFormTest(Personas):
    url = "/directory/coverage/rules/new/"

    def data(self, **extra):
        return {
            "name_en": "Every municipality has a reference person",
            "scope_level": "other",
            "kind": "reference-person",
            "minimum_total": 1,
            "minimum_effective": 0,
            "minimum_acting": 0,
            "is_active": "on",
            **extra,
        }

    def test_a_coordinator_defines_a_rule_and_it_is_evaluated_at_once(self):
        self.login(self.coordinator)
        response = self.client.post(self.url, self.data())
        self.assertRedirects(response, "/directory/coverage/")
        rule = CoverageRule.objects.latest("id")
        self.assertEqual(rule.owner, self.org_a)
        self.assertIsNotNone(rule.evaluated_at)
        self.assertEqual(open_gaps(rule), {"agency-b"})
        self.assertTrue(AuditEvent.objects.filter(action="coverage_rule.created").exists())

    def test_bad_rules_are_explained_and_nothing_is_saved(self):
        self.login(self.coordinator)
        cases = [
            ({"scope_level": ""}, "Say which organisations"),
            ({"minimum_total": 1, "minimum_acting": 1, "minimum_effective": 1}, "cannot be lower"),
            ({"scope_parent": "nobody"}, "No organisation has the key nobody"),
            ({"scope_plan": "plan-a", "scope_measure": "9.9"}, "No measure with this code"),
            ({"kind": "nope"}, "Select a valid choice"),
        ]
        for extra, message in cases:
            with self.subTest(message):
                self.assertContains(self.client.post(self.url, self.data(**extra)), message)
        self.assertEqual(CoverageRule.objects.count(), 1)

    def test_a_rule_by_the_actors_of_a_measure(self):
        self.login(self.coordinator)
        self.client.post(
            self.url, self.data(scope_level="", scope_plan="plan-a", scope_measure="1.2")
        )
        rule = CoverageRule.objects.latest("id")
        self.assertEqual(rule.scope_measure, self.measure_b)

    def test_only_coordinators_of_the_owner_change_a_rule(self):
        url = reverse("network:rule_edit", args=[self.rule.pk])
        self.login(self.coordinator_b)
        self.assertEqual(self.client.get(url).status_code, 403)
        self.assertEqual(self.client.get(self.url).status_code, 200)  # may define their own
        self.login(self.reader)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.login(self.coordinator)
        self.assertEqual(self.client.get(reverse("network:rule_edit", args=[999])).status_code, 404)
        response = self.client.post(url, self.data(minimum_total=2))
        self.assertRedirects(response, "/directory/coverage/")
        self.rule.refresh_from_db()
        self.assertEqual(self.rule.minimum_total, 2)
        self.assertEqual(open_gaps(self.rule), {"agency-a", "agency-b"})
        event = AuditEvent.objects.get(action="coverage_rule.updated")
        self.assertEqual(event.changes["minimum_total"], [1, 2])


class NightlyTaskTest(Personas):
    def test_the_command_evaluates_every_rule(self):
        import io

        from django.core.management import call_command

        make_org("agency-c", "Agency C")
        call_command("evaluate_coverage", stdout=io.StringIO())  # immediate backend in tests
        self.assertEqual(open_gaps(self.rule), {"agency-b", "agency-c"})
