"""What a failed delivery attempt says, and when the next one is due: shared by the
e-mail and webhook deliveries."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings


class DeliveryError(Exception):
    """A delivery attempt failed; what to record about it."""

    def __init__(self, message: str, *, status_code=None, duration_ms=None):
        super().__init__(message)
        self.status_code = status_code
        self.duration_ms = duration_ms


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (no address, a disabled webhook): give up now."""


def error_text(exc: Exception) -> str:
    """The exception's class and message for the delivery log, never a message body."""
    return f"{type(exc).__name__}: {exc}"[:500]


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the n-th failed attempt, capped at six hours."""
    base = settings.OUTBOX_RETRY_BASE_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


__all__ = ["DeliveryError", "PermanentDeliveryError", "error_text", "retry_delay"]
