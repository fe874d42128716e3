"""The dashboards' figures computed straight from the base tables (interventions,
referrals, needs), with the same definitions as dashboards/stats/: the oracle of the
tests (tests/dashboards) and the baseline of the benchmark (bench/dashboards.py), never
read by a page or the API."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import connection
from django.db.models import Count
from django.utils import timezone

from dashboards import stats
from dashboards.stats import PARTS, TIME_ZONE, normalise
from emergencies.models import Emergency
from interventions.analysis import (
    OVERLAP_MIN_ORGANISATIONS,
    active_interventions,
    find_gaps,
    window_of,
)
from referrals.services.pathway import stale_days


def _where(f, *, month: str, organisation: str) -> tuple[str, list]:
    clauses, params = ["TRUE"], []
    if f["start_month"]:
        clauses.append(f"{month} >= %s")
        params.append(f["start_month"])
    if f["end_month"]:
        clauses.append(f"{month} <= %s")
        params.append(f["end_month"])
    for key in ("emergency", "region", "sector"):
        if f[key] is not None:
            clauses.append(f"{key}_id = %s")
            params.append(f[key])
    if f["organisation"] is not None:
        clauses.append(organisation)
        params += [f["organisation"]] * organisation.count("%s")
    return " AND ".join(clauses), params


def _fetch(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


I_MONTH = "date_trunc('month', start_date)::date"
R_MONTH = f"date_trunc('month', sent_at AT TIME ZONE '{TIME_ZONE}')::date"


def four_w(filters) -> dict:
    f = normalise(filters)
    where, params = _where(f, month=I_MONTH, organisation="organisation_id = %s")
    sql = f"""SELECT r.code, s.code, count(DISTINCT organisation_id), count(*),
        sum(reached_total) FROM interventions_intervention i
        JOIN coordination_region r ON r.id = i.region_id
        JOIN coordination_sector s ON s.id = i.sector_id
        WHERE {where} GROUP BY 1, 2 ORDER BY 1, 2"""
    rows = [
        tuple(int(v) if not isinstance(v, str) else v for v in row)
        for row in _fetch(sql, params)
    ]
    sql = f"""SELECT r.code, count(DISTINCT organisation_id), count(*), sum(reached_total)
        FROM interventions_intervention i JOIN coordination_region r ON r.id = i.region_id
        WHERE {where} GROUP BY 1 ORDER BY 1"""
    regions = [
        (row[0], int(row[1]), int(row[2]), int(row[3])) for row in _fetch(sql, params)
    ]
    sql = f"""SELECT count(DISTINCT organisation_id), count(*), coalesce(sum(reached_total), 0)
        FROM interventions_intervention WHERE {where}"""
    totals = tuple(int(v) for v in _fetch(sql, params)[0])
    return {"rows": rows, "regions": regions, "totals": totals}


def reached(filters) -> dict:
    f = normalise(filters)
    where, params = _where(f, month=I_MONTH, organisation="organisation_id = %s")
    sums = ", ".join(f"sum(reached_{p})" for p in PARTS)
    sql = f"""SELECT to_char({I_MONTH}, 'YYYY-MM'), {sums}
        FROM interventions_intervention WHERE {where} GROUP BY 1 ORDER BY 1"""
    return {
        "by_month": [
            (row[0], *(int(v) for v in row[1:])) for row in _fetch(sql, params)
        ]
    }


def referrals(filters, now) -> dict:
    f = normalise(filters)
    where, params = _where(
        f,
        month=R_MONTH,
        organisation="(from_organisation_id = %s OR to_organisation_id = %s)",
    )
    by_status = dict(
        _fetch(
            f"SELECT status, count(*) FROM referrals_referral WHERE {where} GROUP BY 1",
            params,
        )
    )
    by_priority = dict(
        _fetch(
            f"SELECT priority, count(*) FROM referrals_referral WHERE {where} GROUP BY 1",
            params,
        )
    )
    overdue = dict(
        _fetch(
            f"""SELECT priority, count(*) FROM referrals_referral WHERE {where}
            AND status = 'pending' AND due_at < %s GROUP BY 1""",
            [*params, now],
        )
    )
    rwhere, rparams = _where(f, month=R_MONTH, organisation="to_organisation_id = %s")
    receivers = {}
    for row in _fetch(
        f"""SELECT to_organisation_id, count(*),
            count(*) FILTER (WHERE responded_at IS NOT NULL),
            count(*) FILTER (WHERE responded_at <= due_at),
            count(*) FILTER (WHERE responded_at IS NOT NULL AND status = 'declined'),
            percentile_disc(0.5) WITHIN GROUP (
                ORDER BY floor(extract(epoch FROM responded_at - sent_at) / 3600)::int),
            count(*) FILTER (WHERE status = 'completed'),
            count(*) FILTER (WHERE status = 'accepted' AND responded_at < %s)
            FROM referrals_referral WHERE {rwhere} GROUP BY 1""",
        [now - timedelta(days=stale_days()), *rparams],
    ):
        org, received, answered, in_time, declined, median, completed, stale = row
        accepted = answered - declined
        receivers[org] = {
            "received": received,
            "answered": answered,
            "median_hours_to_answer": median,
            "answered_within_deadline_share": round(in_time / answered, 3)
            if answered
            else None,
            "acceptance_rate": round((answered - declined) / answered, 3)
            if answered
            else None,
            "accepted": accepted,
            "completed": completed,
            "completion_rate": round(completed / accepted, 3) if accepted else None,
            "stale_accepted": stale,
        }
    return {
        "by_status": by_status,
        "by_priority": by_priority,
        "overdue": overdue,
        "by_receiver": receivers,
    }


def assert_matches(filters, now=None) -> None:
    """Every aggregate-backed figure equals the base tables' (raises AssertionError)."""
    now = now or timezone.now()
    expected = four_w(filters)
    got = stats.four_w(filters)
    assert [
        (r["region"], r["sector"], r["organisations"], r["interventions"], r["reached"])
        for r in got["rows"]
    ] == expected["rows"]
    assert [
        (r["region"], r["organisations"], r["interventions"], r["reached"])
        for r in got["regions"]
    ] == expected["regions"]
    totals = got["totals"]
    assert (
        totals["organisations"],
        totals["interventions"],
        totals["reached"],
    ) == expected["totals"]

    got = stats.reached(filters)
    assert [(r["month"], *(r[p] for p in PARTS)) for r in got["by_month"]] == reached(
        filters
    )["by_month"]

    expected = referrals(filters, now)
    got = stats.referrals(filters)
    assert {
        r["status"]: r["count"] for r in got["by_status"] if r["count"]
    } == expected["by_status"]
    assert {
        r["priority"]: r["count"] for r in got["by_priority"] if r["count"]
    } == expected["by_priority"]
    assert {
        r["priority"]: r["overdue"] for r in got["by_priority"] if r["overdue"]
    } == expected["overdue"]
    assert {
        r["organisation"]: {
            k: r[k]
            for k in (
                "received",
                "answered",
                "median_hours_to_answer",
                "answered_within_deadline_share",
                "acceptance_rate",
                "accepted",
                "completed",
                "completion_rate",
                "stale_accepted",
            )
        }
        for r in got["by_receiver"]
    } == expected["by_receiver"]
    assert got["stale_accepted"] == sum(
        r["stale_accepted"] for r in expected["by_receiver"].values()
    )
    assert_emergencies_match(filters)


