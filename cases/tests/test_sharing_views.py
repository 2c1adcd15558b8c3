"""The pages of what crosses a file's border: intake, referrals and handovers received, the
shared file, referrals to services, handovers, break-glass and the disclosure log.

For each page: anonymous → login, outside one's cases → 404, visible but not allowed → 403,
allowed → works and writes its audit row about the person.
"""

from __future__ import annotations

import datetime
import json
import uuid

from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import AuditEvent
from cases import services
from cases.models import (
    BreakGlass,
    CaseFile,
    Contribution,
    Goal,
    GuidancePlan,
    Handover,
    JournalEntry,
    Person,
    Referral,
    ServiceReferral,
)
from cases.tests.base import CasePersonas, make_file, make_person
from core.encryption import decrypt_bytes, encrypt_bytes
from core.testing import TOTP_SECRET, make_org, make_user


def audited(action: str, user, person) -> bool:
    return AuditEvent.objects.filter(action=action, actor=user, subject=str(person.uuid)).exists()


class SharingCase(CasePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        # the administrator has a second factor, so the pages answer instead of asking for one
        TOTP.activate(cls.admin, TOTP_SECRET)
        cls.officer_b = make_user("officer@b.test", cls.org_b, Role.REFERRAL_OFFICER, mfa=True)
        cls.entry = JournalEntry.objects.create(
            file=cls.file, kind="note", text="Met Pat at the youth centre.", author=cls.partner
        )
        cls.shared = services.contribute(
            cls.file,
            {
                "kind": "summary",
                "text": "Pat follows a training course.",
                "purpose": "Coordinate the guidance",
                "legal_basis": "case_consultation",
                "consent_reference": "",
                "consent_expires_on": None,
                "guardian": "",
            },
            [cls.org_b],
            actor=cls.officer,
        )

    def get(self, name, *args, **query):
        return self.client.get(reverse(f"cases:{name}", args=args), query)

    def post(self, name, *args, **data):
        return self.client.post(reverse(f"cases:{name}", args=args), data)

    def assertLogin(self, response):
        self.assertEqual(response.status_code, 302)
        self.assertIn("/login", response["Location"])

    def service_referral(self, fields=("municipality",)) -> ServiceReferral:
        return services.refer_to_service(
            self.file,
            self.private_service_b,
            fields=list(fields),
            message="Please call the mother.",
            legal_basis="consent",
            consent_reference="Signed form of 3 March",
            actor=self.partner,
        )


# --- Intake ----------------------------------------------------------------------------------


class ReferralListTest(SharingCase):
    def test_it_sends_anonymous_visitors_to_log_in(self):
        self.assertLogin(self.get("referrals"))

    def test_it_refuses_those_who_neither_receive_nor_work_cases(self):
        self.login(self.reader)
        self.assertEqual(self.get("referrals").status_code, 403)

    def test_it_shows_the_queue_with_the_minor_badge_and_logs_the_ids(self):
        self.login(self.officer)
        response = self.get("referrals")
        self.assertContains(response, self.minor.handle)
        self.assertContains(response, "badge-minor")
        self.assertContains(response, reverse("cases:referral", args=[self.referral.uuid]))
        self.assertNotContains(response, "Worrying posts")
        self.assertTrue(
            AuditEvent.objects.filter(
                action="case.referral.listed",
                actor=self.officer,
                target_type="cases.referral",
                target_id=str(self.referral.pk),
                subject=str(self.minor.uuid),
            ).exists()
        )

    def test_the_sender_sees_the_status_only(self):
        self.login(self.partner_b)
        response = self.get("referrals")
        self.assertContains(response, self.minor.handle)
        self.assertContains(response, "badge-minor")
        self.assertNotContains(response, reverse("cases:referral", args=[self.referral.uuid]))
        self.assertNotContains(response, "Worrying posts")
        self.assertNotContains(response, "Maya")

    def test_the_number_of_queries_does_not_grow_with_the_queue(self):
        self.login(self.officer)
        self.get("referrals")  # the session's first request does more
        with CaptureQueriesContext(connection) as few:
            self.get("referrals")
        for i in range(5):
            person = make_person(f"Person {i}", datetime.date(2000, 1, 1))
            Referral.objects.create(
                person=person,
                organisation=self.org_a,
                source="helpdesk",
                concern="Concern",
                created_by=self.partner,
            )
        with CaptureQueriesContext(connection) as many:
            self.get("referrals")
        self.assertEqual(len(few), len(many), [q["sql"][:90] for q in many])


class ReferralCreateTest(SharingCase):
    def data(self, **extra):
        return {
            "organisation": self.org_a.pk,
            "full_name": "Nora Newcase",
            "date_of_birth": "1995-03-04",
            "municipality": "Namur",
            "source": "professional",
            "referrer_name": "A teacher",
            "concern": "Talks about leaving for abroad.",
            "received_on": timezone.localdate().isoformat(),
            "urgency": "soon",
            "awareness": "aware",
            "consent": "given",
            **extra,
        }

    def test_it_sends_anonymous_visitors_to_log_in(self):
        self.assertLogin(self.get("referral_create"))

    def test_it_refuses_who_does_not_work_cases(self):
        self.login(self.reader)
        self.assertEqual(self.get("referral_create").status_code, 403)

    def test_it_records_a_referral_for_the_referral_officers(self):
        self.login(self.partner_b)
        self.assertEqual(self.get("referral_create").status_code, 200)
        response = self.post("referral_create", **self.data())
        self.assertRedirects(response, reverse("cases:referrals"), fetch_redirect_response=False)
        referral = Referral.objects.exclude(pk=self.referral.pk).get()
        self.assertEqual(referral.concern, "Talks about leaving for abroad.")
        self.assertEqual(referral.organisation, self.org_a)
        self.assertEqual(referral.created_by, self.partner_b)
        self.assertTrue(audited("case.referral.created", self.partner_b, referral.person))

    def test_a_minor_needs_the_guardian_decision(self):
        self.login(self.partner)
        born = timezone.localdate() - datetime.timedelta(days=15 * 365)
        persons = Person.objects.count()
        response = self.post("referral_create", **self.data(date_of_birth=born.isoformat()))
        self.assertEqual(response.status_code, 200)
        self.assertIn("guardian", response.context["form"].errors)
        self.assertEqual(Person.objects.count(), persons)
        self.assertFalse(Referral.objects.filter(created_by=self.partner).exists())

        response = self.post(
            "referral_create", **self.data(date_of_birth=born.isoformat(), guardian="informed")
        )
        self.assertEqual(response.status_code, 302)
        referral = Referral.objects.get(created_by=self.partner)
        self.assertTrue(referral.person.is_minor)
        self.assertEqual(referral.guardian, "informed")

    def test_not_involving_the_guardian_needs_a_reason(self):
        self.login(self.partner)
        born = timezone.localdate() - datetime.timedelta(days=15 * 365)
        response = self.post(
            "referral_create",
            **self.data(date_of_birth=born.isoformat(), guardian="not_involved"),
        )
        self.assertIn("guardian_reason", response.context["form"].errors)
        self.assertFalse(Referral.objects.filter(created_by=self.partner).exists())


class ReferralDetailTest(SharingCase):
    def url_args(self):
        return (self.referral.uuid,)

    def test_it_sends_anonymous_visitors_to_log_in(self):
        self.assertLogin(self.get("referral", *self.url_args()))

    def test_it_is_a_404_outside_the_receiving_officers(self):
        for user in (self.partner_b, self.officer_b, self.colleague, self.partner):
            self.login(user)
            self.assertEqual(self.get("referral", *self.url_args()).status_code, 404, user)

    def test_the_officer_reads_it_and_the_read_is_logged(self):
        self.login(self.officer)
        response = self.get("referral", *self.url_args())
        self.assertContains(response, "Worrying posts shared in class.")
        self.assertContains(response, "badge-minor")
        self.assertTrue(audited("case.referral.viewed", self.officer, self.minor))

    def test_accepting_opens_the_file_and_goes_to_it(self):
        self.login(self.officer)
        response = self.post(
            "referral", *self.url_args(), decision="accept", manager=self.officer.pk, version=1
        )
        file = CaseFile.objects.get(person=self.minor, organisation=self.org_a)
        self.assertRedirects(
            response, reverse("cases:file", args=[file.uuid]), fetch_redirect_response=False
        )
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, "accepted")

    def test_a_decided_referral_shows_the_decision_and_no_form(self):
        services.redirect_referral(
            self.referral, actor=self.officer, service=self.service_a, note="Better there"
        )
        self.login(self.officer)
        response = self.get("referral", *self.url_args())
        self.assertContains(response, "Better there")
        self.assertNotContains(response, 'name="decision"')
        response = self.post("referral", *self.url_args(), decision="close", version=2)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, "redirected")

    def test_accepting_needs_a_manager(self):
        self.login(self.officer)
        response = self.post("referral", *self.url_args(), decision="accept", version=1)
        self.assertIn("manager", response.context["form"].errors)
        self.assertFalse(CaseFile.objects.filter(person=self.minor).exists())

    def test_closing_with_no_further_action(self):
        self.login(self.officer)
        response = self.post("referral", *self.url_args(), decision="close", version=1)
        self.assertRedirects(response, reverse("cases:referrals"), fetch_redirect_response=False)
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, "no_further_action")

    def test_a_decision_taken_meanwhile_is_a_conflict_and_nothing_changes(self):
        services.close_referral(self.referral, actor=self.officer, note="Seen by phone")
        self.login(self.officer)
        response = self.post(
            "referral", *self.url_args(), decision="accept", manager=self.officer.pk, version=1
        )
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Seen by phone", status_code=409)
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, "no_further_action")
        self.assertFalse(CaseFile.objects.filter(person=self.minor).exists())


