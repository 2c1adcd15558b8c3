"""Creating and editing platforms, members, meetings, minutes, decisions and actions: each
write with its audit row; bad input gives form errors and changes nothing."""

import datetime

from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from platforms.models import ActionItem, Meeting, Membership, Platform
from platforms.tests.base import PlatformCase


def written():
    """Audit rows of this app (logging in writes its own)."""
    return AuditEvent.objects.filter(target_type__startswith="platforms.")


class PlatformFormTest(PlatformCase):
    def create(self, **data):
        values = {"key": "namur", "kind": "municipal", "coordinator": "agency-a"}
        return self.client.post(reverse("platforms:create"), {**values, **data})

    def test_a_coordinator_creates_a_platform_with_its_audit_row(self):
        self.login(self.coordinator)
        response = self.create(name_fr="Plateforme de Namur", municipality="Namur")
        self.assertRedirects(response, reverse("platforms:detail", args=["namur"]))
        platform = Platform.objects.get(key="namur")
        self.assertEqual(platform.name, {"fr": "Plateforme de Namur"})
        event = AuditEvent.objects.get(action="platform.created")
        self.assertEqual(event.actor, self.coordinator)
        self.assertEqual(event.target_id, str(platform.pk))
        self.assertEqual(event.changes["coordinator"], [None, self.org_a.pk])

    def test_an_livc_r_is_never_public(self):
        self.login(self.coordinator)
        response = self.create(kind="livc_r", is_public="on", name_en="Cell")
        self.assertContains(response, "An LIVC-R is never public.")
        self.assertFalse(Platform.objects.filter(key="namur").exists())
        self.assertFalse(written())

    def test_bad_input_gives_form_errors_and_writes_nothing(self):
        self.login(self.coordinator)
        for data in (
            {"name_en": ""},
            {"name_en": "X", "key": "flemish"},
            {"name_en": "X", "key": "meetings"},
            {"name_en": "X", "key": "not a slug"},
            {"name_en": "X", "kind": "club"},
            {"name_en": "X", "coordinator": "nobody"},
            {"name_en": "X" * 301},
        ):
            with self.subTest(data=data):
                response = self.create(**data)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].errors)
        self.assertEqual(Platform.objects.count(), 2)
        self.assertFalse(written())

    def test_editing_records_the_changed_fields_only(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("platforms:edit", args=["flemish"]),
            {
                "kind": "regional",
                "coordinator": "agency-a",
                "is_public": "on",
                "name_en": "Flemish platform",
                "name_nl": "Vlaams platform",
            },
        )
        self.assertRedirects(response, reverse("platforms:detail", args=["flemish"]))
        event = AuditEvent.objects.get(action="platform.updated")
        self.assertEqual(set(event.changes), {"name"})

    def test_a_public_platform_cannot_become_an_livc_r(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("platforms:edit", args=["flemish"]),
            {"kind": "livc_r", "coordinator": "agency-a", "is_public": "on", "name_en": "F"},
        )
        self.assertContains(response, "An LIVC-R is never public.")
        self.public.refresh_from_db()
        self.assertEqual(self.public.kind, "regional")

    def test_a_joint_cell_names_its_other_municipalities(self):
        self.login(self.coordinator)
        response = self.create(
            kind="livc_r",
            name_fr="CSIL-R de la zone",
            municipality="Namur",
            joint_municipalities=" Profondeville,  Floreffe ,",
        )
        self.assertRedirects(response, reverse("platforms:detail", args=["namur"]))
        platform = Platform.objects.get(key="namur")
        self.assertEqual(platform.joint_municipalities, ["Profondeville", "Floreffe"])
        self.assertEqual(platform.municipalities, ["Namur", "Profondeville", "Floreffe"])
        self.assertTrue(platform.is_joint)
        page = self.client.get(reverse("platforms:detail", args=["namur"]))
        self.assertContains(page, "jointly for Namur, Profondeville, Floreffe")
        event = AuditEvent.objects.get(action="platform.created")
        self.assertEqual(
            event.changes["joint_municipalities"], [None, ["Profondeville", "Floreffe"]]
        )
        edit = self.client.get(reverse("platforms:edit", args=["namur"]))
        self.assertContains(edit, 'value="Profondeville, Floreffe"')

    def test_joint_municipalities_need_the_own_one_and_no_repeats(self):
        self.login(self.coordinator)
        for data, message in (
            ({"joint_municipalities": "Floreffe"}, "Give the platform&#x27;s own municipality"),
            ({"municipality": "Namur", "joint_municipalities": "namur"}, "namur is named twice"),
            (
                {"municipality": "Namur", "joint_municipalities": "Floreffe, FLOREFFE"},
                "FLOREFFE is named twice",
            ),
            ({"municipality": "Namur", "joint_municipalities": "A" * 101}, "at most 100"),
        ):
            with self.subTest(data=data):
                response = self.create(name_en="Cell", **data)
                self.assertContains(response, message)
        self.assertFalse(Platform.objects.filter(key="namur").exists())
        self.assertFalse(written())

    def test_the_service_refuses_what_the_form_would(self):
        from django.core.exceptions import ValidationError

        from platforms import services

        with self.assertRaises(ValidationError) as raised:
            services.update_platform(
                self.public, {"joint_municipalities": ["Gent"]}, acting_user=self.coordinator
            )
        self.assertIn("joint_municipalities", raised.exception.message_dict)
        self.public.refresh_from_db()
        self.assertEqual(self.public.joint_municipalities, [])
        self.public.municipality = "Namur"
        self.public.joint_municipalities = ["Floreffe"]
        self.public.save()
        with self.assertRaises(ValidationError):  # the joint list needs its municipality
            services.update_platform(
                self.public, {"municipality": ""}, acting_user=self.coordinator
            )
        self.public.refresh_from_db()
        self.assertEqual(self.public.municipality, "Namur")


