"""Writes of the Retention module, each audited in its own transaction: the DPO's rules,
legal holds and decisions on the review queue, and the scheduled job that fills the queue
and removes what was approved (docs/retention.md).

Callers check access first (retention/access.py); these functions check the rules of the
data itself and raise ValidationError.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import EventData, record, record_many
from cases.models import CaseFile, FileStatus, Person, Referral
from consultations.models import Meeting
from retention import clock, purge
from retention.access import subject_of
from retention.models import (
    DEFAULT_RULES,
    MAX_MONTHS,
    OPEN_STATUSES,
    LegalHold,
    RetentionRule,
    RetentionRun,
    ReviewItem,
    ReviewStatus,
    RuleAction,
    RuleKind,
)

CHUNK = 500
MAX_EXTENSION_YEARS = 10

# where each kind of record is found, and which review item field points at it
QUEUED_FIELD: dict[str, str] = {
    RuleKind.CLOSED_FILE: "file",
    RuleKind.REFERRAL_NO_FURTHER_ACTION: "referral",
    RuleKind.REFERRAL_REDIRECTED: "referral",
    RuleKind.CONSULTATION_MINUTES: "meeting",
}
REMOVERS: dict[str, Callable[[list[int], set[int]], purge.Removal]] = {
    RuleKind.CLOSED_FILE: purge.remove_files,
    RuleKind.REFERRAL_NO_FURTHER_ACTION: purge.remove_referrals,
    RuleKind.REFERRAL_REDIRECTED: purge.remove_referrals,
    RuleKind.CONSULTATION_MINUTES: purge.remove_minutes,
}


# --- Rules -------------------------------------------------------------------------------


def _check_rule(data: dict) -> None:
    months = data.get("months")
    if not isinstance(months, int) or not 1 <= months <= MAX_MONTHS:
        raise ValidationError(
            {"months": _("Give a number of months between 1 and %(max)s.") % {"max": MAX_MONTHS}}
        )
    if data.get("action") not in RuleAction.values:
        raise ValidationError({"action": _("Choose what happens at the end of the clock.")})


def change_rule(organisation, kind: str, data: dict, *, actor: User, cell=None) -> RetentionRule:
    """Set how long the organisation keeps a kind of record (for one cell, for minutes)
    and what happens then. Audited as retention.rule.changed with the old and new values."""
    if kind not in DEFAULT_RULES:
        raise ValidationError({"kind": _("Unknown kind of record.")})
    if cell is not None and kind != RuleKind.CONSULTATION_MINUTES:
        raise ValidationError({"cell": _("Only minutes have a rule per cell.")})
    _check_rule(data)
    with transaction.atomic():
        rule = (
            RetentionRule.objects.select_for_update()
            .filter(organisation=organisation, kind=kind, cell=cell)
            .first()
        )
        if rule is None:
            inherited = clock.Rules([organisation.pk]).get(
                organisation.pk, kind, cell.pk if cell else None
            )
            before = (inherited.months, inherited.action)
            rule = RetentionRule(organisation=organisation, kind=kind, cell=cell)
        else:
            before = (rule.months, rule.action)
        after = (data["months"], data["action"])
        if rule.pk is not None and before == after:
            return rule
        rule.months, rule.action = after
        rule.updated_by = actor
        rule.updated_at = timezone.now()
        rule.save()
        record(
            "retention.rule.changed",
            actor=actor,
            target=rule,
            changes={
                "kind": [kind, kind],
                "cell": [cell.pk if cell else None] * 2,
                "months": [before[0], after[0]],
                "action": [before[1], after[1]],
            },
        )
    return rule


def remove_cell_rule(rule: RetentionRule, *, actor: User) -> None:
    """The cell follows its organisation's rule for minutes again."""
    with transaction.atomic():
        inherited = clock.Rules([rule.organisation_id]).get(rule.organisation_id, rule.kind)
        record(
            "retention.rule.changed",
            actor=actor,
            target=rule,
            changes={
                "kind": [rule.kind, rule.kind],
                "cell": [rule.cell_id, None],
                "months": [rule.months, inherited.months],
                "action": [rule.action, inherited.action],
            },
        )
        rule.delete()


# --- Legal holds -------------------------------------------------------------------------


