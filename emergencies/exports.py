"""The emergencies list as a CSV or XLSX download, with an optional HXL hashtag row:
the GLIDE number is `#crisis+code` beside the title's `#crisis+name`. Written by
coordination/spreadsheets.py (the formula guard; BOM or plain UTF-8)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.postgres.aggregates import StringAgg
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.spreadsheets import csv_bom_wanted, csv_response, xlsx_response

if TYPE_CHECKING:
    from collections.abc import Iterator

    from django.db.models import QuerySet
    from django.http import FileResponse, StreamingHttpResponse

# (value read with values_list, HXL hashtag)
COLUMNS = (
    ("id", "#crisis+id+v_tansiq"),
    ("title", "#crisis+name"),
    ("glide_number", "#crisis+code"),
    ("kind", "#crisis+type"),
    ("status", "#status"),
    ("severity", "#severity"),
    ("started_on", "#date+start"),
    ("ended_on", "#date+end"),
    ("region_codes", "#adm1+code+list"),
    ("people_affected", "#affected"),
)


def header_rows(*, hxl: bool) -> list[list[str]]:
    names = [
        _("Tansiq ID"),
        _("Title"),
        _("GLIDE number"),
        _("Kind"),
        _("Status"),
        _("Severity"),
        _("Start date"),
        _("End date"),
        _("Regions"),
        _("People affected"),
    ]
    return [names, [tag for _key, tag in COLUMNS]] if hxl else [names]


def data_rows(queryset: QuerySet) -> Iterator[list[Any]]:
    """One query: the regions' codes are aggregated in it, not read per row."""
    queryset = queryset.annotate(
        region_codes=StringAgg("regions__code", "; ", order_by="regions__code")
    )
    for row in queryset.values_list(*[key for key, _tag in COLUMNS]):
        yield ["" if value is None else str(value) if key.endswith("_on") else value
               for (key, _tag), value in zip(COLUMNS, row, strict=True)]  # fmt: skip


def export_response(
    queryset: QuerySet, *, file_format: str, hxl: bool, encoding: str | None = None
) -> StreamingHttpResponse | FileResponse:
    rows = [*header_rows(hxl=hxl), *data_rows(queryset)]
    stem = f"emergencies-{timezone.localdate().isoformat()}"
    if file_format == "xlsx":
        return xlsx_response([("Emergencies", rows)], filename=f"{stem}.xlsx")
    return csv_response(rows, filename=f"{stem}.csv", bom=csv_bom_wanted(encoding))