# --- Received ----------------------------------------------------------------------------------


class IncomingTest(SharingCase):
    def test_it_sends_anonymous_visitors_to_log_in(self):
        referral = self.service_referral()
        self.assertLogin(self.get("incoming_list"))
        self.assertLogin(self.get("incoming", referral.uuid))

    def test_the_list_is_refused_to_who_works_no_cases(self):
        self.login(self.reader)
        self.assertEqual(self.get("incoming_list").status_code, 403)

    def test_the_receiving_organisation_lists_it_with_the_ids_logged(self):
        referral = self.service_referral()
        self.login(self.partner_b)
        response = self.get("incoming_list")
        self.assertContains(response, reverse("cases:incoming", args=[referral.uuid]))
        self.assertTrue(audited("case.service_referral.listed", self.partner_b, self.person))
        self.login(self.partner)
        response = self.get("incoming_list")
        self.assertNotContains(response, reverse("cases:incoming", args=[referral.uuid]))

    def test_the_number_of_queries_does_not_grow_with_the_list(self):
        self.service_referral()
        self.login(self.partner_b)
        self.get("incoming_list")
        with CaptureQueriesContext(connection) as few:
            self.get("incoming_list")
        for i in range(4):
            person = make_person(f"Person {i}", None)
            make_file(person, self.org_a, self.officer)
            services.refer_to_service(
                CaseFile.objects.get(person=person),
                self.private_service_b,
                fields=[],
                message="",
                legal_basis="consent",
                consent_reference="Signed form of 3 March",
                actor=self.officer,
            )
        with CaptureQueriesContext(connection) as many:
            response = self.get("incoming_list")
        self.assertEqual(len(response.context["page"].object_list), 5)
        self.assertEqual(len(few), len(many))

    def test_an_overdue_referral_is_marked(self):
        referral = self.service_referral()
        ServiceReferral.objects.filter(pk=referral.pk).update(
            due_on=timezone.localdate() - datetime.timedelta(days=1)
        )
        self.login(self.partner_b)
        self.assertContains(self.get("incoming_list"), "badge-overdue")

    def test_it_is_a_404_outside_the_receiving_organisation(self):
        referral = self.service_referral()
        for user in (self.partner, self.colleague, self.officer, self.admin):
            self.login(user)
            self.assertEqual(self.get("incoming", referral.uuid).status_code, 404, user)

    def test_the_service_sees_only_the_fields_sent(self):
        referral = self.service_referral(fields=["municipality"])
        self.login(self.partner_b)
        response = self.get("incoming", referral.uuid)
        self.assertContains(response, self.person.handle)
        self.assertContains(response, "Namur")
        self.assertContains(response, "Please call the mother.")
        self.assertNotContains(response, "Pat Example")
        self.assertNotContains(response, "1990")
        self.assertNotContains(response, "training course")
        self.assertTrue(audited("case.service_referral.viewed", self.partner_b, self.person))

    def test_the_name_shows_when_it_was_chosen(self):
        referral = self.service_referral(fields=["name"])
        self.login(self.partner_b)
        self.assertContains(self.get("incoming", referral.uuid), "Pat Example")

    def test_a_refusal_needs_a_reason(self):
        referral = self.service_referral()
        self.login(self.partner_b)
        response = self.post("incoming", referral.uuid, status="refused", reason="", version=1)
        self.assertEqual(response.status_code, 200)
        self.assertIn("reason", response.context["form"].errors)
        referral.refresh_from_db()
        self.assertEqual(referral.status, "sent")

        response = self.post(
            "incoming", referral.uuid, status="refused", reason="No places left", version=1
        )
        self.assertEqual(response.status_code, 302)
        referral.refresh_from_db()
        self.assertEqual(referral.status, "refused")
        self.assertEqual(referral.reason, "No places left")

    def test_then_done_after_accepted(self):
        referral = self.service_referral()
        self.login(self.partner_b)
        self.post("incoming", referral.uuid, status="accepted", reason="", version=1)
        self.post("incoming", referral.uuid, status="done", reason="Three sessions", version=2)
        referral.refresh_from_db()
        self.assertEqual(referral.status, "done")

    def test_a_second_answer_on_the_same_version_is_a_conflict(self):
        referral = self.service_referral()
        self.login(self.partner_b)
        self.post("incoming", referral.uuid, status="accepted", reason="", version=1)
        response = self.post("incoming", referral.uuid, status="refused", reason="Full", version=1)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Full", status_code=409)  # their answer, kept in view
        self.assertEqual(response.context["form"].initial["version"], 2)
        referral.refresh_from_db()
        self.assertEqual(referral.status, "accepted")


