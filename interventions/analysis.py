"""Gap and overlap analysis for an emergency or a period (read only).

A gap: a region and sector where an emergency declared needs and no intervention of that
sector is active in the region during the window. An overlap: a province where three or
more organisations run the same activity on the same days."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Q, Sum
from django.utils import timezone

from coordination.models import Province, Region, Sector, ServiceType
from emergencies.models import Emergency, Need
from organisations.models import Organisation

from .models import Intervention

if TYPE_CHECKING:
    from django.db.models import QuerySet

OVERLAP_MIN_ORGANISATIONS = 3
# Suspended interventions do not answer a need, nor duplicate anyone's work.
ACTIVE = [
    Intervention.Status.PLANNED,
    Intervention.Status.ONGOING,
    Intervention.Status.COMPLETED,
]


@dataclass
class Gap:
    region: Region
    sector: Sector
    people_in_need: int
    needs: int


@dataclass
class Overlap:
    province: Province
    activity: ServiceType
    start: date
    end: date | None
    organisations: list[Organisation] = field(default_factory=list)


@dataclass
class Analysis:
    start: date | None
    end: date | None
    emergency: Emergency | None
    gaps: list[Gap]
    overlaps: list[Overlap]


def window_of(
    emergency: Emergency | None, start: date | None, end: date | None
) -> tuple[date | None, date | None]:
    """The period analysed: the one given, else the emergency's (to today if open)."""
    if emergency is not None:
        start = start or emergency.started_on
        end = end or emergency.ended_on or max(timezone.localdate(), start)
    return start, end


def active_interventions(start: date | None, end: date | None) -> QuerySet:
    return Intervention.objects.filter(status__in=ACTIVE).active_between(start, end)


def analyse(
    *,
    emergency: Emergency | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Analysis:
    start, end = window_of(emergency, start, end)
    return Analysis(
        start=start,
        end=end,
        emergency=emergency,
        gaps=find_gaps(emergency, start, end),
        overlaps=find_overlaps(start, end),
    )


def find_gaps(
    emergency: Emergency | None, start: date | None, end: date | None
) -> list[Gap]:
    needs = Need.objects.all()
    if emergency is not None:
        needs = needs.filter(emergency=emergency)
    else:
        # Needs of the emergencies that were open during the period.
        if end is not None:
            needs = needs.filter(emergency__started_on__lte=end)
        if start is not None:
            needs = needs.filter(
                Q(emergency__ended_on__isnull=True) | Q(emergency__ended_on__gte=start)
            )
    declared = list(
        needs.values("region_id", "sector_id")
        .annotate(people=Sum("people_in_need"), needs=Count("id"))
        .order_by("region_id", "sector_id")
    )
    if not declared:
        return []
    covered = set(
        active_interventions(start, end)
        .filter(
            region_id__in={row["region_id"] for row in declared},
            sector_id__in={row["sector_id"] for row in declared},
        )
        .values_list("region_id", "sector_id")
        .distinct()
    )
    missing = [
        row for row in declared if (row["region_id"], row["sector_id"]) not in covered
    ]
    regions = Region.objects.in_bulk({row["region_id"] for row in missing})
    sectors = Sector.objects.in_bulk({row["sector_id"] for row in missing})
    gaps = [
        Gap(
            region=regions[row["region_id"]],
            sector=sectors[row["sector_id"]],
            people_in_need=row["people"] or 0,
            needs=row["needs"],
        )
        for row in missing
    ]
    return sorted(gaps, key=lambda g: (-g.people_in_need, g.region.code, g.sector.code))


def find_overlaps(start: date | None, end: date | None) -> list[Overlap]:
    active = active_interventions(start, end).filter(province__isnull=False)
    # Only places and activities with enough organisations are worth a closer look.
    crowded = (
        active.values("province_id", "activity_id")
        .annotate(organisations=Count("organisation_id", distinct=True))
        .filter(organisations__gte=OVERLAP_MIN_ORGANISATIONS)
    )
    keys = {(row["province_id"], row["activity_id"]) for row in crowded}
    if not keys:
        return []
    spans: dict[tuple[int, int], list[tuple[date, date, int]]] = {}
    far = date.max
    rows = active.filter(
        province_id__in={k[0] for k in keys}, activity_id__in={k[1] for k in keys}
    ).values_list(
        "province_id", "activity_id", "organisation_id", "start_date", "end_date"
    )
    for province_id, activity_id, organisation_id, begin, finish in rows:
        if (province_id, activity_id) in keys:
            begin = max(begin, start) if start else begin
            finish = finish or far
            finish = min(finish, end) if end else finish
            spans.setdefault((province_id, activity_id), []).append(
                (begin, finish, organisation_id)
            )
    found: list[tuple[tuple[int, int], date, date, set[int]]] = []
    for key, items in spans.items():
        overlap = _busiest(items)
        if overlap is not None:
            found.append((key, *overlap))
    provinces = Province.objects.in_bulk({f[0][0] for f in found})
    activities = ServiceType.objects.select_related("sector").in_bulk(
        {f[0][1] for f in found}
    )
    organisations = Organisation.objects.in_bulk({org for f in found for org in f[3]})
    overlaps = [
        Overlap(
            province=provinces[key[0]],
            activity=activities[key[1]],
            start=begin,
            end=None if finish == date.max else finish,
            organisations=sorted(
                (organisations[o] for o in orgs), key=lambda o: o.name
            ),
        )
        for key, begin, finish, orgs in found
    ]
    return sorted(
        overlaps,
        key=lambda o: (-len(o.organisations), o.province.code, o.activity.code),
    )


def _busiest(
    items: list[tuple[date, date, int]],
) -> tuple[date, date, set[int]] | None:
    """The longest stretch of days on which the most distinct organisations (at least
    three) are active together: a sweep over start and end dates."""
    days = sorted(
        {begin for begin, _f, _o in items}
        | {f + timedelta(days=1) for _b, f, _o in items if f != date.max}
    )
    best: tuple[int, date, date, set[int]] | None = None
    for index, day in enumerate(days):
        orgs = {org for begin, finish, org in items if begin <= day <= finish}
        if len(orgs) < OVERLAP_MIN_ORGANISATIONS:
            continue
        until = min(
            [finish for begin, finish, org in items if begin <= day <= finish]
            + ([days[index + 1] - timedelta(days=1)] if index + 1 < len(days) else [])
        )
        if best is None or len(orgs) > best[0]:
            best = (len(orgs), day, until, orgs)
    if best is None:
        return None
    return best[1], best[2], best[3]


def organisations_with_interventions(scope) -> QuerySet:
    """For alerts: organisations with a planned or ongoing intervention in one of the
    alert's places (and sectors, when it names some). Registered with coordination's
    alert recipients in apps.py, so coordination never imports this app."""
    places = Q(region__in=scope.regions)
    if scope.provinces:
        places = Q(province__in=scope.provinces) | Q(
            region__in=scope.regions, province__isnull=True
        )
    running = Intervention.objects.filter(
        places,
        status__in=[Intervention.Status.PLANNED, Intervention.Status.ONGOING],
    ).active_between(timezone.localdate(), None)
    if scope.sectors:
        running = running.filter(sector__in=scope.sectors)
    return running.values("organisation_id")
