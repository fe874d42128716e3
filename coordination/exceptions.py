"""Domain exceptions shared by services, pages and the API."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

__all__ = ["Conflict", "PermissionDenied", "PreconditionFailed", "ValidationError"]


class Conflict(Exception):
    """A state transition that the object's current state does not allow (HTTP 409)."""

    default_message = _("This action conflicts with the current state of the object.")

    def __init__(self, message=None):
        self.message = message or self.default_message
        super().__init__(self.message)


class PreconditionFailed(Conflict):
    """Someone saved the object after the version the caller edited (HTTP 412).
    Each object type subclasses it with its own message."""

    default_message = _(
        "Someone else saved this after you opened it. Reload it to see their changes, "
        "then make yours again."
    )
