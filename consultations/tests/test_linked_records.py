"""At the cell, what partners shared about a person from any of their linked records
(cases.models.Person.same_as: a receiving service's own record) goes with the case, whichever
record the case was put on the agenda with; nothing shared with another cell does.

Agency C, which never held Pat's own record and is neither seated in the cell nor invited,
received a referral about Pat and keeps its own file from it."""

from __future__ import annotations

from accounts.roles import Role
from cases import services
from consultations import access
from consultations.tests.base import ConsultationPersonas, share
from core.testing import make_org, make_service, make_user


class LinkedRecordsAtTheCellTest(ConsultationPersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.org_c = make_org("agency-c", "Agency C")
        cls.worker_c = make_user("worker@c.test", cls.org_c, Role.PARTNER_PROFESSIONAL, mfa=True)
        referral = services.refer_to_service(
            cls.file,
            make_service(cls.org_c, "Family support", is_public=False),
            fields=["name"],
            message="",
            legal_basis="consent",
            consent_reference="Signed form of 3 March",
            actor=cls.officer,
        )
        referral = services.answer_service_referral(referral, "accepted", "", actor=cls.worker_c)
        cls.file_c = services.open_file_from_service_referral(referral, actor=cls.worker_c)

    def share_from_c(self):
        elsewhere = share(self.file_c, self.worker_c, "For Liège only.", self.other_cell)
        return share(
            self.file_c, self.worker_c, "Pat joined the sports club.", self.cell
        ), elsewhere

    def test_the_case_on_the_first_record_has_what_the_linked_one_shared(self):
        self.assertNotIn(self.org_c, access.action_owners(self.pat_case))
        from_c, _elsewhere = self.share_from_c()
        self.assertEqual(set(access.contributions_for(self.pat_case)), {self.pat_shared, from_c})
        self.assertIn(self.org_c, access.action_owners(self.pat_case))

    def test_a_case_on_the_linked_record_has_what_the_first_one_shared(self):
        from_c, _elsewhere = self.share_from_c()
        self.pat_case.person = self.file_c.person
        self.pat_case.save()
        self.assertEqual(set(access.contributions_for(self.pat_case)), {self.pat_shared, from_c})
        rows = {row["case"].pk: row for row in access.room_cases(self.meeting)}
        self.assertTrue(rows[self.pat_case.pk]["shown"])  # Bert, invited, is invited to it
        self.assertEqual(set(rows[self.pat_case.pk]["contributions"]), {self.pat_shared, from_c})

    def test_the_room_shows_them_together(self):
        from_c, _elsewhere = self.share_from_c()
        rows = {row["case"].pk: row for row in access.room_cases(self.meeting)}
        pat = rows[self.pat_case.pk]
        self.assertTrue(pat["shown"])
        self.assertEqual(set(pat["contributions"]), {self.pat_shared, from_c})
        self.assertEqual(rows[self.quinn_case.pk]["contributions"], [])  # hidden from Bert
