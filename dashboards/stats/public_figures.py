"""The public figures (no login): small counts suppressed, so no combination of public
figures reveals a count under 5, and no organisation's referral figures."""

from __future__ import annotations

from typing import Any

from .four_w_figures import four_w, reached
from .referral_figures import referrals
from .selection import PARTS

SMALL = 5  # counts below this are suppressed in public figures
SUPPRESSED = "<5"


def _small(value: int) -> bool:
    return 0 < value < SMALL


def _mask(value: int) -> int | str:
    return SUPPRESSED if _small(value) else value


def _total(value: int, parts: list[int | str | None]) -> int | str | None:
    """A total is shown only when every figure it adds up is shown (else None)."""
    if any(not isinstance(part, int) for part in parts):
        return None
    return _mask(value)


def public_stats(filters: dict | None, *, public: bool = True) -> dict[str, Any]:
    """The public dashboard's figures: 4W per region x sector and per region, people
    reached per month, referrals by status and priority; counts 1-4 read "<5" and a total
    adding up a suppressed figure is hidden (None); no per-organisation referral figure."""
    matrix = four_w(filters)
    rows = [
        {
            **{k: row[k] for k in ("region", "region_name", "sector", "sector_name")},
            "organisations": _mask(row["organisations"]),
            "interventions": _mask(row["interventions"]),
            "reached": _mask(row["reached"]),
        }
        for row in matrix["rows"]
    ]
    regions = []
    for region in matrix["regions"]:
        cells = [row for row in rows if row["region"] == region["region"]]
        visible = {
            key: _total(region[key], [cell[key] for cell in cells])
            for key in ("interventions", "reached")
        }
        regions.append(
            {
                "region": region["region"],
                "region_name": region["region_name"],
                # Organisations are counted once however many sectors: not a sum.
                "organisations": _mask(region["organisations"]),
                **visible,
                "population": region["population"],
                "reached_per_10000": region["reached_per_10000"]
                if isinstance(visible["reached"], int)
                else None,
            }
        )
    totals = {
        "organisations": _mask(matrix["totals"]["organisations"]),
        **{
            key: _total(matrix["totals"][key], [region[key] for region in regions])
            for key in ("interventions", "reached")
        },
    }

    people = reached(filters)
    months = []
    for row in people["by_month"]:
        shown = {part: _mask(row[part]) for part in PARTS}
        # women + men + girls + boys ≤ total: a shown total would bound a hidden part.
        shown["total"] = _total(row["total"], [shown[p] for p in PARTS[:4]])
        months.append({"month": row["month"], **shown})
    people_totals = {
        part: _total(people["totals"][part], [month[part] for month in months])
        for part in PARTS
    }
    if any(not isinstance(people_totals[p], int) for p in PARTS[:4]):
        people_totals["total"] = None

    pathway = referrals(filters, public=True)
    by_status = [{**row, "count": _mask(row["count"])} for row in pathway["by_status"]]
    by_priority = [
        {**row, "count": _mask(row["count"]), "overdue": _mask(row["overdue"])}
        for row in pathway["by_priority"]
    ]
    return {
        "four_w": {"rows": rows, "regions": regions, "totals": totals},
        "reached": {"by_month": months, "totals": people_totals},
        "referrals": {
            "by_status": by_status,
            "by_priority": by_priority,
            "total": _total(
                sum(row["count"] for row in pathway["by_status"]),
                [row["count"] for row in by_status],
            ),
            "overdue": _total(
                pathway["overdue"], [row["overdue"] for row in by_priority]
            ),
        },
    }
