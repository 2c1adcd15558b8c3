"""The evaluation report of a round (measure 1.3): rows, XLSX and PDF."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core import i18n
from plans.models import ItemKind, ReportingRound


@dataclass
class Row:
    code: str
    title: str
    status: str
    percent: int
    level: str
    note: str


def evaluation_rows(rnd: ReportingRound) -> list[Row]:
    updates = {u.item_id: u for u in rnd.updates.all()}
    entries = {e.item_id: e for e in rnd.evaluations.all()}
    rows = []
    for item in rnd.plan.items.filter(kind=ItemKind.MEASURE).order_by("position"):
        update = updates.get(item.pk)
        entry = entries.get(item.pk)
        rows.append(
            Row(
                code=item.code,
                title=i18n.pick(item.title),
                status=update.get_status_display() if update else "",
                percent=update.percent if update else 0,
                level=entry.get_level_display() if entry else "",
                note=entry.note if entry else "",
            )
        )
    return rows


def _headers() -> list[str]:
    return [
        _("Code"),
        _("Measure"),
        _("Status"),
        _("Progress (%)"),
        _("Completion level"),
        _("Note"),
    ]


def evaluation_xlsx(rnd: ReportingRound) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Evaluation")[:31]
    sheet.append([f"{i18n.pick(rnd.plan.title)} — {rnd.name}"])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(_headers())
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in evaluation_rows(rnd):
        sheet.append([row.code, row.title, row.status, row.percent, row.level, row.note])
    for column, width in zip("ABCDEF", (8, 60, 16, 12, 20, 60), strict=True):
        sheet.column_dimensions[column].width = width
    for cells in sheet.iter_rows(min_row=3):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def evaluation_pdf(rnd: ReportingRound) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"{i18n.pick(rnd.plan.title)} — {rnd.name}",
        author="Synergie",
    )
    styles = getSampleStyleSheet()
    cell = styles["BodyText"]
    cell.fontSize = 8
    cell.leading = 10
    data = [[Paragraph(f"<b>{h}</b>", cell) for h in _headers()]]
    for row in evaluation_rows(rnd):
        data.append(
            [
                Paragraph(_escape(v), cell)
                for v in (row.code, row.title, row.status, str(row.percent), row.level, row.note)
            ]
        )
    table = Table(
        data, colWidths=[14 * mm, 90 * mm, 26 * mm, 18 * mm, 30 * mm, 90 * mm], repeatRows=1
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e3eef7")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    subtitle = _("Evaluation report of %(round)s, period %(period)s, made on %(date)s.") % {
        "round": rnd.name,
        "period": rnd.period,
        "date": formats.date_format(timezone.localdate(), "DATE_FORMAT"),
    }
    story = [
        Paragraph(_escape(i18n.pick(rnd.plan.title)), styles["Title"]),
        Paragraph(_escape(subtitle), styles["Normal"]),
        Spacer(1, 6 * mm),
        table,
    ]
    document.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
