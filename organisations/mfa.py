"""MFA secrets encrypted at rest (issue #12 item 1).

allauth keeps the TOTP secret and the recovery codes' seed in `mfa_authenticator.data`
and passes them through its adapter's `encrypt()`/`decrypt()` hooks. This adapter
encrypts them with `MFA_KEYS`, Fernet keys: the first encrypts, all decrypt, so a key
is rotated by putting a new one first, running `manage.py rotate_mfa_keys`, then
dropping the old one. An encrypted value is written `fernet:<token>`; a value without
the prefix is a secret stored in clear before encryption existed (migration
0004 encrypts those, and they keep working until then).
"""

from __future__ import annotations

from functools import lru_cache

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fernet:"
# The secrets in an authenticator's data: TOTP's secret, the recovery codes' seed and
# the codes migrated from another library (a list).
SECRET_FIELDS = ("secret", "seed")
SECRET_LISTS = ("migrated_codes",)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    """The MultiFernet of MFA_KEYS (read at call time: tests override them)."""
    keys = tuple(k.strip() for k in getattr(settings, "MFA_KEYS", []) if k.strip())
    if not keys:
        raise ImproperlyConfigured(
            "MFA_KEYS is not set: MFA secrets cannot be stored. Generate a key with "
            '`python -c "import base64, secrets; '
            'print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"`.'
        )
    try:
        return _fernet(keys)
    except ValueError as error:
        raise ImproperlyConfigured(f"MFA_KEYS holds an invalid key: {error}") from None


def is_encrypted(value: str) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def encrypt(text: str) -> str:
    return PREFIX + fernet().encrypt(text.encode()).decode()


def decrypt(value: str) -> str:
    if not is_encrypted(value):
        return value  # stored in clear before MFA_KEYS existed
    try:
        return fernet().decrypt(value[len(PREFIX) :].encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "An MFA secret was encrypted with a key missing from MFA_KEYS."
        ) from None


def reencrypt(value: str) -> str:
    """The same secret encrypted with the current (first) key, whether it was stored in
    clear or under an older key."""
    return encrypt(decrypt(value))


def encrypt_data(data: dict, *, clear: bool = False) -> dict:
    """An authenticator's data with every secret encrypted with the first key (or, with
    `clear`, decrypted: the migration's way back)."""
    convert = decrypt if clear else reencrypt
    data = dict(data)
    for field in SECRET_FIELDS:
        if isinstance(data.get(field), str):
            data[field] = convert(data[field])
    for field in SECRET_LISTS:
        if isinstance(data.get(field), list):
            data[field] = [convert(v) if isinstance(v, str) else v for v in data[field]]
    return data


def reencrypt_authenticators(queryset, *, clear: bool = False) -> int:
    """Encrypt (or decrypt) the secrets of every authenticator of the queryset; works on
    the migration's historical model too. Returns how many rows changed."""
    changed = 0
    for authenticator in queryset.only("pk", "data").iterator():
        data = encrypt_data(authenticator.data or {}, clear=clear)
        if data != authenticator.data:
            queryset.model._default_manager.filter(pk=authenticator.pk).update(
                data=data
            )
            changed += 1
    return changed


class MFAAdapter(DefaultMFAAdapter):
    """allauth's MFA adapter with its secrets encrypted by MFA_KEYS."""

    def encrypt(self, text: str) -> str:
        return encrypt(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt(encrypted_text)
