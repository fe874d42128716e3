"""Reading the 4W spreadsheets organisations keep (CSV, XLSX or ODS, HXL hashtags or French /
English headers) and writing them in one pass.

Rows are streamed: the file is read row by row (csv, openpyxl read-only), each valid row
goes straight into a temporary table through PostgreSQL COPY, and one INSERT … ON
CONFLICT moves them into place at the end, so neither the file nor its rows are ever held
in memory. Any error makes the whole import roll back: a file is imported whole or not
at all. Errors are reported by spreadsheet row and column.

- `columns`: the columns, their HXL hashtags and names, and matching a header to them;
- `reading`: refusing, keeping, spooling and streaming an upload (CSV, XLSX);
- `guards`: refusing an XLSX that would exhaust the server (zip bomb, DTD) unread;
- `header`: which column of the file holds what;
- `references`: the reference data rows are looked up in;
- `rows`: one row checked into the values of one intervention, or errors;
- `writing`: COPY into a temporary table, then the merge;
- `progress`, `report`: what a running or finished import tells;
- `run`: one import from start to end, all or nothing."""

from __future__ import annotations

from .columns import (
    COLUMN_BY_KEY,
    COLUMNS,
    PARTNER_SEPARATOR,
    REQUIRED,
    Column,
    column_for_name,
    column_for_tag,
    normalise,
)
from .header import Header, read_header
from .progress import PROGRESS_EVERY, progress_of
from .reading import (
    CHUNK_SIZE,
    ImportFileError,
    check_upload,
    estimate_rows,
    is_large,
    read_rows,
    sniff,
    spool,
    store_upload,
    too_large_message,
)
from .references import MODALITY_ALIASES, STATUS_ALIASES, References
from .report import MAX_ERRORS, ImportReport
from .rows import RowChecker, auto_reference
from .run import ERROR_SUMMARY, run_import
from .writing import COPY_COLUMNS, TEMP_TABLE

__all__ = [
    "CHUNK_SIZE",
    "COLUMNS",
    "COLUMN_BY_KEY",
    "COPY_COLUMNS",
    "ERROR_SUMMARY",
    "MAX_ERRORS",
    "MODALITY_ALIASES",
    "PARTNER_SEPARATOR",
    "PROGRESS_EVERY",
    "REQUIRED",
    "STATUS_ALIASES",
    "TEMP_TABLE",
    "Column",
    "Header",
    "ImportFileError",
    "ImportReport",
    "References",
    "RowChecker",
    "auto_reference",
    "check_upload",
    "column_for_name",
    "column_for_tag",
    "estimate_rows",
    "is_large",
    "normalise",
    "progress_of",
    "read_header",
    "read_rows",
    "run_import",
    "sniff",
    "spool",
    "store_upload",
    "too_large_message",
]
