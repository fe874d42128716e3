"""The one way the platform tells people things: in-app notifications written in the
caller's transaction with their outbox deliveries (e-mail, webhooks), delivered by
workers on commit, retried with backoff, swept when the broker was down, never twice.

Callers write, inside their own `@transaction.atomic` service::

    queue_notification(
        alert,
        kind=Notification.Kind.ALERT_RECEIVED,
        to=[recipient.organisation for recipient in recipients],
        actor=actor,
        context={"emergency_title": alert.emergency.title},
        event=WebhookSubscription.Event.ALERT_CREATED,
    )

The text is rendered when read, in the reader's language, from
templates/notifications/<kind>_subject.txt, <kind>_body.txt and <kind>_body.html with
`context` and `notification` (templates/notifications/default_* otherwise). `context`
holds the message's parameters (titles, organisation names), never beneficiaries'
identity data: it is shown in inboxes, e-mails and webhook payloads.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.celery import app as celery_app
from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from notifications.models import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookSubscription,
)

if TYPE_CHECKING:
    from organisations.models import Organisation, User

logger = logging.getLogger(__name__)

ORGANISATION_LABEL = "organisations.Organisation"
EMAIL_BATCH_SIZE = 100  # e-mails per delivery task: 5,000 recipients are 50 tasks
# The delivery tasks (notifications/tasks.py) call this module: it publishes them by
# name, so the two modules do not import each other (apps.py registers the tasks).
DELIVER_ONE_TASK = "notifications.tasks.deliver_outbox_message_task"
DELIVER_BATCH_TASK = "notifications.tasks.deliver_outbox_batch_task"


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


# ---------------------------------------------------------------------------
# Writing the rows of one event
# ---------------------------------------------------------------------------
def _is_organisation(item: Any) -> bool:
    return isinstance(item, models.Model) and item._meta.label == ORGANISATION_LABEL


def _is_user(item: Any) -> bool:
    return (
        isinstance(item, models.Model) and item._meta.label == settings.AUTH_USER_MODEL
    )


def _resolve_recipients(
    to: Any, actor: User | None
) -> tuple[dict[int, int | None], list]:
    """{user id: organisation id through which they are reached} and the organisations
    named, in one query whatever their number of members."""
    if to is None:
        items: list = []
    elif isinstance(to, models.Model) or not isinstance(to, Iterable):
        items = [to]
    else:
        items = list(to)
    users, organisations = [], []
    for item in items:
        if _is_organisation(item):
            if item.is_active and item not in organisations:
                organisations.append(item)
        elif _is_user(item):
            users.append(item)
        elif item is not None:
            raise TypeError(f"Cannot notify a {type(item).__name__}.")
    recipients: dict[int, int | None] = {u.pk: None for u in users if u.is_active}
    if organisations:
        Membership = apps.get_model("organisations", "Membership")
        order = {org.pk: index for index, org in enumerate(organisations)}
        rows = Membership.objects.filter(
            organisation__in=list(order), user__is_active=True
        ).values_list("user_id", "organisation_id")
        # The first organisation named wins for a member of several.
        for user_id, org_id in sorted(rows, key=lambda row: order[row[1]]):
            if recipients.get(user_id) is None:
                recipients[user_id] = org_id
    if actor is not None:
        recipients.pop(actor.pk, None)  # nobody is told about their own action
    return recipients, organisations


def _email_modes(user_ids: list[int], kind: str) -> dict[int, str]:
    """Each recipient's e-mail mode for this kind (one query; mandatory kinds: none)."""
    immediate = NotificationPreference.Mode.IMMEDIATE
    if kind in Notification.MANDATORY_KINDS or not user_ids:
        return dict.fromkeys(user_ids, immediate)
    chosen = dict(
        NotificationPreference.objects.filter(
            user_id__in=user_ids, kind=kind
        ).values_list("user_id", "mode")
    )
    return {pk: chosen.get(pk, immediate) for pk in user_ids}