class MembershipTest(PlatformCase):
    def add(self, **data):
        values = {"organisation": "agency-b", "role": "observer", "starts_on": "2024-01-01"}
        return self.client.post(reverse("platforms:member_add", args=["livc"]), {**values, **data})

    def test_a_coordinator_adds_a_member_through_a_post(self):
        self.login(self.coordinator)
        response = self.add(post=str(self.private_post_b.uuid))
        self.assertRedirects(response, reverse("platforms:detail", args=["livc"]))
        membership = Membership.objects.get(platform=self.livc, post=self.private_post_b)
        self.assertEqual(membership.role, "observer")
        event = AuditEvent.objects.get(action="platform.member_added")
        self.assertEqual(event.changes["organisation"], [None, "agency-b"])
        self.assertEqual(event.changes["post"], [None, str(self.private_post_b.uuid)])

    def test_bad_input_gives_form_errors_and_writes_nothing(self):
        self.login(self.coordinator)
        for data in (
            {"post": str(self.post_a.uuid)},  # a post of agency A for agency B
            {"organisation": "nobody"},
            {"role": "king"},
            {"starts_on": "yesterday"},
            {"ends_on": "2023-01-01"},
            {"post": "not-a-uuid"},
        ):
            with self.subTest(data=data):
                response = self.add(**data)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].errors)
        self.assertEqual(Membership.objects.filter(platform=self.livc).count(), 2)
        self.assertFalse(written())

    def test_ending_a_membership_hides_the_seat_and_is_audited(self):
        self.login(self.coordinator)
        url = reverse("platforms:member_end", args=["livc", self.seat.pk])
        response = self.client.post(url, {"ends_on": "2019-01-01"})  # before the start
        self.assertContains(response, "The end cannot come before the start.")
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        response = self.client.post(url, {"ends_on": yesterday.isoformat()})
        self.assertRedirects(response, reverse("platforms:detail", args=["livc"]))
        event = AuditEvent.objects.get(action="platform.member_ended")
        self.assertEqual(event.changes["ends_on"], [None, yesterday.isoformat()])
        page = self.client.get(reverse("platforms:detail", args=["livc"]))
        self.assertNotContains(page, "Rita Referent")

    def test_a_membership_of_another_platform_is_a_404(self):
        self.login(self.coordinator)
        url = reverse("platforms:member_end", args=["flemish", self.seat.pk])
        self.assertEqual(self.client.get(url).status_code, 404)


