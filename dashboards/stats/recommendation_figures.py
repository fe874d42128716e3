"""The follow-up figures: recommendations by status."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from dialogue.models import Recommendation

from .selection import local_month_start, month_after, normalise


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
