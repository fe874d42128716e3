"""API authentication by per-organisation tokens (`Authorization: Token <key>`): an
expired token is refused (401), a read-only token may only read (403)."""

from __future__ import annotations

from datetime import timedelta

import pghistory
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions

from .models import ApiToken, hash_secret

# Write last use at most once a minute per token, not on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class OrganisationTokenAuthentication(authentication.TokenAuthentication):
    """A token acts for its organisation, with its owner's role there."""

    keyword = "Token"

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            token = result[1]
            if token.is_read_only and request.method not in permissions.SAFE_METHODS:
                raise exceptions.PermissionDenied(
                    _(
                        "This token is read only: it cannot change anything. Ask a "
                        "focal point for a read-and-write token."
                    )
                )
        return result

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("user", "organisation")
            .filter(key_hash=hash_secret(key))
            .first()
        )
        if token is None or token.revoked_at is not None or token.expires_at is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        user = token.user
        if not user.is_active or not token.organisation.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if not user.memberships.filter(organisation=token.organisation).exists():
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
        if token.is_expired:
            raise exceptions.AuthenticationFailed(
                _(
                    "This token expired on %(date)s. A focal point of the organisation "
                    "can renew it on the API tokens page."
                )
                % {
                    "date": formats.date_format(
                        timezone.localtime(token.expires_at), "SHORT_DATE_FORMAT"
                    )
                }
            )
        if (
            token.last_used_at is None
            or now - token.last_used_at > LAST_USED_RESOLUTION
        ):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # The token acts for its organisation, whatever the owner chose in the browser.
        user._token_organisation = token.organisation
        # The audit trail records which token made a change (the user is added by
        # pghistory's middleware when DRF sets request.user).
        pghistory.context(api_token=token.pk)
        return (user, token)

    def authenticate_header(self, request) -> str:
        return self.keyword