def month(day: date) -> date:
    return day.replace(day=1)


def emergencies(filters) -> dict:
    """Per emergency shown: interventions and people reached from the interventions
    table, and the gaps of interventions/analysis.py's find_gaps."""
    f = normalise(filters)
    chosen = Emergency.objects.all()
    if f["emergency"] is not None:
        chosen = chosen.filter(pk=f["emergency"])
    else:
        chosen = chosen.filter(status=Emergency.Status.ACTIVE)
    if f["region"] is not None:
        chosen = chosen.filter(regions=f["region"]).distinct()
    where, params = _where(f, month=I_MONTH, organisation="organisation_id = %s")
    figures = {
        row[0]: (int(row[1]), int(row[2]))
        for row in _fetch(
            f"""SELECT emergency_id, count(*), sum(reached_total)
            FROM interventions_intervention WHERE {where} AND emergency_id IS NOT NULL
            GROUP BY 1""",
            params,
        )
    }
    start = (filters or {}).get("period_start")
    end = (filters or {}).get("period_end")
    result = {}
    for emergency in chosen:
        window = window_of(emergency, start, end)
        gaps = find_gaps(emergency, *window)
        result[emergency.pk] = {
            "figures": figures.get(emergency.pk, (0, 0)),
            "gaps": sorted(
                (gap.region.code, gap.sector.code, gap.people_in_need) for gap in gaps
            ),
            "overlaps": _crowded_places(emergency, *window),
        }
    return result


def assert_emergencies_match(filters) -> None:
    got = {
        row["emergency"]: {
            "figures": (row["interventions"], row["reached"]),
            "gaps": sorted(
                (g["region"], g["sector"], g["people_in_need"])
                for g in row["gap_cells"]
            ),
            "overlaps": [
                (o["province"], o["activity"], o["organisations"])
                for o in row["overlaps"]
            ],
        }
        for row in stats.emergencies(filters)["rows"]
    }
    assert got == emergencies(filters)


def _crowded_places(emergency, start, end) -> list[dict]:
    """One emergency's possible overlaps, straight from the interventions it links:
    provinces where at least three organisations run the same activity during the
    window (the dashboard computes every emergency's at once)."""
    rows = (
        active_interventions(start, end)
        .filter(emergency=emergency, province__isnull=False)
        .values("province__code", "activity__code")
        .annotate(organisations=Count("organisation_id", distinct=True))
        .filter(organisations__gte=OVERLAP_MIN_ORGANISATIONS)
        .order_by()
    )
    found = [
        (row["province__code"], row["activity__code"], row["organisations"])
        for row in rows
    ]
    return sorted(found, key=lambda r: (-r[2], r[0], r[1]))