def _lock_queued(person: Person, file: CaseFile | None) -> None:
    """Lock the open review items the hold will cover, so that the job, which locks
    them before it looks for holds, either sees this hold or has finished first."""
    if file is not None:
        covered = Q(file=file)
    else:
        covered = Q(file__person=person) | Q(referral__person=person)
        covered |= Q(meeting__cases__person=person)
    items = ReviewItem.objects.select_for_update(of=("self",)).filter(
        covered, status__in=OPEN_STATUSES
    )
    list(items.values_list("pk", flat=True))


def place_hold(*, actor: User, person: Person, file: CaseFile | None, reason: str) -> LegalHold:
    """Stop the clocks of the organisation's file on the person (`file`), or of
    everything the organisation holds on them (`file` None)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the hold.")})
    organisation_id = actor.organisation_id
    with transaction.atomic():
        _lock_queued(person, file)
        # checked once the queue is locked: the job may have just removed the record
        if file is not None and not CaseFile.objects.filter(pk=file.pk).exists():
            raise ValidationError(_("This file has just been removed."))
        if not Person.objects.filter(pk=person.pk).exists():
            raise ValidationError(_("This person's records have just been removed."))
        same = LegalHold.objects.active().filter(organisation_id=organisation_id)
        if same.filter(file=file, person=None if file else person).exists():
            raise ValidationError(_("A hold is already in place."))
        try:
            with transaction.atomic():
                hold = LegalHold.objects.create(
                    organisation_id=organisation_id,
                    file=file,
                    person=None if file else person,
                    reason=reason,
                    placed_by=actor,
                )
        except IntegrityError as error:
            raise ValidationError(_("This record has just been removed.")) from error
        record(
            "retention.hold.placed",
            actor=actor,
            target=hold,
            subject=person.uuid,
            changes={"scope": [None, "file" if file else "person"]},
        )
    return hold


def lift_hold(hold: LegalHold, *, actor: User, reason: str) -> LegalHold:
    """The clocks run again; what is overdue is queued at the next run."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for lifting the hold.")})
    with transaction.atomic():
        hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
        if hold.lifted_at is not None:
            raise ValidationError(_("This hold has already been lifted."))
        hold.lifted_at = timezone.now()
        hold.lifted_by = actor
        hold.lift_reason = reason
        hold.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        person = hold.person or hold.file.person  # type: ignore[union-attr]
        record("retention.hold.lifted", actor=actor, target=hold, subject=person.uuid)
    return hold


# --- Decisions on the queue --------------------------------------------------------------


def approve(items: Iterable[ReviewItem], *, actor: User) -> tuple[int, list[ReviewItem]]:
    """Approve the removal of pending items, each following its rule's action as it
    stands now. Items not pending or under a legal hold are left as they are and
    returned. Items must come with `held` (access.visible_items)."""
    items = list(items)
    approved, skipped = 0, []
    with transaction.atomic():
        locked = {
            item.pk: item
            for item in ReviewItem.objects.select_for_update(of=("self",))
            .filter(pk__in=[i.pk for i in items])
            .annotate(held=clock.item_held())
        }
        rules = clock.Rules({item.organisation_id for item in items})
        now = timezone.now()
        for item in items:
            current = locked.get(item.pk)
            if current is None or current.status != ReviewStatus.PENDING or current.held:
                skipped.append(item)
                continue
            cell = item.meeting.cell_id if item.meeting_id and item.meeting else None
            action = rules.get(item.organisation_id, item.kind, cell).action
            ReviewItem.objects.filter(pk=item.pk).update(
                status=ReviewStatus.APPROVED, action=action, decided_by=actor, decided_at=now
            )
            item.status, item.action = ReviewStatus.APPROVED, action
            record(
                "retention.review.approved",
                actor=actor,
                target=item,
                subject=subject_of(item),
                changes={
                    "status": [ReviewStatus.PENDING, ReviewStatus.APPROVED],
                    "action": [None, action],
                },
            )
            approved += 1
    return approved, skipped


