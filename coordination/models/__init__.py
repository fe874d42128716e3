"""Coordination's models: reference data, emergencies, API plumbing (re-exported)."""

from __future__ import annotations

from .dashboards import (
    InterventionStat,
    ReferralAnswerStat,
    ReferralAnswerTotal,
    ReferralStat,
    ReferralTotal,
)
from .dialogue import (
    Comment,
    Meeting,
    Participation,
    Recommendation,
    RecommendationUpdate,
)
from .emergencies import Alert, AlertRecipient, Capacity, Emergency, Need
from .geography import (
    NamedReference,
    Province,
    Region,
    Sector,
    ServiceType,
    TimeStampedModel,
)
from .idempotency import IdempotencyKey
from .notifications import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookSubscription,
)

__all__ = [
    "Alert",
    "AlertRecipient",
    "Capacity",
    "Comment",
    "Emergency",
    "IdempotencyKey",
    "InterventionStat",
    "Meeting",
    "NamedReference",
    "Need",
    "Notification",
    "NotificationPreference",
    "OutboxMessage",
    "Participation",
    "Province",
    "Recommendation",
    "RecommendationUpdate",
    "ReferralAnswerStat",
    "ReferralAnswerTotal",
    "ReferralStat",
    "ReferralTotal",
    "Region",
    "Sector",
    "ServiceType",
    "TimeStampedModel",
    "WebhookSubscription",
]
