"""FilterSets of the inbox, webhook deliveries and failed deliveries, shared by pages and
the API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from coordination.filters import UpdatedSinceFilterSet

from .models import Notification, OutboxMessage


class NotificationFilter(UpdatedSinceFilterSet):
    unread = django_filters.BooleanFilter(
        field_name="read_at", lookup_expr="isnull", label=_("Unread only")
    )
    kind = django_filters.ChoiceFilter(
        choices=Notification.Kind.choices, label=_("Kind"), empty_label=_("All")
    )

    class Meta:
        model = Notification
        fields = ["unread", "kind", "updated_since"]


class OutboxMessageFilter(UpdatedSinceFilterSet):
    status = django_filters.ChoiceFilter(
        choices=OutboxMessage.Status.choices, label=_("Status"), empty_label=_("All")
    )
    channel = django_filters.ChoiceFilter(
        choices=OutboxMessage.Channel.choices, label=_("Channel"), empty_label=_("All")
    )

    class Meta:
        model = OutboxMessage
        fields = ["status", "channel", "updated_since"]
