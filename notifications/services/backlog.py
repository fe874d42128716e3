"""The outbox's backlog: deliveries due for a while and still not attempted (no worker is
taking them: the worker or its scheduler is down, the broker lost them), for the
coordinators' failed-deliveries page and the /metrics gauges. Counts and ages only."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from notifications.models import OutboxMessage

Status = OutboxMessage.Status


def _with_due_since(queryset: QuerySet[OutboxMessage]) -> QuerySet[OutboxMessage]:
    # A pending row is due from its next attempt (set when queued or retried).
    return queryset.annotate(due_since=Coalesce("next_attempt_at", "created_at"))


def stale_pending_deliveries(
    *, minutes: int | None = None, now: datetime | None = None
) -> QuerySet[OutboxMessage]:
    """Pending deliveries due for longer than `minutes` (default
    NOTIFICATION_PENDING_ALERT_MINUTES), oldest first, each with its `due_since`."""
    now = now or timezone.now()
    if minutes is None:
        minutes = settings.NOTIFICATION_PENDING_ALERT_MINUTES
    return (
        _with_due_since(OutboxMessage.objects.filter(status=Status.PENDING))
        .filter(due_since__lte=now - timedelta(minutes=minutes))
        .order_by("due_since", "id")
    )


def outbox_gauges(*, now: datetime | None = None) -> dict[str, tuple[str, float]]:
    """The outbox's state for /metrics, in one query: {name: (help, value)}."""
    now = now or timezone.now()
    totals = _with_due_since(OutboxMessage.objects.order_by()).aggregate(
        pending=Count("id", filter=Q(status=Status.PENDING)),
        retrying=Count("id", filter=Q(status=Status.FAILED)),
        dead=Count("id", filter=Q(status=Status.DEAD)),
        oldest=Min("due_since", filter=Q(status=Status.PENDING)),
    )
    oldest = totals["oldest"]
    age = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
    return {
        "tansiq_outbox_pending": (
            "Deliveries (e-mails, webhook calls) waiting for their first attempt.",
            totals["pending"],
        ),
        "tansiq_outbox_oldest_pending_age_seconds": (
            "Seconds the oldest pending delivery has been due (0 when none).",
            age,
        ),
        "tansiq_outbox_retrying": (
            "Deliveries that failed and will be retried.",
            totals["retrying"],
        ),
        "tansiq_outbox_dead": (
            "Deliveries given up after the last attempt.",
            totals["dead"],
        ),
    }
