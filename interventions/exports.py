"""The 4W as a spreadsheet: CSV (streamed) or XLSX, in the import's own columns so an
export can be edited and imported back, with an optional HXL hashtag row. Also the
empty templates. Written by coordination/spreadsheets.py (the formula guard)."""

from __future__ import annotations

from datetime import date
from itertools import chain
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.aggregates import StringAgg
from django.db.models import F, OuterRef, Subquery, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.models import Province, Region, Sector, ServiceType
from coordination.spreadsheets import csv_bom_wanted, csv_response, xlsx_response

from .imports import COLUMNS, PARTNER_SEPARATOR
from .models import Intervention

if TYPE_CHECKING:
    from collections.abc import Iterator

    from django.db.models import QuerySet
    from django.http import FileResponse, StreamingHttpResponse

# Each column's value, read with values_list (no model instances for a large export).
SOURCES = {
    "external_ref": "external_ref",
    "organisation": "organisation__name",
    "emergency": "emergency__title",
    "sector": "sector__code",
    "activity": "activity__code",
    # HDX tools join on the OCHA P-code (#adm1+code); the HCP code goes beside it.
    "region": "region__pcode",
    "region_hcp": "region__code",
    "province": "province__pcode",
    "province_hcp": "province__code",
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
HEADER_LANGUAGES = ("fr", "en")


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


def _filename(stem: str, extension: str) -> str:
    return f"{stem}-{timezone.localdate().isoformat()}.{extension}"


def _reference_rows() -> Iterator[list[Any]]:
    """The codes and names a template's cells accept (a place's P-code, a sector's
    cluster code as the other code)."""
    yield [
        _("Kind"),
        _("Code"),
        _("Name (French)"),
        _("Name (Arabic)"),
        _("In"),
        _("P-code or cluster code"),
        _("Name (English)"),
    ]
    for sector in Sector.objects.all():
        yield [_("Sector"), sector.code, sector.name_fr, sector.name_ar, "", sector.cluster_code, sector.name_en]  # fmt: skip
    for activity in ServiceType.objects.select_related("sector"):
        yield [_("Activity"), activity.code, activity.name_fr, activity.name_ar, activity.sector.code, "", activity.name_en]  # fmt: skip
    for region in Region.objects.all():
        yield [_("Region"), region.code, region.name_fr, region.name_ar, "", region.pcode, region.name_en]  # fmt: skip
    for province in Province.objects.select_related("region").order_by("code"):
        yield [_("Province or prefecture"), province.code, province.name_fr, province.name_ar, province.region.code, province.pcode, province.name_en]  # fmt: skip


def export_response(
    queryset: QuerySet,
    *,
    file_format: str,
    hxl: bool,
    language: str = "fr",
    encoding: str | None = None,
) -> StreamingHttpResponse | FileResponse:
    """The filtered 4W as a download, in the order the list shows. A CSV starts with
    a BOM for Excel unless `encoding` is "utf-8" (coordination/spreadsheets.py)."""
    rows = chain(header_rows(hxl=hxl, language=language), data_rows(queryset))
    if file_format == "xlsx":
        return xlsx_response([("4W", rows)], filename=_filename("4w", "xlsx"))
    return csv_response(
        rows, filename=_filename("4w", "csv"), bom=csv_bom_wanted(encoding)
    )


def template_response(
    *, file_format: str, language: str = "fr"
) -> StreamingHttpResponse | FileResponse:
    """An empty file with the column names and the HXL row, ready to fill in (an XLSX
    also lists the codes its cells accept)."""
    headers = header_rows(hxl=True, language=language)
    name = f"4w-template-{language}.{file_format}"
    if file_format == "xlsx":
        return xlsx_response(
            [("4W", headers), (_("Codes"), _reference_rows())], filename=name
        )
    return csv_response(headers, filename=name)
