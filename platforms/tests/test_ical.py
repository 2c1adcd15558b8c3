"""Calendar invitations: RFC 5545 by hand, CRLF, escaping, folding, times in UTC."""

import datetime

from django.test import SimpleTestCase
from django.urls import reverse

from platforms import ical
from platforms.models import Meeting
from platforms.tests.base import PlatformCase


def lines(response):
    body = response.content.decode("utf-8")
    assert body.endswith("\r\n")
    assert "\n" not in body.replace("\r\n", "")
    return body[:-2].replace("\r\n ", "").split("\r\n")  # unfolded


class MeetingInvitationTest(PlatformCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        starts = datetime.datetime(2030, 7, 1, 14, tzinfo=datetime.UTC)
        cls.tricky = Meeting.objects.create(
            platform=cls.livc,
            title={"en": "Budget, plans; and\\or\nmore"},
            starts_at=starts,
            ends_at=starts + datetime.timedelta(minutes=90),
            location="Hall 1, floor 2; room B",
        )

    def get(self, meeting):
        return self.client.get(reverse("platforms:meeting_ics", args=[meeting.uuid]))

    def test_it_answers_one_vevent_with_crlf_line_endings(self):
        self.login(self.reader)
        response = self.get(self.tricky)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        found = lines(response)
        self.assertEqual(found[0], "BEGIN:VCALENDAR")
        self.assertEqual(found[-1], "END:VCALENDAR")
        self.assertIn("VERSION:2.0", found)
        self.assertEqual(found.count("BEGIN:VEVENT"), 1)
        self.assertIn(f"UID:{self.tricky.uuid}@synergie.platforms", found)
        stamp = [line for line in found if line.startswith("DTSTAMP:")]
        self.assertRegex(stamp[0], r"^DTSTAMP:\d{8}T\d{6}Z$")

    def test_it_gives_times_in_utc(self):
        self.login(self.reader)
        found = lines(self.get(self.tricky))
        self.assertIn("DTSTART:20300701T140000Z", found)
        self.assertIn("DTEND:20300701T153000Z", found)

    def test_it_escapes_commas_semicolons_backslashes_and_newlines(self):
        self.login(self.reader)
        found = lines(self.get(self.tricky))
        self.assertIn("SUMMARY:LIVC-R of A: Budget\\, plans\\; and\\\\or\\nmore", found)
        self.assertIn("LOCATION:Hall 1\\, floor 2\\; room B", found)

    def test_it_is_for_members_only(self):
        self.assertEqual(self.get(self.tricky).status_code, 404)
        self.login(self.contact_b)
        self.assertEqual(self.get(self.tricky).status_code, 404)

    def test_the_platform_feed_holds_every_meeting_for_members(self):
        url = reverse("platforms:calendar", args=["livc"])
        self.login(self.reader)
        found = lines(self.client.get(url))
        self.assertEqual(found.count("BEGIN:VEVENT"), 3)
        self.assertIn("X-WR-CALNAME:LIVC-R of A", found)
        self.assertIn("DESCRIPTION:1. The charter", found)
        self.client.logout()
        self.assertEqual(self.client.get(url).status_code, 404)
        public = reverse("platforms:calendar", args=["flemish"])  # visible, meetings are not
        self.assertEqual(self.client.get(public).status_code, 404)


class FoldingTest(SimpleTestCase):
    def test_it_folds_long_lines_at_75_octets_without_cutting_a_character(self):
        line = "SUMMARY:" + "é" * 100
        folded = ical.fold(line)
        parts = folded.split("\r\n")
        self.assertGreater(len(parts), 1)
        self.assertTrue(all(len(part.encode("utf-8")) <= 75 for part in parts))
        self.assertTrue(all(part.startswith(" ") for part in parts[1:]))
        self.assertEqual(folded.replace("\r\n ", ""), line)

    def test_it_leaves_short_lines_alone(self):
        self.assertEqual(ical.fold("VERSION:2.0"), "VERSION:2.0")
