"""The clocks: which rule applies to an organisation's records, from which date a record's
clock runs, which records have reached the end of it, and which are held.

Each kind of record starts its clock on its own date:
- a referral closed with no further action, or redirected: the day it was decided;
- a closed case file: the day it was closed;
- the minutes of a case consultation: the day of the meeting (the cell's coordinating
  organisation keeps them, so its DPO reviews them);
- a help-desk contact: the help desk does not exist yet, so nothing is ever found.

A legal hold suspends removal (it does not lengthen the period: once lifted, a record whose
clock ran out meanwhile is queued at once): a hold on a file holds that file; a hold on a
person holds what the hold's organisation keeps on them (its file, its referrals), the person's own
record, and the consultations where they were discussed.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from cases.models import CaseFile, FileStatus, Referral, ReferralStatus
from consultations.models import Meeting
from retention.models import (
    DEFAULT_RULES,
    OPEN_STATUSES,
    LegalHold,
    RetentionRule,
    ReviewItem,
    RuleKind,
)

REFERRAL_STATUS: dict[str, str] = {
    RuleKind.REFERRAL_NO_FURTHER_ACTION: ReferralStatus.NO_FURTHER_ACTION,
    RuleKind.REFERRAL_REDIRECTED: ReferralStatus.REDIRECTED,
}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier, if negative), the last day of the month
    when it has no such day (31 January + 1 month = 28 or 29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


# --- Rules -------------------------------------------------------------------------------


def default_rule(organisation_id: int, kind: str, cell=None) -> RetentionRule:
    months, action = DEFAULT_RULES[kind]
    return RetentionRule(
        organisation_id=organisation_id, kind=kind, cell=cell, months=months, action=action
    )


class Rules:
    """The rules in force for a set of organisations: their own rows, the defaults for the
    rest. Read once (one query), asked per organisation, kind and cell."""

    def __init__(self, organisation_ids: Iterable[int]):
        self.rows: dict[tuple[int, str, int | None], RetentionRule] = {}
        rules = RetentionRule.objects.filter(organisation_id__in=list(organisation_ids))
        for rule in rules:
            self.rows[(rule.organisation_id, rule.kind, rule.cell_id)] = rule

    def get(self, organisation_id: int, kind: str, cell_id: int | None = None) -> RetentionRule:
        """The cell's own rule, else the organisation's, else the default."""
        if cell_id is not None and (organisation_id, kind, cell_id) in self.rows:
            return self.rows[(organisation_id, kind, cell_id)]
        return self.rows.get((organisation_id, kind, None)) or default_rule(organisation_id, kind)

    def cell_rules(self, organisation_id: int) -> list[RetentionRule]:
        return [
            rule
            for (org, kind, cell), rule in self.rows.items()
            if org == organisation_id and kind == RuleKind.CONSULTATION_MINUTES and cell
        ]


def rule_for_item(item: ReviewItem, rules: Rules) -> RetentionRule:
    cell_id = item.meeting.cell_id if item.meeting_id and item.meeting else None
    return rules.get(item.organisation_id, item.kind, cell_id)


# --- Holds -------------------------------------------------------------------------------


def _active_holds() -> QuerySet[LegalHold]:
    return LegalHold.objects.active()


def file_held(
    file_ref: str = "pk", person_ref: str = "person_id", org_ref: str = "organisation_id"
):
    """True for a file under a hold: on itself, or on its person by its organisation."""
    return Exists(_active_holds().filter(file_id=OuterRef(file_ref))) | Exists(
        _active_holds().filter(person_id=OuterRef(person_ref), organisation_id=OuterRef(org_ref))
    )


def referral_held(person_ref: str = "person_id", org_ref: str = "organisation_id"):
    """True for a referral whose person is held by the receiving organisation."""
    return Exists(
        _active_holds().filter(person_id=OuterRef(person_ref), organisation_id=OuterRef(org_ref))
    )


def meeting_held(meeting_ref: str = "pk"):
    """True for a meeting where a person under any active hold was discussed."""
    return Exists(_active_holds().filter(person__consultation_cases__meeting=OuterRef(meeting_ref)))


def item_held():
    """True for a queued record that a hold covers (whatever its kind)."""
    return (
        file_held("file_id", "file__person_id", "organisation_id")
        | referral_held("referral__person_id", "organisation_id")
        | meeting_held("meeting_id")
    )


def person_held():
    """True for a person under an active hold of any organisation."""
    return Exists(_active_holds().filter(person_id=OuterRef("pk")))


# --- Due records -------------------------------------------------------------------------


def due_files(organisation_id: int, cutoff: datetime.date) -> QuerySet[CaseFile]:
    """The organisation's files closed on or before `cutoff` (holds not considered)."""
    return CaseFile.objects.filter(
        organisation_id=organisation_id, status=FileStatus.CLOSED, closed_on__lte=cutoff
    )


