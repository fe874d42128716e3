"""Recommendation reminders (thin: the service does the work)."""

from __future__ import annotations

from celery import shared_task

from .services import send_recommendation_reminders


@shared_task
def send_recommendation_reminders_task() -> int:
    """Remind owners and addressees of recommendations due soon or overdue (once each)."""
    return send_recommendation_reminders()
