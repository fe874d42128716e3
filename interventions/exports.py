"""The 4W as a spreadsheet: CSV (streamed) or XLSX, in the import's own columns so an
export can be edited and imported back, with an optional HXL hashtag row. Also the
empty templates."""

from __future__ import annotations

import csv
import tempfile
from datetime import date
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import F, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.models import Province, Region, Sector, ServiceType

from .imports import COLUMNS, PARTNER_SEPARATOR
from .models import Intervention

if TYPE_CHECKING:
    from collections.abc import Iterator

    from django.db.models import QuerySet

# Each column's value, read with values_list (no model instances for a large export).
SOURCES = {
    "external_ref": "external_ref",
    "organisation": "organisation__name",
    "emergency": "emergency__title",
    "sector": "sector__code",
    "activity": "activity__code",
    "region": "region__code",
    "province": "province__code",
    "commune": "commune",
    "latitude": "latitude",
    "longitude": "longitude",
    "start_date": "start_date",
    "end_date": "end_date",
    "status": "status",
    "modality": "modality",
    "funding_source": "funding_source",
    "partners": "partner_names",
    "description": "description",
}
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER_LANGUAGES = ("fr", "en")


def neutralise(value: Any) -> Any:
    """A text cell starting like a formula gets a leading quote, so a spreadsheet shows
    it as text instead of running it (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def header_rows(*, hxl: bool, language: str = "fr") -> list[list[str]]:
    names = [column.en if language == "en" else column.fr for column in COLUMNS]
    return [names, [column.hxl for column in COLUMNS]] if hxl else [names]


def _partner_names() -> Coalesce:
    """Each row's partners (acronym, else name), "; "-separated, read in the export's
    own query (a correlated subquery, not a query per row)."""
    through = Intervention.partners.through
    partners = (
        through.objects.filter(intervention=OuterRef("pk"))
        .values("intervention")
        .annotate(
            names=StringAgg(
                Coalesce(
                    NullIf("organisation__acronym", Value("")), "organisation__name"
                ),
                f"{PARTNER_SEPARATOR} ",
                order_by=F("organisation__name"),
            )
        )
        .values("names")
    )
    return Coalesce(Subquery(partners), Value(""), output_field=TextField())


def data_rows(queryset: QuerySet) -> Iterator[list[Any]]:
    fields = [SOURCES.get(column.key, column.key) for column in COLUMNS]
    queryset = queryset.annotate(partner_names=_partner_names())
    for row in queryset.values_list(*fields).iterator(chunk_size=2000):
        yield [
            value.isoformat()
            if isinstance(value, date)
            else ("" if value is None else value)
            for value in row
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate().isoformat()}.{extension}"


def csv_response(
    rows: Iterator[list[Any]], *, filename: str, headers: list[list[str]]
) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff"  # a BOM, so spreadsheets open the file as UTF-8
        for header in headers:
            yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([neutralise(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(
    rows: Iterator[list[Any]],
    *,
    filename: str,
    headers: list[list[str]],
    lists: bool = False,
) -> FileResponse:
    """An XLSX built row by row (openpyxl write-only) in a temporary file on disk."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("4W")

    def cells(values: list[Any]) -> list[Any]:
        out = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            out.append(cell)
        return out

    for header in headers:
        sheet.append(cells(header))
    for row in rows:
        sheet.append(cells(row))
    if lists:
        _reference_sheet(workbook)
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - closed by the response
    workbook.save(handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _reference_sheet(workbook) -> None:
    """The codes and names a template's cells accept."""
    sheet = workbook.create_sheet(_("Codes"))
    sheet.append(
        [_("Kind"), _("Code"), _("Name (French)"), _("Name (Arabic)"), _("In")]
    )
    for sector in Sector.objects.all():
        sheet.append([_("Sector"), sector.code, sector.name_fr, sector.name_ar, ""])
    for activity in ServiceType.objects.select_related("sector"):
        sheet.append(
            [
                _("Activity"),
                activity.code,
                activity.name_fr,
                activity.name_ar,
                activity.sector.code,
            ]
        )
    for region in Region.objects.all():
        sheet.append([_("Region"), region.code, region.name_fr, region.name_ar, ""])
    for province in Province.objects.select_related("region").order_by("code"):
        sheet.append(
            [
                _("Province or prefecture"),
                province.code,
                province.name_fr,
                province.name_ar,
                province.region.code,
            ]
        )


def export_response(
    queryset: QuerySet, *, file_format: str, hxl: bool, language: str = "fr"
):
    """The filtered 4W as a download, in the order the list shows."""
    headers = header_rows(hxl=hxl, language=language)
    if file_format == "xlsx":
        return xlsx_response(
            data_rows(queryset), filename=_filename("4w", "xlsx"), headers=headers
        )
    return csv_response(
        data_rows(queryset), filename=_filename("4w", "csv"), headers=headers
    )


def template_response(*, file_format: str, language: str = "fr"):
    """An empty file with the column names and the HXL row, ready to fill in."""
    headers = header_rows(hxl=True, language=language)
    name = f"4w-template-{language}.{file_format}"
    if file_format == "xlsx":
        return xlsx_response(iter(()), filename=name, headers=headers, lists=True)
    return csv_response(iter(()), filename=name, headers=headers)
