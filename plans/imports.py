"""Spreadsheet import of a plan in the export's column format (see plans/exports.py).

All or nothing: every row is checked first; a file with any error changes nothing and the
errors come back with their row number (the header is row 1) in the user's language.
Rows are matched to items by code; items absent from the file are kept. Status and progress
columns are ignored: progress only comes from reporting rounds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from audit.services import record
from core.i18n import content_languages
from core.spreadsheets import ImportFileError, read_numbered_rows
from network.models import Organisation
from plans.exports import COLUMNS
from plans.importer import sync_measure_details, upsert_item
from plans.models import (
    ActorRole,
    BudgetMode,
    ImportStatus,
    ItemKind,
    MeasureType,
    Minister,
    Periodicity,
    PlanImport,
)

MAX_ROWS = 100_000
PROGRESS_EVERY = 200
REQUIRED_COLUMNS = {"code", "parent", "kind"}


@dataclass
class CheckedRow:
    number: int
    data: dict[str, Any]
    errors: list[str] = field(default_factory=list)


def read_rows(upload_name: str, content: bytes) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, comma or semicolon) or XLSX file, as dicts by header."""
    rows = read_numbered_rows(
        upload_name, content, required=REQUIRED_COLUMNS, allowed=COLUMNS, max_rows=MAX_ROWS
    )
    return [row for _number, row in rows]


class RowChecker:
    """Checks rows one by one against the plan and what earlier rows define."""

    def __init__(self, plan):
        self.plan = plan
        self.kinds = dict(plan.items.values_list("code", "kind"))
        self.orgs = set(Organisation.objects.values_list("key", flat=True))
        self.minister_keys = set(Minister.objects.values_list("key", flat=True))
        self.seen: set[str] = set()

    def check(self, number: int, raw: dict[str, str]) -> CheckedRow:
        row = CheckedRow(number=number, data={})
        get = lambda name: (raw.get(name) or "").strip()  # noqa: E731
        code, kind, parent = get("code"), get("kind"), get("parent")
        if not code:
            row.errors.append(_("The code is missing."))
        elif len(code) > 20:
            row.errors.append(_("The code is longer than 20 characters."))
        elif code in self.seen:
            row.errors.append(_("The code %(code)s appears twice.") % {"code": code})
        if kind not in ItemKind.values:
            row.errors.append(_("The kind must be line, action or measure."))
        if parent and parent not in self.kinds:
            row.errors.append(_("The parent %(code)s is not defined above.") % {"code": parent})
        elif parent and self.kinds[parent] == ItemKind.MEASURE and kind != ItemKind.MEASURE:
            row.errors.append(_("Only a measure can sit under a measure."))
        titles = {lang: get(f"title_{lang}") for lang in content_languages()}
        if not any(titles.values()):
            row.errors.append(_("Give a title in at least one language."))
        measure_type = get("type")
        if kind == ItemKind.MEASURE and measure_type not in MeasureType.values:
            row.errors.append(_("A measure's type must be B, V or N."))
        if kind != ItemKind.MEASURE and measure_type:
            row.errors.append(_("Only measures have a type."))
        reporter = get("reporting_organisation")
        if reporter and reporter not in self.orgs:
            row.errors.append(_("Unknown organisation: %(key)s.") % {"key": reporter})
        row.data = {
            "code": code,
            "parent": parent,
            "kind": kind,
            "type": measure_type,
            "title": titles,
            "summary": {lang: get(f"summary_{lang}") for lang in content_languages()},
            "budget_text": get("budget_text"),
            "reporting_organisation": reporter or None,
            "actors": self.actors(get("actors"), row.errors),
            "ministers": self.ministers(get("ministers"), row.errors),
            "budget_lines": self.budget_lines(get("budget_lines"), row.errors),
        }
        if not row.errors:
            self.seen.add(code)
            self.kinds[code] = kind
        return row

    def actors(self, text: str, errors: list[str]) -> list[dict]:
        actors: list[dict[str, str]] = []
        for part in filter(None, (p.strip() for p in text.split("|"))):
            key, _sep, role = part.partition(":")
            role = role or ActorRole.PARTNER
            if key not in self.orgs:
                errors.append(_("Unknown organisation: %(key)s.") % {"key": key})
            elif role not in ActorRole.values:
                errors.append(_("Unknown actor role: %(role)s.") % {"role": role})
            elif key in {a["org"] for a in actors}:
                errors.append(_("The organisation %(key)s is listed twice.") % {"key": key})
            else:
                actors.append({"org": key, "role": role, "as_written": ""})
        return actors

    def ministers(self, text: str, errors: list[str]) -> list[str]:
        keys = [k.strip() for k in text.split("|") if k.strip()]
        for key in keys:
            if key not in self.minister_keys:
                errors.append(_("Unknown minister: %(key)s.") % {"key": key})
        return keys

    def budget_lines(self, text: str, errors: list[str]) -> list[dict]:
        if not text:
            return []
        try:
            lines = json.loads(text)
        except ValueError:
            errors.append(_("The budget lines are not valid JSON."))
            return []
        if not isinstance(lines, list) or not all(isinstance(b, dict) for b in lines):
            errors.append(_("The budget lines must be a list of objects."))
            return []
        for line in lines:
            if line.get("mode") not in BudgetMode.values:
                errors.append(_("Unknown budget mode: %(mode)s.") % {"mode": line.get("mode")})
            if line.get("periodicity", "one_off") not in Periodicity.values:
                errors.append(
                    _("Unknown periodicity: %(value)s.") % {"value": line.get("periodicity")}
                )
            for name in ("amount", "fte"):
                if line.get(name) not in (None, ""):
                    try:
                        number = Decimal(str(line[name]))
                    except InvalidOperation:
                        number = None
                    if number is None or not number.is_finite() or abs(number) >= 10**12:
                        errors.append(
                            _("The %(field)s of a budget line is not a number.") % {"field": name}
                        )
            for name in ("period_start", "period_end"):
                value = line.get(name)
                if value not in (None, "") and not (
                    isinstance(value, int) and 1900 <= value <= 2200
                ):
                    errors.append(_("A budget year must be a whole year such as 2018."))
        return lines


