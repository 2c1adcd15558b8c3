"""Rules of the data itself, each found missing once: legal basis and guardians on every way
information leaves a file, one case manager per file, versions on every content edit,
encryption of every free text, read-only break-glass, no 500 on absurd input."""

import datetime
from unittest import skipUnless

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.middleware import MFA_OK_KEY
from audit.models import AuditEvent
from cases import access, services
from cases.models import BreakGlass, CaseFile, Handover, TeamMember, TeamRole
from cases.tests.base import CasePersonas, make_file


class SharingRules(CasePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.minor_file = make_file(cls.minor, cls.org_a, cls.officer, cls.partner)

    def test_a_referral_to_a_service_on_consent_needs_its_reference_and_for_a_minor_the_guardian(
        self,
    ):
        refer = {
            "fields": ["name"],
            "message": "",
            "legal_basis": "consent",
            "actor": self.partner,
        }
        with self.assertRaises(ValidationError) as raised:
            services.refer_to_service(self.minor_file, self.private_service_b, **refer)
        self.assertIn("consent_reference", raised.exception.message_dict)
        with self.assertRaises(ValidationError) as raised:
            services.refer_to_service(
                self.minor_file, self.private_service_b, consent_reference="F-1", **refer
            )
        self.assertIn("guardian", raised.exception.message_dict)
        expired = datetime.date(2020, 1, 1)
        with self.assertRaises(ValidationError):
            services.refer_to_service(
                self.file,
                self.private_service_b,
                consent_reference="F-1",
                consent_expires_on=expired,
                **refer,
            )
        self.assertFalse(self.minor_file.service_referrals.exists())
        sent = services.refer_to_service(
            self.minor_file,
            self.private_service_b,
            consent_reference="F-1",
            guardian="consented",
            **refer,
        )
        self.assertEqual(sent.guardian, "consented")

    def test_a_handover_of_a_minor_on_consent_records_the_guardian_decision(self):
        data = {
            "to_organisation": self.org_b,
            "legal_basis": "consent",
            "consent_reference": "F-2",
            "summary": "s",
        }
        with self.assertRaises(ValidationError) as raised:
            services.request_handover(self.minor_file, dict(data), actor=self.officer)
        self.assertIn("guardian", raised.exception.message_dict)
        past = {**data, "guardian": "informed", "consent_expires_on": datetime.date(2020, 1, 1)}
        with self.assertRaises(ValidationError):
            services.request_handover(self.minor_file, past, actor=self.officer)
        handover = services.request_handover(
            self.minor_file, {**data, "guardian": "informed"}, actor=self.officer
        )
        self.assertEqual(handover.guardian, "informed")

    def test_free_text_about_the_person_is_never_stored_in_clear(self):
        contribution = services.contribute(
            self.file,
            {
                "kind": "summary",
                "text": "t",
                "purpose": "Pat relapsed",
                "legal_basis": "consent",
                "consent_reference": "Pat agreed, mother objects",
            },
            [self.org_b],
            actor=self.partner,
        )
        services.withdraw_contribution(contribution, "Pat asked us to", actor=self.partner)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT purpose, consent_reference, withdrawal_reason FROM cases_contribution"
            )
            for value in cursor.fetchone():
                self.assertNotIn("Pat", value)

    def test_a_break_glass_reader_cannot_withdraw_even_their_own_contribution(self):
        contribution = services.contribute(
            self.file,
            {"kind": "summary", "text": "t", "purpose": "p", "legal_basis": "vital_interest"},
            [self.org_b],
            actor=self.partner,
        )
        TeamMember.objects.filter(file=self.file, user=self.partner).delete()
        BreakGlass.objects.create(
            user=self.partner,
            file=self.file,
            reason="An emergency call tonight",
            expires_at=timezone.now() + datetime.timedelta(hours=1),
        )
        file = access.get_file_for_user(self.partner, self.file.uuid, "case.file.viewed")
        self.assertEqual(file.my_role, "")
        self.assertFalse(access.can_withdraw(self.partner, file, contribution))


