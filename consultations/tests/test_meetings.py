"""Case consultations through the pages: the agenda by handle, the invited participant's
declaration and single case, identity, consensus and the information sheet, carried-over
actions, minutes approved at the next meeting, the room view and the calendar."""

from __future__ import annotations

import datetime

from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Contribution
from consultations import access, services
from consultations.models import (
    AgendaCase,
    Attendance,
    CaseAction,
    Consensus,
    InformationSheet,
    Meeting,
    Minutes,
)
from consultations.tests.base import ConsultationPersonas, share


class AgendaTests(ConsultationPersonas):
    def url(self, name, *args):
        return reverse(f"consultations:{name}", args=[self.meeting.uuid, *args])

    def test_it_sends_anonymous_visitors_to_login(self):
        response = self.client.get(self.url("meeting"))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("account_login"), response["Location"])

    def test_it_shows_members_the_agenda_by_handle_and_logs_each_person(self):
        self.login(self.police)
        response = self.client.get(self.url("meeting"))
        self.assertContains(response, self.person.handle)
        self.assertContains(response, self.quinn.handle)
        self.assertNotContains(response, "Pat Example")
        self.assertNotContains(response, "Quinn Sample")
        subjects = set(
            AuditEvent.objects.filter(
                action="consultation.agenda.read", actor=self.police
            ).values_list("subject", flat=True)
        )
        self.assertEqual(subjects, {str(self.person.uuid), str(self.quinn.uuid)})

    def test_it_hides_the_meeting_from_everybody_else(self):
        for user in (self.officer, self.coordinator, self.dpo, self.police_other):
            with self.subTest(user=user.email):
                self.login(user)
                self.assertEqual(self.client.get(self.url("meeting")).status_code, 404)
                self.assertEqual(
                    self.client.get(self.url("case", self.pat_case.pk)).status_code, 404
                )

    def test_it_drops_a_police_member_whose_clearance_expired(self):
        self.police_post.clearance_expires_on = timezone.localdate() - datetime.timedelta(days=1)
        self.police_post.save()
        self.login(self.police)
        self.assertEqual(self.client.get(self.url("meeting")).status_code, 404)

    def test_it_makes_the_invited_participant_sign_before_anything_opens(self):
        self.login(self.partner_b)
        response = self.client.get(self.url("case", self.pat_case.pk))
        self.assertRedirects(response, self.url("declaration"))
        response = self.client.get(self.url("meeting"))
        self.assertRedirects(response, self.url("declaration"))
        self.client.post(self.url("declaration"), {"agree": "yes"})
        seat = Attendance.objects.get(meeting=self.meeting, user=self.partner_b)
        self.assertIsNotNone(seat.declaration_signed_at)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="consultation.declaration.signed", actor=self.partner_b
            ).exists()
        )

    def test_it_shows_the_invited_participant_their_case_only(self):
        self.sign()
        self.login(self.partner_b)
        response = self.client.get(self.url("meeting"))
        self.assertContains(response, self.person.handle)
        self.assertNotContains(response, self.quinn.handle)
        self.assertNotContains(response, "mayor@city.test")  # no register for them
        self.assertContains(self.client.get(self.url("case", self.pat_case.pk)), "Pat left school")
        self.assertEqual(self.client.get(self.url("case", self.quinn_case.pk)).status_code, 404)
        self.assertTrue(
            AuditEvent.objects.filter(
                action="consultation.case.denied", actor=self.partner_b
            ).exists()
        )
        self.assertEqual(self.client.get(self.url("minutes")).status_code, 403)

    def test_it_shows_the_identity_only_on_request_and_logs_it(self):
        self.login(self.mayor)
        page = self.client.get(self.url("case", self.pat_case.pk))
        self.assertNotContains(page, "Pat Example")
        response = self.client.post(self.url("case_identity", self.pat_case.pk))
        self.assertContains(response, "Pat Example")
        event = AuditEvent.objects.get(action="consultation.identity.revealed")
        self.assertEqual(event.subject, str(self.person.uuid))
        self.assertNotIn("Pat", str(event.changes))

    def test_it_puts_only_persons_shared_with_the_cell_on_the_agenda(self):
        upcoming = self.schedule()
        self.login(self.prevention)
        response = self.client.post(
            reverse("consultations:agenda_add", args=[upcoming.uuid]),
            {"handle": self.minor.handle, "presented_by": "city"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(upcoming.cases.exists())
        response = self.client.post(
            reverse("consultations:agenda_add", args=[upcoming.uuid]),
            {"handle": self.person.handle, "presented_by": "city"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(list(upcoming.cases.values_list("person", flat=True)), [self.person.pk])

    def test_it_refuses_the_agenda_to_a_member_who_does_not_prepare_it(self):
        upcoming = self.schedule()
        self.login(self.police)
        response = self.client.get(reverse("consultations:agenda_add", args=[upcoming.uuid]))
        self.assertEqual(response.status_code, 403)

    def schedule(self, days: int = 7) -> Meeting:
        start = timezone.now() + datetime.timedelta(days=days)
        return services.schedule_meeting(
            self.cell,
            {
                "starts_at": start,
                "ends_at": start + datetime.timedelta(hours=2),
                "location": "Town hall",
                "chair": self.mayor,
                "secretary": self.prevention,
            },
            acting_user=self.prevention,
        )

    def test_it_schedules_a_meeting_with_the_register_and_an_invitation_without_personal_data(self):
        self.login(self.prevention)
        start = timezone.localtime() + datetime.timedelta(days=10)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(
                reverse("consultations:schedule", args=[self.cell.key]),
                {
                    "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                    "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                    "location": "Town hall",
                    "chair": self.mayor.pk,
                    "secretary": self.prevention.pk,
                },
            )
        meeting = Meeting.objects.exclude(pk=self.meeting.pk).get()
        self.assertRedirects(response, reverse("consultations:meeting", args=[meeting.uuid]))
        self.assertEqual(
            set(meeting.attendance.values_list("user", flat=True)),
            {self.mayor.pk, self.police.pk, self.prevention.pk},
        )
        self.assertEqual(len(mail.outbox), 3)
        calendar = mail.outbox[0].attachments[0][1]
        self.assertIn("BEGIN:VEVENT", calendar)
        for secret in (self.person.handle, "Pat", self.quinn.handle):
            self.assertNotIn(secret, calendar)
            self.assertNotIn(secret, mail.outbox[0].body)

    def test_it_rejects_a_meeting_that_ends_before_it_starts(self):
        self.login(self.prevention)
        start = timezone.localtime() + datetime.timedelta(days=10)
        response = self.client.post(
            reverse("consultations:schedule", args=[self.cell.key]),
            {
                "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
                "ends_at": (start - datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
                "location": "Town hall",
                "chair": self.mayor.pk,
                "secretary": self.prevention.pk,
            },
        )
        self.assertContains(response, "The meeting must end after it starts.")
        self.assertEqual(Meeting.objects.count(), 1)

    def test_it_carries_open_actions_over_to_the_next_meeting(self):
        CaseAction.objects.create(
            case=self.pat_case,
            person=self.person,
            cell=self.cell,
            text="Contact the school",
            owner=self.org_a,
            due_on=timezone.localdate() + datetime.timedelta(days=3),
        )
        upcoming = self.schedule()
        carried = AgendaCase.objects.get(meeting=upcoming)
        self.assertEqual(carried.person, self.person)
        self.assertEqual(carried.carried_from, self.pat_case)
        self.login(self.mayor)
        page = self.client.get(reverse("consultations:case", args=[upcoming.uuid, carried.pk]))
        self.assertContains(page, "Contact the school")

    def test_it_keeps_the_calendar_free_of_persons(self):
        self.login(self.police)
        response = self.client.get(self.url("calendar"))
        body = response.content.decode()
        self.assertIn("Town hall", body)
        self.assertNotIn(self.person.handle, body)

    def test_its_meeting_page_costs_the_same_queries_with_more_cases(self):
        self.login(self.police)
        self.client.get(self.url("meeting"))
        with CaptureQueriesContext(connection) as few:
            self.client.get(self.url("meeting"))
        for n in range(5):
            from cases.tests.base import make_file, make_person

            person = make_person(f"Extra {n}", None)
            share(make_file(person, self.org_a, self.officer), self.officer, "x", self.cell)
            AgendaCase.objects.create(
                meeting=self.meeting, person=person, position=10 + n, presented_by=self.org_a
            )
        with CaptureQueriesContext(connection) as many:
            response = self.client.get(self.url("meeting"))
        self.assertContains(response, "Extra" and "NAM")
        self.assertEqual(len(few.captured_queries), len(many.captured_queries))


class ConsensusTests(ConsultationPersonas):
    def url(self, name, *args):
        return reverse(f"consultations:{name}", args=[self.meeting.uuid, *args])

    def prepare(self):
        Attendance.objects.filter(meeting=self.meeting, seat="member").update(present=True)
        AgendaCase.objects.filter(pk=self.pat_case.pk).update(discussed=True, summary="Discussed")
        self.pat_case.refresh_from_db()

    def test_it_asks_consensus_only_after_discussion(self):
        self.login(self.police)
        response = self.client.post(
            self.url("consensus_request", self.pat_case.pk), {"purpose": "Threat assessment"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Consensus.objects.exists())

    def test_it_makes_the_sheet_only_when_every_member_present_agrees(self):
        self.prepare()
        self.login(self.police)
        self.client.post(
            self.url("consensus_request", self.pat_case.pk), {"purpose": "Threat assessment"}
        )
        consensus = Consensus.objects.get()
        self.login(self.mayor)
        seats = Attendance.objects.filter(meeting=self.meeting, seat="member")
        answers = {f"vote_{seat.pk}": "yes" for seat in seats}
        response = self.client.post(self.url("consensus_votes", self.pat_case.pk), answers)
        self.assertEqual(response.status_code, 302)
        consensus.refresh_from_db()
        self.assertEqual(consensus.status, "reached")
        sheet = InformationSheet.objects.get()
        self.assertIn("Pat Example", sheet.content)
        # only the police member downloads it, after a recent second factor, watermarked
        self.login(self.mayor)
        self.assertEqual(
            self.client.get(reverse("consultations:sheet", args=[sheet.uuid])).status_code, 403
        )
        self.login(self.police_other)
        self.assertEqual(
            self.client.get(reverse("consultations:sheet", args=[sheet.uuid])).status_code, 404
        )
        self.login(self.police)
        self.assertEqual(
            self.client.get(reverse("consultations:sheet", args=[sheet.uuid])).status_code, 302
        )
        self.step_up(self.police)
        response = self.client.get(reverse("consultations:sheet", args=[sheet.uuid]))
        text = response.content.decode()
        self.assertIn("Threat assessment", text)
        self.assertIn(str(sheet.uuid), text)
        self.assertIn("police@police.test", text)
        event = AuditEvent.objects.get(action="consultation.sheet.downloaded")
        self.assertEqual(event.subject, str(self.person.uuid))

    def test_it_makes_no_sheet_when_one_member_disagrees(self):
        self.prepare()
        consensus = services.request_consensus(
            self.pat_case, "Threat assessment", acting_user=self.police
        )
        seats = list(Attendance.objects.filter(meeting=self.meeting, seat="member"))
        answers = {seat.pk: True for seat in seats}
        answers[seats[0].pk] = False
        services.record_votes(consensus, answers, acting_user=self.mayor)
        consensus.refresh_from_db()
        self.assertEqual(consensus.status, "not_reached")
        self.assertFalse(InformationSheet.objects.exists())

    def test_it_needs_the_answer_of_every_member_present(self):
        self.prepare()
        consensus = services.request_consensus(
            self.pat_case, "Threat assessment", acting_user=self.police
        )
        self.login(self.mayor)
        seat = Attendance.objects.filter(meeting=self.meeting, seat="member").first()
        response = self.client.post(
            self.url("consensus_votes", self.pat_case.pk), {f"vote_{seat.pk}": "yes"}
        )
        self.assertEqual(response.status_code, 200)
        consensus.refresh_from_db()
        self.assertEqual(consensus.status, "open")
        self.assertFalse(consensus.votes.exists())

    def test_it_lets_only_the_chair_record_answers(self):
        self.prepare()
        services.request_consensus(self.pat_case, "Threat assessment", acting_user=self.police)
        self.login(self.police)
        self.assertEqual(
            self.client.get(self.url("consensus_votes", self.pat_case.pk)).status_code, 403
        )


class MinutesAndRoomTests(ConsultationPersonas):
    def test_it_approves_the_minutes_at_the_next_meeting(self):
        services.set_status(self.meeting, "held", acting_user=self.prevention)
        self.login(self.prevention)
        url = reverse("consultations:minutes", args=[self.meeting.uuid])
        self.client.post(url, {"text": "The cell met."})
        minutes = Minutes.objects.get()
        self.assertEqual(minutes.text, "The cell met.")
        start = timezone.now() + datetime.timedelta(days=30)
        later = Meeting.objects.create(
            cell=self.cell,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            location="Town hall",
            chair=self.mayor,
            secretary=self.prevention,
            created_by=self.prevention,
        )
        self.login(self.mayor)
        approve = reverse("consultations:minutes_approve", args=[later.uuid])
        self.client.post(approve)
        minutes.refresh_from_db()
        self.assertIsNone(minutes.approved_at)  # not before the next meeting starts
        Meeting.objects.filter(pk=later.pk).update(
            starts_at=timezone.now() - datetime.timedelta(minutes=5)
        )
        self.client.post(approve)
        minutes.refresh_from_db()
        self.assertEqual(minutes.approved_in, later)
        self.login(self.prevention)
        self.client.post(url, {"text": "Rewritten", "version": minutes.version})
        minutes.refresh_from_db()
        self.assertEqual(minutes.text, "The cell met.")

    def test_it_hides_cases_from_the_room_when_an_invited_participant_is_present(self):
        self.sign()
        Attendance.objects.filter(meeting=self.meeting).update(present=True)
        self.login(self.prevention)
        response = self.client.get(reverse("consultations:room", args=[self.meeting.uuid]))
        self.assertContains(response, self.person.handle)
        self.assertNotContains(response, self.quinn.handle)
        self.assertNotContains(response, "Quinn moved")
        self.assertNotContains(response, "Pat Example")
        # absent or not, an invited guest in the register may be in the room
        Attendance.objects.filter(meeting=self.meeting, seat="invited").update(present=False)
        response = self.client.get(reverse("consultations:room", args=[self.meeting.uuid]))
        self.assertNotContains(response, self.quinn.handle)
        Attendance.objects.filter(meeting=self.meeting, seat="invited").delete()
        response = self.client.get(reverse("consultations:room", args=[self.meeting.uuid]))
        self.assertContains(response, self.quinn.handle)
        self.assertContains(response, "Quinn moved")

    def test_it_counts_an_invited_participant_present_only_after_signing(self):
        self.login(self.prevention)
        seats = Attendance.objects.filter(meeting=self.meeting)
        response = self.client.post(
            reverse("consultations:attendance", args=[self.meeting.uuid]),
            {"present": [str(s.pk) for s in seats]},
        )
        self.assertContains(response, "must sign the confidentiality declaration first")
        self.assertFalse(Attendance.objects.filter(present=True).exists())


class ReminderTests(ConsultationPersonas):
    def test_it_reminds_the_register_of_tomorrows_meeting_without_persons(self):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time(9)))
        Meeting.objects.filter(pk=self.meeting.pk).update(
            starts_at=start, ends_at=start + datetime.timedelta(hours=2)
        )
        sent = services.send_reminders()
        self.assertEqual(sent, 4)  # three members and the invited participant
        recipients = sorted(m.to[0] for m in mail.outbox)
        self.assertIn("partner@b.test", recipients)
        for message in mail.outbox:
            self.assertNotIn(self.person.handle, message.body)
            self.assertNotIn(self.person.handle, message.attachments[0][1])

    def test_it_reminds_nobody_of_a_meeting_further_away(self):
        self.assertEqual(services.send_reminders(), 0)
        self.assertEqual(mail.outbox, [])


class RuleTests(ConsultationPersonas):
    def test_it_adds_an_action_from_the_case_page(self):
        self.login(self.prevention)
        response = self.client.post(
            reverse("consultations:case_action_add", args=[self.meeting.uuid, self.pat_case.pk]),
            {
                "text": "Call the school",
                "owner": self.org_a.key,
                "due_on": self.future().isoformat(),
            },
        )
        self.assertEqual(response.status_code, 302)
        action = CaseAction.objects.get()
        self.assertEqual(
            (action.text, action.owner, action.cell), ("Call the school", self.org_a, self.cell)
        )

    def test_it_marks_only_a_planned_meeting_as_held(self):
        services.set_status(self.meeting, "held", acting_user=self.prevention)
        with self.assertRaises(ValidationError):
            services.set_status(self.meeting, "held", acting_user=self.prevention)
        Meeting.objects.filter(pk=self.meeting.pk).update(status="cancelled")
        self.meeting.refresh_from_db()
        with self.assertRaises(ValidationError):
            services.set_status(self.meeting, "held", acting_user=self.prevention)

    def test_it_cancels_only_a_meeting_that_has_not_started(self):
        with self.assertRaises(ValidationError):
            services.set_status(self.meeting, "cancelled", acting_user=self.prevention)
        self.assertEqual(Meeting.objects.get(pk=self.meeting.pk).status, "planned")

    def test_it_keeps_a_held_meeting_as_it_was(self):
        services.set_status(self.meeting, "held", acting_user=self.prevention)
        data = {
            "starts_at": self.meeting.starts_at,
            "ends_at": self.meeting.ends_at,
            "location": "Elsewhere",
            "chair": self.mayor,
            "secretary": self.prevention,
        }
        with self.assertRaises(ValidationError):
            services.update_meeting(
                self.meeting, data, self.meeting.version, acting_user=self.prevention
            )
        self.assertEqual(Meeting.objects.get(pk=self.meeting.pk).location, "Town hall")

    def test_it_does_not_mark_an_action_done_twice(self):
        action = CaseAction.objects.create(
            case=self.pat_case,
            person=self.person,
            cell=self.cell,
            text="x",
            owner=self.org_a,
            due_on=self.future(),
        )
        services.complete_action(action, "Done", timezone.localdate(), acting_user=self.prevention)
        with self.assertRaises(ValidationError):
            services.complete_action(
                action, "Again", timezone.localdate(), acting_user=self.prevention
            )
        action.refresh_from_db()
        self.assertEqual(action.follow_up, "Done")

    def test_it_removes_the_invited_seat_with_the_case(self):
        start = timezone.now() + datetime.timedelta(days=3)
        Meeting.objects.filter(pk=self.meeting.pk).update(
            starts_at=start, ends_at=start + datetime.timedelta(hours=1)
        )
        self.pat_case.refresh_from_db()
        services.remove_case(self.pat_case, acting_user=self.prevention)
        self.assertFalse(
            Attendance.objects.filter(meeting=self.meeting, user=self.partner_b).exists()
        )


class ReviewFixTests(ConsultationPersonas):
    def test_it_closes_the_invited_participants_case_a_week_after_the_meeting(self):
        self.sign()
        self.login(self.partner_b)
        url = reverse("consultations:case", args=[self.meeting.uuid, self.pat_case.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        ended = timezone.now() - datetime.timedelta(days=8)
        Meeting.objects.filter(pk=self.meeting.pk).update(
            starts_at=ended - datetime.timedelta(hours=2), ends_at=ended
        )
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_it_shows_the_invited_participant_nothing_shared_after_the_meeting(self):
        self.sign()
        later = share(self.file, self.officer, "Shared after the meeting", self.cell)
        Contribution.objects.filter(pk=later.pk).update(
            created_at=timezone.now() + datetime.timedelta(hours=3)
        )
        self.login(self.partner_b)
        url = reverse("consultations:case", args=[self.meeting.uuid, self.pat_case.pk])
        self.assertNotContains(self.client.get(url), "Shared after the meeting")
        self.login(self.mayor)
        self.assertContains(self.client.get(url), "Shared after the meeting")

    def test_it_carries_a_new_action_to_the_meeting_already_scheduled(self):
        start = timezone.now() + datetime.timedelta(days=20)
        upcoming = services.schedule_meeting(
            self.cell,
            {
                "starts_at": start,
                "ends_at": start + datetime.timedelta(hours=2),
                "location": "Town hall",
                "chair": self.mayor,
                "secretary": self.prevention,
            },
            acting_user=self.prevention,
        )
        self.assertFalse(upcoming.cases.exists())
        services.add_action(
            self.quinn_case,
            {"text": "Call", "owner": self.org_a, "due_on": self.future()},
            acting_user=self.prevention,
        )
        carried = upcoming.cases.get()
        self.assertEqual((carried.person, carried.carried_from), (self.quinn, self.quinn_case))

    def test_it_records_nothing_before_the_meeting_starts(self):
        start = timezone.now() + datetime.timedelta(days=2)
        Meeting.objects.filter(pk=self.meeting.pk).update(
            starts_at=start, ends_at=start + datetime.timedelta(hours=1)
        )
        self.meeting.refresh_from_db()
        with self.assertRaises(ValidationError):
            services.record_attendance(self.meeting, set(), acting_user=self.prevention)
        self.pat_case.refresh_from_db()
        with self.assertRaises(ValidationError):
            services.add_action(
                self.pat_case,
                {"text": "Call", "owner": self.org_a, "due_on": self.future()},
                acting_user=self.prevention,
            )
        self.assertFalse(CaseAction.objects.exists())

    def test_it_counts_only_current_members_as_voters(self):
        Attendance.objects.filter(meeting=self.meeting, seat="member").update(present=True)
        self.assertEqual(len(access.voters_for(self.pat_case)), 3)
        self.police_post.clearance_expires_on = timezone.localdate() - datetime.timedelta(days=1)
        self.police_post.save()
        voters = access.voters_for(self.pat_case)
        self.assertEqual({v.user_id for v in voters}, {self.mayor.pk, self.prevention.pk})

    def test_it_approves_the_minutes_of_the_last_meeting_held(self):
        services.set_status(self.meeting, "held", acting_user=self.prevention)
        forgotten = Meeting.objects.create(
            cell=self.cell,
            starts_at=timezone.now() - datetime.timedelta(minutes=30),
            ends_at=timezone.now() + datetime.timedelta(minutes=30),
            location="Town hall",
            chair=self.mayor,
            secretary=self.prevention,
            created_by=self.prevention,
        )
        start = timezone.now() - datetime.timedelta(minutes=5)
        later = Meeting.objects.create(
            cell=self.cell,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            location="Town hall",
            chair=self.mayor,
            secretary=self.prevention,
            created_by=self.prevention,
        )
        self.assertEqual(access.previous_meeting(later), self.meeting)
        self.assertNotEqual(access.previous_meeting(later), forgotten)

    def test_it_keeps_the_invitation_reason_encrypted(self):
        from django.db import connection as db

        with db.cursor() as cursor:
            cursor.execute("SELECT reason FROM consultations_invitation")
            stored = cursor.fetchone()[0]
        self.assertNotIn("Keeps", stored)
