"""The 4W figures: organisations, interventions and people reached per region x sector,
and people reached per month."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum

from coordination.models import Region, Sector

from .selection import PARTS, codes_and_names, intervention_stats, normalise


def four_w(filters: dict | None, *, public: bool = False) -> dict[str, Any]:
    """Organisations, interventions and people reached per region x sector, per region
    (with the 2024 population and people reached per 10,000 inhabitants) and in all."""
    f = normalise(filters)
    stats = intervention_stats(f)
    measures = {
        "organisations": Count("organisation_id", distinct=True),
        "interventions": Sum("interventions"),
        "reached": Sum("total"),
    }
    regions = {row.pk: row for row in Region.objects.all()}
    sectors = codes_and_names(Sector)
    rows = [
        {
            "region": regions[row["region_id"]].code,
            "region_name": regions[row["region_id"]].name,
            "sector": sectors[row["sector_id"]][0],
            "sector_name": sectors[row["sector_id"]][1],
            "organisations": row["organisations"],
            "interventions": int(row["interventions"]),
            "reached": int(row["reached"]),
        }
        for row in stats.values("region_id", "sector_id")
        .annotate(**measures)
        .order_by("region_id", "sector_id")
    ]
    rows.sort(key=lambda r: (r["region"], r["sector"]))
    by_region = []
    for row in stats.values("region_id").annotate(**measures).order_by("region_id"):
        region = regions[row["region_id"]]
        reached = int(row["reached"])
        by_region.append(
            {
                "region": region.code,
                "region_name": region.name,
                "organisations": row["organisations"],
                "interventions": int(row["interventions"]),
                "reached": reached,
                "population": region.population,
                "reached_per_10000": round(reached * 10000 / region.population, 1)
                if region.population
                else None,
            }
        )
    by_region.sort(key=lambda r: r["region"])
    totals = stats.aggregate(**measures)
    totals = {
        "organisations": totals["organisations"] or 0,
        "interventions": int(totals["interventions"] or 0),
        "reached": int(totals["reached"] or 0),
    }
    return {"rows": rows, "regions": by_region, "totals": totals}


def reached(filters: dict | None, *, public: bool = False) -> dict[str, Any]:
    """People reached by sex, age and disability, per month the interventions start."""
    f = normalise(filters)
    stats = intervention_stats(f)
    sums = {part: Sum(part) for part in PARTS}
    by_month = [
        {"month": row["month"].strftime("%Y-%m")}
        | {part: int(row[part]) for part in PARTS}
        for row in stats.values("month").annotate(**sums).order_by("month")
    ]
    totals = stats.aggregate(**sums)
    return {
        "by_month": by_month,
        "totals": {part: int(totals[part] or 0) for part in PARTS},
    }