class HandoverDecideTest(SharingCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.handover = services.request_handover(
            cls.file,
            {
                "to_organisation": cls.org_b,
                "legal_basis": "case_consultation",
                "consent_reference": "",
                "summary": "Pat moves to the other town.",
            },
            actor=cls.officer,
        )

    def test_it_sends_anonymous_visitors_to_log_in(self):
        self.assertLogin(self.get("handover_decide", self.handover.uuid))

    def test_it_is_a_404_but_for_the_receiving_referral_officers(self):
        for user in (self.partner_b, self.officer, self.partner, self.colleague):
            self.login(user)
            self.assertEqual(self.get("handover_decide", self.handover.uuid).status_code, 404)

    def test_the_receiving_officer_reads_the_summary_only(self):
        self.login(self.officer_b)
        response = self.get("handover_decide", self.handover.uuid)
        self.assertContains(response, "Pat moves to the other town.")
        self.assertNotContains(response, "youth centre")
        self.assertNotContains(response, "Pat Example")
        self.assertTrue(audited("case.handover.viewed", self.officer_b, self.person))
        self.assertContains(self.get("incoming_list"), self.person.handle)

    def test_accepting_opens_a_file_of_their_own(self):
        CaseFile.objects.filter(pk=self.file_b.pk).update(person=make_person("Other", None))
        self.login(self.officer_b)
        response = self.post(
            "handover_decide", self.handover.uuid, accept="1", manager=self.officer_b.pk
        )
        new_file = CaseFile.objects.get(person=self.person, organisation=self.org_b)
        self.assertRedirects(
            response, reverse("cases:file", args=[new_file.uuid]), fetch_redirect_response=False
        )
        self.assertEqual(new_file.journal.get().text, "Pat moves to the other town.")

    def test_declining(self):
        self.login(self.officer_b)
        response = self.post("handover_decide", self.handover.uuid, accept="0")
        self.assertRedirects(
            response, reverse("cases:incoming_list"), fetch_redirect_response=False
        )
        self.handover.refresh_from_db()
        self.assertEqual(self.handover.status, "declined")


# --- Sharing from a file --------------------------------------------------------------------


class SharedFileTest(SharingCase):
    def test_it_sends_anonymous_visitors_to_log_in(self):
        self.assertLogin(self.get("shared", self.file.uuid))

    def test_it_is_a_404_outside_the_case_team(self):
        for user in (self.partner_b, self.colleague, self.admin, self.dpo, self.coordinator):
            self.login(user)
            self.assertEqual(self.get("shared", self.file.uuid).status_code, 404, user)

    def test_the_team_reads_it_and_the_read_is_logged(self):
        self.login(self.partner)
        response = self.get("shared", self.file.uuid)
        self.assertContains(response, "Pat follows a training course.")
        self.assertContains(response, "Coordinate the guidance")
        self.assertContains(response, self.org_b.display_name)
        self.assertTrue(audited("case.shared.viewed", self.partner, self.person))

    def test_the_recipient_sees_it_until_it_is_withdrawn(self):
        self.login(self.partner_b)
        self.assertContains(self.get("shared", self.file_b.uuid), "training course")
        services.withdraw_contribution(self.shared, "Shared too early", actor=self.officer)
        self.assertNotContains(self.get("shared", self.file_b.uuid), "training course")
        self.login(self.officer)
        response = self.get("shared", self.file.uuid)
        self.assertContains(response, "training course")
        self.assertContains(response, "Shared too early")

    def test_it_lists_the_referrals_to_services_with_their_outcome(self):
        referral = self.service_referral()
        services.answer_service_referral(referral, "refused", "No places", actor=self.partner_b)
        self.login(self.partner)
        self.assertContains(self.get("shared", self.file.uuid), "No places")


class ContributeTest(SharingCase):
    def data(self, **extra):
        return {
            "kind": "decision",
            "text": "The team proposes a mentor.",
            "purpose": "Prepare the case consultation",
            "legal_basis": "case_consultation",
            "recipients": [self.org_b.pk],
            **extra,
        }

    def test_it_sends_anonymous_visitors_to_log_in(self):
        self.assertLogin(self.get("contribute", self.file.uuid))

    def test_it_is_a_404_outside_the_case_team(self):
        for user in (self.partner_b, self.colleague, self.admin):
            self.login(user)
            self.assertEqual(self.get("contribute", self.file.uuid).status_code, 404)
            self.assertEqual(
                self.post("contribute", self.file.uuid, **self.data()).status_code, 404
            )
        self.assertFalse(Contribution.objects.filter(kind="decision").exists())

    def test_it_starts_from_one_journal_entry(self):
        self.login(self.partner)
        response = self.get("contribute", self.file.uuid, entry=str(self.entry.uuid))
        self.assertEqual(response.context["form"].initial["text"], "Met Pat at the youth centre.")
        self.assertTrue(audited("case.journal.viewed", self.partner, self.person))
        self.assertTrue(audited("case.contribution.form_viewed", self.partner, self.person))

    def test_it_starts_from_one_goal_of_the_plan(self):
        plan = GuidancePlan.objects.create(
            file=self.file, number=1, review_on=self.future(), created_by=self.officer
        )
        goal = Goal.objects.create(
            plan=plan,
            sphere="training",
            description="Finish the welding course",
            partner=self.org_b,
        )
        self.login(self.partner)
        response = self.get("contribute", self.file.uuid, goal=str(goal.pk))
        self.assertEqual(response.context["form"].initial["kind"], "plan_step")
        self.assertIn("Finish the welding course", response.context["form"].initial["text"])
        self.assertContains(response, f"?goal={goal.pk}")
        self.assertContains(response, f"?entry={self.entry.uuid}")

    def test_an_entry_of_another_file_is_a_404(self):
        other = JournalEntry.objects.create(
            file=self.file_b, kind="note", text="B's own note", author=self.partner_b
        )
        self.login(self.partner)
        response = self.get("contribute", self.file.uuid, entry=str(other.uuid))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.get("contribute", self.file.uuid, entry="nonsense").status_code, 404)
        self.assertEqual(self.get("contribute", self.file.uuid, goal="123456").status_code, 404)

    def test_it_shares_one_item_with_the_chosen_recipients(self):
        self.login(self.partner)
        response = self.post("contribute", self.file.uuid, **self.data())
        self.assertRedirects(
            response, reverse("cases:shared", args=[self.file.uuid]), fetch_redirect_response=False
        )
        contribution = Contribution.objects.get(kind="decision")
        self.assertEqual(list(contribution.recipients.all()), [self.org_b])
        self.assertEqual(contribution.author, self.partner)
        self.assertTrue(audited("case.contribution.shared", self.partner, self.person))

    def test_consent_needs_its_reference_and_some_recipient_is_needed(self):
        self.login(self.partner)
        response = self.post("contribute", self.file.uuid, **self.data(legal_basis="consent"))
        self.assertIn("consent_reference", response.context["form"].errors)
        response = self.post("contribute", self.file.uuid, **self.data(recipients=[]))
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertFalse(Contribution.objects.filter(kind="decision").exists())


