"""Notification delivery: outbox rows, the sweep, the daily digest (thin: services do
the work). Services publish these tasks by name (notifications.services.outbox)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task

from .models import OutboxMessage
from .services import (
    deliver_outbox_message,
    deliver_outbox_messages,
    send_due_digests,
    sweep_outbox,
)


@shared_task
def deliver_outbox_message_task(message_id: int) -> bool:
    """Deliver one outbox row (a webhook call, an e-mail); a no-op if sent or locked."""
    message = deliver_outbox_message(message_id)
    return message is not None and message.status == OutboxMessage.Status.SENT


@shared_task
def deliver_outbox_batch_task(message_ids: list[int]) -> int:
    """Deliver several e-mail rows, one transaction each; returns how many went out."""
    return deliver_outbox_messages(message_ids)


@shared_task
def sweep_outbox_task(grace_seconds: float = 60) -> int:
    """Re-enqueue deliveries left behind (broker down at commit, worker killed)."""
    return sweep_outbox(grace=timedelta(seconds=grace_seconds))


@shared_task
def send_digests_task() -> int:
    """Queue the daily digest of each user whose local digest hour has come."""
    return send_due_digests()
