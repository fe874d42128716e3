"""Notification services: the outbox (inbox rows, e-mail, webhooks) and webhook
subscriptions, re-exported here."""

from __future__ import annotations

from .outbox import (
    focal_points_of,
    mark_all_notifications_read,
    mark_notification_read,
    queue_notification,
    queue_webhook_event,
    retry_outbox_message,
    set_notification_preferences,
    unread_count,
)
from .webhooks import (
    create_webhook_subscription,
    deactivate_webhook_subscription,
    update_webhook_subscription,
)

__all__ = [
    "create_webhook_subscription",
    "deactivate_webhook_subscription",
    "focal_points_of",
    "mark_all_notifications_read",
    "mark_notification_read",
    "queue_notification",
    "queue_webhook_event",
    "retry_outbox_message",
    "set_notification_preferences",
    "unread_count",
    "update_webhook_subscription",
]
