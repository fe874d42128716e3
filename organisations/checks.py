"""Deployment checks (`manage.py check --deploy`): MFA on, and its secrets encryptable."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_mfa(app_configs, **kwargs) -> list[Error]:
    errors = []
    if not settings.DEBUG and not getattr(settings, "TANSIQ_REQUIRE_MFA", True):
        errors.append(
            Error(
                "TANSIQ_REQUIRE_MFA is false with DEBUG off: coordinators and focal "
                "points could sign in with a password alone.",
                hint="Set TANSIQ_REQUIRE_MFA=true (only a local demo may relax it).",
                id="organisations.E001",
            )
        )
    if not [k for k in getattr(settings, "MFA_KEYS", []) if k.strip()]:
        errors.append(
            Error(
                "MFA_KEYS is empty: authenticator secrets cannot be stored encrypted.",
                hint="See .env.example for how to generate a key.",
                id="organisations.E002",
            )
        )
    return errors
