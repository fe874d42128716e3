"""Periodic work of the referral pathway: retention of identities (PRODUCT.md), and
reminders and escalation around response deadlines. Thin: each calls a service."""

from __future__ import annotations

from celery import shared_task

from .services import (
    ask_due_follow_ups,
    erase_expired_identities,
    escalate_overdue_referrals,
    remind_due_referrals,
)


@shared_task
def erase_expired_identities_task() -> int:
    """Erase expired identities (idempotent: erased rows are no longer expired)."""
    return erase_expired_identities()


@shared_task
def remind_due_referrals_task() -> int:
    """Remind receivers before the deadline (idempotent: each referral once)."""
    return remind_due_referrals()


@shared_task
def escalate_overdue_referrals_task() -> int:
    """Tell receivers and coordinators at the deadline (idempotent: once each)."""
    return escalate_overdue_referrals()


@shared_task
def ask_due_follow_ups_task() -> int:
    """Ask senders whether the person was served, on the follow-up date (idempotent:
    once per follow-up date)."""
    return ask_due_follow_ups()
