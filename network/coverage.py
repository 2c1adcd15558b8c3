"""Coverage rules: which organisations a rule covers, how many of the asked posts each one
has filled, and the gaps that opened and closed over time.

A gap row is opened when an organisation in scope falls short and closed (kept, with the date
and the user whose change filled it) when it no longer does. Evaluation is set-based: one
query for the scope, one aggregate over the posts, whatever the number of organisations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from network import cache as directory_cache
from network.models import Capacity, CoverageGap, CoverageRule, Organisation, Post
from plans.models import MeasureActor

CHUNK = 500


@dataclass(frozen=True)
class Held:
    total: int = 0
    effective: int = 0
    acting: int = 0


def scope(rule: CoverageRule):
    """The organisations a rule asks posts of."""
    orgs = Organisation.objects.all()
    if rule.scope_level:
        orgs = orgs.filter(level=rule.scope_level)
    if rule.scope_sector:
        orgs = orgs.filter(sector=rule.scope_sector)
    if rule.scope_parent_id:
        orgs = orgs.filter(parent_id=rule.scope_parent_id)
    if rule.scope_measure_id:
        actors = MeasureActor.objects.filter(item_id=rule.scope_measure_id)
        orgs = orgs.filter(pk__in=actors.values("organisation_id"))
    return orgs


def held(rule: CoverageRule, organisations) -> dict[int, Held]:
    """Filled posts of the rule's kind per organisation of the queryset (organisations with
    none are absent)."""
    posts = Post.objects.filter(kind_id=rule.kind_id, holder__isnull=False)
    posts = posts.filter(organisation__in=organisations.values("pk")).order_by()
    rows = posts.values("organisation_id").annotate(
        total=Count("id"),
        effective=Count("id", filter=Q(capacity=Capacity.EFFECTIVE)),
        acting=Count("id", filter=Q(capacity=Capacity.ACTING)),
    )
    return {
        row["organisation_id"]: Held(row["total"], row["effective"], row["acting"]) for row in rows
    }


def falls_short(rule: CoverageRule, have: Held) -> bool:
    return (
        have.total < rule.minimum_total
        or have.effective < rule.minimum_effective
        or have.acting < rule.minimum_acting
    )


def evaluate(rule: CoverageRule, *, organisations: Iterable[int] | None = None, actor=None) -> int:
    """Open and close the rule's gaps, for every organisation in scope or only for the given
    ones. Returns the number of gaps open afterwards among the organisations looked at.
    Call inside the transaction of the change that triggered it."""
    now = timezone.now()
    in_scope = scope(rule) if rule.is_active else Organisation.objects.none()
    if organisations is not None:
        asked = set(organisations)
        in_scope = in_scope.filter(pk__in=asked)
    scope_ids = set(in_scope.order_by().values_list("pk", flat=True))
    counts = held(rule, in_scope)
    short = {
        pk: counts.get(pk, Held()) for pk in scope_ids if falls_short(rule, counts.get(pk, Held()))
    }

    open_gaps = CoverageGap.objects.filter(rule=rule, closed_at__isnull=True)
    if organisations is not None:
        open_gaps = open_gaps.filter(organisation_id__in=asked)
    existing = {gap.organisation_id: gap for gap in open_gaps}

    closing = [gap.pk for pk, gap in existing.items() if pk not in short]
    closer = actor if getattr(actor, "is_authenticated", False) else None
    for start in range(0, len(closing), CHUNK):  # SQLite limits the parameters of a query
        CoverageGap.objects.filter(pk__in=closing[start : start + CHUNK]).update(
            closed_at=now, closed_by=closer
        )
    CoverageGap.objects.bulk_create(
        CoverageGap(
            rule=rule,
            organisation_id=pk,
            opened_at=now,
            held_total=have.total,
            held_effective=have.effective,
            held_acting=have.acting,
        )
        for pk, have in short.items()
        if pk not in existing
    )
    changed = []
    for pk, gap in existing.items():
        have = short.get(pk)
        if have and (gap.held_total, gap.held_effective, gap.held_acting) != (
            have.total,
            have.effective,
            have.acting,
        ):
            gap.held_total, gap.held_effective, gap.held_acting = (
                have.total,
                have.effective,
                have.acting,
            )
            changed.append(gap)
    CoverageGap.objects.bulk_update(changed, ["held_total", "held_effective", "held_acting"])
    if closing or changed or any(pk not in existing for pk in short):
        directory_cache.invalidate()  # bulk writes send no signal
    if organisations is None:
        CoverageRule.objects.filter(pk=rule.pk).update(evaluated_at=now)
    return len(short)


def evaluate_organisation(org_id: int, *, kind_id: int | None = None, actor=None) -> None:
    """Re-check the active rules that could concern one organisation after it or its posts
    changed (only rules about `kind_id` when given)."""
    rules = CoverageRule.objects.filter(is_active=True)
    if kind_id is not None:
        rules = rules.filter(kind_id=kind_id)
    for rule in rules:
        # an organisation that left the rule's scope (it changed level, say) has its gap
        # closed here too
        evaluate(rule, organisations=[org_id], actor=actor)


def evaluate_all(*, actor=None) -> int:
    """Every rule over its whole scope (the nightly safety net and after measure actors
    change). Returns the number of open gaps."""
    total = 0
    for rule in CoverageRule.objects.all():
        total += evaluate(rule, actor=actor)
    return total
