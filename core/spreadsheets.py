"""Reading an uploaded spreadsheet (CSV or XLSX) into rows keyed by the header, for the
imports of every app. Whatever the bytes, the caller gets rows or an ImportFileError whose
message is in the user's language, never an unexpected exception."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator

from django.utils.translation import gettext as _
from openpyxl import load_workbook


class ImportFileError(Exception):
    """The file as a whole cannot be read."""


def read_numbered_rows(
    upload_name: str,
    content: bytes,
    *,
    required: Collection[str],
    allowed: Collection[str],
    max_rows: int,
) -> list[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) of every non-blank row below the header, which is row 1.

    CSV files are UTF-8 with commas or semicolons; XLSX files are read from their first sheet.
    Columns with an empty header are ignored; a missing, unknown or repeated column, or more
    than max_rows rows, is an error for the whole file.
    """
    lines = _lines(upload_name, content)
    try:
        header = [h.strip() for h in next(lines)]
    except StopIteration:
        raise ImportFileError(_("The file is empty.")) from None
    missing = set(required) - set(header)
    if missing:
        raise ImportFileError(
            _("Missing columns: %(columns)s.") % {"columns": ", ".join(sorted(missing))}
        )
    unknown = set(header) - set(allowed) - {""}
    if unknown:
        raise ImportFileError(
            _("Unknown columns: %(columns)s.") % {"columns": ", ".join(sorted(unknown))}
        )
    repeated = {h for h in header if h and header.count(h) > 1}
    if repeated:
        raise ImportFileError(
            _("Repeated columns: %(columns)s.") % {"columns": ", ".join(sorted(repeated))}
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(lines, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == max_rows:  # stop reading: a huge file is refused, not loaded
            raise ImportFileError(_("A file may hold at most %(max)s rows.") % {"max": max_rows})
        cells = [*cells, *[""] * (len(header) - len(cells))]  # a short row: empty cells
        rows.append((number, {h: cell for h, cell in zip(header, cells, strict=False) if h}))
    return rows


def _lines(upload_name: str, content: bytes) -> Iterator[list[str]]:
    name = upload_name.lower()
    if name.endswith(".xlsx"):
        return _xlsx_lines(content)
    if name.endswith(".csv"):
        return _csv_lines(content)
    raise ImportFileError(_("Upload a .csv or .xlsx file."))


def _xlsx_lines(content: bytes) -> Iterator[list[str]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            for row in book.active.iter_rows(values_only=True):
                yield ["" if value is None else str(value) for value in row]
        finally:
            book.close()
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise ImportFileError(_("This is not a readable XLSX file.")) from error


def _csv_lines(content: bytes) -> Iterator[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(_("The CSV file must be encoded in UTF-8.")) from error
    header_line = text.split("\n", 1)[0]
    # Spreadsheets set to a Belgian locale write semicolons; the quoting is Excel's.
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    try:
        yield from csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter)
    except csv.Error as error:
        raise ImportFileError(_("This is not a readable CSV file.")) from error