class WithdrawTest(SharingCase):
    def test_it_sends_anonymous_visitors_to_log_in(self):
        self.assertLogin(self.get("withdraw", self.file.uuid, self.shared.uuid))

    def test_another_organisation_gets_a_404_through_our_file(self):
        self.login(self.partner_b)
        self.assertEqual(self.get("withdraw", self.file.uuid, self.shared.uuid).status_code, 404)

    def test_only_the_author_withdraws(self):
        self.login(self.partner)
        self.assertEqual(self.get("withdraw", self.file.uuid, self.shared.uuid).status_code, 403)
        self.login(self.partner_b)
        response = self.post("withdraw", self.file_b.uuid, self.shared.uuid, reason="Not mine")
        self.assertEqual(response.status_code, 403)
        self.shared.refresh_from_db()
        self.assertIsNone(self.shared.withdrawn_at)

    def test_the_author_withdraws_with_a_reason(self):
        self.login(self.officer)
        response = self.post("withdraw", self.file.uuid, self.shared.uuid, reason="")
        self.assertIn("reason", response.context["form"].errors)
        response = self.post("withdraw", self.file.uuid, self.shared.uuid, reason="Too early")
        self.assertEqual(response.status_code, 302)
        self.shared.refresh_from_db()
        self.assertIsNotNone(self.shared.withdrawn_at)
        self.assertTrue(audited("case.contribution.withdrawn", self.officer, self.person))


