"""Checks of the beneficiary keys: the deployment check requires them; without them (or
with keys that do not decrypt the stored identities) every start warns loudly, since
identities then show as "unavailable (key missing)" and cannot be registered."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError, connections

logger = logging.getLogger("referrals.keys")

KEYS_HINT = (
    "Set BENEFICIARY_KEYS to the keys of this site's data (kept apart from backups); "
    "see .env.example for how to generate a new one."
)


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


def keys_problem() -> str:
    """Why the configured BENEFICIARY_KEYS cannot work, or "" (no database access)."""
    from referrals.crypto import KeysMissing, fernet

    try:
        fernet()
    except KeysMissing as error:
        return str(error)
    return ""


@register(Tags.security)
def check_keys_configured(app_configs, **kwargs) -> list[Warning]:
    """On every start (runserver, migrate, check): no keys, or an invalid one."""
    problem = keys_problem()
    if not problem:
        return []
    return [
        Warning(
            f"{problem} Beneficiaries' identities show as 'unavailable (key missing)' "
            "and none can be registered or changed.",
            hint=KEYS_HINT,
            id="referrals.W001",
        )
    ]


@register(Tags.database)
def check_keys_decrypt(app_configs, databases=None, **kwargs) -> list[Warning]:
    """With database checks (migrate, `check --database default`): the keys decrypt
    the most recently stored identity (one row read; its value is never shown)."""
    from referrals.crypto import KeysMissing, decrypt
    from referrals.models import Beneficiary

    if not databases or "default" not in databases or keys_problem():
        return []
    table = Beneficiary._meta.db_table
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                f"SELECT full_name FROM {table} WHERE full_name <> '' "
                "ORDER BY id DESC LIMIT 1"
            )
            row = cursor.fetchone()
    except DatabaseError:  # not migrated yet
        return []
    if row is None:
        return []
    try:
        decrypt(row[0])
    except KeysMissing:
        return [
            Warning(
                "BENEFICIARY_KEYS does not decrypt the stored identities (wrong keys, "
                "or the key they were encrypted with was removed): they show as "
                "'unavailable (key missing)'.",
                hint=KEYS_HINT,
                id="referrals.W002",
            )
        ]
    return []


def warn_at_startup() -> None:
    """A log line at every start of a process without usable keys."""
    problem = keys_problem()
    if problem:
        logger.warning(
            "BENEFICIARY KEYS MISSING OR INVALID: %s Identities show as 'unavailable "
            "(key missing)'; registering or changing a beneficiary is refused.",
            problem,
        )
