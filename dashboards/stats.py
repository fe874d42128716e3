"""Every dashboard figure, as plain JSON-able data, for the pages and the API alike.

Each function takes the cleaned data of `StatsFilterForm` (model instances or None;
ids and codes are accepted too) and reads the maintained aggregates of
`coordination.models.dashboards` (see aggregates.py), never a scan of the base tables:

- interventions count in the month they start (`start_date`), referrals in the month
  they are sent (`sent_at`, local time); the period selects the whole months from
  period_start's to period_end's;
- "reached" is an intervention's `reached_*` figures (its progress reports add to them);
- "organisations" counts the leading organisations (not partners), each once;
- for referrals, the organisation filter keeps the referrals it sent or received, and
  `by_receiver` then shows that organisation as a receiver;
- a referral is answered once it has `responded_at` (accepted or declined); its time to
  answer is in whole hours, rounded down, and the median is the lower median (the
  smallest value at or above half of the answers: `percentile_disc(0.5)`);
- "overdue" depends on the clock: it is counted from the referrals table itself, through
  the partial index on pending referrals' `due_at` (few rows: only late pending ones).

`public_stats` suppresses small counts: every count from 1 to 4 reads "<5", and a total
adding up a suppressed figure reads None (shown as "hidden"), recursively, so no
combination of public figures reveals a count under 5.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import (
    Count,
    Q,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.models import Province, Region, Sector, ServiceType
from dashboards.models import (
    InterventionStat,
    ReferralAnswerStat,
    ReferralAnswerTotal,
    ReferralStat,
    ReferralTotal,
)
from dialogue.models import Recommendation
from emergencies.models import Emergency, Need
from interventions.models import Intervention

# The aggregates' months are local months: the zone their triggers were written with
# (dashboards/migrations/0002_triggers), settings.TIME_ZONE at the time.
TIME_ZONE = "Africa/Casablanca"
SMALL = 5  # counts below this are suppressed in public figures
SUPPRESSED = "<5"
PARTS = ("women", "men", "girls", "boys", "disabled", "total")


# --- filters ---------------------------------------------------------------------


def _pk(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return getattr(value, "pk", value)


def _ref_id(model, value: Any) -> int | None:
    """A region or sector given as an instance, an id or a code."""
    if value in (None, ""):
        return None
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, int):
        return value
    row = model.objects.filter(code=value).values_list("pk", flat=True).first()
    return row if row is not None else -1


def month_bounds(filters: dict) -> tuple[date | None, date | None]:
    """The first day of period_start's month and of period_end's month."""
    start, end = filters.get("period_start"), filters.get("period_end")
    return (
        start.replace(day=1) if start else None,
        end.replace(day=1) if end else None,
    )


def normalise(filters: dict | None) -> dict[str, Any]:
    """{start_month, end_month, emergency, region, sector, organisation} as ids."""
    filters = filters or {}
    start, end = month_bounds(filters)
    return {
        "start_month": start,
        "end_month": end,
        "emergency": _pk(filters.get("emergency")),
        "region": _ref_id(Region, filters.get("region")),
        "sector": _ref_id(Sector, filters.get("sector")),
        "organisation": _pk(filters.get("organisation")),
    }


def _dimensions(f: dict[str, Any]) -> Q:
    q = Q()
    if f["start_month"]:
        q &= Q(month__gte=f["start_month"])
    if f["end_month"]:
        q &= Q(month__lte=f["end_month"])
    for key in ("emergency", "region", "sector"):
        if f[key] is not None:
            q &= Q(**{f"{key}_id": f[key]})
    return q


def intervention_stats(f: dict[str, Any]):
    queryset = InterventionStat.objects.filter(_dimensions(f))
    if f["organisation"] is not None:
        queryset = queryset.filter(organisation_id=f["organisation"])
    return queryset


def _dimension_free(f: dict[str, Any]) -> bool:
    """No filter but (perhaps) the organisation: the month-free totals answer."""
    keys = ("start_month", "end_month", "emergency", "region", "sector")
    return all(f[key] is None for key in keys)


def referral_counts(f: dict[str, Any]):
    """Referral counts per organisation, role, status and priority: every referral of
    the filters once as received, plus, with an organisation filter, the ones it sent
    (none is both: a referral is not sent to its sender)."""
    if _dimension_free(f):
        queryset = ReferralTotal.objects.all()
    else:
        queryset = ReferralStat.objects.filter(_dimensions(f))
    if f["organisation"] is not None:
        queryset = queryset.filter(organisation_id=f["organisation"])
    else:
        queryset = queryset.filter(role=ReferralStat.Role.RECEIVED)
    return (
        queryset.values("organisation_id", "role", "status", "priority")
        .annotate(
            n=Sum("referrals"),
            answered_n=Sum("answered"),
            in_time=Sum("answered_in_time"),
            declined_n=Sum("declined"),
        )
        .order_by()
    )


def answer_stats(f: dict[str, Any]):
    if _dimension_free(f):
        queryset = ReferralAnswerTotal.objects.all()
    else:
        queryset = ReferralAnswerStat.objects.filter(_dimensions(f))
    if f["organisation"] is not None:
        queryset = queryset.filter(organisation_id=f["organisation"])
    return queryset


def local_month_start(month: date) -> datetime:
    """Midnight on that day in the aggregates' time zone (whatever the user's)."""
    return datetime.combine(month, time.min, tzinfo=ZoneInfo(TIME_ZONE))


def month_after(month: date) -> date:
    days = calendar.monthrange(month.year, month.month)[1]
    return month + timedelta(days=days)


def referral_base_filter(f: dict[str, Any]) -> Q:
    """The same filters on the referrals table (for the clock-dependent figures)."""
    q = Q()
    if f["start_month"]:
        q &= Q(sent_at__gte=local_month_start(f["start_month"]))
    if f["end_month"]:
        q &= Q(sent_at__lt=local_month_start(month_after(f["end_month"])))
    for key in ("emergency", "region", "sector"):
        if f[key] is not None:
            q &= Q(**{f"{key}_id": f[key]})
    if f["organisation"] is not None:
        q &= Q(from_organisation_id=f["organisation"]) | Q(
            to_organisation_id=f["organisation"]
        )
    return q


# --- names -------------------------------------------------------------------------


def _names(model) -> dict[int, tuple[str, str]]:
    return {row.pk: (row.code, row.name) for row in model.objects.all()}


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


# --- the figures ---------------------------------------------------------------------


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
    sectors = _names(Sector)
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


def _median_hours(f: dict[str, Any]) -> dict[int, int]:
    """The lower median of whole hours to answer, per receiving organisation, from the
    histogram: the smallest hour whose running count reaches half of the answers."""
    histogram = (
        answer_stats(f)
        .values("organisation_id", "hours")
        .annotate(n=Sum("referrals"))
        .order_by()
    )
    sql, params = histogram.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT organisation_id, min(hours) FROM (
                  SELECT organisation_id, hours,
                    sum(n) OVER (PARTITION BY organisation_id ORDER BY hours) AS running,
                    sum(n) OVER (PARTITION BY organisation_id) AS answers
                  FROM ({sql}) h
                ) x WHERE running * 2 >= answers GROUP BY organisation_id""",
            params,
        )
        return dict(cursor.fetchall())


