"""The stats API's documented shapes: the filter parameters, and the figures' CSV
download shared by the API and the pages (`?format=csv`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drf_spectacular.utils import OpenApiParameter

from coordination import spreadsheets

from . import stats

if TYPE_CHECKING:
    from django.http import StreamingHttpResponse

FILTER_PARAMETERS = [
    OpenApiParameter("period_start", str, description="YYYY-MM-DD (its month counts)"),
    OpenApiParameter("period_end", str, description="YYYY-MM-DD (its month counts)"),
    OpenApiParameter("emergency", int, description="emergency id"),
    OpenApiParameter("region", str, description="region code, e.g. 02"),
    OpenApiParameter("sector", str, description="sector code"),
    OpenApiParameter("organisation", int, description="organisation id"),
    OpenApiParameter("format", str, enum=["json", "csv"], default="json"),
]


def csv_response(
    name: str, data: dict, *, filename: str | None = None
) -> StreamingHttpResponse:
    """One figure's main table as a CSV download, through the one spreadsheet writer
    (UTF-8 with BOM, so spreadsheets read Arabic; formula guard on every cell)."""
    header, rows = stats.to_csv_rows(name, data)
    return spreadsheets.csv_response(
        [header, *rows], filename=filename or f"tansiq-{name}.csv"
    )
