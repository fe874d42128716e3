"""Deadlines (periodic tasks): receivers reminded before a referral's deadline, and told
at the deadline with the coordinators (once each, metadata only)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from notifications.models import Notification
from notifications.services.outbox import queue_notification
from referrals.models import Referral, ReferralEvent

from .steps import in_locked_batches, notification_context, write_event

if TYPE_CHECKING:
    from organisations.models import User

Status = Referral.Status
Kind = Notification.Kind

# How long before the deadline the receiver is reminded, per priority.
REMINDER_LEADS = {
    Referral.Priority.EMERGENCY: timedelta(hours=6),
    Referral.Priority.URGENT: timedelta(hours=12),
    Referral.Priority.NORMAL: timedelta(days=2),
}


def _coordinators() -> list[User]:
    User = apps.get_model(settings.AUTH_USER_MODEL)
    return list(
        User.objects.filter(is_active=True, platform_role=User.PlatformRole.COORDINATOR)
    )


def remind_due_referrals(*, now: datetime | None = None, batch_size: int = 200) -> int:
    """Remind receivers of pending referrals whose deadline is near (once each);
    returns how many were reminded. Safe to run concurrently (skip locked rows)."""
    now = now or timezone.now()

    def remind(referral: Referral) -> None:
        referral.reminded_at = now
        referral.save(update_fields=["reminded_at", "updated_at"])
        write_event(
            referral,
            ReferralEvent.Kind.REMINDED,
            actor=None,
            organisation=referral.to_organisation,
            at=now,
        )
        queue_notification(
            referral,
            kind=Kind.REFERRAL_REMINDER,
            to=referral.to_organisation,
            context=notification_context(referral),
        )

    return sum(
        in_locked_batches(
            Referral.objects.filter(
                status=Status.PENDING,
                priority=priority,
                reminded_at__isnull=True,
                due_at__gt=now,
                due_at__lte=now + lead,
            ),
            order=("due_at", "pk"),
            batch_size=batch_size,
            handle=remind,
        )
        for priority, lead in REMINDER_LEADS.items()
    )


def escalate_overdue_referrals(
    *, now: datetime | None = None, batch_size: int = 200
) -> int:
    """At the deadline: tell the receiver the referral is overdue and the coordinators
    that the deadline was breached (once each, metadata only); returns how many."""
    now = now or timezone.now()
    coordinators = _coordinators()
    pathway_url = reverse("referrals:pathway") + "?overdue=true"

    def escalate(referral: Referral) -> None:
        referral.escalated_at = now
        referral.save(update_fields=["escalated_at", "updated_at"])
        write_event(
            referral,
            ReferralEvent.Kind.OVERDUE,
            actor=None,
            organisation=referral.to_organisation,
            at=now,
        )
        context = notification_context(referral)
        queue_notification(
            referral,
            kind=Kind.REFERRAL_OVERDUE,
            to=referral.to_organisation,
            context=context,
        )
        if coordinators:
            queue_notification(
                referral,
                kind=Kind.REFERRAL_OVERDUE,
                to=coordinators,
                context={**context, "escalation": True},
                url=pathway_url,
            )

    return in_locked_batches(
        Referral.objects.filter(
            status=Status.PENDING, escalated_at__isnull=True, due_at__lte=now
        ),
        order=("due_at", "pk"),
        batch_size=batch_size,
        handle=escalate,
    )
