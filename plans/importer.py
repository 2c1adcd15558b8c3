"""Loading a whole plan from structured data (the shipped demo plan, and later imports).

Idempotent: loading the same data twice changes nothing and writes no second audit event.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from audit.services import record, save_changes
from core import i18n
from network.models import Organisation
from network.services import upsert_organisation
from plans import cache as plans_cache
from plans.models import (
    BUDGET_LINE_FIELDS,
    ActorRole,
    BudgetLine,
    ItemKind,
    MeasureActor,
    MeasureMinister,
    Minister,
    Plan,
    PlanItem,
)


def _decimal(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value)).quantize(Decimal("0.01"))


def _budget_key(line: dict) -> tuple:
    return tuple(
        _decimal(line.get(f)) if f in ("amount", "fte") else (line.get(f) or None)
        for f in BUDGET_LINE_FIELDS
    )


def load_plan_document(data: dict, *, acting_user=None) -> Plan:
    """Create or update organisations, ministers, the plan and its tree from a document
    shaped like plans/demo/flemish_action_plan.json."""
    with transaction.atomic():
        orgs = {
            o["key"]: upsert_organisation(
                key=o["key"],
                name=o["name"],
                abbreviation=o.get("abbreviation", ""),
                level=o.get("level", "other"),
                acting_user=acting_user,
            )
            for o in data["organisations"]
        }
        ministers = {m["key"]: _upsert_minister(m) for m in data["ministers"]}
        plan = _upsert_plan(data["plan"], orgs, acting_user)
        items = {item.code: item for item in plan.items.all()}
        position = 0
        for line in data["lines"]:
            position += 1
            line_item = upsert_item(plan, None, ItemKind.LINE, line, position, acting_user, items)
            for action in line["actions"]:
                position += 1
                action_item = upsert_item(
                    plan, line_item, ItemKind.ACTION, action, position, acting_user, items
                )
                for measure in action["measures"]:
                    position += 1
                    item = upsert_item(
                        plan, action_item, ItemKind.MEASURE, measure, position, acting_user, items
                    )
                    sync_measure_details(item, measure, orgs, ministers, acting_user)
    return plan


def _upsert_minister(data: dict) -> Minister:
    minister, _created = Minister.objects.update_or_create(
        key=data["key"],
        defaults={
            "title": i18n.clean_translations(data["title"]),
            "as_written": data.get("as_written", ""),
        },
    )
    return minister


def _upsert_plan(data: dict, orgs: dict[str, Organisation], acting_user) -> Plan:
    values = {
        "owner": orgs[data["owner"]]
        if data["owner"] in orgs
        else Organisation.objects.get(key=data["owner"]),
        "title": i18n.clean_translations(data["title"]),
        "summary": i18n.clean_translations(data.get("summary")),
        "period_start": data["period_start"],
        "period_end": data["period_end"],
        "status": data.get("status", "draft"),
    }
    plan = Plan.objects.filter(slug=data["slug"]).first()
    if plan is None:
        plan = Plan.objects.create(slug=data["slug"], **values)
        record("plan.created", actor=acting_user, target=plan, changes={"slug": [None, plan.slug]})
        return plan
    save_changes(plan, values, action="plan.updated", actor=acting_user)
    return plan


def upsert_item(
    plan: Plan,
    parent: PlanItem | None,
    kind: str,
    data: dict,
    position: int,
    acting_user,
    items: dict[str, PlanItem],
) -> PlanItem:
    """Create or update the item with data["code"]. `items` holds the plan's items by code,
    read once by the caller; the new item is added to it."""
    values = {
        "parent": parent,
        "kind": kind,
        "position": position,
        "title": i18n.clean_translations(data["title"]),
        "summary": i18n.clean_translations(data.get("summary")),
        "measure_type": data.get("type", ""),
        "budget_text": data.get("budget_text", ""),
    }
    item = items.get(data["code"])
    if item is None:
        item = PlanItem(plan=plan, code=data["code"], **values)
        item.refresh_search_text()
        item.save()
        items[item.code] = item
        record(
            "plan_item.created",
            actor=acting_user,
            target=item,
            changes={"code": [None, item.code], "kind": [None, kind]},
        )
        return item
    save_changes(
        item,
        values,
        action="plan_item.updated",
        actor=acting_user,
        before_save=item.refresh_search_text,
    )
    return item


def sync_measure_details(
    item: PlanItem,
    data: dict,
    orgs: dict[str, Organisation],
    ministers: dict[str, Minister],
    acting_user,
) -> None:
    changes: dict[str, list] = {}
    plans_cache.invalidate()  # bulk_create sends no signal

    current_actors = list(item.actors.values_list("organisation_id", "role", "as_written"))
    written_before = {org_id: written for org_id, _role, written in current_actors}
    # A spreadsheet carries no "as written" text: keep the one already stored.
    wanted_actors = [
        (
            orgs[a["org"]].pk,
            a["role"],
            a.get("as_written") or written_before.get(orgs[a["org"]].pk, ""),
        )
        for a in data.get("actors", [])
    ]
    if current_actors != wanted_actors:
        item.actors.all().delete()
        MeasureActor.objects.bulk_create(
            MeasureActor(
                item=item, organisation_id=org_id, role=role, as_written=written, position=i
            )
            for i, (org_id, role, written) in enumerate(wanted_actors)
        )
        changes["actors"] = [len(current_actors), len(wanted_actors)]

    explicit = data.get("reporting_organisation")
    reporter = orgs[explicit] if explicit else _reporting_organisation(data.get("actors", []), orgs)
    if item.reporting_organisation_id != (reporter.pk if reporter else None):
        changes["reporting_organisation"] = [
            item.reporting_organisation_id,
            reporter.pk if reporter else None,
        ]
        item.reporting_organisation = reporter
        item.save(update_fields=["reporting_organisation"])

    wanted_ministers = [ministers[key].pk for key in data.get("ministers", [])]
    current_ministers = list(
        MeasureMinister.objects.filter(item=item).values_list("minister_id", flat=True)
    )
    if current_ministers != wanted_ministers:
        MeasureMinister.objects.filter(item=item).delete()
        MeasureMinister.objects.bulk_create(
            MeasureMinister(item=item, minister_id=mid, position=i)
            for i, mid in enumerate(wanted_ministers)
        )
        changes["ministers"] = [len(current_ministers), len(wanted_ministers)]

    wanted_lines = data.get("budget_lines", [])
    current_lines = [
        {f: getattr(b, f) for f in BUDGET_LINE_FIELDS} for b in item.budget_lines.all()
    ]
    if [_budget_key(b) for b in current_lines] != [_budget_key(b) for b in wanted_lines]:
        item.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(
            BudgetLine(
                item=item,
                position=i,
                mode=b["mode"],
                amount=_decimal(b.get("amount")),
                currency=b.get("currency") or "EUR",
                periodicity=b.get("periodicity") or "one_off",
                period_start=b.get("period_start"),
                period_end=b.get("period_end"),
                source=b.get("source") or "",
                fte=_decimal(b.get("fte")),
                label=b.get("label") or "",
                original_text=b.get("original_text") or "",
            )
            for i, b in enumerate(wanted_lines)
        )
        changes["budget_lines"] = [len(current_lines), len(wanted_lines)]

    if changes:
        record("measure.details_synced", actor=acting_user, target=item, changes=changes)


def _reporting_organisation(actors: list[dict], orgs: dict[str, Organisation]):
    """The coordinating actor reports; failing that, the first actor that is not a
    beneficiary."""
    for actor in actors:
        if actor["role"] == ActorRole.COORDINATION:
            return orgs[actor["org"]]
    for actor in actors:
        if actor["role"] != ActorRole.BENEFICIARY:
            return orgs[actor["org"]]
    return None
