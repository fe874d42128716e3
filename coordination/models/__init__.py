"""Coordination's models: reference data, emergencies, API plumbing (re-exported)."""

from __future__ import annotations

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

__all__ = [
    "Alert",
    "AlertRecipient",
    "Capacity",
    "Emergency",
    "IdempotencyKey",
    "NamedReference",
    "Need",
    "Province",
    "Region",
    "Sector",
    "ServiceType",
    "TimeStampedModel",
]
