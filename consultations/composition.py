"""Whether a cell sits as the law composes it (Law of 30 July 2018): the mayor or their
representative (one per municipality for a joint cell), the chief of the local police or
their representative with a valid "secret" clearance, and the prevention officer; each seat
held by someone with an account, since only accounts open a meeting.

What is missing is told to the people preparing the meetings (chair, secretary, prevention
officer), not to every member: whether a clearance is valid is not everybody's business. It
blocks nothing (a cell short of a member still meets, and the access rules already keep out
whoever is not one).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from consultations import access
from consultations.access import CLEARED, MANDATORY_ROLES
from network.models import LegalRole, Post, Professional
from platforms.models import Membership, Platform

# a clearance ending within this many days is announced
CLEARANCE_NOTICE_DAYS = 60


def _cleared(post: Post, today: datetime.date) -> bool:
    return post.clearance in CLEARED and (
        post.clearance_expires_on is None or post.clearance_expires_on >= today
    )


def _fold(name: str) -> str:
    return name.strip().casefold()


def _gaps(cell: Platform, seats: list[Membership], today: datetime.date) -> list[str]:
    held: list[tuple[Post, Professional]] = [
        (seat.post, seat.post.holder)
        for seat in seats
        if seat.post is not None and seat.post.holder is not None
    ]
    by_role: dict[str, list[Post]] = defaultdict(list)
    for post, _holder in held:
        by_role[post.legal_role].append(post)
    found = []
    mayors = by_role[LegalRole.MAYOR]
    if cell.is_joint:
        covered = {_fold(post.organisation.municipality) for post in mayors}
        for name in cell.municipalities:
            if _fold(name) not in covered:
                found.append(
                    _("No mayor or representative of %(municipality)s sits in the cell.")
                    % {"municipality": name}
                )
    elif not mayors:
        found.append(_("No mayor or representative sits in the cell."))
    found += _police_gaps(by_role[LegalRole.POLICE_CHIEF], today)
    if not by_role[LegalRole.PREVENTION_OFFICER]:
        found.append(_("No prevention officer sits in the cell."))
    for _post, holder in held:
        if holder.user is None or not holder.user.is_active:
            found.append(
                _(
                    "%(name)s holds a seat but has no active account: an administrator must "
                    "create or enable it."
                )
                % {"name": holder.full_name}
            )
    return found


def _police_gaps(police: list[Post], today: datetime.date) -> list[str]:
    if not police:
        return [_("No chief of the local police or representative sits in the cell.")]
    cleared = [post for post in police if _cleared(post, today)]
    if not cleared:
        return [
            _(
                "The police member has no valid security clearance of level “secret”: they "
                "cannot open the cell's meetings."
            )
        ]
    ends = [post.clearance_expires_on for post in cleared]
    notice = today + datetime.timedelta(days=CLEARANCE_NOTICE_DAYS)
    if all(end is not None and end <= notice for end in ends):
        return [
            _(
                "The police member's security clearance ends within %(days)d days: ask for its "
                "renewal."
            )
            % {"days": CLEARANCE_NOTICE_DAYS}
        ]
    return []


def gaps_by_cell(cells: Iterable[Platform]) -> dict[int, list[str]]:
    """For each cell, what its composition lacks today (nothing: an empty list). One query."""
    cells = list(cells)
    today = timezone.localdate()
    seats: dict[int, list[Membership]] = defaultdict(list)
    rows = (
        Membership.objects.current(today)
        .filter(platform__in=cells, post__legal_role__in=MANDATORY_ROLES)
        .select_related("post__organisation", "post__holder__user")
        .order_by("id")
    )
    for seat in rows:
        seats[seat.platform_id].append(seat)
    return {cell.pk: _gaps(cell, seats[cell.pk], today) for cell in cells}


def gaps_told_to(user, cells: Iterable[Platform]) -> dict[int, list[str]]:
    """The gaps of the cells whose meetings `user` prepares; the other cells have none here."""
    return gaps_by_cell(cell for cell in cells if access.can_prepare(user, cell.pk))


def gaps(cell: Platform) -> list[str]:
    return gaps_by_cell([cell])[cell.pk]
