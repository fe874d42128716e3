"""The stats API's documented shapes: the filter parameters, and the CSV writer shared
by the API and the pages (`?format=csv`)."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter

from . import stats

FILTER_PARAMETERS = [
    OpenApiParameter("period_start", str, description="YYYY-MM-DD (its month counts)"),
    OpenApiParameter("period_end", str, description="YYYY-MM-DD (its month counts)"),
    OpenApiParameter("emergency", int, description="emergency id"),
    OpenApiParameter("region", str, description="region code, e.g. 02"),
    OpenApiParameter("sector", str, description="sector code"),
    OpenApiParameter("organisation", int, description="organisation id"),
    OpenApiParameter("format", str, enum=["json", "csv"], default="json"),
]

_FORMULA_START = ("=", "+", "-", "@")


def _cell(value):
    # Spreadsheet formulas are never executed from an export (as the 4W export does).
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_response(name: str, data: dict) -> HttpResponse:
    """One figure as a CSV download (UTF-8 with BOM, so spreadsheets read Arabic)."""
    header, rows = stats.to_csv_rows(name, data)
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tansiq-{name}.csv"'
    return response