class ReferTest(SharingCase):
    def data(self, **extra):
        return {
            "service": self.private_service_b.pk,
            "fields": ["municipality"],
            "message": "Needs a counsellor",
            "legal_basis": "case_consultation",
            **extra,
        }

    def test_it_sends_anonymous_visitors_to_log_in(self):
        self.assertLogin(self.get("refer", self.file.uuid))

    def test_it_is_a_404_outside_the_case_team(self):
        for user in (self.partner_b, self.colleague, self.admin):
            self.login(user)
            self.assertEqual(self.get("refer", self.file.uuid).status_code, 404)

    def test_it_starts_from_a_service_of_the_directory(self):
        self.login(self.partner)
        response = self.get("refer", self.file.uuid, service=str(self.private_service_b.uuid))
        self.assertEqual(response.context["form"].initial["service"], self.private_service_b.pk)
        self.assertEqual(self.get("refer", self.file.uuid, service="x").status_code, 404)

    def test_the_preview_shows_exactly_what_will_be_sent(self):
        self.login(self.partner)
        response = self.post("refer", self.file.uuid, preview="1", **self.data())
        rows = response.context["preview"]["rows"]
        self.assertEqual([value for _label, value in rows], [self.person.handle, "Namur"])
        self.assertContains(response, "Pat Example")  # the team sees each field's value
        self.assertFalse(ServiceReferral.objects.exists())
        self.assertTrue(audited("case.service_referral.form_viewed", self.partner, self.person))

    def test_it_sends_the_chosen_fields(self):
        self.login(self.partner)
        response = self.post("refer", self.file.uuid, send="1", **self.data())
        self.assertEqual(response.status_code, 302)
        referral = ServiceReferral.objects.get()
        self.assertEqual(referral.fields, ["handle", "municipality"])
        self.assertEqual(referral.shared, {"handle": self.person.handle, "municipality": "Namur"})
        self.assertTrue(audited("case.service_referral.sent", self.partner, self.person))