def referrals(filters: dict | None, *, public: bool = False) -> dict[str, Any]:
    """Referrals by status and priority (with the overdue ones), and per receiving
    organisation: received, answered, median hours to answer, share answered within the
    deadline, acceptance rate (accepted among answered). No per-organisation figure when
    public."""
    from referrals.models import Referral

    f = normalise(filters)
    grouped = list(referral_counts(f))
    status_counts: dict[str, int] = {}
    priority_counts: dict[str, int] = {}
    receivers: dict[int, dict[str, int]] = {}
    for row in grouped:
        n = int(row["n"])
        status_counts[row["status"]] = status_counts.get(row["status"], 0) + n
        priority_counts[row["priority"]] = priority_counts.get(row["priority"], 0) + n
        if row["role"] == ReferralStat.Role.RECEIVED:
            figures = receivers.setdefault(
                row["organisation_id"],
                {"received": 0, "answered": 0, "in_time": 0, "declined": 0},
            )
            figures["received"] += n
            figures["answered"] += int(row["answered_n"])
            figures["in_time"] += int(row["in_time"])
            figures["declined"] += int(row["declined_n"])
    late = dict(
        Referral.objects.overdue(timezone.now())
        .filter(referral_base_filter(f))
        .values("priority")
        .annotate(count=Count("id"))
        .order_by()
        .values_list("priority", "count")
    )
    data: dict[str, Any] = {
        "by_status": [
            {
                "status": value,
                "status_label": str(label),
                "count": status_counts.get(value, 0),
            }
            for value, label in Referral.Status.choices
        ],
        "by_priority": [
            {
                "priority": value,
                "priority_label": str(label),
                "count": priority_counts.get(value, 0),
                "overdue": late.get(value, 0),
            }
            for value, label in Referral.Priority.choices
        ],
        "overdue": sum(late.values()),
    }
    if public:
        return data
    from organisations.models import Organisation

    medians = _median_hours(f) if receivers else {}
    names = dict(
        Organisation.objects.filter(pk__in=list(receivers)).values_list("pk", "name")
    )
    by_receiver = []
    for organisation, figures in receivers.items():
        answered = figures["answered"]
        by_receiver.append(
            {
                "organisation": organisation,
                "organisation_name": names.get(organisation, ""),
                "received": figures["received"],
                "answered": answered,
                "median_hours_to_answer": medians.get(organisation),
                "answered_within_deadline_share": _share(figures["in_time"], answered),
                "acceptance_rate": _share(answered - figures["declined"], answered),
            }
        )
    by_receiver.sort(key=lambda r: (r["organisation_name"], r["organisation"]))
    data["by_receiver"] = by_receiver
    return data


