"""The one way the platform tells people things: in-app notifications written in the
caller's transaction with their outbox deliveries (e-mail, webhooks), handed to the
workers on commit. Delivery, retries and the sweep are in `delivery.py`.

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
import time
import uuid
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from coordination.celery import app as celery_app
from notifications.models import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookSubscription,
)

from .inbox import email_modes

if TYPE_CHECKING:
    from organisations.models import Organisation, User

logger = logging.getLogger(__name__)

# Organisations and users are named, never imported: notifications knows no domain.
ORGANISATION_LABEL = "organisations.Organisation"
EMAIL_BATCH_SIZE = 100  # e-mails per delivery task: 5,000 recipients are 50 tasks
# The delivery tasks (notifications/tasks.py) call the services: they are published by
# name, so no service imports the tasks (apps.py registers them).
DELIVER_ONE_TASK = "notifications.tasks.deliver_outbox_message_task"
DELIVER_BATCH_TASK = "notifications.tasks.deliver_outbox_batch_task"
# After a failed publish the broker is left alone this long (per broker URL and process):
# a Redis that accepts connections and never answers costs one timeout
# (REDIS_SOCKET_TIMEOUT), not one per page write; the sweep sends what waited.
PUBLISH_RETRY_AFTER = 5.0
_broker_down_until: dict[str, float] = {}


# ---------------------------------------------------------------------------
# Recipients
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


# ---------------------------------------------------------------------------
# Writing the rows of one event
# ---------------------------------------------------------------------------
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


def _webhook_messages(
    subscriptions: Iterable[WebhookSubscription],
    *,
    event: str,
    target: Any,
    kind: str,
    url: str,
    context: dict,
) -> list[OutboxMessage]:
    now = timezone.now()
    return [
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
    modes = email_modes(list(recipients), kind)
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
        messages += _webhook_messages(
            WebhookSubscription.objects.active().filter(
                organisation_id__in=org_ids, events__contains=[event]
            ),
            event=event,
            target=target,
            kind=kind,
            url=url,
            context=context,
        )
    if messages:
        OutboxMessage.objects.bulk_create(messages)
        enqueue_deliveries(messages)
    return notifications


def queue_webhook_event(target: Any, *, event: str, context: dict | None = None) -> int:
    """Tell every organisation subscribed to a platform-wide event (e.g. an emergency
    declared) through its webhooks, in the caller's transaction; returns how many."""
    messages = _webhook_messages(
        WebhookSubscription.objects.active().filter(events__contains=[event]),
        event=event,
        target=target,
        kind=event,
        url=_target_url(target),
        context=context or {},
    )
    if messages:
        OutboxMessage.objects.bulk_create(messages)
        enqueue_deliveries(messages)
    return len(messages)


# ---------------------------------------------------------------------------
# Handing rows to the workers (on commit; a broker outage only delays, the sweep
# catches up)
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
    count = len(email_ids) + len(webhook_ids)
    broker = str(celery_app.conf.broker_url)
    if time.monotonic() < _broker_down_until.get(broker, 0.0):
        logger.warning(
            "Broker unreachable moments ago: %d outbox deliveries not enqueued; "
            "the sweep will retry them.",
            count,
        )
        return False
    # One attempt, bounded by the broker's connect and socket timeouts (settings).
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
        _broker_down_until[broker] = time.monotonic() + PUBLISH_RETRY_AFTER
        logger.warning(
            "Could not enqueue %d outbox deliveries (%s); the sweep will retry them.",
            count,
            type(exc).__name__,
        )
        return False
    return True


__all__ = [
    "enqueue_deliveries",
    "focal_points_of",
    "queue_notification",
    "queue_webhook_event",
    "send_to_workers",
    "webhook_payload",
]
