"""Who sees and does what in the action-plan monitor.

Adopted and closed plans are public. Drafts are visible to the owner organisation only.
Coordinating needs the capability plans.coordinate_plans and membership of the owner
organisation; reporting needs plans.report_progress and membership of the measure's
reporting organisation.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from core.queries import unique_or_none
from plans.models import (
    ItemKind,
    Plan,
    PlanItem,
    PlanStatus,
    ProgressUpdate,
    ReportingRound,
    RoundStatus,
    UpdateState,
)

PUBLIC_STATUSES = (PlanStatus.ADOPTED, PlanStatus.CLOSED)


def visible_plans(user):
    """Public plans for everyone; the user's own organisation's drafts too."""
    public = Q(status__in=PUBLIC_STATUSES)
    if not user.is_authenticated:
        return Plan.objects.filter(public)
    return Plan.objects.filter(public | Q(owner_id=user.organisation_id))


def get_plan_for_user(user, slug: str) -> Plan:
    """The plan, or 404 when it does not exist or is out of the user's scope."""
    plan = unique_or_none(visible_plans(user).select_related("owner").filter(slug=slug))
    if plan is None:
        raise Http404
    return plan


def can_create_plan(user) -> bool:
    """Coordinators create plans for their own organisation."""
    return bool(user.is_authenticated and user.has_perm("plans.coordinate_plans"))


def can_coordinate_plan(user, plan: Plan) -> bool:
    """Coordinators of the plan's owner organisation."""
    if not user.is_authenticated:
        return False
    if not user.has_perm("plans.coordinate_plans"):
        return False
    return plan.owner_id == user.organisation_id


def get_measure_for_user(user, plan: Plan, code: str) -> PlanItem:
    item = unique_or_none(
        plan.items.filter(code=code).select_related("parent__parent", "reporting_organisation")
    )
    if item is None:
        raise Http404
    return item


def can_report_on_measure(user, item: PlanItem) -> bool:
    """Contact points of the measure's reporting organisation."""
    if not user.is_authenticated:
        return False
    if item.kind != ItemKind.MEASURE:
        return False
    if not user.has_perm("plans.report_progress"):
        return False
    return item.reporting_organisation_id == user.organisation_id


def visible_rounds(user, plan: Plan):
    """Rounds are working material: the owner's coordinators and the reporting contact points."""
    if can_coordinate_plan(user, plan):
        return plan.rounds.all()
    if user.is_authenticated and user.has_perm("plans.report_progress"):
        return plan.rounds.filter(
            updates__item__reporting_organisation_id=user.organisation_id
        ).distinct()
    return ReportingRound.objects.none()


def get_round_for_user(user, plan: Plan, round_id: int) -> ReportingRound:
    rnd = visible_rounds(user, plan).filter(pk=round_id).first()
    if rnd is None:
        raise Http404
    return rnd


def visible_updates(user, rnd: ReportingRound):
    """All updates of a round for its coordinators; one's own organisation's for contact points."""
    updates = rnd.updates.select_related("item", "item__reporting_organisation")
    if can_coordinate_plan(user, rnd.plan):
        return updates
    return updates.filter(item__reporting_organisation_id=user.organisation_id)


def get_update_for_user(user, rnd: ReportingRound, code: str) -> ProgressUpdate:
    update = visible_updates(user, rnd).filter(item__code=code).first()
    if update is None:
        raise Http404
    return update


def can_edit_update(user, update: ProgressUpdate) -> bool:
    """The reporting contact point, while the round is open and the update not yet final."""
    if not can_report_on_measure(user, update.item):
        return False
    if not update.round.is_open:
        return False
    return update.state in (UpdateState.DRAFT, UpdateState.CHANGES_REQUESTED)


def updates_to_report(user):
    """Open updates of open rounds that the user's organisation must still send."""
    if not user.is_authenticated or not user.has_perm("plans.report_progress"):
        return ProgressUpdate.objects.none()
    return ProgressUpdate.objects.filter(
        item__reporting_organisation_id=user.organisation_id,
        round__status=RoundStatus.OPEN,
        state__in=[UpdateState.DRAFT, UpdateState.CHANGES_REQUESTED],
    )


def updates_to_review(user):
    """Submitted updates in plans the user coordinates."""
    if not user.is_authenticated or not user.has_perm("plans.coordinate_plans"):
        return ProgressUpdate.objects.none()
    return ProgressUpdate.objects.filter(
        round__plan__owner_id=user.organisation_id, state=UpdateState.SUBMITTED
    )


def can_review_update(user, update: ProgressUpdate) -> bool:
    if not can_coordinate_plan(user, update.round.plan):
        return False
    return update.state == UpdateState.SUBMITTED


def require(allowed: bool) -> None:
    """403 for a visible record the user may not act on."""
    if not allowed:
        raise PermissionDenied


def published_updates(item: PlanItem):
    """The public history of a measure: its published updates, newest round first."""
    return (
        item.updates.filter(state=UpdateState.PUBLISHED)
        .select_related("round", "submitted_by", "reviewed_by")
        .order_by("-round__opened_at")
    )
