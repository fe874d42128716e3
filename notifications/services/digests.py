"""The daily digest: one e-mail a day gathering the notifications a user chose to
receive that way, sent at the digest hour of the user's own time zone."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from notifications.models import Notification, OutboxMessage

from .outbox import enqueue_deliveries

if TYPE_CHECKING:
    from organisations.models import User


def digest_hour() -> int:
    """The local hour from which the day's digest goes out."""
    return settings.NOTIFICATION_DIGEST_HOUR


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def send_due_digests(*, now: datetime | None = None) -> int:
    """Queue one digest e-mail for each user with waiting digest notifications whose
    local time is past the digest hour and who had none today. Idempotent."""
    now = now or timezone.now()
    hour = digest_hour()
    User = apps.get_model(settings.AUTH_USER_MODEL)
    waiting = (
        Notification.objects.filter(digest_pending=True)
        .values("recipient_id")
        .distinct()
    )
    queued = 0
    for user in User.objects.filter(pk__in=waiting, is_active=True).only(
        "pk", "time_zone"
    ):
        local = now.astimezone(_zone(user.time_zone))
        if local.hour < hour:
            continue
        if queue_digest(user, local_date=local.date().isoformat()) is not None:
            queued += 1
    return queued


@transaction.atomic
def queue_digest(user: User, *, local_date: str) -> OutboxMessage | None:
    """The digest e-mail of a user's waiting notifications for one local day, unless
    that day's digest exists or nothing waits (a second run finds the rows taken)."""
    pending = list(
        Notification.objects.select_for_update()
        .filter(recipient=user, digest_pending=True)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)
    )
    if not pending:
        return None
    if OutboxMessage.objects.filter(
        channel=OutboxMessage.Channel.EMAIL,
        event=OutboxMessage.DIGEST,
        recipient=user,
        payload__local_date=local_date,
    ).exists():
        return None
    Notification.objects.filter(pk__in=pending).update(
        digest_pending=False, updated_at=timezone.now()
    )
    message = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.EMAIL,
        event=OutboxMessage.DIGEST,
        recipient=user,
        payload={"local_date": local_date, "notifications": pending},
        next_attempt_at=timezone.now(),
    )
    enqueue_deliveries([message])
    return message


def render_digest(message: OutboxMessage) -> tuple[str, str, str]:
    """Subject, text and HTML of a digest e-mail, in the active language."""
    notifications = list(
        Notification.objects.filter(
            pk__in=message.payload.get("notifications", [])
        ).order_by("created_at", "id")
    )
    context = {
        "notifications": notifications,
        "count": len(notifications),
        "site_url": settings.SITE_URL.rstrip("/"),
        "LANGUAGE_CODE": translation.get_language(),
        "LANGUAGE_BIDI": translation.get_language_bidi(),
    }
    subject = render_to_string("notifications/digest_subject.txt", context)
    return (
        " ".join(subject.split()),
        render_to_string("notifications/digest_body.txt", context),
        render_to_string("notifications/digest_body.html", context),
    )


__all__ = ["digest_hour", "queue_digest", "render_digest", "send_due_digests"]
