"""The directory's lists count their results only up to a limit, and the municipality
filters that spare PostgreSQL a scan of whole tables find the same entries as before."""

from unittest import mock

from core.testing import Personas, make_org, make_post, make_service
from network.models import Organisation, Professional

URL = "/directory/"


@mock.patch("network.views.PAGE_SIZE", 2)
@mock.patch("network.views.COUNT_LIMIT", 4)
class CappedCountTest(Personas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        for n in range(6):  # with the Listening line: 7 public services, 4 pages
            make_service(cls.org_a, f"Service {n}")

    def test_it_says_more_than_the_limit_instead_of_counting_everything(self):
        page = self.client.get(URL)
        self.assertContains(page, "More than 4 services found.")
        self.assertContains(page, "Page 1<")
        self.assertNotContains(page, "Page 1 of")
        self.assertContains(page, "page=2")

    def test_it_counts_exactly_below_the_limit(self):
        page = self.client.get(URL, {"q": "service 1"})
        self.assertContains(page, "1 service found.")
        page = self.client.get(URL, {"kind": "organisations"})
        self.assertContains(page, "2 organisations found.")

    def test_the_last_page_within_the_limit_links_to_the_next(self):
        page = self.client.get(URL, {"page": 2})
        self.assertContains(page, "More than 4 services found.")
        self.assertContains(page, "Page 2<")
        self.assertContains(page, "page=3")

    def test_a_page_past_the_limit_is_counted_in_full(self):
        page = self.client.get(URL, {"page": 3})
        self.assertContains(page, "7 services found.")
        self.assertContains(page, "Page 3 of 4")
        page = self.client.get(URL, {"page": 99})
        self.assertContains(page, "Page 4 of 4")

    def test_it_says_more_than_the_limit_for_people_and_organisations(self):
        for n in range(4):
            make_org(f"org-{n}", f"Organisation {n}")
            person = Professional.objects.create(full_name=f"P {n}", email=f"p{n}@a.test")
            make_post(self.org_a, self.kind, person, is_public=True)
        page = self.client.get(URL, {"kind": "organisations"})
        self.assertContains(page, "More than 4 organisations found.")
        page = self.client.get(URL, {"kind": "people"})
        self.assertContains(page, "More than 4 posts found.")

    def test_the_capped_list_still_runs_two_queries(self):
        self.client.get(URL)
        with self.assertNumQueries(2):  # count (at most limit + 1 rows), page
            self.client.get(URL)


class MunicipalityFilterTest(Personas):
    """A service is in a municipality by its own address, the areas it serves, or (with no
    address of its own) its organisation's; a post by its area or its organisation's."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Organisation.objects.filter(pk=cls.org_b.pk).update(municipality="Gent", is_public=True)
        cls.org_b.refresh_from_db()
        make_service(cls.org_b, "At the agency's address")
        make_service(cls.org_b, "Elsewhere", municipality="Brugge")
        make_service(cls.org_a, "Own address", municipality="GENT")
        make_service(cls.org_a, "Serves the city", areas=["Gent"])
        person = Professional.objects.create(full_name="Gert Gentenaar", email="gert@b.test")
        make_post(cls.org_b, cls.kind, person, is_public=True)
        person = Professional.objects.create(full_name="Anna Area", email="anna@a.test")
        make_post(cls.org_a, cls.kind, person, is_public=True, area="Gent")

    def test_it_finds_services_by_address_area_and_organisation(self):
        page = self.client.get(URL, {"municipality": "gent"})
        self.assertContains(page, "3 services found.")
        for name in ("At the agency&#x27;s address", "Own address", "Serves the city"):
            self.assertContains(page, name)
        self.assertNotContains(page, "Elsewhere")
        self.assertNotContains(page, "Listening line")

    def test_it_combines_the_municipality_with_the_words_searched(self):
        page = self.client.get(URL, {"municipality": "Gent", "q": "address"})
        self.assertContains(page, "2 services found.")
        self.assertNotContains(page, "Serves the city")

    def test_it_finds_people_by_area_and_organisation(self):
        page = self.client.get(URL, {"kind": "people", "municipality": "gent"})
        self.assertContains(page, "Gert Gentenaar")
        self.assertContains(page, "Anna Area")
        self.assertNotContains(page, "Rita Referent")

    def test_it_finds_organisations_by_municipality(self):
        page = self.client.get(URL, {"kind": "organisations", "municipality": "GENT"})
        self.assertContains(page, "Agency B")
        self.assertNotContains(page, "Agency A")

    def test_an_unknown_municipality_finds_nothing(self):
        page = self.client.get(URL, {"municipality": "Atlantis"})
        self.assertContains(page, "0 services found.")
        page = self.client.get(URL, {"kind": "people", "municipality": "Atlantis"})
        self.assertContains(page, "0 posts found.")
