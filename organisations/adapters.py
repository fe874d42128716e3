"""allauth hooks: no open sign-up (invitations only); first MFA set-up right after login."""

from __future__ import annotations

import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        """Accounts are created by accepting an invitation, never by open sign-up."""
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Someone who has just signed in with their password and must now set up their
        first authenticator (coordinators, focal points) is not asked for it again."""
        request = getattr(self, "request", None)
        user = getattr(request, "user", None)
        if (
            app == "allauth.mfa"
            and user is not None
            and user.is_authenticated
            and not Authenticator.objects.filter(user=user).exists()
        ):
            records = get_authentication_records(request, user)
            if (
                records
                and time.time() - records[-1]["at"]
                < account_settings.REAUTHENTICATION_TIMEOUT
            ):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)
