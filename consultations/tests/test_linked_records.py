"""At the cell, what partners shared about a person from any of their linked records
(cases.models.Person.same_as: a receiving service's own record) goes with the case, whichever
record the case was put on the agenda with; nothing shared with another cell does."""

from __future__ import annotations

from cases import services
from consultations import access
from consultations.tests.base import ConsultationPersonas, share
from core.testing import make_service


class LinkedRecordsAtTheCellTest(ConsultationPersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        service = make_service(cls.org_b, "Family support", is_public=False)
        referral = services.refer_to_service(
            cls.file,
            service,
            fields=["name"],
            message="",
            legal_basis="consent",
            consent_reference="Signed form of 3 March",
            actor=cls.officer,
        )
        referral = services.answer_service_referral(referral, "accepted", "", actor=cls.partner_b)
        cls.file_b_own = services.open_file_from_service_referral(referral, actor=cls.partner_b)
        cls.from_b = share(cls.file_b_own, cls.partner_b, "Pat joined the sports club.", cls.cell)
        cls.elsewhere = share(cls.file_b_own, cls.partner_b, "For Liège only.", cls.other_cell)

    def test_the_case_on_the_first_record_has_what_the_linked_one_shared(self):
        found = set(access.contributions_for(self.pat_case))
        self.assertEqual(found, {self.pat_shared, self.from_b})

    def test_a_case_on_the_linked_record_has_what_the_first_one_shared(self):
        self.pat_case.person = self.file_b_own.person
        self.pat_case.save()
        found = set(access.contributions_for(self.pat_case))
        self.assertEqual(found, {self.pat_shared, self.from_b})
        self.assertIn(self.org_b, access.action_owners(self.pat_case))

    def test_the_room_shows_them_together(self):
        rows = {row["case"].pk: row for row in access.room_cases(self.meeting)}
        pat = rows[self.pat_case.pk]  # shown: Bert, the invited participant, is invited to it
        self.assertTrue(pat["shown"])
        self.assertEqual(set(pat["contributions"]), {self.pat_shared, self.from_b})
        self.assertEqual(rows[self.quinn_case.pk]["contributions"], [])  # hidden from Bert
