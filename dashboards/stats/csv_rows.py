"""Each figure's main table as (header, rows), for its CSV download."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return " ".join(
            str(item.get("sector", item)) if isinstance(item, dict) else str(item)
            for item in value
        )
    return "" if value is None else value


def to_csv_rows(name: str, data: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """(header, rows) of one figure for a CSV export: its main table."""
    table_key = {
        "4w": "rows",
        "reached": "by_month",
        "referrals": "by_receiver" if "by_receiver" in data else "by_status",
        "emergencies": "rows",
        "recommendations": "by_status",
        "public": None,
    }.get(name, "rows")
    table = data["four_w"]["rows"] if name == "public" else data.get(table_key) or []
    if name == "referrals" and table_key == "by_receiver":
        table = data["by_receiver"]
    if name == "emergencies":
        table = [
            {k: v for k, v in row.items() if k not in ("gap_cells", "overlaps")}
            | {"needs": len(row["needs"]), "overlaps": len(row["overlaps"])}
            for row in table
        ]
    if not table:
        return [_("no data")], []
    header = list(table[0].keys())
    return header, [[_flat(row.get(key)) for key in header] for row in table]