def _absolute(url: str) -> str:
    if not url or url.startswith(("http://", "https://")):
        return url
    return settings.SITE_URL.rstrip("/") + url


def _target_url(target: Any) -> str:
    """The object's page, when it has one."""
    if target is not None and hasattr(target, "get_absolute_url"):
        return target.get_absolute_url()
    return ""


def webhook_payload(
    *, event: str, target: Any, kind: str, url: str, context: dict, organisation_id
) -> dict:
    """The JSON body of a webhook delivery: no message text, no identity data."""
    data: dict[str, Any] = {"kind": kind, "organisation": organisation_id}
    if target is not None:
        data["object"] = {
            "type": target._meta.model_name,
            "id": target.pk,
            "url": _absolute(url),
        }
    data["context"] = context
    return {
        "id": str(uuid.uuid4()),
        "event": event,
        "created_at": timezone.now().isoformat(),
        "data": data,
    }


def queue_notification(
    target: Any,
    *,
    kind: str,
    to: Any,
    actor: User | None = None,
    context: dict | None = None,
    event: str | None = None,
    url: str | None = None,
) -> list[Notification]:
    """Write the inbox rows, e-mail and webhook outbox rows of one event in the caller's
    transaction; delivery starts when it commits. Queries do not grow with recipients.
    `url` replaces the target's own page (e.g. a page the recipients may see)."""
    if kind not in Notification.Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    context = dict(context or {})
    recipients, organisations = _resolve_recipients(to, actor)
    target_type = (
        ContentType.objects.get_for_model(target) if target is not None else None
    )
    url = url if url is not None else _target_url(target)
    modes = _email_modes(list(recipients), kind)
    digest = NotificationPreference.Mode.DIGEST
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                organisation_id=org_id,
                kind=kind,
                actor=actor,
                target_type=target_type,
                target_id=target.pk if target is not None else None,
                url=url,
                context=context,
                digest_pending=modes[user_id] == digest,
            )
            for user_id, org_id in recipients.items()
        ]
    )
    now = timezone.now()
    messages = [
        OutboxMessage(
            channel=OutboxMessage.Channel.EMAIL,
            event=kind,
            notification=notification,
            recipient_id=notification.recipient_id,
            organisation_id=notification.organisation_id,
            next_attempt_at=now,
        )
        for notification in notifications
        if modes[notification.recipient_id] == NotificationPreference.Mode.IMMEDIATE
    ]
    if event:
        org_ids = {org.pk for org in organisations}
        if (target_org := getattr(target, "organisation_id", None)) is not None:
            org_ids.add(target_org)
        subscriptions = WebhookSubscription.objects.active().filter(
            organisation_id__in=org_ids, events__contains=[event]
        )
        messages += [
            OutboxMessage(
                channel=OutboxMessage.Channel.WEBHOOK,
                event=event,
                subscription=subscription,
                organisation_id=subscription.organisation_id,
                payload=webhook_payload(
                    event=event,
                    target=target,
                    kind=kind,
                    url=url,
                    context=context,
                    organisation_id=subscription.organisation_id,
                ),
                next_attempt_at=now,
            )
            for subscription in subscriptions
        ]
    if messages:
        OutboxMessage.objects.bulk_create(messages)
        enqueue_deliveries(messages)
    return notifications


def queue_webhook_event(target: Any, *, event: str, context: dict | None = None) -> int:
    """Tell every organisation subscribed to a platform-wide event (e.g. an emergency
    declared) through its webhooks, in the caller's transaction; returns how many."""
    now = timezone.now()
    url = _target_url(target)
    messages = [
        OutboxMessage(
            channel=OutboxMessage.Channel.WEBHOOK,
            event=event,
            subscription=subscription,
            organisation_id=subscription.organisation_id,
            payload=webhook_payload(
                event=event,
                target=target,
                kind=event,
                url=url,
                context=context or {},
                organisation_id=subscription.organisation_id,
            ),
            next_attempt_at=now,
        )
        for subscription in WebhookSubscription.objects.active().filter(
            events__contains=[event]
        )
    ]
    if messages:
        OutboxMessage.objects.bulk_create(messages)
        enqueue_deliveries(messages)
    return len(messages)


