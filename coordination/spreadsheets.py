"""The one spreadsheet writer: every CSV and XLSX download leaves through here, row by
row, with the formula guard on every cell (OWASP "CSV injection").

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return would be run
as a formula by a spreadsheet program. In a CSV it gets a leading single quote; in an
XLSX it is written as a text cell with Excel's own leading-quote flag (`quotePrefix`),
so it is shown, and stays after an edit, as text, while its value (read back by the 4W
import) is unchanged. Numbers stay numbers: a negative number is not text.
"""

from __future__ import annotations

import csv
import tempfile
from typing import TYPE_CHECKING, Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils.functional import Promise
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOM = "\ufeff"  # so spreadsheet programs open the file as UTF-8 (Arabic, accents)
# `?encoding=` of CSV downloads: "excel" (the default) starts with the BOM Excel needs to
# read UTF-8 (Arabic, accents); "utf-8" is plain UTF-8 whose first bytes are the header,
# for HXL tools and scripts, which would read the BOM as part of the first column name.
CSV_ENCODINGS = ("excel", "utf-8")


def csv_bom_wanted(encoding: str | None) -> bool:
    """Whether a CSV download starts with the BOM: all but `?encoding=utf-8`."""
    return (encoding or "").strip().lower() not in ("utf-8", "utf8", "plain")


def is_formula_like(value: Any) -> bool:
    """Whether a cell's value is text a spreadsheet program would run as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """The value as a CSV cell: formula-like text gets a leading quote, so a
    spreadsheet shows it as text; anything else (numbers too) is unchanged."""
    if isinstance(value, Promise):
        value = str(value)
    return "'" + value if is_formula_like(value) else value


class _Echo:
    """A file-like object whose write() hands the line back (csv.writer per row)."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[Sequence[Any]], *, bom: bool = True) -> Iterator[str]:
    """The BOM (unless `bom` is false), then each row as one CSV line with every cell
    guarded."""
    writer = csv.writer(_Echo())
    if bom:
        yield BOM
    for row in rows:
        yield writer.writerow([neutralise(value) for value in row])


def csv_response(
    rows: Iterable[Sequence[Any]], *, filename: str, bom: bool = True
) -> StreamingHttpResponse:
    """A CSV download (header rows first, if any, like any other row), streamed: rows
    are written as the client reads them. Compute translated text before calling: a
    lazy iterable is read after the view has returned. `bom=False`: plain UTF-8."""
    response = StreamingHttpResponse(
        csv_lines(rows, bom=bom), content_type=CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    """A value as a write-only sheet's cell: formula-like text as a guarded text cell."""
    if isinstance(value, Promise):
        value = str(value)
    if not is_formula_like(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # text, never a formula
    cell.quotePrefix = True  # Excel's leading quote: shown, and kept on edit, as text
    return cell


def xlsx_response(
    sheets: Iterable[tuple[str, Iterable[Sequence[Any]]]], *, filename: str
) -> FileResponse:
    """An XLSX download of (sheet title, rows) pairs, built row by row (openpyxl
    write-only) in a temporary file on disk, never whole in memory."""
    workbook = Workbook(write_only=True)
    for title, rows in sheets:
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
    )
