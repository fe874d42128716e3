"""The coordinators' pathway figures, read from the referrals table under the page's
filters (ReferralFilter): per receiving organisation, per pair of organisations (the
map of who refers to whom) and the gaps (sector x province where referrals are sent
and nobody accepts). Each is ONE aggregated query, whatever the number of referrals
and organisations. Metadata only: no beneficiary column is ever read.

Definitions (the same as the dashboards', dashboards/stats/):
- answered: has `responded_at` (accepted or declined);
- accepted: answered and not declined, whatever happened next (completed, still open,
  or cancelled by the sender afterwards): the acceptance rate's numerator;
- completion rate: completed / accepted;
- stale: still accepted, accepted (answered) more than STALE_ACCEPTED_DAYS ago
  (`Referral.objects.stale_accepted()`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    QuerySet,
)
from django.utils.translation import get_language

from organisations.models.organisations import has_members_expression
from referrals.models import Referral
from referrals.models.referrals import STALE_ACCEPTED_DAYS


class Median(Aggregate):
    """PostgreSQL's median (percentile_cont 0.5) of an interval or number."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


ANSWERED = Q(responded_at__isnull=False)
ACCEPTED = ANSWERED & ~Q(status=Referral.Status.DECLINED)
COMPLETED = Q(status=Referral.Status.COMPLETED)


def stale_days() -> int:
    return getattr(settings, "REFERRAL_STALE_ACCEPTED_DAYS", STALE_ACCEPTED_DAYS)


def _stale(now: datetime) -> Q:
    """The `stale_accepted()` rule as an aggregate filter."""
    return Q(
        status=Referral.Status.ACCEPTED,
        responded_at__lt=now - timedelta(days=stale_days()),
    )


def _answer_time() -> Median:
    return Median(
        ExpressionWrapper(
            F("responded_at") - F("sent_at"), output_field=DurationField()
        )
    )