# ---------------------------------------------------------------------------
# Enqueueing (on commit; a broker outage only delays, the sweep catches up)
# ---------------------------------------------------------------------------
def enqueue_deliveries(messages: Iterable[OutboxMessage], *, countdown=None) -> None:
    """Hand the rows to the workers once the current transaction commits."""
    emails, webhooks = [], []
    for message in messages:
        (emails if message.channel == OutboxMessage.Channel.EMAIL else webhooks).append(
            message.pk
        )
    if emails or webhooks:
        transaction.on_commit(
            partial(send_to_workers, emails, webhooks, countdown=countdown)
        )


def send_to_workers(
    email_ids: list[int], webhook_ids: list[int], *, countdown=None
) -> bool:
    """Publish delivery tasks: e-mails in batches, each webhook on its own (a slow
    receiver must not hold up others). Never raises: returns False if the broker is
    unreachable, and the rows wait for the sweep."""
    options = {"retry": False}
    if countdown:
        options["countdown"] = countdown
    try:
        for start in range(0, len(email_ids), EMAIL_BATCH_SIZE):
            celery_app.signature(
                DELIVER_BATCH_TASK, args=(email_ids[start : start + EMAIL_BATCH_SIZE],)
            ).apply_async(**options)
        for pk in webhook_ids:
            celery_app.signature(DELIVER_ONE_TASK, args=(pk,)).apply_async(**options)
    except Exception as exc:  # any broker error: the sweep will pick the rows up
        logger.warning(
            "Could not enqueue %d outbox deliveries (%s); the sweep will retry them.",
            len(email_ids) + len(webhook_ids),
            type(exc).__name__,
        )
        return False
    return True


# ---------------------------------------------------------------------------
# Delivery
# ---------------------------------------------------------------------------
class DeliveryError(Exception):
    """A delivery attempt failed; what to record about it."""

    def __init__(self, message: str, *, status_code=None, duration_ms=None):
        super().__init__(message)
        self.status_code = status_code
        self.duration_ms = duration_ms


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (no address, a disabled webhook): give up now."""


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the n-th failed attempt, capped at six hours."""
    base = _setting("OUTBOX_RETRY_BASE_SECONDS", 30)
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


def _is_due(now: datetime):
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
                from .webhooks import post_webhook

                status_code, duration_ms = post_webhook(message)
        except DeliveryError as exc:
            _record_failure(message, exc, now=now)
        except Exception as exc:  # e.g. SMTP errors: recorded, retried
            _record_failure(message, DeliveryError(_error_text(exc)), now=now)
        else:
            _record_success(
                message, now=now, status_code=status_code, duration_ms=duration_ms
            )
    return message


def deliver_outbox_messages(message_ids: Iterable[int]) -> int:
    """Deliver several rows one by one (each in its own transaction, so a crash resends
    nothing already recorded), over one mail connection; how many went."""
    delivered = 0
    with get_connection() as mail_connection:
        for pk in message_ids:
            message = deliver_outbox_message(pk, mail_connection=mail_connection)
            if message is not None and message.status == OutboxMessage.Status.SENT:
                delivered += 1
    return delivered


def _error_text(exc: Exception) -> str:
    # The exception's class and message, never a message body.
    return f"{type(exc).__name__}: {exc}"[:500]


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
    if permanent or message.attempts >= _setting("OUTBOX_MAX_ATTEMPTS", 8):
        message.status = OutboxMessage.Status.DEAD
        message.next_attempt_at = None
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
        ]
    )
    if message.subscription_id and not permanent:
        from .webhooks import record_webhook_failure

        record_webhook_failure(message.subscription, now=now)


