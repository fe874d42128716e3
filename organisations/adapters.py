"""allauth hooks: no open sign-up (invitations only)."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request) -> bool:
        """Accounts are created by accepting an invitation, never by open sign-up."""
        return False
