"""The render cache (plans/cache.py): served again without queries, never stale after a
change, never mixing what different rights or languages see."""

import re

from django.db import transaction
from django.test import TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.services import create_api_token
from core.testing import Personas
from plans import cache as plans_cache
from plans import services
from plans.models import ProgressStatus

TREE = re.compile(rb'<div id="tree".*?</ol>\s*</div>', re.DOTALL)


@override_settings(PLANS_CACHE_SECONDS=600)
class RenderCacheTest(TransactionTestCase):
    """Real commits (a TestCase never commits, so its writes would never invalidate)."""

    tree_url = "/plans/plan-a/"
    login = Personas.login
    future = staticmethod(Personas.future)

    def setUp(self):
        Personas.setUpTestData.__func__(type(self))  # the personas, committed

    def queries(self, path: str, **headers) -> tuple[int, bytes]:
        from django.db import connection

        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(path, **headers)
        self.assertEqual(response.status_code, 200)
        return len(captured), response.content

    def test_a_second_visit_reads_the_tree_from_the_cache(self):
        first_count, first = self.queries(self.tree_url)
        second_count, second = self.queries(self.tree_url)
        tree = TREE.search(first)
        self.assertIsNotNone(tree)
        self.assertIn(b"Item 1.2", tree.group(0))
        self.assertEqual(TREE.search(second).group(0), tree.group(0))
        self.assertGreater(first_count, second_count)
        self.assertEqual(second_count, 0)  # the plan, its header and the tree: one cache read

    def test_a_visit_reads_the_generation_and_its_entries_in_one_call(self):
        from unittest import mock

        from django.core.cache import cache

        self.client.get(self.tree_url)  # fills the entries
        with mock.patch("core.render_cache.cache", wraps=cache) as spy:
            self.assertContains(self.client.get(self.tree_url), "Item 1.2")
        self.assertEqual(spy.get_many.call_count, 1)
        self.assertEqual(spy.get.call_count, 0)
        self.assertEqual(spy.set.call_count, 0)

    def test_an_entry_of_an_earlier_generation_is_never_served(self):
        from django.core.cache import cache

        self.client.get(self.tree_url)
        # A visitor's second request is served by the whole-page entry, the outer layer.
        entry = next(k for k in cache._cache if ":plans:visitor-page:" in k)  # type: ignore[attr-defined]
        key = entry.split(":", 2)[2]  # without the backend's prefix and version
        generation, _page = cache.get(key)
        cache.set(key, (generation - 1, ("text/html; charset=utf-8", "STALE")))
        self.assertNotContains(self.client.get(self.tree_url), "STALE")
        cache.set(key, (generation, ("text/html; charset=utf-8", "FRESH")))
        self.assertContains(self.client.get(self.tree_url), "FRESH")

    def test_a_visitor_s_second_measure_page_runs_no_query(self):
        url = reverse("plans:measure", args=["plan-a", "1.1"])
        self.queries(url)
        count, body = self.queries(url)
        self.assertEqual(count, 0)  # the plan, the measure and the page from one cache read
        self.assertIn(b"Item 1.1", body)
        self.assertIn(b"<title>1.1 Item 1.1", body)

    def test_a_plan_taken_back_to_draft_is_gone_for_visitors_at_once(self):
        from plans.models import PlanStatus

        url = reverse("plans:measure", args=["plan-a", "1.1"])
        self.assertEqual(self.client.get(url).status_code, 200)
        self.plan.status = PlanStatus.DRAFT
        self.plan.save()
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.get(url).status_code, 404)  # a 404 is never stored

    def test_a_published_update_shows_at_once(self):
        in_progress = 'class="status status-in_progress">In progress'
        self.assertNotContains(self.client.get(self.tree_url), in_progress)
        rnd = services.open_round(
            self.plan,
            acting_user=self.coordinator,
            name="R1",
            period="2017",
            deadline=self.future(),
        )
        update = rnd.updates.get(item=self.measure)
        data = {"status": ProgressStatus.IN_PROGRESS, "percent": 40, "narrative": "Halfway"}
        update = services.save_update(
            update, data, acting_user=self.contact_a, expected_version=update.version, submit=True
        )
        services.publish_update(update, acting_user=self.coordinator)
        self.assertContains(self.client.get(self.tree_url), in_progress)
        measure_page = self.client.get(reverse("plans:measure", args=["plan-a", "1.1"]))
        self.assertContains(measure_page, "Halfway")

    def test_a_renamed_organisation_shows_at_once(self):
        self.assertContains(self.client.get(self.tree_url), "AGENCY-A")
        self.org_a.abbreviation = "AGA"
        self.org_a.save()
        page = self.client.get(self.tree_url)
        self.assertContains(page, "AGA")
        self.assertNotContains(page, "AGENCY-A")

    def test_a_coordinator_and_a_visitor_do_not_share_a_plan_page(self):
        self.login(self.coordinator)
        self.assertContains(self.client.get(self.tree_url), "Edit the plan")
        self.client.logout()
        page = self.client.get(self.tree_url)
        self.assertNotContains(page, "Edit the plan")
        self.assertContains(page, "Item 1.2")

    def test_a_plan_page_taken_back_to_draft_is_gone_for_visitors_at_once(self):
        from plans.models import PlanStatus

        self.assertEqual(self.client.get(self.tree_url).status_code, 200)
        self.plan.status = PlanStatus.DRAFT
        self.plan.save()
        self.assertEqual(self.client.get(self.tree_url).status_code, 404)
        self.assertEqual(self.client.get(self.tree_url).status_code, 404)  # never stored

    def test_a_coordinator_and_a_visitor_do_not_share_a_measure_page(self):
        url = reverse("plans:measure", args=["plan-a", "1.1"])
        self.login(self.coordinator)
        self.assertContains(self.client.get(url), "Add an indicator")
        self.client.logout()
        self.assertNotContains(self.client.get(url), "Add an indicator")

    def test_each_language_has_its_own_tree(self):
        english = self.client.get(self.tree_url, HTTP_ACCEPT_LANGUAGE="en")
        dutch = self.client.get(self.tree_url, HTTP_ACCEPT_LANGUAGE="nl")
        self.assertContains(english, "Item 1.1")
        self.assertContains(dutch, "Onderdeel 1.1")

    def test_filters_are_cached_apart(self):
        self.assertContains(self.client.get(self.tree_url), "Item 1.2")
        self.assertNotContains(self.client.get(self.tree_url + "?type=B"), "Item 1.2")

    def test_public_api_answers_are_cached_for_anonymous_callers_only(self):
        first_count, first = self.queries("/api/v1/measures?plan=plan-a")
        second_count, second = self.queries("/api/v1/measures?plan=plan-a")
        self.assertEqual((second_count, second), (0, first))
        _token, secret = create_api_token(self.coordinator, name="t", scope="read")
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        with_token, _ = self.queries("/api/v1/measures?plan=plan-a", **headers)
        self.assertGreater(with_token, 0)

    def test_a_rolled_back_transaction_changes_nothing(self):
        before = plans_cache.generation()
        try:
            with transaction.atomic():
                plans_cache.invalidate()
                raise RuntimeError
        except RuntimeError:
            pass
        self.assertEqual(plans_cache.generation(), before)
        plans_cache.invalidate()  # outside a transaction: at once
        self.assertEqual(plans_cache.generation(), before + 1)

    def test_a_confirmation_by_an_editor_keeps_the_cache(self):
        before = plans_cache.generation()
        from network import services as network_services

        network_services.verify_organisation(self.org_a, acting_user=self.editor_a)
        self.assertEqual(plans_cache.generation(), before)
        network_services.update_organisation(
            self.org_a, {"abbreviation": "AGA"}, acting_user=self.editor_a
        )
        self.assertEqual(plans_cache.generation(), before + 1)

    def test_a_lost_generation_starts_above_every_earlier_one(self):
        from django.core.cache import cache

        before = plans_cache.generation()
        cache.delete(plans_cache.GENERATION_KEY)  # evicted
        self.assertGreater(plans_cache.generation(), before)


@override_settings(PLANS_CACHE_SECONDS=600)
class CommitTest(TransactionTestCase):
    def test_a_transaction_raises_the_generation_once_after_its_commit(self):
        before = plans_cache.generation()
        with transaction.atomic():
            plans_cache.invalidate()
            plans_cache.invalidate()
            self.assertEqual(plans_cache.generation(), before)  # not before the commit
        self.assertEqual(plans_cache.generation(), before + 1)


@override_settings(PLANS_CACHE_SECONDS=600)
class BrokenCacheTest(Personas):
    def test_pages_and_writes_work_when_the_cache_is_down(self):
        from unittest import mock

        with (
            mock.patch("core.render_cache.cache.get", side_effect=ConnectionError),
            mock.patch("core.render_cache.cache.set", side_effect=ConnectionError),
            mock.patch("core.render_cache.cache.incr", side_effect=ConnectionError),
            self.assertLogs("core.render_cache", level="ERROR"),
        ):
            self.assertContains(self.client.get("/plans/plan-a/"), "Item 1.1")
            self.assertEqual(self.client.get("/api/v1/measures").status_code, 200)
            self.org_a.abbreviation = "AGA"
            self.org_a.save()
            self.assertContains(self.client.get("/plans/plan-a/"), "AGA")
