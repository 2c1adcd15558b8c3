"""Read the Flemish action plan seed (a text dump of its measures table) into plain data.

The seed is ``shared/seeds/004_46975f6ffa7f64a2.txt``. Each table row is one line with four
tab-separated cells: description, actors, budget, minister in charge. Cells may be wrapped in
``<p>`` and contain list markup. Rows that run over a page break continue on a following row
whose first cell does not start with a measure code; such rows are merged into the measure
before them.

Only the standard library is used, so the tests that compare the shipped demo data with the
document need neither Django nor a database.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

MEASURE_RE = re.compile(r"^(?P<action>\d+)\.(?P<number>\d+)\s*\((?P<type>[BVN])\)\s*(?P<rest>.*)$")
ACTION_RE = re.compile(r"^Action (?P<number>\d+):\s*(?P<title>.+)$")
TAG_RE = re.compile(r"<[^>]+>")
# An amount followed by the euro sign. Thousands are grouped by "," or "." ("568,311 €",
# "546.000 €"); the document has no decimals.
AMOUNT_RE = re.compile(r"(?P<number>\d{1,3}(?:[.,]\d{3})+|\d+)\s*€")


@dataclass
class SeedMeasure:
    """One measure of the plan, with any continuation rows already merged in."""

    code: str
    type: str
    line_index: int
    action_number: int
    description: str
    actors_text: str
    budget_text: str
    ministers: list[str] = field(default_factory=list)


def clean_cell(cell: str) -> str:
    """Strip markup from a cell, unescape entities and collapse whitespace."""
    text = html.unescape(TAG_RE.sub(" ", cell))
    return " ".join(text.split())


def split_ministers(text: str) -> list[str]:
    """Split a minister cell into "Minister for …" titles, dropping a trailing period."""
    parts = re.split(r"(?=\bMinister for )", text)
    return [part.strip().rstrip(".").strip() for part in parts if part.strip()]


def parse_amounts(budget_text: str) -> list[Decimal]:
    """Return every euro amount in a budget text, in order ("3,000,000 €" -> 3000000)."""
    return [
        Decimal(re.sub(r"[.,]", "", match["number"])) for match in AMOUNT_RE.finditer(budget_text)
    ]


def _rows(path: Path | str) -> list[tuple[list[str], bool]]:
    """Return the non-blank lines of the seed as (four cleaned cells, whether it had tabs)."""
    rows = []
    for raw in Path(path).read_text(encoding="utf-8").splitlines():
        if not raw.strip():
            continue
        cells = [clean_cell(cell) for cell in raw.split("\t")]
        cells += [""] * (4 - len(cells))
        rows.append((cells, "\t" in raw))
    return rows


def _is_line_heading(rows: list[tuple[list[str], bool]], index: int) -> bool:
    """A policy line heading is a one-cell row directly followed by an action heading.

    Two of the five headings have no tabs at all, so the shape of the row alone does not
    tell; its position right before "Action N:" does.
    """
    cells, _ = rows[index]
    if any(cells[1:]) or MEASURE_RE.match(cells[0]) or index + 1 >= len(rows):
        return False
    return bool(ACTION_RE.match(rows[index + 1][0][0]))


def parse_lines_and_actions(path: Path | str) -> tuple[list[str], list[str]]:
    """Return the policy line titles and the action titles (without "Action N:"), as written."""
    lines: list[str] = []
    actions: list[str] = []
    rows = _rows(path)
    for index, (cells, _) in enumerate(rows):
        action = ACTION_RE.match(cells[0])
        if action:
            actions.append(action["title"])
        elif _is_line_heading(rows, index):
            lines.append(cells[0])
    return lines, actions


def parse_plan(path: Path | str) -> list[SeedMeasure]:
    """Return the measures of the plan in document order.

    A row that starts with a measure code ("4.4 (B) …") opens a measure. A later table row
    (one with tabs) that is neither a heading, the column header nor a new measure continues
    the open measure: each of its non-empty cells is appended to the matching cell. The
    text before and after the table has no tabs, so it is never mistaken for a continuation.
    """
    measures: list[SeedMeasure] = []
    rows = _rows(path)
    line_index = 0
    action_number = 0
    current: SeedMeasure | None = None
    for index, (cells, has_tabs) in enumerate(rows):
        description, actors, budget, ministers = cells
        action = ACTION_RE.match(description)
        measure = MEASURE_RE.match(description)
        if action:
            action_number = int(action["number"])
            current = None
        elif _is_line_heading(rows, index):
            line_index += 1
            current = None
        elif description == "Description" and actors == "Actors":
            continue
        elif measure:
            current = SeedMeasure(
                code=f"{measure['action']}.{measure['number']}",
                type=measure["type"],
                line_index=line_index,
                action_number=action_number,
                description=measure["rest"],
                actors_text=actors,
                budget_text=budget,
                ministers=split_ministers(ministers),
            )
            measures.append(current)
        elif current is not None and has_tabs:
            current.description = _join(current.description, description)
            current.actors_text = _join(current.actors_text, actors)
            current.budget_text = _join(current.budget_text, budget)
            current.ministers += split_ministers(ministers)
    return measures


def _join(first: str, second: str) -> str:
    """Join two cell texts with one space, skipping an empty one."""
    return " ".join(part for part in (first, second) if part)
