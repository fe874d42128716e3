"""The platform core's models: reference data and the API's idempotency keys."""

from __future__ import annotations

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
    "IdempotencyKey",
    "NamedReference",
    "Province",
    "Region",
    "Sector",
    "ServiceType",
    "TimeStampedModel",
]