class ServiceReferralWithdrawTest(SharingCase):
    def test_it_takes_a_post_from_the_team(self):
        referral = self.service_referral()
        self.assertLogin(self.post("service_referral_withdraw", self.file.uuid, referral.uuid))
        self.login(self.partner_b)
        response = self.post("service_referral_withdraw", self.file.uuid, referral.uuid)
        self.assertEqual(response.status_code, 404)
        self.login(self.partner)
        response = self.get("service_referral_withdraw", self.file.uuid, referral.uuid)
        self.assertEqual(response.status_code, 405)
        response = self.post("service_referral_withdraw", self.file.uuid, referral.uuid)
        self.assertEqual(response.status_code, 302)
        referral.refresh_from_db()
        self.assertEqual(referral.status, "withdrawn")
        self.assertTrue(audited("case.service_referral.withdrawn", self.partner, self.person))


class HandoverTest(SharingCase):
    def data(self, **extra):
        return {
            "to_organisation": self.org_b.pk,
            "legal_basis": "consent",
            "consent_reference": "Signed form 2026-01",
            "summary": "Pat moves to B's town; goals agreed.",
            **extra,
        }

    def test_it_sends_anonymous_visitors_to_log_in(self):
        self.assertLogin(self.get("handover", self.file.uuid))

    def test_it_is_a_404_outside_the_case_team(self):
        for user in (self.partner_b, self.colleague, self.admin):
            self.login(user)
            self.assertEqual(self.get("handover", self.file.uuid).status_code, 404)

    def test_a_team_member_who_is_not_the_manager_gets_a_403(self):
        self.login(self.partner)
        self.assertEqual(self.get("handover", self.file.uuid).status_code, 403)
        self.assertEqual(self.post("handover", self.file.uuid, **self.data()).status_code, 403)
        self.assertFalse(Handover.objects.exists())

    def test_the_legal_basis_is_checked_on_each_handover(self):
        self.login(self.officer)
        response = self.post("handover", self.file.uuid, **self.data(consent_reference=""))
        self.assertIn("consent_reference", response.context["form"].errors)
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        response = self.post("handover", self.file.uuid, **self.data(consent_expires_on=yesterday))
        self.assertIn("consent_expires_on", response.context["form"].errors)
        self.assertFalse(Handover.objects.exists())

    def test_the_manager_requests_it(self):
        self.login(self.officer)
        response = self.post("handover", self.file.uuid, **self.data())
        self.assertRedirects(
            response, reverse("cases:file", args=[self.file.uuid]), fetch_redirect_response=False
        )
        handover = Handover.objects.get()
        self.assertEqual(handover.to_organisation, self.org_b)
        self.assertTrue(audited("case.handover.requested", self.officer, self.person))


# --- Break-glass -------------------------------------------------------------------------------


