"""The retention job with time travel: records pass their clock, are queued, reviewed,
removed or anonymised; nothing personal remains in any table or in storage; the residue
matches; holds suspend removal; extensions bring records back; running twice changes
nothing."""

from __future__ import annotations

import contextlib
import datetime
import os
from io import StringIO

import time_machine
from cryptography.fernet import InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models
from django.urls import reverse

from accounts.roles import Role
from audit.models import AuditEvent
from cases import services as cases
from cases.models import (
    Attachment,
    CaseFile,
    FileStatus,
    JournalEntry,
    Person,
    Referral,
    ReferralStatus,
)
from cases.tests.base import make_file, make_person
from consultations.models import (
    AgendaCase,
    Attendance,
    CaseAction,
    Consensus,
    InformationSheet,
    Invitation,
    Meeting,
    Minutes,
    Vote,
)
from core.encryption import EncryptedJSONField, blind_token, decrypt_bytes, normalise
from core.testing import make_user
from retention import services
from retention.models import (
    LegalHold,
    Residue,
    RetentionRule,
    ReviewItem,
    ReviewStatus,
    RuleAction,
    RuleKind,
)
from retention.tests.base import RetentionPersonas, at

T0 = datetime.date(2020, 3, 10)
AFTER_5_YEARS = datetime.date(2025, 4, 10)  # 61 months later
AFTER_1_YEAR = datetime.date(2021, 4, 10)


def travel(day: datetime.date):
    return time_machine.travel(at(day), tick=False)


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField, EncryptedJSONField)


