"""Periodic housekeeping and notification delivery (thin: services do the work)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from .idempotency import purge_expired_idempotency_keys
from .models import OutboxMessage
from .services.notifications import (
    deliver_outbox_message,
    deliver_outbox_messages,
    send_due_digests,
    sweep_outbox,
)


@shared_task
def clear_expired_sessions_task() -> int:
    """Delete expired sessions (Django keeps them in the database until cleared)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def purge_expired_idempotency_keys_task() -> int:
    """Forget stored API responses whose Idempotency-Key has expired."""
    return purge_expired_idempotency_keys()


# ---------------------------------------------------------------------------
# Notifications: outbox delivery, the sweep, the daily digest
# ---------------------------------------------------------------------------
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


# ---------------------------------------------------------------------------
# Dialogue: recommendation reminders
# ---------------------------------------------------------------------------
@shared_task
def send_recommendation_reminders_task() -> int:
    """Remind owners and addressees of recommendations due soon or overdue (once each)."""
    from .services.dialogue import send_recommendation_reminders

    return send_recommendation_reminders()
