"""The table shown, as CSV or XLSX: the same cells, hidden ones as "x".

Headers and labels may come from free text (a municipality's name in the directory): a
text cell that a spreadsheet would read as a formula (starting with =, +, -, @, a tab or a
carriage return) is written with a leading apostrophe, so that it stays text. Numbers are
written as numbers."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook

from figures.tables import HIDDEN_MARK, THRESHOLD, Table

FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def legend() -> str:
    return _(
        "%(mark)s: hidden to protect persons (fewer than %(threshold)s, or a number from "
        "which such a count could be worked out)."
    ) % {"mark": HIDDEN_MARK, "threshold": THRESHOLD}


def filename(table: Table, fmt: str) -> str:
    params = table.query.as_params()
    parts = [
        "statistics",
        params["figure"],
        params.get("breakdown", ""),
        params.get("municipality", ""),
        params.get("year", ""),
        "q" + params["quarter"] if "quarter" in params else "",
        params["columns"],
    ]
    return slugify("-".join(p for p in parts if p)) + "." + fmt


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: str | int) -> str | int:
    """A cell as written to a spreadsheet: text that could start a formula is prefixed
    with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_grid(table: Table) -> list[list[str | int]]:
    return [[safe_cell(value) for value in row] for row in table.as_grid()]


def as_csv(table: Table) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(safe_grid(table))
    return buffer.getvalue().encode("utf-8-sig")  # the BOM: spreadsheets read UTF-8 then


def as_xlsx(table: Table) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "figures"
    for row in safe_grid(table):
        sheet.append(row)
    notes = book.create_sheet("notes")
    notes.append([safe_cell(table.caption)])
    notes.append([legend()])
    notes.append([_("Computed at %(time)s") % {"time": table.computed_at.isoformat()}])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def response(table: Table, fmt: str) -> HttpResponse:
    if fmt == "csv":
        answer = HttpResponse(as_csv(table), content_type="text/csv; charset=utf-8")
    else:
        answer = HttpResponse(as_xlsx(table), content_type=XLSX_TYPE)
    answer["Content-Disposition"] = f'attachment; filename="{filename(table, fmt)}"'
    return answer
