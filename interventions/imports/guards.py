"""Refusing an XLSX that would exhaust the server before anything parses it: a zip
bomb (parts expanding far past their size), XML with a DTD (entity expansion), too many
cells, or a shared-strings table too large to hold (openpyxl reads it whole, even in
read-only mode; the sheets themselves are streamed).

Two depths: `check_xlsx(handle, scan=False)` reads only the zip's directory and the first
bytes of the sheets and of the string table (instant, whatever the file: the web process
does it for every upload); `scan=True` also streams every XML part once, in blocks, to
look for a DTD and to count the cells and strings (the worker does it for a large file
before reading it, the web process for a small one)."""

from __future__ import annotations

import re
import zipfile

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

MAX_MEMBERS = 1000  # a real workbook has a few dozen parts
RATIO_CHECKED_FROM = 1024 * 1024  # small parts may compress very well, harmlessly
MAX_RATIO = 100  # real sheets compress 5 to 30 times; bombs a thousand times
SCAN_BLOCK = 64 * 1024
HEAD_BYTES = 4096  # where a sheet's <dimension> and the table's counts sit
CONTENT_TYPES = "[Content_Types].xml"
SHARED_STRINGS_TYPE = b"sharedStrings+xml"
# Expat expands entities declared in a DTD; a workbook never needs one. Looked for in
# UTF-8 and UTF-16, the encodings an XML part may declare.
DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)
# A cell (<c …>) and a shared string (<si>), with or without a namespace prefix. In
# XML text "<" is always markup, so counting these openings counts the elements.
CELL = re.compile(rb"<(?:\w{1,16}:)?c[\s/>]")
STRING = re.compile(rb"<(?:\w{1,16}:)?si[\s/>]")
LONGEST_OPENING = 20  # bytes: an opening cut by a block's end is carried over
DIMENSION = re.compile(
    rb"<(?:\w{1,16}:)?dimension\s+ref=\"([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?\""
)
UNIQUE_COUNT = re.compile(rb"uniqueCount=\"(\d{1,12})\"")
OVERRIDE = re.compile(rb"<Override\b[^>]*>")
PART_NAME = re.compile(rb"PartName=\"/?([^\"]+)\"")


