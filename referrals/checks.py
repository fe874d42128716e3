"""Deployment check: identity fields cannot be stored without encryption keys."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_beneficiary_keys(app_configs, **kwargs) -> list[Error]:
    errors = []
    if not getattr(settings, "BENEFICIARY_KEYS", None):
        errors.append(
            Error(
                "BENEFICIARY_KEYS is empty: beneficiaries cannot be registered.",
                hint="See .env.example for how to generate a key.",
                id="referrals.E001",
            )
        )
    if not getattr(settings, "BENEFICIARY_HASH_KEY", ""):
        errors.append(
            Error(
                "BENEFICIARY_HASH_KEY is empty: duplicates cannot be detected.",
                hint="See .env.example for how to generate a key.",
                id="referrals.E002",
            )
        )
    return errors
