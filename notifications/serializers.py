"""The inbox, webhook subscriptions and their deliveries as the API serves them."""

from __future__ import annotations

from rest_framework import serializers

from .models import Notification, OutboxMessage, WebhookSubscription


class NotificationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    subject = serializers.CharField(
        read_only=True, help_text="The message, in the language of the request."
    )
    actor = serializers.SerializerMethodField(help_text="Who did it (name), or null.")

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "subject",
            "url",
            "organisation",
            "actor",
            "context",
            "read_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_actor(self, notification: Notification) -> str | None:
        actor = notification.actor
        return actor.display_name if actor is not None else None


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookSubscription.Event.choices),
        allow_empty=False,
        help_text="Event types to receive, e.g. `alert.created`.",
    )
    url = serializers.URLField(max_length=500)

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "events",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "consecutive_failures",
            "disabled_at",
            "created_at",
            "updated_at",
        ]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    """The answer to a creation: the only time the secret is shown."""

    secret = serializers.CharField(
        read_only=True,
        help_text="Shown once: the key of the HMAC-SHA256 in X-Tansiq-Signature.",
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookSubscriptionSerializer.Meta.read_only_fields]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    """One delivery of a webhook: its log (no body)."""

    delivery = serializers.SerializerMethodField(
        help_text="The X-Tansiq-Delivery header and the body's `id`."
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "delivery",
            "event",
            "status",
            "status_label",
            "attempts",
            "last_status_code",
            "last_duration_ms",
            "last_error",
            "next_attempt_at",
            "sent_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_delivery(self, message: OutboxMessage) -> str:
        return str(message.payload.get("id", ""))
