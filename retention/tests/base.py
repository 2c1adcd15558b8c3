"""Personas of the Retention module (STYLE.md 11), on top of the Cases ones.

The DPO of agency A (shared persona) and the DPO of agency B; Rachid, A's referral officer,
is not a DPO. Agency A coordinates the LIVC-R "livc-a"; agency B the LIVC-R "livc-b".
Helpers make closed files, decided referrals and held meetings at a chosen date.
"""

from __future__ import annotations

import datetime

from accounts.middleware import MFA_OK_KEY
from accounts.roles import Role
from cases.models import (
    CaseFile,
    FileStatus,
    Referral,
    ReferralStatus,
)
from cases.tests.base import CasePersonas, make_file, make_person
from consultations.models import AgendaCase, Meeting, Minutes
from core.testing import make_user
from platforms.models import Platform
from retention.models import ReviewItem, RuleKind


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=datetime.UTC)


class RetentionPersonas(CasePersonas):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.dpo_b = make_user("dpo@b.test", cls.org_b, Role.DPO, mfa=True)
        cls.cell = Platform.objects.create(
            key="livc-a", name={"en": "LIVC-R A"}, kind="livc_r", coordinator=cls.org_a
        )
        cls.cell_b = Platform.objects.create(
            key="livc-b", name={"en": "LIVC-R B"}, kind="livc_r", coordinator=cls.org_b
        )

    def login(self, user) -> None:
        self.client.force_login(user)
        session = self.client.session
        session[MFA_OK_KEY] = True
        session.save()

    # --- records at a date ------------------------------------------------------------

    def closed_file(self, name: str, closed_on: datetime.date, org=None, **extra) -> CaseFile:
        person = make_person(name, datetime.date(1990, 1, 1))
        file = make_file(person, org or self.org_a, self.officer, self.partner)
        CaseFile.objects.filter(pk=file.pk).update(
            status=FileStatus.CLOSED, closed_on=closed_on, **extra
        )
        file.refresh_from_db()
        return file

    def decided_referral(
        self, name: str, decided_on: datetime.date, status=ReferralStatus.NO_FURTHER_ACTION
    ) -> Referral:
        person = make_person(name, datetime.date(2000, 3, 3))
        return Referral.objects.create(
            person=person,
            organisation=self.org_a,
            source="organisation",
            concern="A concern",
            received_on=decided_on,
            status=status,
            decided_at=at(decided_on),
            created_by=self.partner,
        )

    def meeting(self, day: datetime.date, cell=None, person=None, minutes: str = "Minutes"):
        meeting = Meeting.objects.create(
            cell=cell or self.cell,
            starts_at=at(day, 9),
            ends_at=at(day, 11),
            location="Town hall",
            chair=self.officer,
            secretary=self.officer,
            created_by=self.officer,
        )
        if minutes:
            Minutes.objects.create(meeting=meeting, text=minutes, written_by=self.officer)
        if person is not None:
            AgendaCase.objects.create(
                meeting=meeting,
                person=person,
                position=1,
                presented_by=self.org_a,
                summary="Discussed",
                discussed=True,
            )
        return meeting

    def queue_item(self, file: CaseFile, **extra) -> ReviewItem:
        return ReviewItem.objects.create(
            kind=RuleKind.CLOSED_FILE,
            organisation_id=file.organisation_id,
            object_id=file.pk,
            file=file,
            due_since=file.closed_on or datetime.date(2020, 1, 1),
            **extra,
        )
