"""The directory's render cache (network/cache.py): searches are served again without
queries, never stale after a change, shared within an audience (the public, members) but never
across audiences or languages; the gap report is shared by the network coordinators."""

from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.services import create_api_token
from core.testing import Personas
from network import cache as directory_cache
from network import coverage, services
from network.models import Organisation, Professional

SERVICES = "/directory/?kind=services&q=listening"
PEOPLE = "/directory/?kind=people"
HTMX = {"HTTP_HX_REQUEST": "true"}


@override_settings(DIRECTORY_CACHE_SECONDS=300)
class DirectoryCacheTest(TransactionTestCase):
    """Real commits (a TestCase never commits, so its writes would never invalidate)."""

    login = Personas.login

    def setUp(self):
        Personas.setUpTestData.__func__(type(self))  # the personas, committed

    def get(self, path: str, **headers) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(path, **headers)
        self.assertEqual(response.status_code, 200)
        return len(captured), response.content.decode()

    def test_a_second_anonymous_search_runs_no_query(self):
        first_count, first = self.get(SERVICES, **HTMX)
        second_count, second = self.get(SERVICES, **HTMX)
        self.assertIn("Listening line", first)
        self.assertGreater(first_count, 0)
        self.assertEqual((second_count, second), (0, first))

    def test_the_full_page_embeds_the_same_results(self):
        _count, partial = self.get(SERVICES, **HTMX)
        page_count, page = self.get(SERVICES)
        self.assertIn(f'<div id="results" aria-live="polite">{partial}</div>', page)
        self.assertEqual(page_count, 0)  # anonymous: no session, results from the cache

    def test_a_renamed_service_shows_at_once(self):
        self.get(SERVICES, **HTMX)
        data = {"name": {"en": "Listening phone"}}
        services.update_service(self.service_a, data, [], acting_user=self.editor_a)
        _count, after = self.get(SERVICES, **HTMX)
        self.assertIn("Listening phone", after)
        self.assertNotIn("Listening line", after)

    def test_a_new_holder_shows_at_once(self):
        self.assertIn("Rita Referent", self.get(PEOPLE, **HTMX)[1])
        services.vacate(self.post_a, timezone.localdate(), acting_user=self.editor_a)
        after = self.get(PEOPLE, **HTMX)[1]
        self.assertNotIn("Rita Referent", after)
        self.assertIn("Vacant post", after)

    def test_a_signed_in_professional_never_gets_the_public_results(self):
        url = "/directory/?kind=services"
        public = self.get(url, **HTMX)[1]
        self.assertNotIn("Counselling address", public)
        self.login(self.contact_b)
        count, signed_in = self.get(url, **HTMX)
        self.assertIn("Counselling address", signed_in)  # their own, not listed publicly
        self.assertGreater(count, 0)
        self.client.logout()
        self.assertNotIn("Counselling address", self.get(url, **HTMX)[1])

    def test_each_language_and_query_has_its_own_entry(self):
        english = self.get(SERVICES, HTTP_ACCEPT_LANGUAGE="en", **HTMX)[1]
        dutch = self.get(SERVICES, HTTP_ACCEPT_LANGUAGE="nl", **HTMX)[1]
        self.assertIn("1 service found.", english)
        self.assertIn("1 dienst gevonden.", dutch)
        self.assertIn("Nothing matches", self.get(SERVICES + "x", **HTMX)[1])

    def test_a_recheck_that_changes_nothing_leaves_the_cache_alone(self):
        coverage.evaluate(self.rule)
        before = directory_cache.generation()
        coverage.evaluate(self.rule)  # the same gap: it only notes when it looked
        self.assertEqual(directory_cache.generation(), before)
        services.verify_organisation(self.org_a, acting_user=self.editor_a)
        self.assertEqual(directory_cache.generation(), before + 1)

    def test_a_renamed_rule_and_a_renamed_closer_show_at_once(self):
        coverage.evaluate(self.rule)
        self.login(self.coordinator)
        url = "/directory/coverage/"
        self.assertIn("Every agency has a reference person", self.get(url)[1])
        data = {"name": {"en": "One reference person per agency"}}
        services.save_rule(self.rule, data, owner=self.org_a, acting_user=self.coordinator)
        self.assertIn("One reference person per agency", self.get(url)[1])
        person = Professional.objects.create(full_name="Bo", email="bo@b.test")
        today = timezone.localdate()
        services.appoint(self.private_post_b, person, today, acting_user=self.coordinator_b)
        history = url + "?state=closed"
        self.assertIn(self.coordinator_b.full_name, self.get(history)[1])
        self.coordinator_b.full_name = "Renamed Coordinator"
        self.coordinator_b.save()
        self.assertIn("Renamed Coordinator", self.get(history)[1])

    def queries_on(self, table: str, path: str, **headers) -> tuple[list[str], str]:
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(path, **headers)
        self.assertEqual(response.status_code, 200)
        found = [q["sql"] for q in captured if f'"{table}"' in q["sql"]]
        return found, response.content.decode()

    def test_members_share_one_render_of_a_search(self):
        url = "/directory/?kind=services"
        self.login(self.contact_b)
        self.assertIn("Counselling address", self.get(url, **HTMX)[1])
        self.login(self.editor_a)  # another member, of another organisation
        queries, results = self.queries_on("network_service", url, **HTMX)
        self.assertEqual(queries, [])
        self.assertIn("Counselling address", results)
        data = {"name": {"en": "Listening phone"}}
        services.update_service(self.service_a, data, [], acting_user=self.editor_a)
        queries, results = self.queries_on("network_service", url, **HTMX)
        self.assertNotEqual(queries, [])
        self.assertIn("Listening phone", results)
        self.assertIn("Counselling address", results)

    def test_coordinators_share_the_gap_report_and_see_a_change_at_once(self):
        coverage.evaluate(self.rule)
        url = "/directory/coverage/"
        edit = reverse("network:rule_edit", args=[self.rule.pk])
        self.login(self.coordinator)  # of the rule's owner: may edit it
        first = self.get(url)[1]
        self.assertIn("Agency B", first)
        self.assertIn(edit, first)
        self.login(self.coordinator_b)
        queries, page = self.queries_on("network_coveragegap", url)
        self.assertEqual(queries, [])
        self.assertIn("Agency B", page)
        self.assertNotIn(edit, page)  # the edit link stays the user's own
        person = Professional.objects.create(full_name="Bo", email="bo@b.test")
        today = timezone.localdate()
        services.appoint(self.private_post_b, person, today, acting_user=self.coordinator)
        self.assertIn("No open gap", self.get(url)[1])
        self.assertIn(self.coordinator.full_name, self.get(url + "?state=closed")[1])

    def test_gaps_opened_in_bulk_show_at_once(self):
        url = "/directory/coverage/"
        self.login(self.coordinator)
        self.assertNotIn("Agency C", self.get(url)[1])
        # no signal is sent for either write: the coverage check raises the generation
        Organisation.objects.bulk_create([Organisation(key="agency-c", name={"en": "Agency C"})])
        coverage.evaluate(self.rule)
        self.assertIn("Agency C", self.get(url)[1])

    def test_anyone_but_a_coordinator_is_refused_the_cached_report(self):
        self.login(self.coordinator)
        self.get("/directory/coverage/")
        self.login(self.contact_b)
        self.assertEqual(self.client.get("/directory/coverage/").status_code, 403)

    def test_the_public_api_lists_are_cached_for_anonymous_callers_only(self):
        url = "/api/v1/services"
        first_count, first = self.get(url)
        second_count, second = self.get(url)
        self.assertGreater(first_count, 0)
        self.assertEqual((second_count, second), (0, first))
        self.assertIn("Listening line", first)
        self.assertNotIn("Counselling address", first)
        # a caller with a token or a session gets their own answer, with what they may see
        _token, secret = create_api_token(self.contact_b, name="t", scope="read")
        count, with_token = self.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")
        self.assertGreater(count, 0)
        self.assertIn("Counselling address", with_token)
        self.login(self.contact_b)
        self.assertIn("Counselling address", self.get(url)[1])

    def test_a_change_shows_in_the_public_api_at_once(self):
        self.assertIn("Rita Referent", self.get("/api/v1/posts")[1])
        self.assertIn("Listening line", self.get("/api/v1/services")[1])
        services.vacate(self.post_a, timezone.localdate(), acting_user=self.editor_a)
        data = {"name": {"en": "Listening phone"}}
        services.update_service(self.service_a, data, [], acting_user=self.editor_a)
        self.assertNotIn("Rita Referent", self.get("/api/v1/posts")[1])
        self.assertIn("Listening phone", self.get("/api/v1/services")[1])

    def test_coordinators_share_the_api_gap_list(self):
        coverage.evaluate(self.rule)
        url = "/api/v1/coverage/gaps"
        _token, secret = create_api_token(self.coordinator, name="t", scope="read")
        first = self.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")[1]
        self.assertIn('"organisation": "agency-b"', first)
        self.login(self.coordinator_b)  # another coordinator, by session
        queries, shared = self.queries_on("network_coveragegap", url)
        self.assertEqual((queries, shared), ([], first))
        # the stored answer is for coordinators only, and the credentials are still checked
        _token, other = create_api_token(self.contact_b, name="t", scope="read")
        self.client.logout()
        self.assertEqual(
            self.client.get(url, HTTP_AUTHORIZATION=f"Bearer {other}").status_code, 403
        )
        self.assertEqual(
            self.client.get(url, HTTP_AUTHORIZATION="Bearer syn_wrong").status_code, 401
        )
        self.assertEqual(self.client.get(url).status_code, 401)
        person = Professional.objects.create(full_name="Bo", email="bo@b.test")
        today = timezone.localdate()
        services.appoint(self.private_post_b, person, today, acting_user=self.coordinator)
        after = self.get(url, HTTP_AUTHORIZATION=f"Bearer {secret}")[1]
        self.assertNotIn("agency-b", after)
