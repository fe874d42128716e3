"""Refusing an XLSX that would exhaust the server before anything parses it: a zip
bomb (parts expanding far past their size) or XML with a DTD (entity expansion)."""

from __future__ import annotations

import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

MAX_MEMBERS = 1000  # a real workbook has a few dozen parts
RATIO_CHECKED_FROM = 1024 * 1024  # small parts may compress very well, harmlessly
MAX_RATIO = 100  # real sheets compress 5 to 30 times; bombs a thousand times
SCAN_BLOCK = 64 * 1024
# Expat expands entities declared in a DTD; a workbook never needs one. Looked for in
# UTF-8 and UTF-16, the encodings an XML part may declare.
DTD_MARKERS = tuple(
    marker.encode(encoding)
    for marker in ("<!DOCTYPE", "<!ENTITY")
    for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)


class UnsafeSpreadsheet(Exception):
    """The XLSX cannot be read safely; the message says why, for the person."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def damaged_xlsx_message() -> str:
    return _(
        "The XLSX file cannot be opened: it may be damaged. Save it again from your spreadsheet."
    )


def check_xlsx(handle) -> None:
    """Refuse a damaged zip, a zip bomb or XML with a DTD; leave the handle at 0."""
    limit = settings.INTERVENTION_IMPORT_MAX_UNCOMPRESSED_BYTES
    try:
        handle.seek(0)
        with zipfile.ZipFile(handle) as archive:
            members = archive.infolist()
            _check_sizes(members, limit)
            for member in members:
                if member.filename.endswith((".xml", ".rels", ".vml")):
                    _check_no_dtd(archive, member)
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


def _check_sizes(members: list[zipfile.ZipInfo], limit: int) -> None:
    if len(members) > MAX_MEMBERS:
        raise UnsafeSpreadsheet(damaged_xlsx_message())
    total = 0
    for member in members:
        total += member.file_size
        if total > limit:  # bounds the shared strings too, which are read whole
            raise UnsafeSpreadsheet(_too_large_message(limit))
        if member.file_size > RATIO_CHECKED_FROM and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise UnsafeSpreadsheet(_too_large_message(limit))


def _check_no_dtd(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    # Read in blocks (the sizes were checked above): the tail of the previous block
    # is kept so a marker split across two blocks is still seen.
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
