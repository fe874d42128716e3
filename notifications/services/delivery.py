"""Delivering outbox rows: one attempt per row under its lock, so nothing goes out
twice; failures are recorded and retried with backoff, and the sweep re-enqueues rows
the workers never received (broker down at commit, a worker killed)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, PermissionDenied
from notifications.models import OutboxMessage, WebhookSubscription

from .digests import render_digest
from .emails import forget_secrets, has_secrets, render_address_email
from .errors import DeliveryError, PermanentDeliveryError, error_text, retry_delay
from .outbox import enqueue_deliveries, send_to_workers
from .webhooks import post_webhook, record_webhook_failure

if TYPE_CHECKING:
    from organisations.models import User

SWEEP_LIMIT = 10_000  # rows re-enqueued per sweep; the next sweep takes the rest

logger = logging.getLogger(__name__)


def _is_due(now: datetime) -> Q:
    # A retry published with a countdown may arrive a moment early.
    return Q(next_attempt_at__isnull=True) | Q(
        next_attempt_at__lte=now + timedelta(seconds=2)
    )


def deliver_outbox_message(
    message_id: int, *, now: datetime | None = None, mail_connection=None
) -> OutboxMessage | None:
    """Make one delivery attempt, unless the row is already sent, not due, or being
    delivered by another worker (its lock is skipped): nothing goes out twice."""
    now = now or timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "notification", "subscription")
            .undelivered()
            .filter(_is_due(now), pk=message_id)
            .first()
        )
        if message is None:
            return None
        try:
            if message.channel == OutboxMessage.Channel.EMAIL:
                _send_email(message, connection=mail_connection)
                status_code, duration_ms = None, None
            else:
                status_code, duration_ms = post_webhook(message)
        except DeliveryError as exc:
            _record_failure(message, exc, now=now)
        except Exception as exc:  # e.g. SMTP errors: recorded, retried
            _record_failure(message, DeliveryError(error_text(exc)), now=now)
        else:
            _record_success(
                message, now=now, status_code=status_code, duration_ms=duration_ms
            )
    return message


def deliver_outbox_messages(message_ids: Iterable[int]) -> int:
    """Deliver several rows one by one (each in its own transaction, so a crash resends
    nothing already recorded), over one mail connection; how many went."""
    delivered = 0
    mail_connection = get_connection()
    try:
        mail_connection.open()
    except Exception as exc:  # the mail server is down: each row records its failure
        logger.warning("Mail server unreachable (%s).", type(exc).__name__)
        mail_connection = None
    try:
        for pk in message_ids:
            message = deliver_outbox_message(pk, mail_connection=mail_connection)
            if message is not None and message.status == OutboxMessage.Status.SENT:
                delivered += 1
    finally:
        if mail_connection is not None:
            mail_connection.close()
    return delivered


def _record_success(message, *, now, status_code=None, duration_ms=None) -> None:
    message.status = OutboxMessage.Status.SENT
    message.attempts += 1
    message.sent_at = now
    message.next_attempt_at = None
    message.last_error = ""
    message.last_status_code = status_code
    message.last_duration_ms = duration_ms
    message.save(
        update_fields=[
            "status",
            "attempts",
            "sent_at",
            "next_attempt_at",
            "last_error",
            "last_status_code",
            "last_duration_ms",
            "updated_at",
            *forget_secrets(message),
        ]
    )
    subscription = message.subscription
    if subscription is not None and subscription.consecutive_failures:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            consecutive_failures=0, updated_at=now
        )


def _record_failure(message, exc: DeliveryError, *, now) -> None:
    message.attempts += 1
    message.last_error = str(exc)[:500]
    message.last_status_code = exc.status_code
    message.last_duration_ms = exc.duration_ms
    permanent = isinstance(exc, PermanentDeliveryError)
    erased = []
    if permanent or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        message.status = OutboxMessage.Status.DEAD
        message.next_attempt_at = None
        erased = forget_secrets(message)  # a given-up link is kept nowhere
    else:
        message.status = OutboxMessage.Status.FAILED
        delay = retry_delay(message.attempts)
        message.next_attempt_at = now + delay
        enqueue_deliveries([message], countdown=delay.total_seconds())
    message.save(
        update_fields=[
            "status",
            "attempts",
            "last_error",
            "last_status_code",
            "last_duration_ms",
            "next_attempt_at",
            "updated_at",
            *erased,
        ]
    )
    if message.subscription_id and not permanent:
        record_webhook_failure(message.subscription, now=now)


def _send_email(message: OutboxMessage, *, connection=None) -> None:
    if message.recipient_id is None:  # to an address (queue_email)
        to, subject, text, html = render_address_email(message)
        email = EmailMultiAlternatives(subject, text, to=[to], connection=connection)
        if html:
            email.attach_alternative(html, "text/html")
        email.send()
        return
    user = message.recipient
    if not user.is_active or not user.email:
        raise PermanentDeliveryError("The recipient has no active e-mail address.")
    with translation.override(user.language or settings.LANGUAGE_CODE):
        if message.event == OutboxMessage.DIGEST:
            subject, text, html = render_digest(message)
        else:
            notification = message.notification
            subject = notification.subject
            text = notification.render("body.txt")
            html = notification.render("body.html")
    email = EmailMultiAlternatives(
        subject=f"[Tansiq] {subject}",
        body=text,
        to=[user.email],
        connection=connection,
    )
    email.attach_alternative(html, "text/html")
    target = message.notification.target if message.notification_id else None
    # A target may bring files along, e.g. a meeting invitation its .ics.
    for filename, content, mimetype in getattr(target, "email_attachments", list)():
        email.attach(filename, content, mimetype)
    email.send()


def sweep_outbox(
    *, now: datetime | None = None, grace: timedelta = timedelta(seconds=60)
) -> int:
    """Re-enqueue undelivered rows due for longer than `grace` (the broker was down at
    commit time, a worker died): a broker outage delays, never loses. Returns how many."""
    now = now or timezone.now()
    rows = list(
        OutboxMessage.objects.undelivered()
        .filter(next_attempt_at__lte=now - grace)
        .order_by("next_attempt_at", "id")
        .values_list("pk", "channel")[:SWEEP_LIMIT]
    )
    emails = [pk for pk, channel in rows if channel == OutboxMessage.Channel.EMAIL]
    webhooks = [pk for pk, channel in rows if channel == OutboxMessage.Channel.WEBHOOK]
    if rows and not send_to_workers(emails, webhooks):
        return 0
    return len(rows)


@transaction.atomic
def retry_outbox_message(message: OutboxMessage, *, actor: User) -> OutboxMessage:
    """Try a failed or abandoned delivery again now (coordinators; focal points for
    their organisation's webhooks)."""
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    may = actor.is_coordinator or (
        message.subscription_id is not None
        and actor.is_focal_point
        and actor.acting_organisation is not None
        and message.organisation_id == actor.acting_organisation.pk
    )
    if not may:
        raise PermissionDenied(_("Only a coordinator may retry this delivery."))
    if message.status not in (OutboxMessage.Status.FAILED, OutboxMessage.Status.DEAD):
        raise Conflict(_("Only a failed delivery can be retried."))
    if message.subscription_id and not message.subscription.is_active:
        raise Conflict(_("Reactivate the webhook before retrying its deliveries."))
    addressed = (
        message.channel == OutboxMessage.Channel.EMAIL and not message.recipient_id
    )
    if addressed and not has_secrets(message):
        raise Conflict(
            _("This e-mail's link was erased when it was given up: send a new one.")
        )
    message.status = OutboxMessage.Status.PENDING
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["status", "next_attempt_at", "updated_at"])
    enqueue_deliveries([message])
    return message


__all__ = [
    "deliver_outbox_message",
    "deliver_outbox_messages",
    "retry_outbox_message",
    "sweep_outbox",
]
