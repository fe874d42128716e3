"""Partner systems' keys to the API, and how every one-time secret is stored (hashed)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

import pghistory
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.models import TimeStampedModel

from .organisations import Organisation

if TYPE_CHECKING:
    from .users import User


def hash_secret(raw: str) -> str:
    """SHA-256 of a random secret (tokens, invitation keys): they carry full entropy."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def visible_to(self, user: User) -> ApiTokenQuerySet:
        """Tokens of the user's acting organisation, for its focal points."""
        if not user.is_authenticated or not user.is_focal_point:
            return self.none()
        return self.filter(organisation=user.acting_organisation)

    def active(self) -> ApiTokenQuerySet:
        """Neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(
        condition=pghistory.AnyChange(exclude=["last_used_at", "updated_at"])
    ),
    exclude=["key_hash", "last_used_at", "updated_at"],
)
class ApiToken(TimeStampedModel):
    """A partner system's key to the API, scoped to one organisation; stored hashed."""

    PREFIX = "tsq_"

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read_write", _("Read and write")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="api_tokens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scope = models.CharField(
        _("scope"), max_length=10, choices=Scope.choices, default=Scope.READ_WRITE
    )
    # Always set (at creation, renewal and by migration 0003); nullable only because the
    # append-only history holds rows from before tokens expired.
    expires_at = models.DateTimeField(_("expires"), null=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is None or self.expires_at <= timezone.now()

    @property
    def is_read_only(self) -> bool:
        return self.scope == self.Scope.READ

    @staticmethod
    def new_expiry():
        """When a token created or renewed now expires (API_TOKEN_TTL_DAYS)."""
        return timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS)

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
