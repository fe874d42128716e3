"""OpenDocument spreadsheets (.ods, LibreOffice's and Google Sheets' own format, which
many offices and public bodies in Morocco save in), read like XLSX: the first sheet's
rows, one at a time.

A small streaming reader over the file's content.xml (xml.etree.iterparse, each row
dropped once read) rather than a library: odfpy, which pandas and pyexcel use, builds
the whole document in memory, and the import's memory must not grow with the file (the
same guarantee as the CSV and XLSX readers, tests/interventions/test_upload_memory.py).
The zip is checked by the XLSX guards first (expanded size, ratio, no DTD in any XML
part). What OpenDocument lets a file repeat is bounded: a run of empty rows or cells
(LibreOffice writes a million empty rows as one element) is read as one, and a repeated
row or cell with content counts towards the row and cell limits as often as it stands."""

from __future__ import annotations

import zipfile
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import ParseError, iterparse

from django.conf import settings
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from collections.abc import Iterator

MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
SHEET, ROW = f"{{{TABLE}}}table", f"{{{TABLE}}}table-row"
CELLS = (f"{{{TABLE}}}table-cell", f"{{{TABLE}}}covered-table-cell")
PARAGRAPH, SPACE = f"{{{TEXT}}}p", f"{{{TEXT}}}s"
TAB, LINE_BREAK = f"{{{TEXT}}}tab", f"{{{TEXT}}}line-break"
ROWS_REPEATED = f"{{{TABLE}}}number-rows-repeated"
COLUMNS_REPEATED = f"{{{TABLE}}}number-columns-repeated"
VALUE_TYPE = f"{{{OFFICE}}}value-type"
NUMBERS = ("float", "percentage", "currency")


class OdsError(Exception):
    """The file cannot be read as a spreadsheet (the message says what to do)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def is_ods(head: bytes) -> bool:
    """An OpenDocument spreadsheet: a zip whose first, stored entry is `mimetype`."""
    return head.startswith(b"PK\x03\x04") and MIMETYPE in head[:200]


def is_other_opendocument(head: bytes) -> bool:
    """A text document, a presentation…: an OpenDocument file that is no spreadsheet."""
    return (
        head.startswith(b"PK\x03\x04")
        and b"application/vnd.oasis.opendocument." in head[:200]
        and not is_ods(head)
    )


def damaged_ods_message() -> str:
    return _(
        "The ODS file cannot be opened: it may be damaged. Save it again from your spreadsheet (LibreOffice: File > Save As > ODS), or as .xlsx or CSV (UTF-8)."
    )


def _repeat(element, attribute: str) -> int:
    try:
        return max(int(element.get(attribute, "1")), 1)
    except ValueError:
        return 1


def _inline(node) -> str:
    """A paragraph's text with its spans; <text:s/> runs of spaces, tabs and line
    breaks kept."""
    parts = [node.text or ""]
    for child in node:
        if child.tag == SPACE:
            parts.append(" " * _repeat(child, f"{{{TEXT}}}c"))
        elif child.tag == TAB:
            parts.append("\t")
        elif child.tag == LINE_BREAK:
            parts.append("\n")
        else:
            parts.append(_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _text(cell) -> str:
    """A cell's text: its paragraphs one per line (not its comments' text)."""
    return "\n".join(_inline(paragraph) for paragraph in cell.findall(PARAGRAPH))


def cell_value(cell) -> Any:
    """What the cell holds: numbers as int or float, dates as dates, text as text,
    None when empty (the same kinds of value as the XLSX reader gives)."""
    kind = cell.get(VALUE_TYPE)
    if kind in NUMBERS:
        raw = cell.get(f"{{{OFFICE}}}value", "")
        try:
            number = float(raw)
        except ValueError:
            return _text(cell) or None
        return int(number) if number.is_integer() else number
    if kind == "date":
        raw = cell.get(f"{{{OFFICE}}}date-value", "")
        try:
            return (
                datetime.fromisoformat(raw) if "T" in raw else date.fromisoformat(raw)
            )
        except ValueError:
            return _text(cell) or None
    if kind == "boolean":
        return cell.get(f"{{{OFFICE}}}boolean-value") == "true"
    text = _text(cell)
    return text if text != "" else None


def _row_values(row, cells_left: int) -> tuple[list[Any], int]:
    """The row's values (trailing empty cells dropped, a run of empty cells expanded
    only when something follows it) and how many cells that used."""
    values: list[Any] = []
    pending_empty = 0
    for cell in row:
        if cell.tag not in CELLS:
            continue
        repeat = _repeat(cell, COLUMNS_REPEATED)
        value = cell_value(cell)
        if value is None:
            pending_empty += repeat
            continue
        if pending_empty + repeat > cells_left - len(values):
            raise OdsError(_too_many_cells_message())
        values.extend([None] * pending_empty)
        values.extend([value] * repeat)
        pending_empty = 0
    return values, len(values)


def _too_many_cells_message() -> str:
    return _(
        "This ODS file has more cells than an import can take. Split it into several files, or save it as CSV (UTF-8), and upload it again."
    )


def ods_rows(handle) -> Iterator[list[Any]]:
    """The first sheet's rows. Raises OdsError for a file that cannot be read."""
    cells_left = settings.INTERVENTION_IMPORT_MAX_CELLS
    rows_left = settings.INTERVENTION_IMPORT_MAX_ROWS + 1  # the header row
    try:
        with zipfile.ZipFile(handle) as archive, archive.open("content.xml") as content:
            parents: list[Any] = []
            in_sheet = False
            for event, element in iterparse(content, events=("start", "end")):
                if event == "start":
                    if element.tag == SHEET:
                        in_sheet = True
                    parents.append(element)
                    continue
                parents.pop()
                if element.tag == SHEET:
                    return  # the first sheet only
                if not (in_sheet and element.tag == ROW):
                    continue
                values, used = _row_values(element, cells_left)
                if parents:  # drop the row read: memory stays flat
                    parents[-1].remove(element)
                if not values:
                    yield []  # a run of empty rows is one blank row
                    continue
                repeat = _repeat(element, ROWS_REPEATED)
                cells_left -= used * repeat
                rows_left -= repeat
                if cells_left < 0:
                    raise OdsError(_too_many_cells_message())
                if rows_left < 0:
                    raise OdsError(
                        _(
                            "This ODS file has more rows than an import can take. Split it into several files and upload them one by one."
                        )
                    )
                for _copy in range(repeat):
                    yield list(values)
    except (zipfile.BadZipFile, KeyError, ParseError, OSError, ValueError):
        raise OdsError(damaged_ods_message()) from None