def percent(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def _hours(duration: timedelta | None) -> float | None:
    return round(duration.total_seconds() / 3600, 1) if duration is not None else None


def per_receiver(rows: QuerySet, *, now: datetime) -> list[dict[str, Any]]:
    """Per receiving organisation: received, answered, accepted, completed, stale,
    median time to answer, shares. One query."""
    figures = list(
        rows.order_by()
        .values("to_organisation", "to_organisation__name")
        .annotate(
            connected=has_members_expression("to_organisation"),
            received=Count("pk"),
            answered=Count("pk", filter=ANSWERED),
            accepted=Count("pk", filter=ACCEPTED),
            completed=Count("pk", filter=COMPLETED),
            stale=Count("pk", filter=_stale(now)),
            # Answered, or past the deadline: those the deadline applies to.
            due=Count("pk", filter=ANSWERED | Q(due_at__lt=now)),
            on_time=Count("pk", filter=ANSWERED & Q(responded_at__lte=F("due_at"))),
            median=_answer_time(),
        )
        .order_by("to_organisation__name", "to_organisation")
    )
    for row in figures:
        # Shown with `timesince` (translated days and hours) from this start.
        row["median_start"] = now - row["median"] if row["median"] else None
        row["on_time_share"] = percent(row["on_time"], row["due"])
        row["acceptance_rate"] = percent(row["accepted"], row["answered"])
        row["completion_rate"] = percent(row["completed"], row["accepted"])
    return figures


def edges(rows: QuerySet, *, now: datetime) -> list[dict[str, Any]]:
    """Who refers to whom: one row per (sender, receiver) with the counts, the median
    time to answer and the completion rate. One query (GROUP BY from, to)."""
    pairs = list(
        rows.order_by()
        .values(
            "from_organisation",
            "from_organisation__name",
            "from_organisation__acronym",
            "to_organisation",
            "to_organisation__name",
            "to_organisation__acronym",
        )
        .annotate(
            from_connected=has_members_expression("from_organisation"),
            to_connected=has_members_expression("to_organisation"),
            referrals=Count("pk"),
            answered=Count("pk", filter=ANSWERED),
            accepted=Count("pk", filter=ACCEPTED),
            completed=Count("pk", filter=COMPLETED),
            declined=Count("pk", filter=Q(status=Referral.Status.DECLINED)),
            pending=Count("pk", filter=Q(status=Referral.Status.PENDING)),
            stale=Count("pk", filter=_stale(now)),
            median=_answer_time(),
        )
        .order_by("from_organisation__name", "to_organisation__name")
    )
    result = []
    for row in pairs:
        result.append(
            {
                "source": row["from_organisation"],
                "source_name": row["from_organisation__name"],
                "source_short": row["from_organisation__acronym"]
                or row["from_organisation__name"],
                "source_connected": row["from_connected"],
                "target": row["to_organisation"],
                "target_name": row["to_organisation__name"],
                "target_short": row["to_organisation__acronym"]
                or row["to_organisation__name"],
                "target_connected": row["to_connected"],
                "referrals": row["referrals"],
                "answered": row["answered"],
                "accepted": row["accepted"],
                "completed": row["completed"],
                "declined": row["declined"],
                "pending": row["pending"],
                "stale": row["stale"],
                "median_hours": _hours(row["median"]),
                "median_start": now - row["median"] if row["median"] else None,
                "completion_rate": percent(row["completed"], row["accepted"]),
            }
        )
    return result


GRAPH_KEYS = (
    "referrals",
    "accepted",
    "completed",
    "stale",
    "median_hours",
    "completion_rate",
)


def graph(pairs: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The map's data (json_script): organisations as nodes, pairs as directed
    edges. Names, counts and rates only."""
    nodes: dict[int, dict[str, Any]] = {}
    for pair in pairs:
        for end in ("source", "target"):
            node = nodes.setdefault(
                pair[end],
                {
                    "id": f"o{pair[end]}",
                    "name": pair[f"{end}_name"],
                    "short": pair[f"{end}_short"],
                    "connected": pair[f"{end}_connected"],
                    "sent": 0,
                    "received": 0,
                },
            )
            node["sent" if end == "source" else "received"] += pair["referrals"]
    return {
        "nodes": sorted(nodes.values(), key=lambda n: (n["name"], n["id"])),
        "edges": [
            {
                "id": f"e{pair['source']}-{pair['target']}",
                "source": f"o{pair['source']}",
                "target": f"o{pair['target']}",
                **{key: pair[key] for key in GRAPH_KEYS},
            }
            for pair in pairs
        ],
    }


def _local(row: dict[str, Any], prefix: str, language: str) -> str:
    return row.get(f"{prefix}__name_{language}") or row[f"{prefix}__name_fr"] or ""


def gaps(rows: QuerySet) -> list[dict[str, Any]]:
    """Sector x province where referrals were sent and none was accepted (nor
    completed): the holes in the pathway. Referrals cancelled before an answer do not
    count. One query; the place may be unknown (province None)."""
    language = (get_language() or "fr").split("-")[0]
    names = [
        f"{ref}__name_{lang}"
        for ref in ("sector", "province")
        for lang in ("fr", "ar", "en")
    ]
    cells = (
        # Withdrawn by the sender before any answer: nobody was asked long enough.
        rows.exclude(status=Referral.Status.CANCELLED, responded_at__isnull=True)
        .order_by()
        .values("sector", "province", "province__code", *names)
        .annotate(
            sent=Count("pk"),
            accepted=Count("pk", filter=ACCEPTED),
            declined=Count("pk", filter=Q(status=Referral.Status.DECLINED)),
            pending=Count("pk", filter=Q(status=Referral.Status.PENDING)),
        )
        .filter(accepted=0)
        .order_by("-sent", "province__code", "sector")
    )
    return [
        {
            "sector": _local(cell, "sector", language),
            "province": _local(cell, "province", language)
            if cell["province"] is not None
            else None,
            "sent": cell["sent"],
            "declined": cell["declined"],
            "pending": cell["pending"],
        }
        for cell in cells
    ]
