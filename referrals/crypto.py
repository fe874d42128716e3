"""Identity fields encrypted at rest, and the keyed hashes that find possible duplicates.

Keys come from the environment (PRODUCT.md "Data responsibility"):
- `BENEFICIARY_KEYS`: Fernet keys, comma-separated; the first encrypts, all decrypt, so a
  new key is put first, `manage.py rotate_beneficiary_keys` re-encrypts every row, and the
  old key can then be dropped.
- `BENEFICIARY_HASH_KEY`: the HMAC-SHA256 key of the duplicate keys. Never a plain hash:
  names and birth years are guessable, so an unkeyed hash would be reversible by a
  dictionary attack on a stolen database.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import unicodedata
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "gAAAA"  # every Fernet token starts so (version byte 0x80, then the timestamp)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    """The MultiFernet of the configured keys (read at call time: tests override them)."""
    keys = tuple(
        k.strip() for k in getattr(settings, "BENEFICIARY_KEYS", []) if k.strip()
    )
    if not keys:
        raise ImproperlyConfigured(
            'BENEFICIARY_KEYS is not set: generate one with `python -c "import base64, '
            'secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"`.'
        )
    try:
        return _fernet(keys)
    except ValueError as error:
        raise ImproperlyConfigured(
            f"BENEFICIARY_KEYS holds an invalid key: {error}"
        ) from None


def encrypt(value: str) -> str:
    """The ciphertext of a non-empty text ("" stays "": there is nothing to hide)."""
    if not value:
        return ""
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # A row encrypted with a key no longer configured: refuse loudly, never show
        # ciphertext as if it were a name. (The message holds no identity.)
        raise ImproperlyConfigured(
            "A beneficiary identity field was encrypted with a key missing from "
            "BENEFICIARY_KEYS."
        ) from None


def rotate(token: str) -> str:
    """The same plaintext encrypted with the current (first) key."""
    if not token:
        return ""
    return fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; Python sees the clear text. Not searchable."""

    def from_db_value(self, value, expression, connection):
        if value is None:
            return ""
        return self.from_text(decrypt(value))

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return ""
        return encrypt(self.to_text(value))

    def to_text(self, value) -> str:
        return str(value)

    def from_text(self, text: str):
        return text


class EncryptedDateField(EncryptedTextField):
    """A date stored as an encrypted ISO string; Python sees a `date` (or None)."""

    def to_text(self, value) -> str:
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)

    def from_text(self, text: str):
        return datetime.date.fromisoformat(text) if text else None

    def get_prep_value(self, value):
        if value in (None, ""):
            return ""
        return encrypt(self.to_text(value))

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, datetime.date):
            return value
        return datetime.date.fromisoformat(str(value))

    def formfield(self, **kwargs):
        from django import forms

        return models.Field.formfield(self, **{"form_class": forms.DateField, **kwargs})


def normalise_name(name: str) -> str:
    """Casefolded, accents stripped, whitespace collapsed, tokens sorted: "Fatou  DIALLO"
    and "diallo fatou" match."""
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = "".join(c if c.isalnum() else " " for c in text)
    return " ".join(sorted(text.split()))


def normalise_phone(phone: str) -> str:
    """Digits only, Moroccan numbers in international form (06… and +2126… match)."""
    digits = "".join(c for c in phone if c.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("0") and len(digits) == 10:
        digits = "212" + digits[1:]
    return digits


def keyed_hash(*parts: str) -> str:
    key = getattr(settings, "BENEFICIARY_HASH_KEY", "")
    if not key:
        raise ImproperlyConfigured("BENEFICIARY_HASH_KEY is not set.")
    message = "\x1f".join(parts).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def duplicate_keys(
    *, full_name: str, birth_year: int | None, nationality: str, phone: str
) -> tuple[str, str]:
    """(name key, phone key): HMAC-SHA256 of the normalised name + birth year +
    nationality, and of the normalised phone; "" where there is nothing to compare."""
    name = normalise_name(full_name or "")
    name_key = ""
    if name:
        name_key = keyed_hash("name", name, str(birth_year or ""), nationality or "")
    phone_digits = normalise_phone(phone or "")
    phone_key = keyed_hash("phone", phone_digits) if len(phone_digits) >= 6 else ""
    return name_key, phone_key
