"""API authentication by per-organisation tokens (`Authorization: Token <key>`)."""

from __future__ import annotations

from datetime import timedelta

import pghistory
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .models import ApiToken, hash_secret

# Write last use at most once a minute per token, not on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class OrganisationTokenAuthentication(authentication.TokenAuthentication):
    """A token acts for its organisation, with its owner's role there."""

    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = (
            ApiToken.objects.select_related("user", "organisation")
            .filter(key_hash=hash_secret(key))
            .first()
        )
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        user = token.user
        if not user.is_active or not token.organisation.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        if not user.memberships.filter(organisation=token.organisation).exists():
            raise exceptions.AuthenticationFailed(_("Invalid or revoked token."))
        now = timezone.now()
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
