"""Personas and data of the statistics tests.

On top of the shared personas (core/testing.py: plan coordinators of agencies A and B, a
contact point, a reader without role, a DPO, a directory editor): a municipal coordinator of
A and a referral officer of A. Records are made straight in the database: the statistics
read them, whoever wrote them.

The figures name the municipalities of the directory: Namur (the shared service of agency
A), and Liège and Gent, where the personas add an organisation (`place`).
"""

from __future__ import annotations

import datetime
import itertools

from django.test import override_settings

from accounts.middleware import MFA_OK_KEY
from accounts.roles import Role
from cases.models import CaseFile, Person, Referral
from core.testing import Personas, make_org, make_user
from figures import tables
from network.models import Organisation

_handles = itertools.count(1)


def make_person(born: datetime.date | None, municipality: str = "Namur") -> Person:
    return Person.objects.create(
        handle=f"TST-{next(_handles):05d}",
        full_name="Someone",
        date_of_birth=born,
        municipality=municipality,
    )


def place(municipality: str) -> Organisation:
    """An organisation of the directory in this municipality: the figures name it."""
    org = make_org(f"org-{next(_handles)}", f"Town hall of {municipality}")
    org.municipality = municipality
    org.save()
    return org


def adult_born(on: datetime.date) -> datetime.date:
    return on.replace(year=on.year - 40)


def minor_born(on: datetime.date) -> datetime.date:
    return on.replace(year=on.year - 15)


def make_referrals(
    org, user, count: int, on: datetime.date, *, municipality="Namur", born=None, **extra
) -> list[Referral]:
    """`count` referrals of as many persons, received on `on`."""
    referrals = []
    for _i in range(count):
        person = make_person(born if born is not None else adult_born(on), municipality)
        referrals.append(
            Referral.objects.create(
                person=person,
                organisation=org,
                source=extra.get("source", "professional"),
                concern="c",
                received_on=on,
                status=extra.get("status", "received"),
                created_by=user,
            )
        )
    return referrals


def make_files(org, manager, count: int, on: datetime.date, *, municipality="Namur", **extra):
    files = []
    for _i in range(count):
        person = make_person(adult_born(on), municipality)
        files.append(
            CaseFile.objects.create(
                person=person, organisation=org, manager=manager, opened_on=on, **extra
            )
        )
    return files


@override_settings(FIGURES_CACHE_SECONDS=0)
class FigurePersonas(Personas):
    """MC = municipal coordinator of agency A (needs a second factor), RO = referral officer
    of agency A: case work, no statistics."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.municipal = make_user(
            "municipal@a.test", cls.org_a, Role.MUNICIPAL_COORDINATOR, mfa=True
        )
        cls.officer = make_user("officer@a.test", cls.org_a, Role.REFERRAL_OFFICER, mfa=True)
        for municipality in ("Liège", "Gent"):
            place(municipality)

    def setUp(self):
        super().setUp()
        tables.clear_cache()

    def login(self, user) -> None:
        self.client.force_login(user)
        session = self.client.session
        session[MFA_OK_KEY] = True
        session.save()
