"""The pages of a file: the case list and its filters, a file's page and timeline, and the
journal, evaluations, plan, conditions, attachments, team, closing, reveal and export.

For each view: anonymous → login, outside the case team → 404, a team member on a
manager's action → 403, allowed → the write happened and the read is in the audit trail
with the person as subject.
"""

from __future__ import annotations

import datetime

from allauth.mfa.totp.internal.auth import TOTP
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases import services
from cases.models import (
    Attachment,
    BreakGlass,
    CaseFile,
    Condition,
    ConditionCheck,
    Evaluation,
    FileStatus,
    Goal,
    GuidancePlan,
    JournalEntry,
    PlanStatus,
    ServiceReferral,
    TeamMember,
)
from cases.tests.base import CasePersonas, make_file, make_person
from core.testing import TOTP_SECRET


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


class FileViewCase(CasePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # an administrator must have a second factor like everyone who may see personal data
        TOTP.activate(cls.admin, TOTP_SECRET)
        cls.entry = JournalEntry.objects.create(
            file=cls.file, kind="note", text="Met Pat at the library.", author=cls.officer
        )
        cls.evaluation = Evaluation.objects.create(
            file=cls.file,
            author=cls.officer,
            summary="Pat is looking for work.",
            spheres={"training": {"needs": "A training in carpentry"}},
        )
        cls.guidance = GuidancePlan.objects.create(
            file=cls.file, number=1, review_on=days(60), created_by=cls.officer
        )
        Goal.objects.create(
            plan=cls.guidance, sphere="training", description="Find a training", partner=cls.org_a
        )
        cls.condition = Condition.objects.create(
            file=cls.file,
            imposed_by="Court of Namur",
            imposed_on=days(-30),
            text="Report to the justice house every month.",
            created_by=cls.officer,
        )
        cls.attachment = services.add_attachment(
            cls.file, SimpleUploadedFile("letter.txt", b"A letter", "text/plain"), actor=cls.officer
        )
        cls.outsiders = [cls.partner_b, cls.colleague, cls.admin, cls.dpo, cls.coordinator]

    def f(self, name, *extra, file=None):
        return reverse(f"cases:{name}", args=[(file or self.file).uuid, *extra])

    def reads(self, action, user=None):
        return AuditEvent.objects.filter(
            action=action, actor=user or self.officer, subject=str(self.person.uuid)
        )

    def team_pages(self):
        """The pages every member of the case team opens (GET)."""
        return [
            self.f("file"),
            self.f("timeline"),
            self.f("file_edit"),
            self.f("reveal"),
            self.f("entry_create"),
            self.f("entry_edit", self.entry.uuid),
            self.f("evaluation_create"),
            self.f("evaluation", self.evaluation.uuid),
            self.f("plan_edit"),
            self.f("plan", self.guidance.uuid),
            self.f("condition_create"),
            self.f("condition_check", self.condition.uuid),
            self.f("attachment_create"),
            self.f("attachment", self.attachment.uuid),
        ]

    def manager_actions(self):
        """(method, url) of what the case manager alone does."""
        return [
            ("get", self.f("team")),
            ("post", self.f("team")),
            ("get", self.f("close")),
            ("post", self.f("close")),
            ("post", self.f("reopen")),
            ("get", self.f("export")),
            ("post", self.f("export")),
            ("post", self.f("plan_approve", self.guidance.uuid)),
        ]

    def urls(self):
        """(method, url) of every view of one file."""
        return [("get", url) for url in self.team_pages()] + self.manager_actions()


class AccessTest(FileViewCase):
    def test_it_sends_anonymous_visitors_to_log_in(self):
        for method, url in [("get", reverse("cases:files")), *self.urls()]:
            with self.subTest(url=url):
                response = getattr(self.client, method)(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn(reverse("account_login"), response["Location"])

    def test_it_answers_404_outside_the_case_team(self):
        for user in self.outsiders:
            self.login(user)
            self.step_up(user)
            for method, url in self.urls():
                with self.subTest(user=user.email, url=url):
                    self.assertEqual(getattr(self.client, method)(url).status_code, 404)
        self.assertFalse(AuditEvent.objects.filter(action__endswith=".viewed"))
        self.assertTrue(AuditEvent.objects.filter(action="case.file.denied", actor=self.dpo))

    def test_it_answers_404_for_posts_outside_the_case_team(self):
        self.login(self.partner_b)
        response = self.client.post(
            self.f("entry_create"), {"kind": "note", "occurred_on": days(0), "text": "Intruding"}
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(JournalEntry.objects.filter(text="Intruding").exists())

    def test_a_team_member_gets_403_on_the_managers_actions(self):
        self.login(self.partner)
        self.step_up(self.partner)
        for method, url in self.manager_actions():
            with self.subTest(method=method, url=url):
                self.assertEqual(getattr(self.client, method)(url).status_code, 403)
        self.guidance.refresh_from_db()
        self.assertEqual(self.guidance.status, PlanStatus.DRAFT)
        self.assertFalse(AuditEvent.objects.filter(action="case.file.exported"))

    def test_every_member_of_the_team_reads_every_page(self):
        for user in (self.partner, self.officer):
            self.login(user)
            self.step_up(user)
            for url in self.team_pages():
                with self.subTest(user=user.email, url=url):
                    self.assertEqual(self.client.get(url).status_code, 200)

    def test_the_manager_opens_the_managers_pages(self):
        self.login(self.officer)
        self.step_up(self.officer)
        for url in (self.f("team"), self.f("close"), self.f("export")):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)

    def test_every_page_writes_its_audit_row_about_the_person(self):
        self.login(self.partner)
        self.step_up(self.partner)
        for url, action in [
            (self.f("file"), "case.file.viewed"),
            (self.f("timeline"), "case.timeline.viewed"),
            (self.f("file_edit"), "case.file.viewed"),
            (self.f("reveal"), "case.reveal.viewed"),
            (self.f("entry_create"), "case.file.viewed"),
            (self.f("entry_edit", self.entry.uuid), "case.journal.viewed"),
            (self.f("evaluation_create"), "case.file.viewed"),
            (self.f("evaluation", self.evaluation.uuid), "case.evaluation.viewed"),
            (self.f("plan_edit"), "case.plan.viewed"),
            (self.f("plan", self.guidance.uuid), "case.plan.viewed"),
            (self.f("condition_create"), "case.file.viewed"),
            (self.f("condition_check", self.condition.uuid), "case.condition.viewed"),
            (self.f("attachment_create"), "case.file.viewed"),
            (self.f("attachment", self.attachment.uuid), "case.attachment.downloaded"),
        ]:
            with self.subTest(url=url):
                before = self.reads(action, self.partner).count()
                self.client.get(url)
                self.assertEqual(self.reads(action, self.partner).count(), before + 1)

    def test_posting_only_actions_refuse_get(self):
        self.login(self.officer)
        self.assertEqual(self.client.get(self.f("reopen")).status_code, 405)
        self.assertEqual(
            self.client.get(self.f("plan_approve", self.guidance.uuid)).status_code, 405
        )

    def test_an_unknown_child_is_a_404(self):
        self.login(self.officer)
        other = services.add_entry(
            self.file_b, {"kind": "note", "occurred_on": days(0), "text": "B"}, actor=self.officer
        )
        self.assertEqual(self.client.get(self.f("entry_edit", other.uuid)).status_code, 404)


class BreakGlassTest(FileViewCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        BreakGlass.objects.create(
            user=cls.colleague,
            file=cls.file,
            reason="Pat called in distress, the manager is away.",
            expires_at=timezone.now() + datetime.timedelta(hours=4),
        )

    def test_a_break_glass_reader_sees_the_file_read_only(self):
        self.login(self.colleague)
        response = self.client.get(self.f("file"))
        self.assertContains(response, "Emergency access (break-glass)")
        self.assertContains(response, "This access is logged")
        self.assertNotContains(response, self.f("entry_create"))
        self.assertNotContains(response, self.f("entry_edit", self.entry.uuid))
        event = self.reads("case.file.viewed", self.colleague).get()
        self.assertTrue(event.reason.startswith("break-glass"))

    def test_a_break_glass_reader_may_not_write(self):
        self.login(self.colleague)
        for url in [
            self.f("entry_create"),
            self.f("file_edit"),
            self.f("plan_edit"),
            self.f("team"),
        ]:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 403)
        self.assertFalse(GuidancePlan.objects.filter(number=2).exists())

    def test_a_break_glass_reader_may_reveal_the_national_number(self):
        self.login(self.colleague)
        self.step_up(self.colleague)
        response = self.client.post(self.f("reveal"))
        self.assertContains(response, "90051712345")
        self.assertTrue(self.reads("case.person.national_number_revealed", self.colleague))


class FilePageTest(FileViewCase):
    def test_it_shows_the_person_and_the_file(self):
        self.login(self.officer)
        response = self.client.get(self.f("file"))
        self.assertContains(response, self.person.handle)
        self.assertContains(response, "Pat Example")
        self.assertContains(response, self.person.masked_national_number)
        self.assertNotContains(response, "90051712345")
        self.assertContains(response, self.f("reveal"))
        self.assertContains(response, "Met Pat at the library.")
        self.assertContains(response, "Report to the justice house every month.")
        self.assertContains(response, "letter.txt")
        self.assertNotContains(response, 'class="badge badge-minor"')
        self.assertEqual(self.reads("case.file.viewed").count(), 1)

    def test_the_toolbar_follows_the_role(self):
        self.login(self.partner)
        response = self.client.get(self.f("file"))
        self.assertContains(response, self.f("entry_create"))
        self.assertContains(response, self.f("contribute"))
        self.assertContains(response, self.f("refer"))
        self.assertNotContains(response, self.f("team"))
        self.assertNotContains(response, self.f("export"))
        self.assertNotContains(response, self.f("handover"))
        self.login(self.officer)
        response = self.client.get(self.f("file"))
        self.assertContains(response, self.f("team"))
        self.assertContains(response, self.f("export"))
        self.assertContains(response, self.f("close"))
        self.assertContains(response, self.f("handover"))

    def test_it_shows_the_approved_plans_goals(self):
        services.approve_plan(
            self.guidance, actor=self.officer, expected_version=self.guidance.version
        )
        self.login(self.partner)
        response = self.client.get(self.f("file"))
        self.assertContains(response, "Find a training")
        self.assertContains(response, "Version 1, approved")

    def test_the_timeline_has_everything_newest_first(self):
        referral = ServiceReferral.objects.create(
            file=self.file,
            service=self.service_a,
            legal_basis="consent",
            consent_reference="Signed form of 3 March",
            sent_by=self.officer,
            due_on=days(-1),
        )
        ServiceReferral.objects.filter(pk=referral.pk).update(sent_at=timezone.now())
        ConditionCheck.objects.create(
            condition=self.condition,
            checked_on=days(-2),
            compliance="partly",
            note="Came late",
            author=self.partner,
        )
        self.login(self.officer)
        response = self.client.get(self.f("file"))
        content = response.content.decode().split('id="timeline"')[1]
        self.assertContains(response, "Overdue")
        self.assertContains(response, "Came late")
        self.assertContains(response, "Guidance plan, version 1")
        self.assertLess(content.index("Listening line"), content.index("Came late"))
        self.assertLess(content.index("Came late"), content.index("Condition imposed"))

    def test_the_timeline_partial_filters_by_kind(self):
        self.login(self.officer)
        response = self.client.get(self.f("timeline"), {"kind": "journal"})
        self.assertContains(response, "Met Pat at the library.")
        self.assertNotContains(response, "Pat is looking for work.")
        self.assertNotContains(response, "<html")
        self.assertEqual(self.reads("case.timeline.viewed").count(), 1)
        response = self.client.get(self.f("timeline"), {"kind": "evaluation"})
        self.assertNotContains(response, "Met Pat at the library.")
        self.assertContains(response, "Pat is looking for work.")
        response = self.client.get(self.f("file"), {"kind": "evaluation"})
        self.assertNotContains(response, "Met Pat at the library.")

    def test_the_minor_badge_shows_for_maya(self):
        maya_file = services.accept_referral(
            self.referral, actor=self.officer, manager=self.officer
        )
        self.login(self.officer)
        response = self.client.get(self.f("file", file=maya_file))
        self.assertContains(response, 'class="badge badge-minor"')
        response = self.client.get(reverse("cases:files"))
        self.assertContains(response, 'class="badge badge-minor"', count=1)


class ListTest(FileViewCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()

        def new(name, **fields):
            file = make_file(make_person(name, datetime.date(1980, 1, 1)), cls.org_a, cls.officer)
            CaseFile.objects.filter(pk=file.pk).update(**fields)
            return file

        cls.closed = new("Carla Closed", status=FileStatus.CLOSED)
        cls.during = new("Dora During", phase="during")
        cls.review = new("Rita Review", next_review_on=days(-1))
        cls.later = new("Lou Later", next_review_on=days(10))
        cls.housing = new("Hugo Housing")
        cls.reached = new("Rene Reached")
        cls.late = new("Lena Late")
        cls.answered = new("Anna Answered")
        for file, status, progress in [
            (cls.housing, PlanStatus.APPROVED, "ongoing"),
            (cls.reached, PlanStatus.APPROVED, "reached"),
            (cls.during, PlanStatus.DRAFT, "planned"),
        ]:
            plan = GuidancePlan.objects.create(
                file=file, number=1, review_on=days(30), created_by=cls.officer, status=status
            )
            Goal.objects.create(
                plan=plan,
                sphere="housing",
                description="A flat",
                partner=cls.org_a,
                progress=progress,
            )
        for file, status in [(cls.late, "sent"), (cls.answered, "done")]:
            ServiceReferral.objects.create(
                file=file,
                service=cls.service_a,
                legal_basis="consent",
                sent_by=cls.officer,
                due_on=days(-3),
                status=status,
            )

    def listed(self, **query):
        response = self.client.get(reverse("cases:files"), query)
        self.assertEqual(response.status_code, 200)
        return {row["file"].pk for row in response.context["rows"]}

    def test_it_lists_the_users_files_only(self):
        self.login(self.partner)
        self.assertEqual(self.listed(), {self.file.pk})
        self.login(self.partner_b)
        self.assertEqual(self.listed(), {self.file_b.pk})
        self.login(self.colleague)
        self.assertEqual(self.listed(), set())

    def test_it_shows_name_status_manager_and_badges(self):
        self.login(self.officer)
        response = self.client.get(reverse("cases:files"))
        self.assertContains(response, "Dora During")
        self.assertContains(response, self.during.person.handle)
        self.assertContains(response, "Review overdue", count=1 + 1)  # the filter's label too
        self.assertContains(response, "Referral overdue", count=1 + 1)

    def test_each_filter_returns_the_right_files(self):
        self.login(self.officer)
        self.assertEqual(self.listed(status="closed"), {self.closed.pk})
        self.assertEqual(self.listed(phase="during"), {self.during.pk})
        self.assertEqual(self.listed(sphere="housing"), {self.housing.pk})
        self.assertEqual(self.listed(overdue_review="on"), {self.review.pk})
        self.assertEqual(self.listed(overdue_referral="on"), {self.late.pk})
        self.assertEqual(self.listed(q=self.during.person.handle.lower()), {self.during.pk})
        self.assertEqual(self.listed(q="dora"), {self.during.pk})
        self.assertEqual(self.listed(q="Dora  DURING"), {self.during.pk})
        self.assertEqual(self.listed(q="dora closed"), set())
        self.assertEqual(self.listed(q="Dor"), set())

    def test_search_never_reaches_another_teams_file(self):
        self.login(self.partner_b)
        self.assertEqual(self.listed(q="Pat"), {self.file_b.pk})
        self.assertEqual(self.listed(q="Dora"), set())

    def test_bad_filters_show_an_error_not_a_crash(self):
        self.login(self.officer)
        response = self.client.get(reverse("cases:files"), {"status": "lost", "after": "x"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'role="alert"')

    def test_it_logs_the_files_it_returned(self):
        self.login(self.officer)
        shown = self.listed(phase="during")
        events = AuditEvent.objects.filter(action="case.file.listed", actor=self.officer)
        self.assertEqual({int(e.target_id) for e in events}, shown)
        self.assertEqual({e.subject for e in events}, {str(self.during.person.uuid)})

    def test_it_pages_by_cursor(self):
        for i in range(55):
            make_file(make_person(f"Person {i}", None), self.org_a, self.partner)
        self.login(self.partner)
        response = self.client.get(reverse("cases:files"))
        first = [row["file"].pk for row in response.context["rows"]]
        self.assertEqual(len(first), 50)
        self.assertEqual(first, sorted(first, reverse=True))
        self.assertContains(response, f"after={first[-1]}")
        response = self.client.get(reverse("cases:files"), {"after": first[-1]})
        second = [row["file"].pk for row in response.context["rows"]]
        self.assertEqual(len(second), 6)
        self.assertFalse(set(first) & set(second))
        self.assertNotContains(response, 'rel="next"')

    def test_its_number_of_queries_does_not_grow_with_the_files(self):
        self.login(self.partner)
        for i in range(2):
            make_file(make_person(f"Few {i}", None), self.org_a, self.partner)
        self.client.get(reverse("cases:files"))  # the session settles on the first request
        with CaptureQueriesContext(connection) as few:
            self.assertEqual(len(self.client.get(reverse("cases:files")).context["rows"]), 3)
        for i in range(9):
            person = make_person(f"Many {i}", datetime.date(2010, 1, 1))
            file = make_file(person, self.org_a, self.officer, self.partner)
            ServiceReferral.objects.create(
                file=file,
                service=self.service_a,
                legal_basis="consent",
                sent_by=self.officer,
                due_on=days(-3),
            )
        with self.assertNumQueries(len(few)):
            self.assertEqual(len(self.client.get(reverse("cases:files")).context["rows"]), 12)


class JournalTest(FileViewCase):
    def test_a_team_member_writes_an_entry(self):
        self.login(self.partner)
        response = self.client.post(
            self.f("entry_create"),
            {"kind": "contact", "occurred_on": days(0), "text": "Phone call with Pat."},
        )
        self.assertRedirects(response, self.f("file"))
        entry = self.file.journal.get(author=self.partner)
        self.assertEqual(entry.text, "Phone call with Pat.")
        self.assertTrue(
            AuditEvent.objects.filter(
                action="case.journal.created", target_id=str(entry.pk), subject=self.person.uuid
            )
        )

    def test_a_bad_entry_shows_the_form_again(self):
        self.login(self.partner)
        response = self.client.post(
            self.f("entry_create"), {"kind": "note", "occurred_on": days(3), "text": ""}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This date is in the future.")
        self.assertEqual(self.file.journal.count(), 1)

    def test_editing_reads_the_entry_and_saves_it(self):
        self.login(self.partner)
        response = self.client.get(self.f("entry_edit", self.entry.uuid))
        self.assertContains(response, "Met Pat at the library.")
        self.assertTrue(self.reads("case.journal.viewed", self.partner))
        response = self.client.post(
            self.f("entry_edit", self.entry.uuid),
            {
                "kind": "note",
                "occurred_on": days(0),
                "text": "Met Pat at the town library.",
                "version": 1,
            },
        )
        self.assertRedirects(response, self.f("file"))
        self.entry.refresh_from_db()
        self.assertEqual(self.entry.text, "Met Pat at the town library.")
        self.assertEqual(self.entry.version, 2)

    def test_an_edit_conflict_shows_both_versions_and_saves_nothing(self):
        services.update_entry(
            self.entry,
            {"text": "Met Pat at the library, with his sister."},
            actor=self.partner,
            expected_version=1,
        )
        self.login(self.officer)
        response = self.client.post(
            self.f("entry_edit", self.entry.uuid),
            {
                "kind": "note",
                "occurred_on": days(0),
                "text": "Met Pat, who was calm.",
                "version": 1,
            },
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Your version", status_code=409)
        self.assertContains(response, "Met Pat, who was calm.", status_code=409)
        self.assertContains(response, "Saved meanwhile by partner", status_code=409)
        self.assertContains(response, "with his sister", status_code=409)
        self.assertContains(
            response, '<input type="hidden" name="version" value="2"', status_code=409
        )
        self.entry.refresh_from_db()
        self.assertEqual(self.entry.text, "Met Pat at the library, with his sister.")
        self.assertEqual(self.entry.version, 2)


class FileEditTest(FileViewCase):
    def test_a_team_member_changes_the_phase(self):
        self.login(self.partner)
        response = self.client.post(
            self.f("file_edit"),
            {"phase": "during", "context": "prison", "next_review_on": days(20), "version": 1},
        )
        self.assertRedirects(response, self.f("file"))
        self.file.refresh_from_db()
        self.assertEqual((self.file.phase, self.file.context), ("during", "prison"))
        self.assertTrue(self.reads("case.file.updated", self.partner))

    def test_a_conflict_keeps_the_other_version(self):
        services.update_file(self.file, {"phase": "after"}, actor=self.officer, expected_version=1)
        self.login(self.partner)
        response = self.client.post(
            self.f("file_edit"),
            {"phase": "during", "context": "prison", "next_review_on": "", "version": 1},
        )
        self.assertContains(response, "After detention", status_code=409)
        self.assertContains(response, "During detention", status_code=409)
        self.assertContains(response, "Saved meanwhile by officer", status_code=409)
        self.file.refresh_from_db()
        self.assertEqual(self.file.phase, "after")


class EvaluationTest(FileViewCase):
    def test_the_form_says_it_is_signed_and_final(self):
        self.login(self.partner)
        response = self.client.get(self.f("evaluation_create"))
        self.assertContains(response, "signed by you when you save it")
        self.assertContains(response, "cannot be changed afterwards")
        self.assertContains(response, "Housing: Needs")

    def test_a_team_member_signs_an_evaluation(self):
        self.login(self.partner)
        response = self.client.post(
            self.f("evaluation_create"),
            {
                "evaluated_on": days(0),
                "summary": "Isolated, wants to work.",
                "family__protective": "A caring sister",
            },
        )
        evaluation = Evaluation.objects.get(author=self.partner)
        self.assertRedirects(response, self.f("evaluation", evaluation.uuid))
        self.assertEqual(evaluation.spheres, {"family": {"protective": "A caring sister"}})
        response = self.client.get(self.f("evaluation", evaluation.uuid))
        self.assertContains(response, "A caring sister")
        self.assertContains(response, "Social context and family")
        self.assertTrue(self.reads("case.evaluation.viewed", self.partner))

    def test_an_instrument_needs_its_date_and_assessor(self):
        self.login(self.partner)
        response = self.client.post(
            self.f("evaluation_create"),
            {"evaluated_on": days(0), "summary": "x", "instrument": "VERA-2R"},
        )
        self.assertContains(response, "Give the instrument")
        self.assertEqual(self.file.evaluations.count(), 1)


class PlanTest(FileViewCase):
    def goals_post(self, plan, version, *rows, initial=0):
        data = {
            "plan": str(plan.uuid),
            "phase": "after",
            "context": "follow_up",
            "review_on": days(90),
            "version": version,
            "goals-TOTAL_FORMS": len(rows) + 1,
            "goals-INITIAL_FORMS": initial,
        }
        for i, (sphere, description) in enumerate(rows):
            data.update(
                {
                    f"goals-{i}-sphere": sphere,
                    f"goals-{i}-description": description,
                    f"goals-{i}-partner": self.org_b.pk,
                    f"goals-{i}-progress": "planned",
                }
            )
        blank = len(rows)
        data.update({f"goals-{blank}-sphere": "", f"goals-{blank}-progress": "planned"})
        return data

    def test_a_team_member_drafts_and_the_manager_approves(self):
        services.approve_plan(
            self.guidance, actor=self.officer, expected_version=self.guidance.version
        )
        self.login(self.partner)
        response = self.client.get(self.f("plan_edit"))
        draft = self.file.plans.get(status=PlanStatus.DRAFT)
        self.assertEqual(draft.number, 2)
        self.assertContains(response, "Find a training")  # copied from version 1
        response = self.client.post(
            self.f("plan_edit"),
            self.goals_post(
                draft, 1, ("housing", "Find a flat"), ("mentor", "Meet a mentor"), initial=1
            ),
        )
        self.assertRedirects(response, self.f("plan", draft.uuid))
        self.assertEqual(list(draft.goals.values_list("sphere", flat=True)), ["housing", "mentor"])
        response = self.client.get(self.f("plan", draft.uuid))
        self.assertContains(response, "Meet a mentor")
        self.assertNotContains(response, self.f("plan_approve", draft.uuid))
        self.assertEqual(self.client.post(self.f("plan_approve", draft.uuid)).status_code, 403)
        self.login(self.officer)
        draft.refresh_from_db()
        response = self.client.post(self.f("plan_approve", draft.uuid), {"version": draft.version})
        self.assertRedirects(response, self.f("plan", draft.uuid))
        draft.refresh_from_db()
        self.assertEqual(draft.status, PlanStatus.APPROVED)
        self.file.refresh_from_db()
        self.assertEqual(self.file.phase, "after")
        self.assertTrue(self.reads("case.plan.approved"))

    def test_a_blank_goal_row_is_left_out(self):
        self.login(self.partner)
        data = self.goals_post(self.guidance, 1, ("training", "Find a training"), initial=1)
        response = self.client.post(self.f("plan_edit"), data)
        self.assertRedirects(response, self.f("plan", self.guidance.uuid))
        self.assertEqual(
            list(self.guidance.goals.values_list("description", flat=True)), ["Find a training"]
        )

    def test_a_goal_is_removed(self):
        self.login(self.partner)
        data = self.goals_post(self.guidance, 1, ("training", "Find a training"), initial=1)
        response = self.client.post(self.f("plan_edit"), {**data, "goals-0-DELETE": "on"})
        self.assertRedirects(response, self.f("plan", self.guidance.uuid))
        self.assertFalse(self.guidance.goals.exists())

    def test_a_plan_conflict_shows_both_versions(self):
        services.save_plan(
            self.guidance,
            {"phase": "during"},
            [{"sphere": "justice", "description": "Prepare the hearing", "partner": self.org_a}],
            actor=self.officer,
            expected_version=1,
        )
        self.login(self.partner)
        response = self.client.post(
            self.f("plan_edit"),
            self.goals_post(self.guidance, 1, ("housing", "Find a flat"), initial=1),
        )
        self.assertContains(response, "Prepare the hearing", status_code=409)
        self.assertContains(response, "Find a flat", status_code=409)
        self.assertContains(response, "Saved meanwhile by officer", status_code=409)
        self.assertEqual(
            list(self.guidance.goals.values_list("description", flat=True)),
            ["Prepare the hearing"],
        )

    def test_approving_a_draft_changed_since_it_was_read_is_refused(self):
        self.login(self.officer)
        read = self.guidance.version
        services.save_plan(
            self.guidance,
            {"phase": "during"},
            [{"sphere": "housing", "description": "Changed meanwhile", "partner": self.org_a}],
            actor=self.partner,
            expected_version=read,
        )
        response = self.client.post(
            self.f("plan_approve", self.guidance.uuid), {"version": read}, follow=True
        )
        self.assertContains(response, "The draft changed since you opened it")
        self.guidance.refresh_from_db()
        self.assertEqual(self.guidance.status, PlanStatus.DRAFT)

    def test_approving_an_empty_draft_says_why(self):
        self.guidance.goals.all().delete()
        self.login(self.officer)
        response = self.client.post(
            self.f("plan_approve", self.guidance.uuid),
            {"version": self.guidance.version},
            follow=True,
        )
        self.assertContains(response, "A plan needs at least one goal.")
        self.guidance.refresh_from_db()
        self.assertEqual(self.guidance.status, PlanStatus.DRAFT)


class ConditionTest(FileViewCase):
    def test_a_team_member_records_a_condition_and_its_follow_up(self):
        self.login(self.partner)
        response = self.client.post(
            self.f("condition_create"),
            {
                "imposed_by": "Judge of Namur",
                "imposed_on": days(-2),
                "text": "No contact with the group.",
                "justice_assistant": self.partner.pk,
            },
        )
        self.assertRedirects(response, self.f("file"))
        condition = Condition.objects.get(imposed_by="Judge of Namur")
        self.assertEqual(condition.justice_assistant, self.partner)
        response = self.client.post(
            self.f("condition_check", condition.uuid),
            {"checked_on": days(0), "compliance": "complied", "note": "Fine"},
        )
        self.assertRedirects(response, self.f("file"))
        self.assertEqual(condition.checks.get().compliance, "complied")
        self.assertTrue(self.reads("case.condition.viewed", self.partner))

    def test_the_justice_assistant_must_be_on_the_team(self):
        self.login(self.officer)
        response = self.client.post(
            self.f("condition_create"),
            {
                "imposed_by": "Judge",
                "imposed_on": days(-2),
                "text": "x",
                "justice_assistant": self.colleague.pk,
            },
        )
        self.assertContains(response, "Choose a member of the case team.")
        self.assertEqual(self.file.conditions.count(), 1)


class AttachmentTest(FileViewCase):
    def test_a_document_goes_in_encrypted_and_comes_out_whole(self):
        self.login(self.partner)
        content = b"Rapport confidentiel sur Pat"
        response = self.client.post(
            self.f("attachment_create"),
            {"upload": SimpleUploadedFile("rapport é.pdf", content, "application/pdf")},
        )
        self.assertRedirects(response, self.f("file"))
        item = Attachment.objects.get(uploaded_by=self.partner)
        with default_storage.open(item.blob, "rb") as stored:
            self.assertNotIn(b"confidentiel", stored.read())
        response = self.client.get(self.f("attachment", item.uuid))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, content)
        self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
        self.assertIn("rapport%20%C3%A9.pdf", response["Content-Disposition"])
        self.assertTrue(
            AuditEvent.objects.filter(
                action="case.attachment.downloaded",
                target_id=str(item.pk),
                subject=str(self.person.uuid),
            )
        )

    def test_a_missing_upload_shows_the_form_again(self):
        self.login(self.partner)
        response = self.client.post(self.f("attachment_create"), {})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "This field is required.")


class TeamTest(FileViewCase):
    def test_the_manager_adds_and_removes_a_colleague(self):
        self.login(self.officer)
        response = self.client.post(
            self.f("team"), {"action": "add", "add-user": self.colleague.pk}
        )
        self.assertRedirects(response, self.f("team"))
        self.assertTrue(TeamMember.objects.filter(file=self.file, user=self.colleague).exists())
        self.login(self.colleague)
        self.assertEqual(self.client.get(self.f("file")).status_code, 200)
        self.login(self.officer)
        response = self.client.post(self.f("team"), {"action": "remove", "user": self.colleague.pk})
        self.assertRedirects(response, self.f("team"))
        self.assertFalse(TeamMember.objects.filter(file=self.file, user=self.colleague).exists())
        self.assertTrue(self.reads("case.team.removed"))
        self.assertTrue(self.reads("case.team.viewed"))

    def test_someone_of_another_organisation_cannot_join(self):
        self.login(self.officer)
        response = self.client.post(
            self.f("team"), {"action": "add", "add-user": self.partner_b.pk}
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(TeamMember.objects.filter(file=self.file, user=self.partner_b).exists())

    def test_the_manager_cannot_be_removed_nor_demoted_by_adding(self):
        self.login(self.officer)
        response = self.client.post(
            self.f("team"), {"action": "remove", "user": self.officer.pk}, follow=True
        )
        self.assertContains(response, "The case manager stays on the team")
        response = self.client.post(self.f("team"), {"action": "add", "add-user": self.officer.pk})
        self.assertContains(response, "already on the team")
        self.assertEqual(TeamMember.objects.get(file=self.file, user=self.officer).role, "manager")

    def test_the_manager_hands_the_role_to_a_member(self):
        self.login(self.officer)
        response = self.client.post(
            self.f("team"), {"action": "manager", "manager-user": self.partner.pk}
        )
        self.assertRedirects(response, self.f("file"))
        self.file.refresh_from_db()
        self.assertEqual(self.file.manager, self.partner)
        self.assertEqual(self.client.get(self.f("team")).status_code, 403)


class CloseTest(FileViewCase):
    def test_the_manager_closes_and_reopens(self):
        self.login(self.officer)
        response = self.client.post(
            self.f("close"),
            {"closure_reason": "goals_reached", "outcome": "stabilised", "version": 1},
        )
        self.assertRedirects(response, self.f("file"))
        self.file.refresh_from_db()
        self.assertEqual(self.file.status, FileStatus.CLOSED)
        self.assertTrue(self.reads("case.file.closed"))
        response = self.client.get(self.f("file"))
        self.assertContains(response, self.f("reopen"))
        self.assertRedirects(self.client.post(self.f("reopen")), self.f("file"))
        self.file.refresh_from_db()
        self.assertEqual(self.file.status, FileStatus.OPEN)
        self.assertTrue(self.reads("case.file.reopened"))

    def test_reopening_an_open_file_says_so(self):
        self.login(self.officer)
        response = self.client.post(self.f("reopen"), follow=True)
        self.assertContains(response, "This file is open.")

    def test_closing_over_a_change_is_a_conflict(self):
        services.update_file(self.file, {"phase": "after"}, actor=self.partner, expected_version=1)
        self.login(self.officer)
        response = self.client.post(
            self.f("close"),
            {"closure_reason": "goals_reached", "outcome": "stabilised", "version": 1},
        )
        self.assertContains(response, "changed meanwhile by partner", status_code=409)
        self.file.refresh_from_db()
        self.assertEqual(self.file.status, FileStatus.OPEN)


class StepUpTest(FileViewCase):
    def test_reveal_and_export_ask_for_the_second_factor_again(self):
        self.login(self.officer)
        for url in [self.f("reveal"), self.f("export")]:
            with self.subTest(url=url):
                for response in (self.client.get(url), self.client.post(url)):
                    self.assertEqual(response.status_code, 302)
                    self.assertTrue(response["Location"].startswith(reverse("mfa_reauthenticate")))
        self.assertFalse(self.reads("case.person.national_number_revealed"))
        self.assertFalse(self.reads("case.file.exported"))

    def test_revealing_shows_the_number_once_and_logs_it(self):
        self.login(self.partner)
        self.step_up(self.partner)
        response = self.client.get(self.f("reveal"))
        self.assertNotContains(response, "90051712345")
        self.assertTrue(self.reads("case.reveal.viewed", self.partner))
        response = self.client.post(self.f("reveal"))
        self.assertContains(response, "90051712345")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertEqual(
            self.reads("case.person.national_number_revealed", self.partner).count(), 1
        )

    def test_the_manager_exports_the_file(self):
        self.login(self.officer)
        self.step_up(self.officer)
        self.assertContains(self.client.get(self.f("export")), "Download the export")
        response = self.client.post(self.f("export"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Disposition"], f'attachment; filename="{self.person.handle}.json"'
        )
        self.assertEqual(response.json()["person"]["name"], "Pat Example")
        self.assertEqual(self.reads("case.file.exported").count(), 1)