class ContinuityRules(CasePersonas):
    def test_a_handover_into_a_closed_file_leaves_one_case_manager(self):
        services.close_file(
            self.file_b,
            {"closure_reason": "other", "outcome": "unchanged"},
            actor=self.partner_b,
            expected_version=self.file_b.version,
        )
        officer_b = self.partner_b.__class__.objects.create_user(
            email="officer@b.test", password="x", full_name="Olga", organisation=self.org_b
        )
        from django.contrib.auth.models import Group

        officer_b.groups.set(Group.objects.filter(name__in=["referral_officer"]))
        handover = Handover.objects.create(
            file=self.file,
            to_organisation=self.org_b,
            legal_basis="vital_interest",
            summary="What B needs to know",
            requested_by=self.officer,
        )
        services.decide_handover(handover, accept=True, actor=officer_b, manager=officer_b)
        file_b = CaseFile.objects.get(pk=self.file_b.pk)
        self.assertEqual(file_b.manager, officer_b)
        managers = TeamMember.objects.filter(file=file_b, role=TeamRole.MANAGER)
        self.assertEqual([m.user for m in managers], [officer_b])
        entry = file_b.journal.get()
        self.assertTrue(
            AuditEvent.objects.filter(
                action="case.journal.created",
                target_id=str(entry.pk),
                subject=str(self.person.uuid),
            ).exists()
        )
        self.assertEqual(CaseFile.objects.get(pk=self.file.pk).status, "closed")
        # every seat carries its own file's organisation, which the lists filter on
        seats = TeamMember.objects.filter(file__in=[self.file, file_b])
        self.assertEqual(
            {(seat.file_id, seat.organisation_id) for seat in seats},
            {(seat.file_id, seat.file.organisation_id) for seat in seats},
        )
        self.assertIn(self.org_b.pk, {seat.organisation_id for seat in seats})

    @skipUnless(connection.vendor == "postgresql", "PostgreSQL's foreign key on both columns")
    def test_a_seat_cannot_name_another_organisation_than_its_file_s(self):
        # the case list trusts the seat's organisation (cases.access.team_files)
        with self.assertRaises(IntegrityError), transaction.atomic():
            TeamMember.objects.create(file=self.file, user=self.colleague, organisation=self.org_b)
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def test_accepting_a_referral_into_an_open_file_joins_it_without_taking_it_over(self):
        file = services.open_file(
            self.person, self.org_a, manager=self.colleague, actor=self.officer
        )
        self.assertEqual(file.pk, self.file.pk)
        self.assertEqual(CaseFile.objects.get(pk=file.pk).manager, self.officer)
        seat = TeamMember.objects.get(file=file, user=self.colleague)
        self.assertEqual(seat.role, TeamRole.MEMBER)

    def test_an_edit_without_the_version_read_overwrites_nothing(self):
        entry = services.add_entry(
            self.file,
            {"kind": "note", "occurred_on": datetime.date(2026, 1, 2), "text": "Mine"},
            actor=self.officer,
        )
        with self.assertRaises(services.EditConflict):
            services.update_entry(
                entry, {"text": "Theirs"}, actor=self.partner, expected_version=None
            )
        entry.refresh_from_db()
        self.assertEqual(entry.text, "Mine")


class AbsurdInput(CasePersonas):
    def login(self, user):
        self.client.force_login(user)
        session = self.client.session
        session[MFA_OK_KEY] = True
        session.save()

    def test_odd_ids_are_refused_without_a_server_error(self):
        self.login(self.partner)
        url = f"/cases/{self.file.uuid}/share/"
        for goal in ("²", "9" * 23, "-1"):  # not a goal of this file: 404, never a 500
            self.assertEqual(self.client.get(url + "?goal=" + goal).status_code, 404, goal)
        response = self.client.post(
            url,
            {
                "kind": "summary",
                "text": "t",
                "purpose": "p",
                "legal_basis": "vital_interest",
                "recipients": ["99999999999999999999999"],
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("recipients", response.context["form"].errors)
        self.login(self.officer)
        response = self.client.post(
            f"/cases/{self.file.uuid}/team/", {"action": "remove", "user": "9" * 30}
        )
        self.assertEqual(response.status_code, 404)