class BreakGlassTest(SharingCase):
    REASON = "The person called in crisis and the manager is away."

    def test_it_sends_anonymous_visitors_to_log_in(self):
        self.assertLogin(self.get("break_glass"))

    def test_it_asks_for_the_second_factor_again(self):
        self.login(self.colleague)
        response = self.get("break_glass")
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("mfa_reauthenticate"), response["Location"])
        response = self.post("break_glass", handle=self.person.handle, reason=self.REASON)
        self.assertIn(reverse("mfa_reauthenticate"), response["Location"])
        self.assertFalse(BreakGlass.objects.exists())

    def test_what_was_typed_before_the_second_factor_is_back_in_the_form(self):
        self.login(self.colleague)
        self.post("break_glass", handle=self.person.handle, reason=self.REASON)
        stored = self.client.session["stepup_pending"]
        self.assertNotIn(self.REASON, stored)  # encrypted like the reason itself
        self.assertNotIn(self.person.handle, stored)
        self.step_up(self.colleague)
        form = self.get("break_glass").context["form"]
        self.assertEqual(form.initial, {"handle": self.person.handle, "reason": self.REASON})
        self.assertFalse(form.is_bound)  # filled in again, not sent on the user's behalf
        self.assertFalse(BreakGlass.objects.exists())
        self.assertEqual(self.get("break_glass").context["form"].initial, {})  # only once

    def test_kept_fields_are_not_offered_to_another_page(self):
        self.login(self.colleague)
        self.post("break_glass", handle=self.person.handle, reason=self.REASON)
        session = self.client.session
        pending = json.loads(decrypt_bytes(session["stepup_pending"].encode()))
        pending["path"] = "/elsewhere/"
        session["stepup_pending"] = encrypt_bytes(json.dumps(pending).encode()).decode()
        session.save()
        self.step_up(self.colleague)
        self.assertEqual(self.get("break_glass").context["form"].initial, {})

    def test_it_opens_the_file_read_only_for_four_hours_and_tells_manager_and_dpo(self):
        self.login(self.colleague)
        self.step_up(self.colleague)
        self.assertEqual(self.get("shared", self.file.uuid).status_code, 404)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.post("break_glass", handle=self.person.handle, reason=self.REASON)
        self.assertRedirects(
            response, reverse("cases:file", args=[self.file.uuid]), fetch_redirect_response=False
        )
        grant = BreakGlass.objects.get()
        self.assertEqual(grant.file, self.file)
        self.assertAlmostEqual(
            grant.expires_at - grant.started_at,
            datetime.timedelta(hours=4),
            delta=datetime.timedelta(seconds=2),
        )
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(sorted(mail.outbox[0].to), ["dpo@a.test", "officer@a.test"])
        self.assertNotIn("Pat", mail.outbox[0].body)
        self.assertTrue(audited("case.break_glass.opened", self.colleague, self.person))
        # read-only: the shared file opens, sharing from it does not
        self.assertEqual(self.get("shared", self.file.uuid).status_code, 200)
        response = self.post("contribute", self.file.uuid, kind="summary", text="x")
        self.assertEqual(response.status_code, 403)
        # and the access ends after four hours
        BreakGlass.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
        self.assertEqual(self.get("shared", self.file.uuid).status_code, 404)

    def test_the_same_neutral_message_when_there_is_no_file_to_open(self):
        b_only = make_person("Bea Elsewhere", None)
        make_file(b_only, self.org_b, self.partner_b)
        messages = []
        for user, handle in (
            (self.colleague, "NAM-1999-9999"),
            (self.colleague, b_only.handle),
            (self.partner, self.person.handle),  # already on the team
        ):
            self.login(user)
            self.step_up(user)
            response = self.post("break_glass", handle=handle, reason=self.REASON)
            self.assertEqual(response.status_code, 200)
            messages.append(response.context["form"].errors["handle"])
        self.assertEqual(len(messages[0]), 1)
        self.assertEqual(messages, [messages[0]] * 3)
        self.assertFalse(BreakGlass.objects.exists())
        self.assertTrue(audited("case.break_glass.refused", self.colleague, b_only))

    def test_it_needs_a_reason(self):
        self.login(self.colleague)
        self.step_up(self.colleague)
        response = self.post("break_glass", handle=self.person.handle, reason="urgent")
        self.assertIn("reason", response.context["form"].errors)
        self.assertFalse(BreakGlass.objects.exists())


