"""Reading an upload: refusing what is plainly not a spreadsheet, keeping it in pieces
in PostgreSQL, spooling it back to disk, and streaming its rows (CSV, XLSX or ODS)."""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from typing import TYPE_CHECKING, Any
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from coordination.exceptions import ValidationError
from interventions.models import ImportChunk, InterventionImport

from .guards import UnsafeSpreadsheet, check_xlsx, damaged_xlsx_message, sheet_rows
from .ods import OdsError, is_ods, is_other_opendocument, ods_rows

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

CHUNK_SIZE = 1024 * 1024  # bytes per stored piece of an upload


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, headers)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def _old_excel_message() -> str:
    return _(
        "This is an old Excel file (.xls): save it as .xlsx or CSV, then upload it again."
    )


def _not_a_spreadsheet_message() -> str:
    return _(
        "This is not a CSV, XLSX or ODS spreadsheet. Use the template: save your sheet as .xlsx, .ods or CSV (UTF-8)."
    )


def too_large_message() -> str:
    return _("The file is larger than %(mb)d MB.") % {
        "mb": settings.INTERVENTION_IMPORT_MAX_UPLOAD_BYTES // 2**20
    }


def is_large(size: int) -> bool:
    """A file the web process does not parse: the worker reads it (by size alone, so
    nothing is read to decide)."""
    return size > settings.INTERVENTION_IMPORT_SYNC_BYTES


def check_upload(upload) -> None:
    """Refuse what is plainly not a spreadsheet before keeping it. A large XLSX is
    only checked by its zip's directory here; the worker scans it before reading."""
    if not upload or not getattr(upload, "size", 0):
        raise ValidationError({"file": _("The file is empty.")})
    if upload.size > settings.INTERVENTION_IMPORT_MAX_UPLOAD_BYTES:
        raise ValidationError({"file": too_large_message()})
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    kind = sniff(head)
    if kind == "xls":
        raise ValidationError({"file": _old_excel_message()})
    if kind is None:
        raise ValidationError({"file": _not_a_spreadsheet_message()})
    if kind == "csv" and (upload.name or "").lower().endswith(".xlsx"):
        raise ValidationError(
            {
                "file": _(
                    "This file is named .xlsx but is not an XLSX spreadsheet. Save it again from your spreadsheet as .xlsx, or as CSV (UTF-8), and upload it again."
                )
            }
        )
    if kind in ("xlsx", "ods"):
        # Before anything parses it: a few hundred KB may expand to gigabytes.
        try:
            check_xlsx(upload, scan=not is_large(upload.size))
        except UnsafeSpreadsheet as refused:
            raise ValidationError({"file": refused.message}) from None


def sniff(head: bytes) -> str | None:
    """ "xlsx", "ods", "csv", "xls" or None, from the file's first bytes."""
    if is_ods(head):
        return "ods"
    if is_other_opendocument(head):
        return None
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if not head.strip(b"\xef\xbb\xbf \r\n\t"):
        return "csv"  # blank: reported as empty when read
    if b"\x00" in head:
        return None  # binary (or UTF-16, which we ask to save as UTF-8)
    return "csv"


def store_upload(record: InterventionImport, upload) -> None:
    """Keep the upload in pieces, written as they are read."""
    upload.seek(0)
    pieces = []
    for position, data in enumerate(upload.chunks(CHUNK_SIZE)):
        pieces.append(ImportChunk(upload=record, position=position, data=data))
        if len(pieces) == 8:
            ImportChunk.objects.bulk_create(pieces)
            pieces = []
    ImportChunk.objects.bulk_create(pieces)


def spool(record: InterventionImport) -> tempfile._TemporaryFileWrapper:
    """The kept upload as a temporary file on disk, read back one piece at a time."""
    target = tempfile.NamedTemporaryFile(prefix="tansiq-import-", suffix=".bin")  # noqa: SIM115
    ids = list(record.chunks.order_by("position").values_list("pk", flat=True))
    for pk in ids:
        target.write(ImportChunk.objects.values_list("data", flat=True).get(pk=pk))
    target.flush()
    target.seek(0)
    return target


def estimate_rows(record: InterventionImport) -> int:
    """About how many data rows the file has (for the progress bar and to decide
    whether a worker should take it): lines counted in blocks, or the sheet's declared
    dimension; nothing is parsed."""
    with spool(record) as handle:
        kind = sniff(handle.read(4096))
        handle.seek(0)
        if kind == "xlsx":
            return sheet_rows(handle)
        if kind == "ods":
            return 0  # an ODS file does not say without being read: unknown
        lines = 0
        while block := handle.read(CHUNK_SIZE):
            lines += block.count(b"\n")
        return max(lines - 1, 0)