def extend(item: ReviewItem, *, until: datetime.date, reason: str, actor: User) -> ReviewItem:
    """Keep the record until `until`, for the reason given; it comes back to the queue
    on that day."""
    reason = reason.strip()
    today = timezone.localdate()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for keeping the record longer.")})
    if until <= today or until > clock.add_months(today, 12 * MAX_EXTENSION_YEARS):
        message = _("Choose a date after today, within %(years)s years.")
        raise ValidationError({"until": message % {"years": MAX_EXTENSION_YEARS}})
    with transaction.atomic():
        current = ReviewItem.objects.select_for_update().get(pk=item.pk)
        if current.status not in (ReviewStatus.PENDING, ReviewStatus.APPROVED):
            raise ValidationError(_("This record is not waiting for a decision."))
        old = current.status
        current.status = ReviewStatus.EXTENDED
        current.extended_until = until
        current.extension_reason = reason
        current.decided_by = actor
        current.decided_at = timezone.now()
        current.save(
            update_fields=[
                "status",
                "extended_until",
                "extension_reason",
                "decided_by",
                "decided_at",
            ]
        )
        record(
            "retention.review.extended",
            actor=actor,
            target=current,
            subject=subject_of(item),
            changes={
                "status": [old, ReviewStatus.EXTENDED],
                "extended_until": [None, until.isoformat()],
            },
        )
    return current


# --- The scheduled job -------------------------------------------------------------------


def run_retention(*, today: datetime.date | None = None, chunk: int = CHUNK) -> RetentionRun:
    """The whole job: queue what reached the end of its clock, then remove what the
    DPOs approved. Safe to run again at any time; each chunk is one transaction."""
    missing = purge.unhandled_relations()
    if missing:
        raise ImproperlyConfigured("retention: unhandled relations: " + ", ".join(missing))
    today = today or timezone.localdate()
    run = RetentionRun.objects.create()
    queued = queue_due(today=today, chunk=chunk)
    executed = execute_approved(today=today, chunk=chunk)
    run.queued = queued["queued"]
    run.cancelled = queued["cancelled"] + executed.cancelled
    run.executed = executed.executed
    run.held = executed.held
    run.removed = dict(executed.rows)
    run.finished_at = timezone.now()
    run.save()
    record(
        "retention.run",
        target=run,
        changes={
            "queued": [None, run.queued],
            "executed": [None, run.executed],
            "cancelled": [None, run.cancelled],
            "held": [None, run.held],
        },
    )
    return run


