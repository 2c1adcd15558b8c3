"""Personas of the Consultations module, on top of the Cases ones.

Namur's cell (LIVC-R): Mireille the mayor's representative (chair of the cell), Paul the
police member with a valid "secret" clearance, Véra the prevention officer (secretary).
Liège's cell has its own police member, Lucien. Bert (partner of agency B) is invited for
Pat's case at the meeting that started an hour ago; Quinn is the other case on its agenda.
Agency A shared something about Pat and Quinn with Namur's cell.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.roles import Role
from cases.models import Contribution, LegalBasis
from cases.tests.base import CasePersonas, make_file, make_person
from consultations.models import AgendaCase, Attendance, Invitation, Meeting, Seat
from core.testing import make_org, make_post, make_user
from network.models import PostKind, Professional
from platforms.models import Membership, Platform


def seat_post(org, kind, user, legal_role: str, **extra):
    holder = Professional.objects.create(full_name=user.full_name, email=user.email, user=user)
    return make_post(org, kind, holder, legal_role=legal_role, **extra)


def make_cell(key: str, coordinator, municipality: str) -> Platform:
    return Platform.objects.create(
        key=key, name={"en": key}, kind="livc_r", municipality=municipality, coordinator=coordinator
    )


def share(file, author, text: str, cell) -> Contribution:
    return Contribution.objects.create(
        person=file.person,
        file=file,
        author=author,
        kind="summary",
        text=text,
        legal_basis=LegalBasis.CASE_CONSULTATION,
        purpose="Consultation",
        to_livc=cell,
    )


class ConsultationPersonas(CasePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.city = make_org("city", "City of Namur")
        cls.police_zone = make_org("police", "Police Namur")
        livc = PostKind.objects.create(key="livc-member", name={"en": "LIVC-R member"})
        cls.mayor = make_user("mayor@city.test", cls.city, Role.LIVC_MEMBER, mfa=True)
        cls.police = make_user("police@police.test", cls.police_zone, Role.LIVC_MEMBER, mfa=True)
        cls.prevention = make_user(
            "prevention@city.test", cls.city, Role.MUNICIPAL_COORDINATOR, mfa=True
        )
        cls.mayor_post = seat_post(cls.city, livc, cls.mayor, "mayor")
        cls.police_post = seat_post(
            cls.police_zone,
            livc,
            cls.police,
            "police_chief",
            clearance="secret",
            clearance_expires_on=datetime.date(2099, 1, 1),
        )
        cls.prevention_post = seat_post(cls.city, livc, cls.prevention, "prevention_officer")
        cls.cell = make_cell("namur-livc", cls.city, "Namur")
        since = datetime.date(2020, 1, 1)
        for post, role in (
            (cls.mayor_post, "chair"),
            (cls.police_post, "member"),
            (cls.prevention_post, "secretary"),
        ):
            Membership.objects.create(
                platform=cls.cell,
                organisation=post.organisation,
                post=post,
                role=role,
                starts_on=since,
            )
        liege = make_org("liege-police", "Police Liège")
        cls.police_other = make_user("police@liege.test", liege, Role.LIVC_MEMBER, mfa=True)
        other_post = seat_post(
            liege,
            livc,
            cls.police_other,
            "police_chief",
            clearance="secret",
            clearance_expires_on=datetime.date(2099, 1, 1),
        )
        cls.other_cell = make_cell("liege-livc", liege, "Liège")
        Membership.objects.create(
            platform=cls.other_cell, organisation=liege, post=other_post, starts_on=since
        )

        cls.quinn = make_person("Quinn Sample", datetime.date(1985, 3, 3))
        cls.quinn_file = make_file(cls.quinn, cls.org_a, cls.officer)
        cls.pat_shared = share(cls.file, cls.officer, "Pat left school in March.", cls.cell)
        cls.quinn_shared = share(cls.quinn_file, cls.officer, "Quinn moved twice.", cls.cell)

        now = timezone.now()
        cls.meeting = Meeting.objects.create(
            cell=cls.cell,
            starts_at=now - datetime.timedelta(hours=1),
            ends_at=now + datetime.timedelta(hours=1),
            location="Town hall",
            chair=cls.mayor,
            secretary=cls.prevention,
            created_by=cls.prevention,
        )
        for user, org, role in (
            (cls.mayor, cls.city, "mayor"),
            (cls.police, cls.police_zone, "police_chief"),
            (cls.prevention, cls.city, "prevention_officer"),
        ):
            Attendance.objects.create(
                meeting=cls.meeting, user=user, organisation=org, seat=Seat.MEMBER, legal_role=role
            )
        cls.pat_case = AgendaCase.objects.create(
            meeting=cls.meeting, person=cls.person, position=1, presented_by=cls.org_a
        )
        cls.quinn_case = AgendaCase.objects.create(
            meeting=cls.meeting, person=cls.quinn, position=2, presented_by=cls.org_a
        )
        Invitation.objects.create(
            case=cls.pat_case,
            user=cls.partner_b,
            reason="Keeps B's file",
            invited_by=cls.prevention,
        )
        cls.invited_seat = Attendance.objects.create(
            meeting=cls.meeting, user=cls.partner_b, organisation=cls.org_b, seat=Seat.INVITED
        )

    def sign(self, user=None):
        seat = Attendance.objects.get(meeting=self.meeting, user=user or self.partner_b)
        seat.declaration_signed_at = timezone.now()
        seat.declaration_version = "2026-1"
        seat.save()