def emergencies(filters: dict | None, *, public: bool = False) -> dict[str, Any]:
    """Active emergencies (or the chosen one) with their needs, the interventions linked
    to them and people reached, their gaps (declared needs with no active intervention of
    the sector in the region, interventions/analysis.py) and overlaps in their regions."""
    from interventions.analysis import window_of

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
    regions, sectors = _names(Region), _names(Sector)
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
    from interventions.analysis import ACTIVE, OVERLAP_MIN_ORGANISATIONS

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
    provinces = _names(Province) if crowded else {}
    activities = _names(ServiceType) if crowded else {}
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
    from interventions.analysis import ACTIVE

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


def recommendations(filters: dict | None, *, public: bool = False) -> dict[str, Any]:
    """Recommendations by status (the organisation filter keeps those it follows up;
    the period, the months they were made in). Few rows: read straight from the table."""
    f = normalise(filters)
    queryset = Recommendation.objects.all()
    if f["start_month"]:
        queryset = queryset.filter(created_at__gte=local_month_start(f["start_month"]))
    if f["end_month"]:
        queryset = queryset.filter(
            created_at__lt=local_month_start(month_after(f["end_month"]))
        )
    if f["organisation"] is not None:
        queryset = queryset.filter(owner_id=f["organisation"])
    counts = dict(
        queryset.values("status")
        .annotate(count=Count("id"))
        .order_by()
        .values_list("status", "count")
    )
    return {
        "by_status": [
            {"status": value, "status_label": str(label), "count": counts.get(value, 0)}
            for value, label in Recommendation.Status.choices
        ]
    }


# --- public figures -----------------------------------------------------------------


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


# --- CSV ---------------------------------------------------------------------------

FIGURES = {
    "4w": four_w,
    "reached": reached,
    "referrals": referrals,
    "emergencies": emergencies,
    "recommendations": recommendations,
}


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