def _organisations() -> set[int]:
    """Organisations with records that may have a clock running, or items open."""
    found: set[int] = set()
    found.update(
        CaseFile.objects.filter(status=FileStatus.CLOSED)
        .order_by()
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    found.update(
        Referral.objects.filter(status__in=clock.REFERRAL_STATUS.values())
        .order_by()
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    found.update(
        Meeting.objects.order_by().values_list("cell__coordinator_id", flat=True).distinct()
    )
    found.update(
        ReviewItem.objects.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    return found


def queue_due(*, today: datetime.date, chunk: int = CHUNK) -> Counter:
    """Put the records at the end of their clock in the review queue (once each; held
    ones not), bring back extended items whose date came, and cancel open items whose
    record is no longer due (a file reopened, a rule made longer)."""
    counts: Counter = Counter()
    with transaction.atomic():
        counts["returned"] = ReviewItem.objects.filter(
            status=ReviewStatus.EXTENDED, extended_until__lte=today
        ).update(status=ReviewStatus.PENDING, due_since=F("extended_until"))
    organisations = _organisations()
    rules = clock.Rules(organisations)
    since_analyze = 0
    for organisation_id in sorted(organisations):
        for kind, rows in _due_records(organisation_id, rules, today):
            queued = _queue(kind, organisation_id, rows, chunk)
            counts["queued"] += queued
            since_analyze += queued
        if since_analyze >= ANALYZE_EVERY:
            _analyze_queue()
            since_analyze = 0
    counts["cancelled"] = _cancel_no_longer_due(rules, today, chunk)
    return counts


# After this many new items, refresh PostgreSQL's statistics of the queue: a queue that
# grew from empty within one run is otherwise taken for empty, and the "already queued"
# check of the next organisations turns into a nested loop over the whole queue (measured:
# 6 s per organisation at 135,000 items, against milliseconds with statistics).
ANALYZE_EVERY = 5_000


def _analyze_queue() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE retention_reviewitem")


def _due_records(organisation_id: int, rules: clock.Rules, today: datetime.date):
    """(kind, rows of (record id, due since)) for each kind, without held records and
    records already queued."""
    rule = rules.get(organisation_id, RuleKind.CLOSED_FILE)
    files = clock.due_files(organisation_id, clock.add_months(today, -rule.months))
    files = clock.without_open_item(files, [RuleKind.CLOSED_FILE], "file").exclude(
        clock.file_held()
    )
    yield RuleKind.CLOSED_FILE, _file_rows(files, rule.months)
    for kind in clock.REFERRAL_STATUS:
        rule = rules.get(organisation_id, kind)
        cutoff = clock.add_months(today, -rule.months)
        referrals = clock.due_referrals(organisation_id, kind, cutoff)
        referrals = clock.without_open_item(referrals, clock.REFERRAL_STATUS, "referral").exclude(
            clock.referral_held()
        )
        yield (kind, _referral_rows(referrals, rule.months))
    minutes = RuleKind.CONSULTATION_MINUTES
    own = rules.cell_rules(organisation_id)
    # the organisation's rule for its cells without one of their own, then each cell's
    groups: list[tuple[RetentionRule, list[int], list[int]]] = [
        (rules.get(organisation_id, minutes), [], [r.cell_id for r in own if r.cell_id])
    ]
    groups += [(rule, [rule.cell_id], []) for rule in own if rule.cell_id]
    for rule, cells, exclude in groups:
        meetings = clock.due_meetings(
            organisation_id, clock.add_months(today, -rule.months), cells=cells, exclude=exclude
        )
        meetings = clock.without_open_item(meetings, [minutes], "meeting").exclude(
            clock.meeting_held()
        )
        starts = meetings.order_by().values_list("pk", "starts_at").iterator(chunk_size=CHUNK)
        rows = (
            (pk, clock.add_months(timezone.localdate(start), rule.months)) for pk, start in starts
        )
        yield (minutes, rows)


def _file_rows(files, months: int) -> Iterator[tuple[int, datetime.date]]:
    for pk, closed in files.values_list("pk", "closed_on").iterator(chunk_size=CHUNK):
        if closed is not None:
            yield pk, clock.add_months(closed, months)


def _referral_rows(referrals, months: int) -> Iterator[tuple[int, datetime.date]]:
    for pk, decided, received in referrals.values_list("pk", "decided_at", "received_on").iterator(
        chunk_size=CHUNK
    ):
        start = timezone.localdate(decided) if decided else received
        yield pk, clock.add_months(start, months)


def _queue(kind: str, organisation_id: int, rows, chunk: int) -> int:
    """Insert review items for the rows, `chunk` at a time."""
    field = QUEUED_FIELD[kind] + "_id"
    count, batch = 0, []
    for pk, due in rows:
        batch.append(
            ReviewItem(
                kind=kind,
                organisation_id=organisation_id,
                object_id=pk,
                due_since=due,
                **{field: pk},
            )
        )
        if len(batch) >= chunk:
            count += _insert(batch)
            batch = []
    return count + _insert(batch)


def _insert(batch: list[ReviewItem]) -> int:
    if not batch:
        return 0
    with transaction.atomic():
        # a run going on at the same time may have queued some: the index keeps one each
        ReviewItem.objects.bulk_create(batch, ignore_conflicts=True)
    return len(batch)


def _cancel_no_longer_due(rules: clock.Rules, today: datetime.date, chunk: int) -> int:
    """Open items (not extended) whose record no longer runs out its clock."""
    cancelled, last = 0, 0
    waiting = ReviewItem.objects.filter(
        status__in=(ReviewStatus.PENDING, ReviewStatus.APPROVED)
    ).order_by("pk")
    while True:
        page = waiting.filter(pk__gt=last)
        rows = list(page.values_list("pk", "kind", "object_id", "organisation_id")[:chunk])
        if not rows:
            return cancelled
        last = rows[-1][0]
        stale = _not_due(rows, rules, today)
        if stale:
            with transaction.atomic():
                cancelled += ReviewItem.objects.filter(
                    pk__in=stale, status__in=(ReviewStatus.PENDING, ReviewStatus.APPROVED)
                ).update(status=ReviewStatus.CANCELLED)


def _not_due(rows, rules: clock.Rules, today: datetime.date) -> list[int]:
    """The item ids among (item id, kind, record id, organisation id) whose record is not
    due any more."""
    by_kind: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for pk, kind, object_id, organisation_id in rows:
        by_kind[kind].append((pk, object_id, organisation_id))
    stale = []
    for kind, entries in by_kind.items():
        due = clock.still_due(kind, [(o, org) for _pk, o, org in entries], rules, today)
        stale += [pk for pk, object_id, _org in entries if object_id not in due]
    return stale


@dataclass
class Executed:
    """What removing the approved records did."""

    executed: int = 0
    cancelled: int = 0
    held: int = 0
    rows: Counter = field(default_factory=Counter)  # rows removed per table


def execute_approved(*, today: datetime.date, chunk: int = CHUNK) -> Executed:
    """Remove the records of approved items, `chunk` items per transaction. Items under a
    legal hold stay approved for a later run; items no longer due are cancelled."""
    counts = Executed()
    last = 0
    while True:
        with transaction.atomic():
            ids = list(
                ReviewItem.objects.select_for_update(of=("self",))
                .filter(status=ReviewStatus.APPROVED, pk__gt=last)
                .order_by("pk")
                .values_list("pk", flat=True)[:chunk]
            )
            if not ids:
                return counts
            last = ids[-1]
            _execute_chunk(ids, today, counts)


def _execute_chunk(ids: list[int], today: datetime.date, counts: Executed) -> None:
    # Holds are read after the items are locked: see place_hold.
    items = list(
        ReviewItem.objects.filter(pk__in=ids, status=ReviewStatus.APPROVED)
        .annotate(held=clock.item_held())
        .order_by("pk")
    )
    rules = clock.Rules({item.organisation_id for item in items})
    held = [item for item in items if item.held]
    counts.held += len(held)
    ready = [item for item in items if not item.held]
    records = [(i.pk, i.kind, i.object_id, i.organisation_id) for i in ready]
    stale = set(_not_due(records, rules, today))
    if stale:
        counts.cancelled += ReviewItem.objects.filter(pk__in=stale).update(
            status=ReviewStatus.CANCELLED
        )
    by_kind: dict[str, list] = defaultdict(list)
    for one in ready:
        if one.pk not in stale:
            by_kind[one.kind].append(one)
    residue: Counter = Counter()
    blobs: list[str] = []
    events: list[EventData] = []
    for kind, kind_items in by_kind.items():
        anonymise = {i.object_id for i in kind_items if i.action == RuleAction.ANONYMISE}
        removal = REMOVERS[kind]([i.object_id for i in kind_items], anonymise)
        residue.update(removal.residue)
        blobs += removal.blobs
        action_of = {item.object_id: item.action for item in kind_items}
        freed: dict[int, Counter] = defaultdict(Counter)
        for person, cause in removal.person_cause.items():
            freed[cause].update(removal.persons[person])
            events.append(
                _purged(
                    ("cases.person", person),
                    removal.person_subjects[person],
                    kind,
                    removal.persons[person],
                    action_of[cause],
                )
            )
        for item in kind_items:
            rows = removal.rows.get(item.object_id, Counter())
            item.removed = dict(rows + freed.get(item.object_id, Counter()))
            subject = removal.subjects.get(item.object_id, "")
            target = (item.target_type, item.object_id)
            events.append(_purged(target, subject, kind, item.removed, item.action))
            counts.rows.update(item.removed)
        done = ReviewItem.objects.filter(pk__in=[item.pk for item in kind_items])
        # the reason for an extension may speak of the person
        done.update(status=ReviewStatus.DONE, executed_at=timezone.now(), extension_reason="")
        ReviewItem.objects.bulk_update(kind_items, ["removed"])
        counts.executed += len(kind_items)
    record_many(events)
    purge.add_residue(residue)
    purge.delete_blobs_on_commit(blobs)


def _purged(target: tuple[str, int], subject: str, kind: str, rows, action: str) -> EventData:
    """The audit event of one removed record: its type and id, the rows removed per table,
    the action; written with the chunk's others in one INSERT (audit.services.record_many)."""
    return {
        "action": "retention.purged",
        "target": target,
        "subject": subject,
        "reason": kind,
        "changes": {"removed": [None, dict(rows)], "action": [None, action]},
    }
