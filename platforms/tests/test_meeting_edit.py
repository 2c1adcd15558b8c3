"""Editing a meeting and its agenda items in the pages: before the meeting only, by those
who manage the platform, with one audit row; bad input gives form errors and changes
nothing."""

import datetime

from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from platforms.models import AgendaItem
from platforms.tests.base import PlatformCase, make_meeting


def written():
    return AuditEvent.objects.filter(target_type__startswith="platforms.")


class MeetingEditTest(PlatformCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # whole minutes, as the page's fields give them
        cls.upcoming.starts_at = cls.upcoming.starts_at.replace(second=0)
        cls.upcoming.ends_at = cls.upcoming.starts_at + datetime.timedelta(hours=2)
        cls.upcoming.save()
        AgendaItem.objects.create(meeting=cls.upcoming, position=1, title="Welcome")
        AgendaItem.objects.create(
            meeting=cls.upcoming, position=2, title="Budget", notes="Figures of 2025"
        )

    def url(self, meeting=None):
        return reverse("platforms:meeting_edit", args=[(meeting or self.upcoming).uuid])

    def post(self, meeting=None, **data):
        """The form as the page fills it in, with the agenda's two rows and one empty row."""
        starts = timezone.localtime(self.upcoming.starts_at)
        values = {
            "title_en": "Quarterly meeting",
            "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (starts + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "location": "Town hall",
            "agenda-TOTAL_FORMS": "3",
            "agenda-INITIAL_FORMS": "2",
            "agenda-0-title": "Welcome",
            "agenda-0-notes": "",
            "agenda-0-ORDER": "1",
            "agenda-1-title": "Budget",
            "agenda-1-notes": "Figures of 2025",
            "agenda-1-ORDER": "2",
            "agenda-2-title": "",
            "agenda-2-notes": "",
            "agenda-2-ORDER": "",
        }
        return self.client.post(self.url(meeting), {**values, **data})

    def agenda(self):
        return list(self.upcoming.agenda_items.values_list("position", "title", "notes"))

    def test_anonymous_visitors_are_sent_to_log_in(self):
        response = self.client.get(self.url())
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login", response["Location"])

    def test_another_organisation_gets_a_404(self):
        self.login(self.contact_b)
        self.assertEqual(self.client.get(self.url()).status_code, 404)
        self.assertEqual(self.post(location="Elsewhere").status_code, 404)
        self.assertFalse(written())

    def test_a_member_who_may_not_manage_gets_a_403(self):
        self.login(self.reader)
        self.assertEqual(self.client.get(self.url()).status_code, 403)
        self.assertEqual(self.post(location="Elsewhere").status_code, 403)
        self.assertFalse(written())
        page = self.client.get(reverse("platforms:meeting", args=[self.upcoming.uuid]))
        self.assertNotContains(page, self.url())

    def test_the_form_shows_the_agenda_items_with_their_notes(self):
        self.login(self.coordinator)
        page = self.client.get(self.url())
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'value="Budget"')
        self.assertContains(page, "Figures of 2025</textarea>")
        self.assertContains(page, 'value="Town hall"')
        meeting_page = self.client.get(reverse("platforms:meeting", args=[self.upcoming.uuid]))
        self.assertContains(meeting_page, self.url())

    def test_a_coordinator_reorders_edits_removes_and_adds_items_with_one_audit_row(self):
        self.login(self.coordinator)
        response = self.post(
            location="Namur",
            **{
                "agenda-0-ORDER": "3",
                "agenda-1-DELETE": "on",
                "agenda-2-title": "The charter",
                "agenda-2-notes": "Read it first",
                "agenda-2-ORDER": "2",
            },
        )
        self.assertRedirects(response, reverse("platforms:meeting", args=[self.upcoming.uuid]))
        self.assertEqual(self.agenda(), [(1, "The charter", "Read it first"), (2, "Welcome", "")])
        self.upcoming.refresh_from_db()
        self.assertEqual(self.upcoming.location, "Namur")
        event = AuditEvent.objects.get(action="meeting.updated")
        self.assertEqual(event.actor, self.coordinator)
        self.assertEqual(event.target_id, str(self.upcoming.pk))
        self.assertEqual(set(event.changes), {"location", "agenda"})
        self.assertEqual(
            event.changes["agenda"][1],
            [{"title": "The charter", "notes": "Read it first"}, {"title": "Welcome", "notes": ""}],
        )

    def test_saving_without_a_change_writes_nothing(self):
        self.login(self.coordinator)
        response = self.post()
        self.assertRedirects(response, reverse("platforms:meeting", args=[self.upcoming.uuid]))
        self.assertFalse(written())

    def test_bad_input_gives_form_errors_and_changes_nothing(self):
        self.login(self.coordinator)
        for data in (
            {"title_en": ""},
            {"ends_at": "2000-01-01T10:00"},  # before the start
            {"starts_at": "0001-01-01T10:00"},
            {"location": "x" * 201},
        ):
            with self.subTest(data=data):
                response = self.post(**data)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].errors)
        for data in (
            {"agenda-0-title": "x" * 301},
            {"agenda-2-notes": "Notes without a title"},
            {"agenda-0-ORDER": "first"},
            {"agenda-TOTAL_FORMS": "51"},
        ):
            with self.subTest(data=data):
                response = self.post(**data)
                self.assertEqual(response.status_code, 200)
                self.assertFalse(response.context["agenda"].is_valid())
        self.assertEqual(self.agenda(), [(1, "Welcome", ""), (2, "Budget", "Figures of 2025")])
        self.assertFalse(written())

    def test_a_meeting_that_was_held_or_has_started_cannot_be_edited(self):
        started = make_meeting(self.livc, "Started", 0)  # starts now: still planned
        self.login(self.coordinator)
        for meeting in (self.held, started):
            with self.subTest(meeting=meeting.display_title):
                page = reverse("platforms:meeting", args=[meeting.uuid])
                response = self.client.get(self.url(meeting), follow=True)
                self.assertRedirects(response, page)
                self.assertContains(response, "can be changed only while it is planned")
                self.assertRedirects(self.post(meeting, location="Elsewhere"), page)
                self.assertNotContains(self.client.get(page), self.url(meeting))
        self.assertFalse(written())