def too_many_rows() -> ImportFileError:
    return ImportFileError(
        _(
            "The file has more than %(rows)s rows, which is more than an import can take. Split it into several files and upload them one by one."
        )
        % {
            "rows": number_format(
                settings.INTERVENTION_IMPORT_MAX_ROWS, force_grouping=True
            )
        }
    )


def _bounded_lines(text, limit: int) -> Iterator[str]:
    """The text's lines, refusing one longer than limit characters before it is
    held whole (a file with no line break would otherwise be read at once)."""
    line = 0
    while chunk := text.readline(limit + 1):
        line += 1
        if len(chunk) > limit:
            raise ImportFileError(
                _(
                    "Line %(line)d of the file is longer than %(chars)s characters: it is not a 4W spreadsheet row. Check the file is a CSV, with one row per line."
                )
                % {"line": line, "chars": number_format(limit, force_grouping=True)}
            )
        yield chunk


def _csv_rows(handle) -> Iterator[list[Any]]:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict", newline="")
    line = 0
    limit = settings.INTERVENTION_IMPORT_MAX_LINE_CHARS
    # A quoted field spanning lines is bounded too (the limit is the process's: put
    # back afterwards).
    previous_field_limit = csv.field_size_limit(limit)
    try:
        first = text.readline(limit + 1)
        delimiter = max((",", ";", "\t"), key=first.count) if first else ","
        text.seek(0)
        reader = csv.reader(_bounded_lines(text, limit), delimiter=delimiter)
        for line, row in enumerate(reader, start=1):  # noqa: B007
            yield row
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "The file is not in UTF-8 (problem near line %(line)d). In your "
                "spreadsheet, save it as “CSV UTF-8”, or as .xlsx, and upload it again."
            )
            % {"line": line + 1}
        ) from None
    except csv.Error as error:
        if "field limit" in str(error):
            raise ImportFileError(
                _(
                    'A cell near line %(line)d is longer than %(chars)s characters: it is not a 4W spreadsheet cell. Check for a quote (") left open.'
                )
                % {"line": line + 1, "chars": number_format(limit, force_grouping=True)}
            ) from None
        raise ImportFileError(
            _("The CSV file cannot be read near line %(line)d: %(error)s")
            % {"line": line + 1, "error": error}
        ) from None
    finally:
        csv.field_size_limit(previous_field_limit)
        text.detach()  # the spooled file is closed by its owner


def _xlsx_rows(handle) -> Iterator[tuple[Any, ...]]:
    # openpyxl takes a fifth of a second to import: only when an XLSX file comes.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        # Checked again here: a kept upload may predate the check at upload.
        check_xlsx(handle)
    except UnsafeSpreadsheet as refused:
        raise ImportFileError(refused.message) from None
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except (
        zipfile.BadZipFile,
        InvalidFileException,
        KeyError,
        OSError,
        ValueError,
        ParseError,
    ):
        raise ImportFileError(damaged_xlsx_message()) from None
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    except ParseError:  # broken XML in the sheet: a report, not a stuck check
        raise ImportFileError(damaged_xlsx_message()) from None
    finally:
        workbook.close()


def _ods_rows(handle) -> Iterator[list[Any]]:
    try:
        check_xlsx(handle)  # the same zip guards: size, ratio, no DTD
    except UnsafeSpreadsheet as refused:
        raise ImportFileError(refused.message) from None
    try:
        yield from ods_rows(handle)
    except OdsError as error:
        raise ImportFileError(error.message) from None


def read_rows(handle) -> Iterator[list[Any] | tuple[Any, ...]]:
    """The file's rows, one at a time, whatever its format."""
    head = handle.read(4096)
    handle.seek(0)
    kind = sniff(head)
    if kind == "xlsx":
        return _xlsx_rows(handle)
    if kind == "ods":
        return _ods_rows(handle)
    if kind == "xls":
        raise ImportFileError(_old_excel_message())
    if kind is None:
        raise ImportFileError(_not_a_spreadsheet_message())
    return _csv_rows(handle)


def is_blank(row: Iterable[Any]) -> bool:
    """A row with nothing but empty cells (skipped, wherever it is)."""
    return all(cell is None or str(cell).strip() == "" for cell in row)
