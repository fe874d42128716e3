"""Periodic housekeeping of the platform core (thin: services do the work)."""

from __future__ import annotations

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone

from .idempotency import purge_expired_idempotency_keys


@shared_task
def clear_expired_sessions_task() -> int:
    """Delete expired sessions (Django keeps them in the database until cleared)."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted


@shared_task
def purge_expired_idempotency_keys_task() -> int:
    """Forget stored API responses whose Idempotency-Key has expired."""
    return purge_expired_idempotency_keys()