def leftovers(needles: set[str]) -> list[str]:
    """Every text column of every installed model (encrypted ones decrypted by the ORM)
    that still contains one of the needles: "app.model.field: needle"."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, TEXT_FIELDS)]
        if not names:
            continue
        for row in model._base_manager.values_list(*names).iterator():
            text = " ".join(str(value) for value in row if value not in (None, ""))
            for needle in needles:
                if needle in text:
                    found.append(f"{model._meta.label_lower}: {needle}")
    return found


def stored_leftovers(needles: set[str]) -> list[str]:
    """Files in storage whose content (decrypted when it is encrypted) holds a needle."""
    found = []
    for folder, _dirs, files in os.walk(settings.MEDIA_ROOT):
        for name in files:
            with open(os.path.join(folder, name), "rb") as handle:
                data = handle.read()
            with contextlib.suppress(InvalidToken):  # not encrypted: read as it is
                data = decrypt_bytes(data)
            text = data.decode("utf-8", "replace")
            found += [f"{name}: {n}" for n in needles if n in text]
    return found


class TimeTravelTest(RetentionPersonas):
    """Two persons with everything Synergie can hold about them, and a third whose open
    file must survive untouched."""

    def build(self):
        self.officer_b = make_user("officer@b.test", self.org_b, Role.REFERRAL_OFFICER)
        referral = cases.create_referral(
            actor=self.partner_b,
            person_data={
                "full_name": "Quentin Zorblaxian",
                "date_of_birth": datetime.date(1995, 6, 1),
                "municipality": "Namur",
                "national_number": "95060112399",
            },
            data={
                "organisation": self.org_a,
                "source": "organisation",
                "referrer_organisation": self.org_b,
                "referrer_name": "Referrer Xq-Ferdinand",
                "concern": "CONCERN-ZX-0001 posts",
            },
        )
        self.person = referral.person
        file = cases.accept_referral(
            referral, actor=self.officer, manager=self.officer, note="DECIDE-ZX-0002"
        )
        cases.add_team_member(file, self.partner, actor=self.officer)
        cases.add_entry(
            file,
            {"kind": "note", "occurred_on": T0, "text": "JOURNAL-ZX-0003"},
            actor=self.partner,
        )
        cases.add_evaluation(
            file,
            {
                "evaluated_on": T0,
                "summary": "EVAL-ZX-0004",
                "spheres": {"family": {"needs": "SPHERE-ZX-0005"}},
                "instrument_summary": "INSTRUMENT-ZX-0006",
            },
            actor=self.officer,
        )
        plan = cases.draft_plan(file, actor=self.officer)
        goal = {
            "sphere": "housing",
            "description": "GOAL-ZX-0007",
            "partner": self.org_a,
            "interventions": "INTERVENTION-ZX-0008",
        }
        plan = cases.save_plan(
            plan, {"review_on": T0}, [goal], actor=self.officer, expected_version=plan.version
        )
        cases.approve_plan(plan, actor=self.officer, expected_version=plan.version)
        condition = cases.add_condition(
            file,
            {"imposed_by": "Court", "imposed_on": T0, "text": "CONDITION-ZX-0009"},
            actor=self.officer,
        )
        cases.check_condition(
            condition,
            {"checked_on": T0, "compliance": "complied", "note": "CHECK-ZX-0010"},
            actor=self.officer,
        )
        self.attachment = cases.add_attachment(
            file,
            SimpleUploadedFile("ATTACH-ZX-0011.txt", b"BLOB-ZX-0012", "text/plain"),
            actor=self.officer,
        )
        cases.contribute(
            file,
            {
                "kind": "summary",
                "text": "CONTRIB-ZX-0013",
                "purpose": "PURPOSE-ZX-0014",
                "legal_basis": "vital_interest",
            },
            [self.org_b],
            actor=self.partner,
        )
        cases.refer_to_service(
            file,
            self.private_service_b,
            fields=["name", "date_of_birth"],
            message="SERVICE-ZX-0015",
            legal_basis="vital_interest",
            actor=self.partner,
        )
        handover = cases.request_handover(
            file,
            {
                "to_organisation": self.org_b,
                "legal_basis": "vital_interest",
                "summary": "HANDOVER-ZX-0016",
            },
            actor=self.officer,
        )
        cases.decide_handover(handover, accept=False, actor=self.officer_b)
        cases.break_glass(file, "BREAKGLASS-ZX-0017 an emergency at night", actor=self.colleague)
        file.refresh_from_db()
        self.file = cases.close_file(
            file,
            {
                "closure_reason": "goals_reached",
                "outcome": "stabilised",
                "closure_note": "CLOSURE-ZX-0018",
            },
            actor=self.officer,
            expected_version=file.version,
        )
        self.meeting = self.consultation(self.person)
        second = cases.create_referral(
            actor=self.partner,
            person_data={
                "full_name": "Wilhelmina Quaxleyova",
                "date_of_birth": datetime.date(2010, 2, 2),
                "municipality": "Andenne",
            },
            data={
                "organisation": self.org_a,
                "source": "professional",
                "concern": "CONCERN-ZX-0030",
                "guardian": "informed",
            },
        )
        self.second = cases.close_referral(second, actor=self.officer, note="NOTE-ZX-0031")
        # someone the job must leave alone
        self.kept = make_file(make_person("Kept Keeperson", None), self.org_a, self.officer)
        cases.add_entry(
            self.kept,
            {"kind": "note", "occurred_on": T0, "text": "KEEP-ZX-0099"},
            actor=self.officer,
        )
        closed_later = make_file(make_person("Later Laterson", None), self.org_a, self.officer)
        CaseFile.objects.filter(pk=closed_later.pk).update(
            status=FileStatus.CLOSED, closed_on=datetime.date(2024, 1, 1)
        )

    def consultation(self, person: Person) -> Meeting:
        meeting = self.meeting_at(T0, person)
        Minutes.objects.create(meeting=meeting, text="MINUTES-ZX-0020", written_by=self.officer)
        return meeting

    def meeting_at(self, day, person) -> Meeting:
        meeting = Meeting.objects.create(
            cell=self.cell,
            starts_at=at(day, 9),
            ends_at=at(day, 11),
            location="Town hall",
            chair=self.officer,
            secretary=self.officer,
            created_by=self.officer,
            status="held",
        )
        seat = Attendance.objects.create(
            meeting=meeting, user=self.officer, organisation=self.org_a, seat="member", present=True
        )
        case = AgendaCase.objects.create(
            meeting=meeting,
            person=person,
            position=1,
            presented_by=self.org_a,
            summary="AGENDA-ZX-0021",
            decisions="DECISION-ZX-0022",
            discussed=True,
        )
        Invitation.objects.create(
            case=case, user=self.partner, reason="INVITE-ZX-0023", invited_by=self.officer
        )
        CaseAction.objects.create(
            case=case,
            person=person,
            cell=self.cell,
            text="ACTION-ZX-0024",
            follow_up="FOLLOWUP-ZX-0025",
            owner=self.org_a,
            due_on=day,
        )
        consensus = Consensus.objects.create(
            case=case, purpose="CONSENSUS-ZX-0026", status="reached", requested_by=self.officer
        )
        Vote.objects.create(
            consensus=consensus, attendance=seat, agrees=True, recorded_by=self.officer
        )
        InformationSheet.objects.create(
            consensus=consensus, content="SHEET-ZX-0027", generated_by=self.officer
        )
        return meeting

    def needles(self) -> set[str]:
        texts = {
            "Quentin Zorblaxian",
            "Zorblaxian",
            "Wilhelmina Quaxleyova",
            "Quaxleyova",
            "95060112399",
            "Xq-Ferdinand",
            "ATTACH-ZX-0011",
            "BLOB-ZX-0012",
            self.person.handle,
            self.second.person.handle,
        }
        texts |= {f"ZX-{n:04d}" for n in range(1, 32)}
        # the blind index of the names: keyed hashes of their words
        for name in ("Quentin Zorblaxian", "Wilhelmina Quaxleyova"):
            texts |= {blind_token(word) for word in normalise(name)}
        return texts

    def approve_all(self):
        self.login(self.dpo)
        self.step_up(self.dpo)
        items = ReviewItem.objects.filter(status=ReviewStatus.PENDING)
        response = self.client.post(
            reverse("retention:approve"), {"items": [str(i.uuid) for i in items]}
        )
        self.assertRedirects(response, reverse("retention:queue"))

    def test_it_removes_everything_personal_and_keeps_the_residue(self):
        with travel(T0):
            self.build()
        self.assertTrue(default_storage.exists(self.attachment.blob))
        self.assertEqual(leftovers({"KEEP-ZX-0099"}), ["cases.journalentry: KEEP-ZX-0099"])
        found_before = leftovers(self.needles())
        self.assertIn("cases.person: Quentin Zorblaxian", found_before)  # the scan sees them
        self.assertIn("consultations.minutes: ZX-0020", found_before)

        with travel(AFTER_5_YEARS):
            first = services.run_retention()
            self.assertEqual(first.queued, 3)  # the file, the referral, the minutes
            self.assertEqual(first.executed, 0)
            self.assertTrue(CaseFile.objects.filter(pk=self.file.pk).exists())
            self.approve_all()
            with self.captureOnCommitCallbacks(execute=True):
                second = services.run_retention()

        self.assertEqual((second.queued, second.executed), (0, 3))
        self.assertEqual(leftovers(self.needles()), [])
        self.assertEqual(stored_leftovers(self.needles()), [])
        self.assertFalse(default_storage.exists(self.attachment.blob))
        self.assertFalse(Person.objects.filter(pk__in=[self.person.pk, self.second.person_id]))
        # what is left is the pseudonymous uuid in the audit trail, pointing to nothing now
        traces = {found.split(":")[0] for found in leftovers({str(self.person.uuid)})}
        self.assertEqual(traces, {"audit.auditevent"})
        # the open file, the meeting itself and its register stay
        self.assertEqual(leftovers({"KEEP-ZX-0099"}), ["cases.journalentry: KEEP-ZX-0099"])
        self.assertTrue(Meeting.objects.filter(pk=self.meeting.pk).exists())
        self.assertTrue(Attendance.objects.filter(meeting=self.meeting).exists())
        self.assertEqual(set(ReviewItem.objects.values_list("status", flat=True)), {"done"})

        residue = {
            (r.kind, r.municipality, r.year, r.age_band, r.sphere, r.phase, r.outcome): r.count
            for r in Residue.objects.all()
        }
        self.assertEqual(
            residue,
            {
                ("file", "Namur", 2020, "18_25", "", "none", "stabilised"): 1,
                ("goal", "Namur", 2020, "18_25", "housing", "", "planned"): 1,
                ("referral", "Namur", 2020, "18_25", "", "", "accepted"): 1,
                ("service_referral", "Namur", 2020, "18_25", "", "", "sent"): 1,
                # as the figures count them: by the LIVC-R's municipality (none here)
                ("consultation_case", "", 2020, "18_25", "", "", ""): 1,
                ("action", "", 2020, "18_25", "", "", "open"): 1,
                ("referral", "Andenne", 2020, "minor", "", "", "no_further_action"): 1,
            },
        )

        purged = AuditEvent.objects.filter(action="retention.purged")
        targets = {(e.target_type, e.target_id) for e in purged}
        self.assertEqual(
            targets,
            {
                ("cases.casefile", str(self.file.pk)),
                ("cases.referral", str(self.second.pk)),
                ("consultations.meeting", str(self.meeting.pk)),
                ("cases.person", str(self.person.pk)),
                ("cases.person", str(self.second.person_id)),
            },
        )
        file_event = purged.get(target_type="cases.casefile")
        removed = file_event.changes["removed"][1]
        self.assertEqual(removed["cases.journalentry"], 1)
        self.assertEqual(removed["cases.attachment"], 1)
        self.assertEqual(removed["cases.goal"], 1)
        self.assertEqual(removed["cases.referral"], 1)
        self.assertEqual(removed["cases.casefile"], 1)
        self.assertEqual(removed["cases.person"], 1)
        self.assertEqual(file_event.subject, str(self.person.uuid))

    def test_deleting_keeps_no_residue(self):
        with travel(T0):
            self.build()
        for kind in (RuleKind.CLOSED_FILE, RuleKind.REFERRAL_NO_FURTHER_ACTION):
            services.change_rule(
                self.org_a, kind, {"months": 12, "action": RuleAction.DELETE}, actor=self.dpo
            )
        services.change_rule(
            self.org_a,
            RuleKind.CONSULTATION_MINUTES,
            {"months": 12, "action": RuleAction.DELETE},
            actor=self.dpo,
        )
        with travel(AFTER_1_YEAR):
            services.run_retention()
            self.approve_all()
            with self.captureOnCommitCallbacks(execute=True):
                run = services.run_retention()
        self.assertEqual(run.executed, 3)
        self.assertEqual(leftovers(self.needles()), [])
        self.assertFalse(Residue.objects.exists())


class ClockTest(RetentionPersonas):
    def run_job(self, day, **kwargs):
        with travel(day), self.captureOnCommitCallbacks(execute=True):
            return services.run_retention(**kwargs)

    def approve(self, day):
        with travel(day):
            items = ReviewItem.objects.filter(status=ReviewStatus.PENDING)
            return services.approve(list(items), actor=self.dpo)

    def test_nothing_is_queued_before_the_end_of_the_clock(self):
        file = self.closed_file("Early Bird", T0)
        run = self.run_job(datetime.date(2025, 3, 9))
        self.assertEqual(run.queued, 0)
        run = self.run_job(datetime.date(2025, 3, 10))
        self.assertEqual(run.queued, 1)
        item = ReviewItem.objects.get()
        self.assertEqual((item.file, item.due_since), (file, datetime.date(2025, 3, 10)))

    def test_running_again_queues_nothing_twice(self):
        self.closed_file("Twice Twicer", T0)
        self.decided_referral("Ref Twice", T0)
        self.meeting(T0)
        self.assertEqual(self.run_job(AFTER_5_YEARS).queued, 3)
        self.assertEqual(self.run_job(AFTER_5_YEARS).queued, 0)
        call_command("run_retention", stdout=StringIO())
        self.assertEqual(ReviewItem.objects.count(), 3)
        self.approve(AFTER_5_YEARS)
        self.assertEqual(self.run_job(AFTER_5_YEARS).executed, 3)
        self.assertEqual(self.run_job(AFTER_5_YEARS).executed, 0)
        self.assertEqual(self.run_job(AFTER_5_YEARS).queued, 0)  # the meeting is empty now
        self.assertEqual(ReviewItem.objects.count(), 3)

    def test_a_hold_on_the_file_keeps_it_out_of_the_queue(self):
        file = self.closed_file("Held Heldman", T0)
        hold = services.place_hold(actor=self.dpo, person=file.person, file=file, reason="Court")
        self.assertEqual(self.run_job(AFTER_5_YEARS).queued, 0)
        services.lift_hold(hold, actor=self.dpo, reason="Case closed")
        # the time it stood is not given back: overdue, the file is queued on the next run
        self.assertEqual(self.run_job(AFTER_5_YEARS).queued, 1)

    def test_a_hold_placed_after_approval_stops_the_removal_until_lifted(self):
        file = self.closed_file("Late Hold", T0)
        self.run_job(AFTER_5_YEARS)
        self.assertEqual(self.approve(AFTER_5_YEARS)[0], 1)
        hold = services.place_hold(actor=self.dpo, person=file.person, file=None, reason="Court")
        run = self.run_job(AFTER_5_YEARS)
        self.assertEqual((run.executed, run.held), (0, 1))
        self.assertTrue(CaseFile.objects.filter(pk=file.pk).exists())
        self.assertEqual(ReviewItem.objects.get().status, ReviewStatus.APPROVED)
        services.lift_hold(hold, actor=self.dpo, reason="Over")
        run = self.run_job(AFTER_5_YEARS)
        self.assertEqual((run.executed, run.held), (1, 0))
        self.assertFalse(CaseFile.objects.filter(pk=file.pk).exists())
        # the lifted hold went with the person it was about
        self.assertFalse(LegalHold.objects.exists())

    def test_a_held_record_cannot_be_approved(self):
        file = self.closed_file("Held Early", T0)
        self.run_job(AFTER_5_YEARS)
        services.place_hold(actor=self.dpo, person=file.person, file=file, reason="Court")
        approved, skipped = self.approve(AFTER_5_YEARS)
        self.assertEqual((approved, len(skipped)), (0, 1))
        self.assertEqual(ReviewItem.objects.get().status, ReviewStatus.PENDING)

    def test_a_person_hold_of_another_organisation_does_not_hold_this_file(self):
        file = self.closed_file("Other Hold", T0)
        make_file(file.person, self.org_b, self.partner_b)
        services.place_hold(actor=self.dpo_b, person=file.person, file=None, reason="Court B")
        self.assertEqual(self.run_job(AFTER_5_YEARS).queued, 1)
        self.approve(AFTER_5_YEARS)
        self.assertEqual(self.run_job(AFTER_5_YEARS).executed, 1)
        self.assertTrue(Person.objects.filter(pk=file.person_id).exists())

    def test_an_extended_record_comes_back_on_its_date(self):
        file = self.closed_file("Extended Exton", T0)
        self.run_job(AFTER_5_YEARS)
        item = ReviewItem.objects.get()
        with travel(AFTER_5_YEARS):
            services.extend(
                item, until=datetime.date(2025, 6, 1), reason="Appeal pending", actor=self.dpo
            )
        self.assertEqual(self.run_job(datetime.date(2025, 5, 31)).queued, 0)
        self.assertEqual(ReviewItem.objects.get().status, ReviewStatus.EXTENDED)
        self.run_job(datetime.date(2025, 6, 1))
        item.refresh_from_db()
        self.assertEqual(
            (item.status, item.due_since), (ReviewStatus.PENDING, datetime.date(2025, 6, 1))
        )
        self.approve(datetime.date(2025, 6, 1))
        self.run_job(datetime.date(2025, 6, 1))
        item.refresh_from_db()
        self.assertEqual((item.status, item.extension_reason), (ReviewStatus.DONE, ""))
        self.assertFalse(CaseFile.objects.filter(pk=file.pk).exists())

    def test_a_reopened_file_is_no_longer_due(self):
        file = self.closed_file("Reopened Ray", T0)
        self.run_job(AFTER_5_YEARS)
        self.approve(AFTER_5_YEARS)
        cases.reopen_file(file, actor=self.officer)
        run = self.run_job(AFTER_5_YEARS)
        self.assertEqual((run.executed, run.cancelled), (0, 1))
        self.assertTrue(CaseFile.objects.filter(pk=file.pk).exists())
        self.assertEqual(ReviewItem.objects.get().status, ReviewStatus.CANCELLED)

    def test_a_longer_rule_cancels_pending_items(self):
        self.closed_file("Longer Rule", T0)
        self.run_job(AFTER_5_YEARS)
        services.change_rule(
            self.org_a,
            RuleKind.CLOSED_FILE,
            {"months": 120, "action": RuleAction.ANONYMISE},
            actor=self.dpo,
        )
        self.assertEqual(self.run_job(AFTER_5_YEARS).cancelled, 1)

    def test_each_organisation_follows_its_own_rule(self):
        self.closed_file("Rule A", T0)
        file_b = self.closed_file("Rule B", T0, org=self.org_b)
        services.change_rule(
            self.org_b,
            RuleKind.CLOSED_FILE,
            {"months": 6, "action": RuleAction.ANONYMISE},
            actor=self.dpo_b,
        )
        self.run_job(datetime.date(2020, 9, 10))
        self.assertEqual(list(ReviewItem.objects.values_list("file", flat=True)), [file_b.pk])
        self.assertEqual(ReviewItem.objects.get().organisation, self.org_b)

    def test_a_person_another_organisation_still_follows_stays(self):
        file = self.closed_file("Shared Sharon", T0)
        file_b = make_file(file.person, self.org_b, self.partner_b)
        self.run_job(AFTER_5_YEARS)
        self.approve(AFTER_5_YEARS)
        self.run_job(AFTER_5_YEARS)
        self.assertFalse(CaseFile.objects.filter(pk=file.pk).exists())
        self.assertTrue(CaseFile.objects.filter(pk=file_b.pk).exists())
        self.assertEqual(Person.objects.get(pk=file.person_id).full_name, "Shared Sharon")

    def test_it_works_in_chunks(self):
        files = [self.closed_file(f"Chunk {i}", T0) for i in range(5)]
        for file in files:
            JournalEntry.objects.create(file=file, kind="note", text="x", author=self.officer)
        self.run_job(AFTER_5_YEARS, chunk=2)
        self.assertEqual(ReviewItem.objects.count(), 5)
        self.approve(AFTER_5_YEARS)
        run = self.run_job(AFTER_5_YEARS, chunk=2)
        self.assertEqual(run.executed, 5)
        self.assertEqual(run.removed["cases.journalentry"], 5)
        self.assertEqual(run.removed["cases.person"], 5)
        self.assertEqual(Residue.objects.get(kind="file").count, 5)

    def test_minutes_go_the_meeting_and_persons_with_files_stay(self):
        file = make_file(make_person("Discussed Dora", None), self.org_a, self.officer)
        meeting = self.meeting(T0, person=file.person)
        Meeting.objects.filter(pk=meeting.pk).update(status="held")
        other = self.meeting(datetime.date(2024, 1, 1), person=file.person)
        self.run_job(AFTER_5_YEARS)
        self.assertEqual(list(ReviewItem.objects.values_list("meeting", flat=True)), [meeting.pk])
        self.approve(AFTER_5_YEARS)
        self.run_job(AFTER_5_YEARS)
        self.assertTrue(Meeting.objects.filter(pk=meeting.pk).exists())
        self.assertFalse(Minutes.objects.filter(meeting=meeting).exists())
        self.assertFalse(AgendaCase.objects.filter(meeting=meeting).exists())
        self.assertTrue(AgendaCase.objects.filter(meeting=other).exists())
        self.assertTrue(Person.objects.filter(pk=file.person_id).exists())
        self.assertEqual(Residue.objects.get(kind="consultation_case").count, 1)

    def test_a_person_only_discussed_goes_with_the_minutes(self):
        person = make_person("Only Discussed", None)
        self.meeting(T0, person=person)
        self.run_job(AFTER_5_YEARS)
        self.approve(AFTER_5_YEARS)
        self.run_job(AFTER_5_YEARS)
        self.assertFalse(Person.objects.filter(pk=person.pk).exists())

    def test_a_cell_may_keep_its_minutes_for_less_time(self):
        self.meeting(T0, cell=self.cell)
        services.change_rule(
            self.org_a,
            RuleKind.CONSULTATION_MINUTES,
            {"months": 24, "action": RuleAction.ANONYMISE},
            actor=self.dpo,
            cell=self.cell,
        )
        self.assertEqual(self.run_job(datetime.date(2022, 3, 10)).queued, 1)

    def test_minutes_of_a_meeting_with_a_held_person_wait(self):
        file = make_file(make_person("Held Discussed", None), self.org_a, self.officer)
        self.meeting(T0, person=file.person)
        services.place_hold(actor=self.dpo, person=file.person, file=None, reason="Court")
        self.assertEqual(self.run_job(AFTER_5_YEARS).queued, 0)

    def test_redirected_referrals_have_their_own_clock(self):
        referral = self.decided_referral("Redirected Red", T0, ReferralStatus.REDIRECTED)
        self.run_job(AFTER_1_YEAR)
        item = ReviewItem.objects.get()
        self.assertEqual((item.kind, item.referral), (RuleKind.REFERRAL_REDIRECTED, referral))
        self.approve(AFTER_1_YEAR)
        self.run_job(AFTER_1_YEAR)
        self.assertFalse(Referral.objects.filter(pk=referral.pk).exists())
        self.assertEqual(Residue.objects.get().outcome, "redirected")

    def test_an_attachment_leaves_storage_only_once_committed(self):
        file = self.closed_file("Blob Blobber", T0)
        attachment = cases.add_attachment(
            file, SimpleUploadedFile("a.txt", b"abc", "text/plain"), actor=self.officer
        )
        self.run_job(AFTER_5_YEARS)
        self.approve(AFTER_5_YEARS)
        with travel(AFTER_5_YEARS), self.captureOnCommitCallbacks(execute=False) as callbacks:
            services.run_retention()
        self.assertFalse(Attachment.objects.filter(pk=attachment.pk).exists())
        self.assertTrue(default_storage.exists(attachment.blob))
        for callback in callbacks:
            callback()
        self.assertFalse(default_storage.exists(attachment.blob))

    def test_the_command_prints_the_counts(self):
        self.closed_file("Command Line", T0)
        out = StringIO()
        with travel(AFTER_5_YEARS):
            call_command("run_retention", stdout=out)
        self.assertIn("queued 1, removed 0", out.getvalue())

    def test_the_task_runs_the_same_job(self):
        from retention.tasks import run_retention

        self.closed_file("Task Tasker", T0)
        with travel(AFTER_5_YEARS):
            result = run_retention.call()
        self.assertEqual(result["queued"], 1)
        self.assertEqual(RetentionRule.objects.count(), 0)  # defaults need no rows
