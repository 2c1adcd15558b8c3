"""Personas of the Cases module (STYLE.md 11), on top of the shared ones.

Agency A: referral officer Rachid (case manager of the file on Pat), partner professional
Paula on Pat's team, colleague Colin (same organisation, not on the team). Agency B: partner
professional Bert, manager of B's own file on Pat. Plus the shared coordinator, DPO of A
and an administrator. Maya is a minor referred to A, not yet accepted.
"""

from __future__ import annotations

import datetime
import time

from accounts.models import User
from accounts.roles import Role
from cases import services
from cases.models import CaseFile, Person, Referral, TeamMember, TeamRole
from core.testing import Personas, make_user


def make_person(name: str, born: datetime.date | None, municipality: str = "Namur", **extra):
    person = Person(full_name=name, date_of_birth=born, municipality=municipality, **extra)
    person.handle = services.new_handle(services.handle_prefix(municipality, None))
    person.save()
    return person


def make_file(person: Person, org, manager: User, *members: User) -> CaseFile:
    file = CaseFile.objects.create(person=person, organisation=org, manager=manager)
    TeamMember.objects.create(file=file, user=manager, role=TeamRole.MANAGER)
    for member in members:
        TeamMember.objects.create(file=file, user=member, role=TeamRole.MEMBER)
    return file


class CasePersonas(Personas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.officer = make_user("officer@a.test", cls.org_a, Role.REFERRAL_OFFICER, mfa=True)
        cls.partner = make_user("partner@a.test", cls.org_a, Role.PARTNER_PROFESSIONAL, mfa=True)
        cls.colleague = make_user(
            "colleague@a.test", cls.org_a, Role.PARTNER_PROFESSIONAL, mfa=True
        )
        cls.partner_b = make_user("partner@b.test", cls.org_b, Role.PARTNER_PROFESSIONAL, mfa=True)
        cls.admin = User.objects.create_superuser(
            email="admin@a.test", password="x", full_name="Admin", organisation=cls.org_a
        )
        cls.person = make_person(
            "Pat Example",
            datetime.date(1990, 5, 17),
            national_number="90051712345",
            languages=["fr"],
        )
        cls.file = make_file(cls.person, cls.org_a, cls.officer, cls.partner)
        cls.file_b = make_file(cls.person, cls.org_b, cls.partner_b)
        cls.minor = make_person("Maya Minor", datetime.date(2012, 1, 1))
        cls.referral = Referral.objects.create(
            person=cls.minor,
            organisation=cls.org_a,
            source="organisation",
            referrer_organisation=cls.org_b,
            concern="Worrying posts shared in class.",
            guardian="informed",
            created_by=cls.partner_b,
        )

    def step_up(self, user: User) -> None:
        """Mark the session as having just re-entered a second factor (step-up)."""
        session = self.client.session
        session["account_authentication_methods_user"] = str(user.pk)
        session["account_authentication_methods"] = [
            {"method": "mfa", "at": time.time(), "type": "totp", "id": 1}
        ]
        session.save()