class UnsafeSpreadsheet(Exception):
    """The XLSX cannot be read safely; the message says why, for the person."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def damaged_xlsx_message() -> str:
    return _(
        "The XLSX file cannot be opened: it may be damaged. Save it again from your spreadsheet."
    )


def check_xlsx(handle, *, scan: bool = True) -> None:
    """Refuse a damaged zip, a zip bomb, too many cells, a string table too large or
    XML with a DTD; leave the handle at 0. Without scan, only what the zip's directory
    and the parts' first bytes tell (see the module's docstring)."""
    try:
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
            _check_sizes(members, settings.INTERVENTION_IMPORT_MAX_UNCOMPRESSED_BYTES)
            strings = _string_tables(archive, members)
            sheets = [m for m in members if _is_sheet(m.filename)]
            _check_heads(archive, sheets, strings)
            if scan:
                _scan(archive, members, sheets, strings)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError):
        # Includes a part longer than its header said (zipfile stops at the
        # declared size and the CRC check then fails).
        raise UnsafeSpreadsheet(damaged_xlsx_message()) from None
    finally:
        handle.seek(0)


def _too_large_message(limit: int) -> str:
    return _(
        "This XLSX file expands to more than %(mb)d MB when opened, which is more than an import can take. Remove unused sheets and formatting, or save it as CSV (UTF-8), and upload it again."
    ) % {"mb": limit // 2**20}


def _too_many_cells_message(limit: int) -> str:
    return _(
        "This XLSX file has more than %(cells)s cells, which is more than an import can take. Split it into several files, or save it as CSV (UTF-8), and upload it again."
    ) % {"cells": number_format(limit, force_grouping=True)}


def _strings_too_large_message() -> str:
    return _(
        "This XLSX file's table of texts is larger than an import can take (at most %(count)s different texts and %(mb)d MB). Split it into several files, or save it as CSV (UTF-8), and upload it again."
    ) % {
        "count": number_format(
            settings.INTERVENTION_IMPORT_MAX_SHARED_STRINGS, force_grouping=True
        ),
        "mb": settings.INTERVENTION_IMPORT_MAX_SHARED_STRINGS_BYTES // 2**20,
    }


def _is_sheet(name: str) -> bool:
    return name.startswith("xl/worksheets/") and name.endswith(".xml")


def _check_sizes(members: list[zipfile.ZipInfo], limit: int) -> None:
    if len(members) > MAX_MEMBERS:
        raise UnsafeSpreadsheet(damaged_xlsx_message())
    total = 0
    for member in members:
        total += member.file_size
        if total > limit:
            raise UnsafeSpreadsheet(_too_large_message(limit))
        if member.file_size > RATIO_CHECKED_FROM and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise UnsafeSpreadsheet(_too_large_message(limit))


def _string_tables(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]
) -> list[zipfile.ZipInfo]:
    """The shared-strings parts: any declared as such in [Content_Types].xml (where
    openpyxl finds it, whatever its name), and any named so."""
    names = {
        m.filename for m in members if m.filename.lower().endswith("sharedstrings.xml")
    }
    types = next((m for m in members if m.filename == CONTENT_TYPES), None)
    if types is not None and types.file_size <= RATIO_CHECKED_FROM:
        _check_no_dtd(archive, types)  # read below: never with a DTD
        for override in OVERRIDE.findall(archive.read(types)):
            name = PART_NAME.search(override)
            if SHARED_STRINGS_TYPE in override and name:
                names.add(name.group(1).decode("utf-8", "replace"))
    return [m for m in members if m.filename in names]


def _head(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    with archive.open(member) as part:
        return part.read(HEAD_BYTES)


def _check_heads(
    archive: zipfile.ZipFile,
    sheets: list[zipfile.ZipInfo],
    strings: list[zipfile.ZipInfo],
) -> None:
    """What the parts declare: each sheet's dimension, the table's size and count (a
    file may understate them: the scan counts for real)."""
    max_cells = settings.INTERVENTION_IMPORT_MAX_CELLS
    cells = 0
    for sheet in sheets:
        if found := DIMENSION.search(_head(archive, sheet)):
            cells += _area(*found.groups())
            if cells > max_cells:
                raise UnsafeSpreadsheet(_too_many_cells_message(max_cells))
    for table in strings:
        if table.file_size > settings.INTERVENTION_IMPORT_MAX_SHARED_STRINGS_BYTES:
            raise UnsafeSpreadsheet(_strings_too_large_message())
        found = UNIQUE_COUNT.search(_head(archive, table))
        if (
            found
            and int(found.group(1)) > settings.INTERVENTION_IMPORT_MAX_SHARED_STRINGS
        ):
            raise UnsafeSpreadsheet(_strings_too_large_message())


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def _area(first_col, first_row, last_col, last_row) -> int:
    if last_col is None:
        return 1
    rows = abs(int(last_row) - int(first_row)) + 1
    columns = abs(_column_number(last_col) - _column_number(first_col)) + 1
    return rows * columns


def _scan(
    archive: zipfile.ZipFile,
    members: list[zipfile.ZipInfo],
    sheets: list[zipfile.ZipInfo],
    strings: list[zipfile.ZipInfo],
) -> None:
    """Every XML part once, in blocks: no DTD anywhere, and the cells and strings
    counted for real, each stopped at its limit."""
    max_cells = settings.INTERVENTION_IMPORT_MAX_CELLS
    max_strings = settings.INTERVENTION_IMPORT_MAX_SHARED_STRINGS
    cells = 0
    for member in members:
        if not member.filename.endswith((".xml", ".rels", ".vml")):
            continue
        if member in sheets:
            cells += _count(archive, member, CELL, max_cells - cells)
            if cells > max_cells:
                raise UnsafeSpreadsheet(_too_many_cells_message(max_cells))
        elif member in strings:
            if _count(archive, member, STRING, max_strings) > max_strings:
                raise UnsafeSpreadsheet(_strings_too_large_message())
        else:
            _check_no_dtd(archive, member)


def _count(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, opening: re.Pattern, limit: int
) -> int:
    """How many openings the part holds, stopped as soon as past limit; refuses a
    DTD on the way."""
    count, carry = 0, b""
    for window in _blocks(archive, member):
        window = carry + window
        # An opening may be cut at the block's end: keep the last "<" for the next.
        cut = window.rfind(b"<", max(0, len(window) - LONGEST_OPENING))
        cut = len(window) if cut < 0 else cut
        count += len(opening.findall(window, 0, cut))
        if count > limit:
            return count
        carry = window[cut:]
    return count + len(opening.findall(carry))


def _check_no_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    for _window in _blocks(archive, member):
        pass


def _blocks(archive: zipfile.ZipFile, member: zipfile.ZipInfo):
    """The part's bytes in blocks, refusing a DTD on the way (the tail of the previous
    block is kept so a marker split across two blocks is still seen)."""
    overlap = max(len(marker) for marker in DTD_MARKERS) - 1
    tail = b""
    with archive.open(member) as part:
        while block := part.read(SCAN_BLOCK):
            window = tail + block
            if any(marker in window for marker in DTD_MARKERS):
                raise UnsafeSpreadsheet(
                    _(
                        "This XLSX file contains a document type declaration (DTD), which spreadsheets never need and which is refused for safety. Save it again from your spreadsheet, or as CSV (UTF-8), and upload it again."
                    )
                )
            tail = window[-overlap:]
            yield block


def sheet_rows(handle) -> int:
    """The data rows the first sheet declares (its dimension), 0 when it does not
    say: for the progress bar, read without opening the workbook."""
    try:
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            sheets = sorted(n for n in archive.namelist() if _is_sheet(n))
            if not sheets:
                return 0
            found = DIMENSION.search(_head(archive, archive.getinfo(sheets[0])))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError):
        return 0
    finally:
        handle.seek(0)
    if not found or found.group(4) is None:
        return 0
    return max(int(found.group(4)) - 1, 0)