def run_import(job: PlanImport, *, acting_user) -> PlanImport:
    """Check every row, then apply them in one transaction if none has an error."""
    with translation.override(job.language):
        try:
            job.file.open("rb")
            rows = read_rows(job.filename, job.file.read())
        except ImportFileError as error:
            return _finish(job, ImportStatus.FAILED, errors=[{"row": None, "errors": [str(error)]}])
        finally:
            job.file.close()
        job.status, job.total_rows = ImportStatus.CHECKING, len(rows)
        job.save(update_fields=["status", "total_rows"])
        checker = RowChecker(job.plan)
        checked: list[CheckedRow] = []
        for index, raw in enumerate(rows):
            checked.append(checker.check(index + 2, raw))
            if index % PROGRESS_EVERY == 0:
                PlanImport.objects.filter(pk=job.pk).update(checked_rows=index + 1)
        errors = [{"row": r.number, "errors": r.errors} for r in checked if r.errors]
        if errors:
            return _finish(job, ImportStatus.FAILED, errors=errors, checked=len(rows))
        job.status, job.checked_rows = ImportStatus.APPLYING, len(rows)
        job.save(update_fields=["status", "checked_rows"])
        summary = _apply(job, [r.data for r in checked], acting_user)
        return _finish(job, ImportStatus.DONE, summary=summary, checked=len(rows))


def _apply(job: PlanImport, rows: list[dict], acting_user) -> dict[str, int]:
    plan = job.plan
    with transaction.atomic():
        items = {i.code: i for i in plan.items.all()}
        orgs = {
            o.key: o
            for o in Organisation.objects.filter(
                key__in={a["org"] for r in rows for a in r["actors"]}
                | {r["reporting_organisation"] for r in rows if r["reporting_organisation"]}
            )
        }
        ministers = {
            m.key: m
            for m in Minister.objects.filter(key__in={k for r in rows for k in r["ministers"]})
        }
        created = 0
        for position, row in enumerate(rows, start=1):
            parent = items.get(row["parent"]) if row["parent"] else None
            created += row["code"] not in items
            item = upsert_item(plan, parent, row["kind"], row, position, acting_user, items)
            if item.kind == ItemKind.MEASURE:
                sync_measure_details(item, row, orgs, ministers, acting_user)
        record(
            "plan.imported",
            actor=acting_user,
            target=plan,
            changes={
                "file": [None, job.filename],
                "rows": [None, len(rows)],
                "created": [None, created],
            },
        )
    return {"rows": len(rows), "created": created, "updated": len(rows) - created}


def _finish(
    job: PlanImport, status: str, *, errors=None, summary=None, checked: int | None = None
) -> PlanImport:
    job.status = status
    job.errors = errors or []
    job.summary = summary or {}
    if checked is not None:
        job.checked_rows = checked
    job.save(update_fields=["status", "errors", "summary", "checked_rows"])
    return job
