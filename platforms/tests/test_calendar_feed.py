"""The personal calendar feed: a secret address per user that a calendar app reads without a
session; it holds the meetings that user sees (the same access function as the pages), no
more than the meeting invitations hold; a new address replaces the old one; both audited."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from core.testing import make_user
from platforms import services
from platforms.models import AgendaItem, CalendarFeed
from platforms.tests.base import PlatformCase, make_meeting

# every property a meeting invitation has; the feed may hold no other
INVITATION_PROPERTIES = {
    "BEGIN",
    "END",
    "VERSION",
    "PRODID",
    "CALSCALE",
    "METHOD",
    "X-WR-CALNAME",
    "UID",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "LOCATION",
    "DESCRIPTION",
    "STATUS",
}


def lines(response) -> list[str]:
    body = response.content.decode("utf-8")
    return body[:-2].replace("\r\n ", "").split("\r\n")  # unfolded


def uids(response) -> set[str]:
    return {line[4:].split("@")[0] for line in lines(response) if line.startswith("UID:")}


class CalendarFeedCase(PlatformCase):
    """On top of the platforms: a meeting of the public platform (A and B sit in it) and one
    of the LIVC-R that ended more than a year ago."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.public_meeting = make_meeting(cls.public, "Plenary", 10, location="Brussels")
        cls.old = make_meeting(cls.livc, "Founding meeting", -400, status="held")

    def feed(self, user):
        return services.renew_calendar_feed(user, acting_user=user)

    def get(self, token):
        return self.client.get(reverse("platforms:calendar_feed", args=[token]))


class SubscriptionPageTest(CalendarFeedCase):
    url = reverse("platforms:calendar_subscription")

    def test_anonymous_visitors_are_sent_to_log_in(self):
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login", response["Location"])
        self.assertEqual(self.client.post(self.url).status_code, 302)
        self.assertFalse(CalendarFeed.objects.exists())

    def test_a_user_makes_an_address_with_its_audit_row(self):
        self.login(self.reader)
        page = self.client.get(self.url)
        self.assertContains(page, "Make my calendar address")
        self.assertEqual(page["Cache-Control"], "private, no-store")
        self.assertRedirects(self.client.post(self.url), self.url)
        feed = CalendarFeed.objects.get(user=self.reader)
        page = self.client.get(self.url)
        self.assertContains(page, reverse("platforms:calendar_feed", args=[feed.token]))
        self.assertContains(page, "Make a new address")
        event = AuditEvent.objects.get(action="calendar_feed.created")
        self.assertEqual(event.actor, self.reader)
        self.assertEqual(
            (event.target_type, event.target_id), ("platforms.calendarfeed", str(feed.pk))
        )
        self.assertNotIn(feed.token, str(event.changes))

    def test_a_new_address_replaces_the_old_one_with_its_audit_row(self):
        old = self.feed(self.reader).token
        self.login(self.reader)
        self.assertRedirects(self.client.post(self.url), self.url)
        new = CalendarFeed.objects.get(user=self.reader).token
        self.assertNotEqual(new, old)
        self.assertNotContains(self.client.get(self.url), old)
        self.client.logout()
        self.assertEqual(self.get(old).status_code, 404)
        self.assertEqual(self.get(new).status_code, 200)
        event = AuditEvent.objects.get(action="calendar_feed.renewed")
        self.assertEqual(event.actor, self.reader)
        self.assertNotIn(new, str(event.changes))
        self.assertNotIn(old, str(event.changes))

    def test_each_user_sees_only_their_own_address(self):
        feed = self.feed(self.reader)
        self.login(self.contact_b)
        self.assertNotContains(self.client.get(self.url), feed.token)

    def test_the_platform_pages_lead_to_it(self):
        self.login(self.reader)
        self.assertContains(self.client.get(reverse("platforms:list")), self.url)
        self.assertContains(self.client.get(reverse("platforms:detail", args=["livc"])), self.url)
        self.client.logout()
        self.assertNotContains(self.client.get(reverse("platforms:list")), self.url)


class FeedTest(CalendarFeedCase):
    def test_it_answers_a_calendar_without_a_session(self):
        response = self.get(self.feed(self.reader).token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        self.assertEqual(response["Cache-Control"], "private, no-store")
        found = lines(response)
        self.assertEqual((found[0], found[-1]), ("BEGIN:VCALENDAR", "END:VCALENDAR"))
        self.assertIn("X-WR-CALNAME:Meetings of my platforms", found)
        self.assertIn("DESCRIPTION:1. The charter", found)

    def test_it_holds_the_meetings_the_user_sees_in_the_last_year_and_ahead(self):
        response = self.get(self.feed(self.reader).token)
        expected = {self.held.uuid, self.upcoming.uuid, self.public_meeting.uuid}
        self.assertEqual(uids(response), {str(uuid) for uuid in expected})

    def test_another_organisation_sees_only_the_platforms_it_sits_in(self):
        response = self.get(self.feed(self.contact_b).token)  # B has left the LIVC-R
        self.assertEqual(uids(response), {str(self.public_meeting.uuid)})

    def test_a_network_coordinator_sees_every_platform(self):
        response = self.get(self.feed(self.coordinator_b).token)
        self.assertIn(str(self.upcoming.uuid), uids(response))

    def test_a_user_who_leaves_a_platform_no_longer_gets_its_meetings(self):
        token = self.feed(self.contact_b).token
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        self.public.memberships.filter(organisation=self.org_b).update(ends_on=yesterday)
        self.assertEqual(uids(self.get(token)), set())

    def test_it_holds_nothing_an_invitation_does_not_hold(self):
        response = self.get(self.feed(self.reader).token)
        names = {line.split(":")[0].split(";")[0] for line in lines(response)}
        self.assertLessEqual(names, INVITATION_PROPERTIES)
        body = response.content.decode()
        for personal in ("Rita Referent", self.reader.email, self.reader.full_name):
            self.assertNotIn(personal, body)

    def test_a_wrong_or_old_token_is_a_404(self):
        feed = self.feed(self.reader)
        for token in ("wrong", feed.token[:-1], feed.token.upper(), "x" * 64):
            with self.subTest(token=token):
                self.assertEqual(self.get(token).status_code, 404)

    def test_an_inactive_account_gets_a_404(self):
        token = self.feed(self.reader).token
        self.reader.is_active = False
        self.reader.save()
        self.assertEqual(self.get(token).status_code, 404)

    def test_an_account_whose_role_needs_a_second_factor_needs_it_for_the_feed_too(self):
        without = make_user("dpo2@a.test", self.org_a, Role.DPO)
        self.assertEqual(self.get(self.feed(without).token).status_code, 404)
        self.assertEqual(self.get(self.feed(self.dpo).token).status_code, 200)

    def test_it_speaks_the_users_language(self):
        self.upcoming.title = {"en": "Quarterly meeting", "fr": "Réunion trimestrielle"}
        self.upcoming.save()
        self.reader.language = "fr"
        self.reader.save()
        found = lines(self.get(self.feed(self.reader).token))
        self.assertIn("SUMMARY:LIVC-R of A: Réunion trimestrielle", found)

    def test_it_runs_a_constant_number_of_queries(self):
        url = reverse("platforms:calendar_feed", args=[self.feed(self.coordinator).token])
        with CaptureQueriesContext(connection) as before:
            self.client.get(url)
        for i in range(5):
            meeting = make_meeting(self.livc, f"Meeting {i}", 30 + i)
            AgendaItem.objects.create(meeting=meeting, position=1, title=f"Item {i}")
        with self.assertNumQueries(len(before)):
            self.client.get(url)
