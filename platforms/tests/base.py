"""Platforms shared by the tests of this app, on top of the personas."""

from __future__ import annotations

import datetime

from django.utils import timezone

from core.testing import Personas
from platforms.models import (
    ActionItem,
    AgendaItem,
    Decision,
    Meeting,
    MeetingStatus,
    Membership,
    Platform,
)

SINCE = datetime.date(2020, 1, 1)


def make_meeting(platform: Platform, title: str, days: int, **extra) -> Meeting:
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days)
    return Meeting.objects.create(
        platform=platform,
        title={"en": title},
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        **extra,
    )


class PlatformCase(Personas):
    """A public regional platform coordinated by agency A, where A chairs and B sits through
    its vacant post; an LIVC-R coordinated by A, where A sits through Rita's post and B's
    membership has ended; the LIVC-R held a meeting (minutes, a decision, an open action)
    and plans another."""

    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.public = Platform.objects.create(
            key="flemish",
            name={"en": "Flemish platform"},
            kind="regional",
            coordinator=cls.org_a,
            is_public=True,
        )
        Membership.objects.create(
            platform=cls.public, organisation=cls.org_a, role="chair", starts_on=SINCE
        )
        Membership.objects.create(
            platform=cls.public, organisation=cls.org_b, post=cls.private_post_b, starts_on=SINCE
        )
        cls.livc = Platform.objects.create(
            key="livc", name={"en": "LIVC-R of A"}, kind="livc_r", coordinator=cls.org_a
        )
        cls.seat = Membership.objects.create(
            platform=cls.livc, organisation=cls.org_a, post=cls.post_a, starts_on=SINCE
        )
        Membership.objects.create(
            platform=cls.livc,
            organisation=cls.org_b,
            starts_on=SINCE,
            ends_on=datetime.date(2021, 1, 1),
        )
        cls.held = make_meeting(
            cls.livc,
            "Working arrangements",
            -30,
            status=MeetingStatus.HELD,
            minutes="We read the charter again.",
        )
        AgendaItem.objects.create(meeting=cls.held, position=1, title="The charter")
        Decision.objects.create(meeting=cls.held, text="We meet every quarter.")
        cls.action = ActionItem.objects.create(
            meeting=cls.held, title="Send the charter round", owner=cls.org_a
        )
        cls.upcoming = make_meeting(cls.livc, "Quarterly meeting", 21, location="Town hall")
