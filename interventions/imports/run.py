"""One import from start to end: read the header, check each row as it streams by, COPY
the valid ones into a temporary table, and merge them, all in one transaction that is
rolled back for a dry run or at the first error (a file is imported whole or not at
all)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from interventions.models import InterventionImport

from .columns import COLUMN_BY_KEY
from .header import Header, read_header
from .progress import forget_progress, note_progress
from .reading import ImportFileError, is_blank, read_rows, spool, too_many_rows
from .references import References
from .report import ImportReport
from .rows import RowChecker, auto_reference
from .writing import (
    copy_columns,
    copy_into_temp_table,
    count_known,
    create_temp_table,
    merge,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from organisations.models import User

ERROR_SUMMARY = gettext_lazy(
    "The file was not imported: correct the errors and upload it again."
)


class _Rollback(Exception):
    pass


def run_import(
    record: InterventionImport, *, actor: User, dry_run: bool
) -> ImportReport:
    """Check every row and, unless dry_run, save them all (or nothing)."""
    report = ImportReport(dry_run=dry_run)
    with spool(record) as handle:
        try:
            with transaction.atomic():
                _run(handle, record, actor, report)
                if dry_run or not report.valid:
                    raise _Rollback
        except _Rollback:
            pass
        except ImportFileError as error:
            report.file_error = error.message
    forget_progress(record.pk)
    return report


def _run(handle, record: InterventionImport, actor: User, report: ImportReport) -> None:
    rows = read_rows(handle)
    header = read_header(iter(rows))  # consumes the header row(s)
    report.header_style = header.style
    report.ignored_columns = header.ignored
    partners = "partners" in header.keys.values()
    columns = copy_columns(partners=partners)
    data_rows = rows if header.pending is None else _prepend(header.pending, rows)
    copier = _RowCopier(record, header, report, columns)  # loads the references
    with connection.cursor() as cursor:
        create_temp_table(cursor, columns)
        with copy_into_temp_table(cursor, columns) as copy:
            copier.copy(data_rows, copy.write_row)
        if report.rows == 0:
            raise ImportFileError(
                _("The file has column headers but no rows to import.")
            )
        if report.error_count:
            return
        params = {
            "organisation": record.organisation_id,
            "actor": actor.pk,
            "now": timezone.now(),
        }
        if report.dry_run:
            existing = count_known(cursor, params)
            report.created, report.updated = report.rows - existing, existing
            return
        report.created, report.updated = merge(cursor, params, partners=partners)
        report.unchanged = report.rows - report.created - report.updated


class _RowCopier:
    """Checks the data rows one by one, reports their errors by row and column, and
    writes the valid ones to the COPY while no error has been met."""

    def __init__(
        self,
        record: InterventionImport,
        header: Header,
        report: ImportReport,
        columns: tuple[str, ...],
    ):
        self.record = record
        self.first_row = header.first_data_row
        self.report = report
        self.columns = columns
        self.checker = RowChecker(References(record.organisation), header)
        self.labels = {key: header.labels[i] for i, key in header.keys.items()}
        self.refs_seen: dict[str, int] = {}
        self.max_rows = settings.INTERVENTION_IMPORT_MAX_ROWS

    def copy(self, rows: Iterable[Any], write_row: Callable[[list[Any]], Any]) -> None:
        report = self.report
        for number, row in enumerate(rows, start=self.first_row):
            if is_blank(row):
                continue
            report.rows += 1
            if report.rows > self.max_rows:
                raise too_many_rows()
            note_progress(self.record.pk, report.rows)
            values = self._checked(number, row)
            if values is None or report.error_count:
                continue  # nothing will be saved: stop copying, keep checking
            values["row_number"] = number
            write_row([values[c] for c in self.columns])

    def _checked(self, number: int, row) -> dict[str, Any] | None:
        """The row's values, or None when it has errors (reported here)."""
        values, errors = self.checker.check(row)
        for key, message in errors:
            self.report.add_error(
                number, self.labels.get(key, COLUMN_BY_KEY[key].en), message
            )
        if values is None:
            return None
        ref = values["external_ref"] or auto_reference(values)
        values["external_ref"] = ref
        if ref in self.refs_seen:
            self._same_reference(number, self.refs_seen[ref])
            return None
        self.refs_seen[ref] = number
        return values

    def _same_reference(self, number: int, first: int) -> None:
        labels = self.labels
        self.report.add_error(
            number,
            labels.get("external_ref", _("Reference")),
            _("Same reference as row %(row)d: each row needs its own reference.")
            % {"row": first}
            if labels.get("external_ref")
            else _(
                "Same intervention as row %(row)d (same activity, place, dates and funder): add a Reference column to tell them apart."
            )
            % {"row": first},
        )


def _prepend(first, rows) -> Iterator:
    yield first
    yield from rows
