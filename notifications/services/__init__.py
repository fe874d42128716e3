"""Notification services, re-exported here. Modules by responsibility, each importing
only those above it in this list (no circle):

- `errors`: what a failed delivery attempt says and when the next one is due;
- `inbox`: e-mail preferences and the inbox's read state;
- `outbox`: writing an event's inbox and outbox rows, handing them to the workers;
- `webhooks`: partner systems' subscriptions, URL checks, signing and posting;
- `digests`: the daily digest e-mail;
- `emails`: e-mails to an address (no account yet), rendered at delivery;
- `delivery`: delivering outbox rows once, with retries, backoff and the sweep.
"""

from __future__ import annotations

from .delivery import (
    deliver_outbox_message,
    deliver_outbox_messages,
    retry_outbox_message,
    sweep_outbox,
)
from .digests import digest_hour, queue_digest, send_due_digests
from .emails import queue_email, queue_rendered_email
from .errors import DeliveryError, PermanentDeliveryError, retry_delay
from .inbox import (
    mark_all_notifications_read,
    mark_notification_read,
    notification_modes,
    set_notification_preferences,
    unread_count,
)
from .outbox import (
    enqueue_deliveries,
    focal_points_of,
    queue_notification,
    queue_webhook_event,
    send_to_workers,
)
from .webhooks import (
    check_webhook_url,
    create_webhook_subscription,
    deactivate_webhook_subscription,
    require_webhook_manager,
    update_webhook_subscription,
)

__all__ = [
    "DeliveryError",
    "PermanentDeliveryError",
    "check_webhook_url",
    "create_webhook_subscription",
    "deactivate_webhook_subscription",
    "deliver_outbox_message",
    "deliver_outbox_messages",
    "digest_hour",
    "enqueue_deliveries",
    "focal_points_of",
    "mark_all_notifications_read",
    "mark_notification_read",
    "notification_modes",
    "queue_digest",
    "queue_email",
    "queue_notification",
    "queue_rendered_email",
    "queue_webhook_event",
    "require_webhook_manager",
    "retry_delay",
    "retry_outbox_message",
    "send_due_digests",
    "send_to_workers",
    "set_notification_preferences",
    "sweep_outbox",
    "unread_count",
    "update_webhook_subscription",
]
