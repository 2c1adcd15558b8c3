"""Plan exports in one documented column format (CSV, XLSX) and JSON.

Columns (one row per item, parents before children):
code, parent, kind, type, title_nl … title_en, summary_nl … summary_en, reporting_organisation,
actors ("KEY:role|KEY:role"), ministers ("key|key"), budget_text,
budget_lines (JSON list of objects with the API's budget line fields), status, progress.
"""

from __future__ import annotations

import csv
import io
import json

from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from openpyxl import Workbook

from audit.services import record
from core.i18n import content_languages
from plans import access
from plans.models import BUDGET_LINE_FIELDS, MeasureActor, MeasureMinister

LANGS = content_languages()
COLUMNS = [
    "code",
    "parent",
    "kind",
    "type",
    *[f"title_{lang}" for lang in LANGS],
    *[f"summary_{lang}" for lang in LANGS],
    "reporting_organisation",
    "actors",
    "ministers",
    "budget_text",
    "budget_lines",
    "status",
    "progress",
]


def _budget_line(line) -> dict:
    values = {f: getattr(line, f) for f in BUDGET_LINE_FIELDS}
    for f in ("amount", "fte"):
        values[f] = None if values[f] is None else str(values[f])
    return values


def plan_rows(plan) -> list[dict]:
    items = (
        plan.items.select_related("parent", "reporting_organisation")
        .prefetch_related(
            Prefetch("actors", queryset=MeasureActor.objects.select_related("organisation")),
            Prefetch(
                "measureminister_set", queryset=MeasureMinister.objects.select_related("minister")
            ),
            "budget_lines",
        )
        .order_by("position")
    )
    rows = []
    for item in items:
        row = {
            "code": item.code,
            "parent": item.parent.code if item.parent_id else "",
            "kind": item.kind,
            "type": item.measure_type,
            "reporting_organisation": (
                item.reporting_organisation.key if item.reporting_organisation_id else ""
            ),
            "actors": "|".join(f"{a.organisation.key}:{a.role}" for a in item.actors.all()),
            "ministers": "|".join(mm.minister.key for mm in item.measureminister_set.all()),
            "budget_text": item.budget_text,
            "budget_lines": json.dumps(
                [_budget_line(b) for b in item.budget_lines.all()], ensure_ascii=False
            )
            if item.is_measure
            else "",
            "status": item.current_status if item.is_measure else "",
            "progress": item.current_progress if item.is_measure else "",
        }
        for lang in LANGS:
            row[f"title_{lang}"] = item.title.get(lang, "")
            row[f"summary_{lang}"] = item.summary.get(lang, "")
        rows.append(row)
    return rows


def plan_export(request, slug, fmt):
    plan = access.get_plan_for_user(request.user, slug)
    if fmt not in ("csv", "xlsx", "json"):
        raise Http404
    rows = plan_rows(plan)
    record("plan.exported", actor=request.user, target=plan, changes={"format": [None, fmt]})
    filename = f"{plan.slug}.{fmt}"
    if fmt == "json":
        body = json.dumps(
            {"plan": plan.slug, "columns": COLUMNS, "items": rows}, ensure_ascii=False, indent=2
        )
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = "items"
        sheet.append(COLUMNS)
        for row in rows:
            sheet.append([row[c] for c in COLUMNS])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