def _send_email(message: OutboxMessage, *, connection=None) -> None:
    user = message.recipient
    if not user.is_active or not user.email:
        raise PermanentDeliveryError("The recipient has no active e-mail address.")
    with translation.override(user.language or settings.LANGUAGE_CODE):
        if message.event == OutboxMessage.DIGEST:
            subject, text, html = _render_digest(message)
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


def _render_digest(message: OutboxMessage) -> tuple[str, str, str]:
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
        .values_list("pk", "channel")[: _setting("OUTBOX_SWEEP_LIMIT", 10000)]
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
    message.status = OutboxMessage.Status.PENDING
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["status", "next_attempt_at", "updated_at"])
    enqueue_deliveries([message])
    return message


# ---------------------------------------------------------------------------
# Daily digest
# ---------------------------------------------------------------------------
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def send_due_digests(*, now: datetime | None = None) -> int:
    """Queue one digest e-mail for each user with waiting digest notifications whose
    local time is past the digest hour and who had none today. Idempotent."""
    now = now or timezone.now()
    hour = _setting("NOTIFICATION_DIGEST_HOUR", 7)
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


# ---------------------------------------------------------------------------
# Preferences and the inbox
# ---------------------------------------------------------------------------
def notification_modes(user: User) -> dict[str, str]:
    """Every kind with the user's e-mail mode (immediately unless they chose)."""
    chosen = dict(
        NotificationPreference.objects.filter(user=user).values_list("kind", "mode")
    )
    modes = {}
    for kind in Notification.Kind.values:
        if kind in Notification.MANDATORY_KINDS:
            modes[kind] = NotificationPreference.Mode.IMMEDIATE
        else:
            modes[kind] = chosen.get(kind, NotificationPreference.Mode.IMMEDIATE)
    return modes


@transaction.atomic
def set_notification_preferences(
    user: User, *, actor: User, modes: dict[str, str]
) -> dict[str, str]:
    """Change how a user is told, per kind; mandatory kinds stay immediate."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Only you may change your notification settings."))
    errors: dict[str, list[str]] = {}
    for kind, mode in modes.items():
        if kind not in Notification.Kind.values:
            errors.setdefault(kind, []).append(_("Unknown kind of notification."))
        elif mode not in NotificationPreference.Mode.values:
            errors.setdefault(kind, []).append(_("Choose one of the options."))
        elif (
            kind in Notification.MANDATORY_KINDS
            and mode != NotificationPreference.Mode.IMMEDIATE
        ):
            errors.setdefault(kind, []).append(
                _("This notification cannot be turned off or delayed.")
            )
    if errors:
        raise ValidationError(errors)
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind=kind, mode=mode)
            for kind, mode in modes.items()
            if kind not in Notification.MANDATORY_KINDS
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["mode", "updated_at"],
    )
    return notification_modes(user)


@transaction.atomic
def mark_notification_read(notification: Notification, *, actor: User) -> Notification:
    """Mark one of the actor's notifications read (again: no change)."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


@transaction.atomic
def mark_all_notifications_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    now = timezone.now()
    return (
        Notification.objects.filter(recipient=actor)
        .unread()
        .update(read_at=now, updated_at=now)
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user).unread().count()


def focal_points_of(organisation: Organisation) -> list[User]:
    """The active focal points of an organisation (for notices about its settings)."""
    User = apps.get_model(settings.AUTH_USER_MODEL)
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organisation=organisation,
            memberships__role="focal_point",
        )
    )


__all__ = [
    "DeliveryError",
    "PermanentDeliveryError",
    "deliver_outbox_message",
    "deliver_outbox_messages",
    "enqueue_deliveries",
    "focal_points_of",
    "mark_all_notifications_read",
    "mark_notification_read",
    "notification_modes",
    "queue_digest",
    "queue_notification",
    "retry_delay",
    "retry_outbox_message",
    "send_due_digests",
    "send_to_workers",
    "set_notification_preferences",
    "sweep_outbox",
    "unread_count",
]
