"""The emergencies' figures: each active (or chosen) emergency with its needs, the
interventions linked to it and people reached, its gaps and its possible overlaps."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Count, Q, Sum

from coordination.models import Province, Region, Sector, ServiceType
from emergencies.models import Emergency, Need
from interventions.analysis import ACTIVE, OVERLAP_MIN_ORGANISATIONS, window_of
from interventions.models import Intervention

from .selection import codes_and_names, intervention_stats, normalise


def emergencies(filters: dict | None, *, public: bool = False) -> dict[str, Any]:
    """Active emergencies (or the chosen one) with their needs, the interventions linked
    to them and people reached, their gaps (declared needs with no active intervention of
    the sector in the region, interventions/analysis.py) and overlaps in their regions."""
    f = normalise(filters)
    chosen = Emergency.objects.prefetch_related(
        "regions", "needs__sector", "needs__region"
    )
    if f["emergency"] is not None:
        chosen = chosen.filter(pk=f["emergency"])
    else:
        chosen = chosen.filter(status=Emergency.Status.ACTIVE)
    if f["region"] is not None:
        chosen = chosen.filter(regions=f["region"]).distinct()
    chosen = list(chosen.order_by("-started_on", "pk"))
    per_emergency = {
        row["emergency_id"]: row
        for row in intervention_stats(f)
        .filter(emergency_id__in=[e.pk for e in chosen])
        .values("emergency_id")
        .annotate(interventions=Sum("interventions"), reached=Sum("total"))
        .order_by()
    }
    start = filters.get("period_start") if filters else None
    end = filters.get("period_end") if filters else None
    windows = {e.pk: window_of(e, start, end) for e in chosen}
    all_gaps = find_gaps(windows)
    all_overlaps = {} if public else crowded_places(windows)
    regions, sectors = codes_and_names(Region), codes_and_names(Sector)
    rows = []
    for emergency in chosen:
        gaps = all_gaps.get(emergency.pk, [])
        overlaps = all_overlaps.get(emergency.pk, [])
        counts = per_emergency.get(emergency.pk, {})
        needs = [
            need
            for need in emergency.needs.all()
            if f["sector"] is None or need.sector_id == f["sector"]
        ]
        rows.append(
            {
                "emergency": emergency.pk,
                "title": emergency.title,
                "status": emergency.status,
                "status_label": emergency.get_status_display(),
                "severity": emergency.severity,
                "severity_label": emergency.get_severity_display(),
                "started_on": emergency.started_on.isoformat(),
                "regions": sorted(region.code for region in emergency.regions.all()),
                "needs": [
                    {
                        "sector": need.sector.code,
                        "sector_name": need.sector.name,
                        "region": need.region.code,
                        "region_name": need.region.name,
                        "people": need.people_in_need,
                    }
                    for need in needs
                ],
                "interventions": int(counts.get("interventions") or 0),
                "reached": int(counts.get("reached") or 0),
                "gaps": sorted({sectors[gap["sector_id"]][0] for gap in gaps}),
                "gap_cells": sorted(
                    (
                        {
                            "region": regions[gap["region_id"]][0],
                            "region_name": regions[gap["region_id"]][1],
                            "sector": sectors[gap["sector_id"]][0],
                            "sector_name": sectors[gap["sector_id"]][1],
                            "people_in_need": gap["people"] or 0,
                        }
                        for gap in gaps
                    ),
                    key=lambda g: (-g["people_in_need"], g["region"], g["sector"]),
                ),
                "overlaps": overlaps,
            }
        )
    return {"rows": rows}


def _window_q(windows: dict[int, tuple[date, date]]) -> Q:
    """Interventions of each emergency running during that emergency's window."""
    matches = Q(pk__in=[])
    for emergency_id, (start, end) in windows.items():
        match = Q(emergency_id=emergency_id, start_date__lte=end)
        match &= Q(end_date__isnull=True) | Q(end_date__gte=start)
        matches |= match
    return matches


def crowded_places(
    windows: dict[int, tuple[date, date]],
) -> dict[int, list[dict[str, Any]]]:
    """{emergency id: provinces where at least three organisations run the same
    activity for it during its window}, for every emergency in one query (the
    candidates of interventions/analysis.py's overlaps, whose page then narrows them to
    the same days; the dashboard says "possible overlaps")."""
    if not windows:
        return {}
    crowded = list(
        Intervention.objects.filter(
            _window_q(windows), status__in=ACTIVE, province__isnull=False
        )
        .values("emergency_id", "province_id", "activity_id")
        .annotate(organisations=Count("organisation_id", distinct=True))
        .filter(organisations__gte=OVERLAP_MIN_ORGANISATIONS)
        .order_by()
    )
    provinces = codes_and_names(Province) if crowded else {}
    activities = codes_and_names(ServiceType) if crowded else {}
    result: dict[int, list[dict[str, Any]]] = {}
    for row in crowded:
        province, activity = (
            provinces[row["province_id"]],
            activities[row["activity_id"]],
        )
        result.setdefault(row["emergency_id"], []).append(
            {
                "province": province[0],
                "province_name": province[1],
                "activity": activity[0],
                "activity_name": activity[1],
                "organisations": row["organisations"],
            }
        )
    for rows in result.values():
        rows.sort(key=lambda r: (-r["organisations"], r["province"], r["activity"]))
    return result


def find_gaps(
    windows: dict[int, tuple[date, date]],
) -> dict[int, list[dict[str, Any]]]:
    """interventions.analysis.find_gaps for every emergency in one query: declared
    needs (region, sector) with no active intervention of the sector in the region
    during their emergency's window. Each emergency's window is a row of constants the
    planner can see, so every need's EXISTS is one look-up of the (sector, region)
    index (a CASE over emergencies made it scan the whole table)."""
    if not windows:
        return {}
    values = ", ".join(["(%s, %s::date, %s::date)"] * len(windows))
    params: list[Any] = [
        x for pk, (start, end) in windows.items() for x in (pk, start, end)
    ]
    sql = f"""
        SELECT n.emergency_id, n.region_id, n.sector_id,
               sum(n.people_in_need) AS people, count(*) AS needs
        FROM {Need._meta.db_table} n
        JOIN (VALUES {values}) AS w (emergency_id, window_start, window_end)
          ON w.emergency_id = n.emergency_id
        WHERE NOT EXISTS (
            SELECT 1 FROM {Intervention._meta.db_table} i
            WHERE i.region_id = n.region_id AND i.sector_id = n.sector_id
              AND i.status = ANY(%s) AND i.start_date <= w.window_end
              AND (i.end_date IS NULL OR i.end_date >= w.window_start)
        )
        GROUP BY 1, 2, 3
        ORDER BY 1, 2, 3
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, list(ACTIVE)])
        rows = cursor.fetchall()
    result: dict[int, list[dict[str, Any]]] = {}
    for emergency_id, region_id, sector_id, people, needs in rows:
        result.setdefault(emergency_id, []).append(
            {
                "emergency_id": emergency_id,
                "region_id": region_id,
                "sector_id": sector_id,
                "people": people,
                "needs": needs,
            }
        )
    return result