class BreakGlassReviewTest(SharingCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.grant = services.break_glass(
            cls.file, "The person called in crisis last night.", actor=cls.colleague
        )

    def test_it_sends_anonymous_visitors_to_log_in(self):
        self.assertLogin(self.get("break_glass_review"))
        self.assertLogin(self.get("break_glass_review_one", self.grant.uuid))

    def test_it_is_for_the_dpo_only(self):
        for user in (self.officer, self.colleague, self.partner_b):
            self.login(user)
            self.assertEqual(self.get("break_glass_review").status_code, 403)
            self.assertEqual(self.get("break_glass_review_one", self.grant.uuid).status_code, 403)

    def test_the_dpo_sees_the_queue_and_reviews(self):
        self.login(self.dpo)
        response = self.get("break_glass_review")
        self.assertContains(response, self.person.handle)
        self.assertContains(response, "colleague")
        self.assertContains(response, "called in crisis")
        self.assertTrue(audited("case.break_glass.listed", self.dpo, self.person))
        response = self.post("break_glass_review_one", self.grant.uuid, justified="1", note="OK")
        self.assertEqual(response.status_code, 302)
        self.grant.refresh_from_db()
        self.assertTrue(self.grant.justified)
        self.assertEqual(self.grant.reviewed_by, self.dpo)
        self.assertTrue(audited("case.break_glass.reviewed", self.dpo, self.person))
        response = self.post("break_glass_review_one", self.grant.uuid, justified="0")
        self.assertEqual(response.status_code, 403)
        response = self.get("break_glass_review_one", self.grant.uuid)
        self.assertNotContains(response, 'name="justified"')
        self.assertTrue(audited("case.break_glass.viewed", self.dpo, self.person))

    def test_another_organisations_dpo_gets_a_404(self):
        dpo_b = make_user("dpo@b.test", self.org_b, Role.DPO, mfa=True)
        self.login(dpo_b)
        self.assertEqual(self.get("break_glass_review_one", self.grant.uuid).status_code, 404)
        self.assertNotContains(self.get("break_glass_review"), self.person.handle)


# --- The data protection officer ---------------------------------------------------------------


class DisclosureTest(SharingCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        services.break_glass(cls.file, "Reason that stays with the DPO.", actor=cls.colleague)
        cls.referral_out = services.refer_to_service(
            cls.file,
            cls.private_service_b,
            fields=["municipality"],
            message="",
            legal_basis="case_consultation",
            actor=cls.partner,
        )

    def test_it_sends_anonymous_visitors_to_log_in(self):
        self.assertLogin(self.get("disclosure_search"))
        self.assertLogin(self.get("disclosures", self.person.uuid))
        self.assertLogin(self.get("disclosures_export", self.person.uuid))

    def test_it_is_a_403_for_who_is_not_a_dpo(self):
        for user in (self.officer, self.partner, self.partner_b):
            self.login(user)
            self.assertEqual(self.get("disclosure_search").status_code, 403)
            self.assertEqual(self.get("disclosures", self.person.uuid).status_code, 403)
            self.assertEqual(self.get("disclosures_export", self.person.uuid).status_code, 403)

    def test_a_person_the_organisation_holds_nothing_on_is_a_404(self):
        b_only = make_person("Bea Elsewhere", None)
        make_file(b_only, self.org_b, self.partner_b)
        self.login(self.dpo)
        self.assertEqual(self.get("disclosures", b_only.uuid).status_code, 404)
        response = self.get("disclosure_search", handle=b_only.handle)
        self.assertNotContains(response, reverse("cases:disclosures", args=[b_only.uuid]))

    def test_the_dpo_finds_the_person_by_handle(self):
        self.login(self.dpo)
        response = self.get("disclosure_search", handle=self.person.handle.lower())
        self.assertContains(response, reverse("cases:disclosures", args=[self.person.uuid]))
        self.assertTrue(audited("case.disclosures.searched", self.dpo, self.person))

    def test_the_log_says_who_saw_what_and_what_was_shared_without_content(self):
        self.login(self.partner)
        self.get("shared", self.file.uuid)
        self.login(self.dpo)
        response = self.get("disclosures", self.person.uuid)
        self.assertContains(response, "partner@a.test")
        self.assertContains(response, "case.shared.viewed")  # the code, beside its label
        self.assertContains(response, "Coordinate the guidance")  # purpose of the contribution
        self.assertContains(response, self.private_service_b.name["en"])
        self.assertNotContains(response, "training course")  # the content shared
        self.assertNotContains(response, "youth centre")
        self.assertNotContains(response, "Pat Example")
        self.assertTrue(audited("case.disclosures.viewed", self.dpo, self.person))
        events = response.context["page"].object_list
        self.assertEqual(events[0].action, "case.disclosures.viewed")  # newest first

    def test_the_number_of_queries_does_not_grow_with_the_log(self):
        self.login(self.dpo)
        self.get("disclosures", self.person.uuid)
        with CaptureQueriesContext(connection) as few:
            self.get("disclosures", self.person.uuid)
        for _i in range(3):
            self.shared.pk = None
            self.shared.uuid = uuid.uuid4()
            self.shared.save()
            self.shared.recipients.set([self.org_a, self.org_b])
            self.service_referral()
        with CaptureQueriesContext(connection) as many:
            self.get("disclosures", self.person.uuid)
        self.assertEqual(len(few), len(many))

    def test_a_contribution_to_several_organisations_is_listed_once_on_either_side(self):
        self.shared.recipients.add(make_org("agency-c", "Agency C"))
        dpo_b = make_user("dpo@b.test", self.org_b, Role.DPO, mfa=True)
        for dpo in (self.dpo, dpo_b):  # the sender's DPO and one recipient's
            with self.subTest(dpo=dpo.email):
                self.login(dpo)
                response = self.get("disclosures", self.person.uuid)
                listed = [c.pk for c in response.context["contributions"]]
                self.assertEqual(listed, [self.shared.pk])

    def test_the_export_redacts_third_parties(self):
        self.login(self.partner)
        self.get("shared", self.file.uuid)
        self.login(self.dpo)
        response = self.get("disclosures_export", self.person.uuid)
        self.assertEqual(response.status_code, 302)  # the second factor again first
        self.assertIn("/accounts/2fa/reauthenticate/", response["Location"])
        self.step_up(self.dpo)
        response = self.get("disclosures_export", self.person.uuid)
        self.assertEqual(response.status_code, 200)
        self.assertIn("attachment", response["Content-Disposition"])
        body = response.content.decode()
        self.assertIn("case.shared.viewed", body)
        self.assertIn(self.org_a.display_name, body)
        self.assertIn(self.org_b.display_name, body)  # the recipient, as an organisation
        self.assertIn("Coordinate the guidance", body)
        self.assertNotIn("@", body)
        self.assertNotIn("Reason that stays with the DPO", body)
        self.assertNotIn("training course", body)
        self.assertNotIn("Pat Example", body)
        self.assertTrue(audited("case.disclosures.exported", self.dpo, self.person))