def due_referrals(organisation_id: int, kind: str, cutoff: datetime.date) -> QuerySet[Referral]:
    """The organisation's referrals decided (redirected or closed) on or before `cutoff`.
    A referral decided without a recorded time counts from its receipt."""
    return Referral.objects.filter(
        organisation_id=organisation_id, status=REFERRAL_STATUS[kind], file__isnull=True
    ).filter(Q(decided_at__date__lte=cutoff) | Q(decided_at__isnull=True, received_on__lte=cutoff))


def meetings_with_content() -> QuerySet[Meeting]:
    """Meetings that still hold minutes or a discussion of a person."""
    from consultations.models import AgendaCase, Minutes

    return Meeting.objects.filter(
        Exists(Minutes.objects.filter(meeting=OuterRef("pk")))
        | Exists(AgendaCase.objects.filter(meeting=OuterRef("pk")))
    )


def due_meetings(
    organisation_id: int, cutoff: datetime.date, cells: Iterable[int] = (), exclude=()
) -> QuerySet[Meeting]:
    """Meetings on or before `cutoff` of the cells the organisation coordinates, that still
    hold minutes or discussions; `cells` narrows to some cells, `exclude` leaves some out
    (those with a rule of their own)."""
    meetings = meetings_with_content().filter(
        cell__coordinator_id=organisation_id, starts_at__date__lte=cutoff
    )
    cells = list(cells)
    if cells:
        meetings = meetings.filter(cell_id__in=cells)
    if exclude:
        meetings = meetings.exclude(cell_id__in=list(exclude))
    return meetings


def without_open_item(queryset: QuerySet, kind_values: Iterable[str], field: str) -> QuerySet:
    """Leave out records that already have an open review item."""
    open_items = ReviewItem.objects.filter(
        kind__in=list(kind_values), status__in=OPEN_STATUSES, **{field: OuterRef("pk")}
    )
    return queryset.filter(~Exists(open_items))


def clock_starts(kind: str, ids: list[int]) -> dict[int, tuple[datetime.date, int | None]]:
    """For records of a kind that still run their clock: the day it started, and the
    cell for minutes. A reopened file, a referral that changed its status or minutes
    already removed are left out."""
    if kind == RuleKind.CLOSED_FILE:
        files = CaseFile.objects.filter(pk__in=ids, status=FileStatus.CLOSED)
        return {pk: (closed, None) for pk, closed in files.values_list("pk", "closed_on") if closed}
    if kind in REFERRAL_STATUS:
        referrals = Referral.objects.filter(
            pk__in=ids, status=REFERRAL_STATUS[kind], file__isnull=True
        ).values_list("pk", "decided_at", "received_on")
        return {
            pk: (timezone.localdate(decided) if decided else received, None)
            for pk, decided, received in referrals
        }
    if kind == RuleKind.CONSULTATION_MINUTES:
        meetings = meetings_with_content().filter(pk__in=ids).order_by()
        return {
            pk: (timezone.localdate(starts), cell)
            for pk, starts, cell in meetings.values_list("pk", "starts_at", "cell_id")
        }
    return {}


def still_due(
    kind: str, records: list[tuple[int, int]], rules: Rules, today: datetime.date
) -> set[int]:
    """Of these (record id, organisation id) pairs, the records whose clock, under the
    rules in force today, has run out (holds not considered)."""
    starts = clock_starts(kind, [pk for pk, _org in records])
    due = set()
    for pk, organisation_id in records:
        if pk not in starts:
            continue
        start, cell = starts[pk]
        if add_months(start, rules.get(organisation_id, kind, cell).months) <= today:
            due.add(pk)
    return due