class MeetingWritesTest(PlatformCase):
    def schedule(self, **data):
        values = {
            "title_en": "Spring meeting",
            "starts_at": "2030-03-12T14:00",
            "ends_at": "2030-03-12T16:00",
            "location": "Town hall",
            "agenda": "Welcome\n\nThe charter\n",
        }
        url = reverse("platforms:meeting_create", args=["livc"])
        return self.client.post(url, {**values, **data})

    def test_a_coordinator_schedules_a_meeting_with_its_agenda(self):
        self.login(self.coordinator)
        response = self.schedule()
        meeting = Meeting.objects.get(title={"en": "Spring meeting"})
        self.assertRedirects(response, reverse("platforms:meeting", args=[meeting.uuid]))
        self.assertEqual(
            list(meeting.agenda_items.values_list("position", "title")),
            [(1, "Welcome"), (2, "The charter")],
        )
        self.assertEqual(meeting.starts_at, datetime.datetime(2030, 3, 12, 13, tzinfo=datetime.UTC))
        event = AuditEvent.objects.get(action="meeting.scheduled")
        self.assertEqual(event.changes["agenda"], [None, ["Welcome", "The charter"]])

    def test_bad_input_gives_form_errors_and_writes_nothing(self):
        self.login(self.coordinator)
        for data in (
            {"title_en": ""},
            {"ends_at": "2030-03-12T13:00"},
            {"starts_at": "soon"},
            {"ends_at": ""},
            {"agenda": "x" * 301},
        ):
            with self.subTest(data=data):
                response = self.schedule(**data)
                self.assertEqual(response.status_code, 200)
                self.assertTrue(response.context["form"].errors)
        self.assertEqual(Meeting.objects.count(), 2)
        self.assertFalse(written())

    def test_minutes_are_recorded_and_approved_once(self):
        self.login(self.coordinator)
        url = reverse("platforms:minutes", args=[self.upcoming.uuid])
        response = self.client.post(url, {"status": "held", "minutes": "Done.", "approved": "on"})
        self.assertRedirects(response, reverse("platforms:meeting", args=[self.upcoming.uuid]))
        self.upcoming.refresh_from_db()
        approved_at = self.upcoming.minutes_approved_at
        self.assertIsNotNone(approved_at)
        self.assertEqual(self.upcoming.status, "held")
        self.client.post(url, {"status": "held", "minutes": "Done!", "approved": "on"})
        self.upcoming.refresh_from_db()
        self.assertEqual(self.upcoming.minutes_approved_at, approved_at)
        events = AuditEvent.objects.filter(action="meeting.minutes_recorded").order_by("id")
        self.assertEqual(
            [set(e.changes) for e in events],
            [{"minutes", "status", "minutes_approved_at"}, {"minutes"}],
        )

    def test_bad_minutes_give_form_errors(self):
        self.login(self.coordinator)
        url = reverse("platforms:minutes", args=[self.upcoming.uuid])
        response = self.client.post(url, {"status": "postponed", "minutes": "x"})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors)
        self.assertFalse(written())

    def test_decisions_and_actions_are_recorded_and_audited(self):
        self.login(self.coordinator)
        meeting = reverse("platforms:meeting", args=[self.held.uuid])
        response = self.client.post(
            reverse("platforms:decision_add", args=[self.held.uuid]), {"text": "We agree."}
        )
        self.assertRedirects(response, meeting)
        response = self.client.post(
            reverse("platforms:action_add", args=[self.held.uuid]),
            {"title": "Write to the mayor", "owner": "agency-b", "due_on": "2030-01-01"},
        )
        self.assertRedirects(response, meeting)
        action = ActionItem.objects.get(title="Write to the mayor")
        self.assertEqual(action.owner, self.org_b)
        actions = written().values_list("action", flat=True).order_by("id")
        self.assertEqual(list(actions), ["meeting.decision_recorded", "meeting.action_recorded"])

    def test_bad_decisions_and_actions_give_form_errors(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("platforms:decision_add", args=[self.held.uuid]), {"text": ""}
        )
        self.assertTrue(response.context["form"].errors)
        response = self.client.post(
            reverse("platforms:action_add", args=[self.held.uuid]),
            {"title": "X", "owner": "nobody", "due_on": "31/31/2030"},
        )
        self.assertEqual(set(response.context["form"].errors), {"owner", "due_on"})
        self.assertFalse(written())

    def test_an_action_is_marked_done_once(self):
        self.login(self.coordinator)
        url = reverse("platforms:action_done", args=[self.held.uuid, self.action.pk])
        self.client.post(url, {"done_on": "bad"})
        self.action.refresh_from_db()
        self.assertIsNone(self.action.done_on)
        self.client.post(url, {"done_on": "2030-01-02"})
        self.client.post(url, {"done_on": "2030-01-03"})
        self.action.refresh_from_db()
        self.assertEqual(self.action.done_on, datetime.date(2030, 1, 2))
        self.assertEqual(AuditEvent.objects.filter(action="meeting.action_done").count(), 1)
        page = self.client.get(reverse("platforms:detail", args=["livc"]))
        self.assertNotContains(page, "Send the charter round")

    def test_an_action_of_another_meeting_is_a_404(self):
        self.login(self.coordinator)
        url = reverse("platforms:action_done", args=[self.upcoming.uuid, self.action.pk])
        self.assertEqual(self.client.post(url, {"done_on": "2030-01-02"}).status_code, 404)
