"""The platform pages and lists run a constant number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.testing import make_org, make_post
from network.models import Professional
from platforms.models import ActionItem, Membership, Platform
from platforms.tests.base import SINCE, PlatformCase, make_meeting


class QueryCountTest(PlatformCase):
    def count(self, url):
        self.client.get(url)  # the first request of a session writes to it
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(self.client.get(url).status_code, 200)
        return len(queries)

    def grow(self, n):
        """n more member organisations with a held seat, meetings and open actions."""
        for i in range(n):
            org = make_org(f"extra-{i}", f"Extra {i}")
            person = Professional.objects.create(full_name=f"P {i}", email=f"p{i}@x.test")
            post = make_post(org, self.kind, person)
            Membership.objects.create(
                platform=self.livc, organisation=org, post=post, starts_on=SINCE
            )
            meeting = make_meeting(self.livc, f"Meeting {i}", 10 + i)
            ActionItem.objects.create(meeting=meeting, title=f"Action {i}", owner=org)
            Platform.objects.create(
                key=f"p-{i}", name={"en": f"P {i}"}, kind="other", coordinator=org, is_public=True
            )

    def test_the_platform_page_runs_a_constant_number_of_queries(self):
        self.login(self.reader)
        url = reverse("platforms:detail", args=["livc"])
        before = self.count(url)
        self.grow(5)
        with self.assertNumQueries(before):
            self.client.get(url)

    def test_the_lists_run_a_constant_number_of_queries(self):
        self.login(self.reader)
        urls = [
            reverse("platforms:list"),
            "/api/v1/platforms",
            "/api/v1/platforms/livc/members",
            "/api/v1/platforms/livc/meetings",
            reverse("platforms:calendar", args=["livc"]),
        ]
        before = {url: self.count(url) for url in urls}
        self.grow(5)
        for url in urls:
            with self.subTest(url=url), self.assertNumQueries(before[url]):
                self.client.get(url)

    def test_the_meeting_page_runs_a_constant_number_of_queries(self):
        self.login(self.coordinator)
        url = reverse("platforms:meeting", args=[self.held.uuid])
        before = self.count(url)
        for i in range(5):
            ActionItem.objects.create(
                meeting=self.held, title=f"A {i}", owner=make_org(f"o-{i}", f"O {i}")
            )
        with self.assertNumQueries(before):
            self.client.get(url)
