"""Who sees and does what in the Retention module. Every read path goes through here.

- The data protection officer (audit.view_audit_log) of an organisation sets its rules,
  reviews its records at the end of their clock, places and lifts its legal holds, and
  reads the history of removals. Nobody else does: 403 for other users, 404 for what
  belongs to another organisation (its DPO included).
- The queue shows a record under its person's handle, never its content; each list
  records which persons it showed.
- Whether a file is under a legal hold is for anyone who may see the file
  (`active_hold`, `holds_for_files`): the case team sees the badge.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from audit.services import record
from cases.access import dpo_persons, is_dpo
from cases.models import CaseFile, Person
from platforms.models import Platform, PlatformKind
from retention import clock
from retention.models import LegalHold, RetentionRule, ReviewItem


def require_dpo(user) -> None:
    """403 for a signed-in user who is not a data protection officer."""
    if not is_dpo(user):
        raise PermissionDenied


def can_manage_retention(user) -> bool:
    return is_dpo(user)


# --- Rules -------------------------------------------------------------------------------


def own_rules(user) -> QuerySet[RetentionRule]:
    if not is_dpo(user):
        return RetentionRule.objects.none()
    return RetentionRule.objects.filter(organisation_id=user.organisation_id)


def own_cells(user) -> QuerySet[Platform]:
    """The LIVC-Rs the DPO's organisation coordinates: it keeps their minutes."""
    if not is_dpo(user):
        return Platform.objects.none()
    return Platform.objects.filter(kind=PlatformKind.LIVC_R, coordinator_id=user.organisation_id)


def get_cell_for_dpo(user, key: str) -> Platform:
    require_dpo(user)
    cell = own_cells(user).filter(key=key).first()
    if cell is None:
        raise Http404
    return cell


def get_cell_rule_for_dpo(user, key: str) -> RetentionRule:
    cell = get_cell_for_dpo(user, key)
    rule = own_rules(user).filter(cell=cell).select_related("cell").first()
    if rule is None:
        raise Http404
    return rule


# --- The review queue --------------------------------------------------------------------


def visible_items(user) -> QuerySet[ReviewItem]:
    """The review items of the DPO's organisation, with what a list shows of them and
    whether a hold covers them (`held`)."""
    if not is_dpo(user):
        return ReviewItem.objects.none()
    return (
        ReviewItem.objects.filter(organisation_id=user.organisation_id)
        .select_related("file__person", "referral__person", "meeting__cell", "decided_by")
        .annotate(held=clock.item_held())
    )


def get_item_for_dpo(user, item_uuid, action: str) -> ReviewItem:
    """One review item of the DPO's organisation, its read audited as `action`."""
    require_dpo(user)
    item = visible_items(user).filter(uuid=item_uuid).first()
    if item is None:
        raise Http404
    record(action, actor=user, target=item, subject=subject_of(item))
    return item


def subject_of(item: ReviewItem) -> str:
    """The person a review item concerns (their uuid), for the disclosure log; none for
    minutes, which concern a meeting."""
    if item.file_id and item.file:
        return str(item.file.person.uuid)
    if item.referral_id and item.referral:
        return str(item.referral.person.uuid)
    return ""


# --- Legal holds -------------------------------------------------------------------------


def visible_holds(user) -> QuerySet[LegalHold]:
    if not is_dpo(user):
        return LegalHold.objects.none()
    return LegalHold.objects.filter(organisation_id=user.organisation_id).select_related(
        "file__person", "person", "placed_by", "lifted_by"
    )


def get_hold_for_dpo(user, hold_uuid, action: str) -> LegalHold:
    require_dpo(user)
    hold = visible_holds(user).filter(uuid=hold_uuid).first()
    if hold is None:
        raise Http404
    person = hold.person or hold.file.person  # type: ignore[union-attr]
    record(action, actor=user, target=hold, subject=person.uuid)
    return hold


def find_person_for_hold(user, handle: str) -> tuple[Person | None, CaseFile | None]:
    """The person with this handle among those the DPO's organisation holds a file or a
    referral on, and the organisation's file on them if there is one."""
    handle = handle.strip().upper()
    person = dpo_persons(user).filter(handle=handle).first() if handle else None
    if person is None:
        return None, None
    file = CaseFile.objects.filter(person=person, organisation_id=user.organisation_id).first()
    return person, file


def active_hold(file: CaseFile) -> LegalHold | None:
    """The active hold on this file (on it, or on its person by its organisation)."""
    return (
        LegalHold.objects.active()
        .filter(Q(file=file) | Q(person_id=file.person_id, organisation_id=file.organisation_id))
        .order_by("placed_at", "pk")
        .first()
    )


def holds_for_files(files: Iterable[CaseFile]) -> dict[int, LegalHold]:
    """File id -> its active hold, for the files of a list that have one (one query)."""
    files = list(files)
    if not files:
        return {}
    holds = LegalHold.objects.active().filter(
        Q(file__in=[f.pk for f in files]) | Q(person__in={f.person_id for f in files})
    )
    found: dict[int, LegalHold] = {}
    for hold in holds.order_by("-placed_at", "-pk"):
        for file in files:
            on_file = hold.file_id == file.pk
            on_person = (
                hold.person_id == file.person_id and hold.organisation_id == file.organisation_id
            )
            if on_file or on_person:
                found[file.pk] = hold
    return found
