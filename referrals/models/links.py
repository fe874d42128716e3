"""The one-time confirmation link of a referral slip (issue 16): the receiving service,
which has no account, answers through it. The database keeps only a SHA-256 of the
token; the token itself is re-derived by the server from a key the database does not
hold (`referrals.services.links`), so a reprinted slip carries the same link."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .referrals import Referral


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


class ReferralLink(models.Model):
    """One per referral, created the first time its slip or link is produced."""

    referral = models.OneToOneField(
        Referral,
        on_delete=models.PROTECT,
        related_name="confirmation_link",
        verbose_name=_("referral"),
    )
    # Random per link: with the server key it gives the token (HMAC), so the token is
    # unguessable even for someone who reads this table.
    nonce = models.CharField(max_length=64, default=new_nonce, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("issued"), default=timezone.now)
    # As computed at issue and at each answer through the link; the page checks the
    # referral's current state (`referrals.services.links.link_expires_at`).
    expires_at = models.DateTimeField(_("expires"))
    # The first time the receiving service opened the page, and when it last answered.
    first_opened_at = models.DateTimeField(_("first opened"), null=True, blank=True)
    used_at = models.DateTimeField(
        _("answered through the link"), null=True, blank=True
    )
    # Set with the final answer (or when the referral closes otherwise): the link is
    # dead for good.
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("confirmation link")
        verbose_name_plural = _("confirmation links")

    def __str__(self) -> str:
        return f"link:{self.referral_id}"
