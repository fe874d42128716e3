"""The referral pathway's figures: by status and priority (with the overdue ones), and
per receiving organisation (received, answered, median time to answer, shares, and the
follow-through: accepted, completed, completion rate, accepted but not completed after
REFERRAL_STALE_ACCEPTED_DAYS)."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Count, Sum
from django.utils import timezone

from dashboards.models import ReferralStat
from organisations.models import Organisation
from referrals.models import Referral
from referrals.services.pathway import stale_days

from .selection import (
    answer_stats,
    normalise,
    referral_base_filter,
    referral_counts,
    share,
)


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


def _stale_accepted(f: dict[str, Any]) -> dict[int, int]:
    """Per receiving organisation, the referrals accepted more than the stale delay ago
    and still not completed. It depends on the clock, so (like "overdue") it is
    counted from the referrals table, through the partial index on accepted referrals
    (dashboards/migrations/0003): one query, over open referrals only."""
    return dict(
        Referral.objects.stale_accepted(timezone.now())
        .filter(referral_base_filter(f))
        .values("to_organisation")
        .annotate(count=Count("id"))
        .order_by()
        .values_list("to_organisation", "count")
    )


def referrals(filters: dict | None, *, public: bool = False) -> dict[str, Any]:
    """Referrals by status and priority (with the overdue ones), and per receiving
    organisation: received, answered, median hours to answer, share answered within the
    deadline, acceptance rate (accepted among answered), completed, completion rate
    (completed among accepted) and those accepted but not completed after the stale
    delay. No per-organisation figure when public."""
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
                {
                    "received": 0,
                    "answered": 0,
                    "in_time": 0,
                    "declined": 0,
                    "completed": 0,
                },
            )
            figures["received"] += n
            figures["answered"] += int(row["answered_n"])
            figures["in_time"] += int(row["in_time"])
            figures["declined"] += int(row["declined_n"])
            if row["status"] == Referral.Status.COMPLETED:
                figures["completed"] += n
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

    medians = _median_hours(f) if receivers else {}
    stale = _stale_accepted(f)
    names = dict(
        Organisation.objects.filter(pk__in=list(receivers)).values_list("pk", "name")
    )
    by_receiver = []
    for organisation, figures in receivers.items():
        answered = figures["answered"]
        # Accepted: answered and not declined, whatever happened next.
        accepted = answered - figures["declined"]
        by_receiver.append(
            {
                "organisation": organisation,
                "organisation_name": names.get(organisation, ""),
                "received": figures["received"],
                "answered": answered,
                "median_hours_to_answer": medians.get(organisation),
                "answered_within_deadline_share": share(figures["in_time"], answered),
                "acceptance_rate": share(accepted, answered),
                "accepted": accepted,
                "completed": figures["completed"],
                "completion_rate": share(figures["completed"], accepted),
                "stale_accepted": stale.get(organisation, 0),
            }
        )
    by_receiver.sort(key=lambda r: (r["organisation_name"], r["organisation"]))
    data["by_receiver"] = by_receiver
    data["stale_accepted"] = sum(stale.values())
    data["stale_accepted_days"] = stale_days()
    return data
