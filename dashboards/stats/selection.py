"""From the dashboard filters to the rows of the maintained aggregates they select (and,
for the clock-dependent figures, to the same filters on the referrals table)."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet, Sum

from coordination.models import Region, Sector
from dashboards.models import (
    InterventionStat,
    ReferralAnswerStat,
    ReferralAnswerTotal,
    ReferralStat,
    ReferralTotal,
)

# The aggregates' months are local months: the zone their triggers were written with
# (dashboards/migrations/0002_triggers), settings.TIME_ZONE at the time.
TIME_ZONE = "Africa/Casablanca"
PARTS = ("women", "men", "girls", "boys", "disabled", "total")


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


def intervention_stats(f: dict[str, Any]) -> QuerySet:
    queryset = InterventionStat.objects.filter(_dimensions(f))
    if f["organisation"] is not None:
        queryset = queryset.filter(organisation_id=f["organisation"])
    return queryset


def _dimension_free(f: dict[str, Any]) -> bool:
    """No filter but (perhaps) the organisation: the month-free totals answer."""
    keys = ("start_month", "end_month", "emergency", "region", "sector")
    return all(f[key] is None for key in keys)


def referral_counts(f: dict[str, Any]) -> QuerySet:
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


def answer_stats(f: dict[str, Any]) -> QuerySet:
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


def codes_and_names(model) -> dict[int, tuple[str, str]]:
    """{pk: (code, name)} of a reference table (regions, sectors, provinces…)."""
    return {row.pk: (row.code, row.name) for row in model.objects.all()}


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None
