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
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

PREFIX = "gAAAA"  # every Fernet token starts so (version byte 0x80, then the timestamp)

KEYS_MISSING_MESSAGE = _(
    "Identities cannot be saved: the encryption keys are missing or wrong on this "
    "server. Tell the platform's administrator; nothing was saved."
)


class KeysMissing(ValidationError, ImproperlyConfigured):
    """The keys needed to encrypt (or hash) an identity are missing or wrong.

    A configuration problem (ImproperlyConfigured, as scripts and the startup check see
    it) that a user meets as a clear refusal: being a ValidationError, pages show it on
    the form (`service_errors`) and the API answers 400 with the message, never 500."""

    def __init__(self, detail: str):
        self.detail = detail  # for operators (logs, commands); holds no identity
        super().__init__(KEYS_MISSING_MESSAGE, code="keys_missing")

    def __str__(self) -> str:
        return self.detail


class Unavailable(str):
    """What an identity text field holds when its ciphertext cannot be decrypted (no
    key, or not the key it was encrypted with): the translated "unavailable (key
    missing)", shown where the identity would be. It keeps the ciphertext, so saving
    the row again writes it back unchanged; it can never be encrypted as a value."""

    token: str

    def __new__(cls, token: str):
        value = super().__new__(cls, gettext("unavailable (key missing)"))
        value.token = token
        return value


class UnavailableDate(Unavailable):
    """The same for a date of birth; false, so code that checks for a date (the age)
    falls back to the birth year, stored in clear."""

    def __bool__(self) -> bool:
        return False


def is_unavailable(value) -> bool:
    return isinstance(value, Unavailable)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    """The MultiFernet of the configured keys (read at call time: tests override them)."""
    keys = tuple(
        k.strip() for k in getattr(settings, "BENEFICIARY_KEYS", []) if k.strip()
    )
    if not keys:
        raise KeysMissing(
            'BENEFICIARY_KEYS is not set: generate one with `python -c "import base64, '
            'secrets; print(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())"`.'
        )
    try:
        return _fernet(keys)
    except ValueError as error:
        raise KeysMissing(f"BENEFICIARY_KEYS holds an invalid key: {error}") from None


def encrypt(value: str) -> str:
    """The ciphertext of a non-empty text ("" stays "": there is nothing to hide). An
    unavailable value is its own ciphertext, unchanged."""
    if is_unavailable(value):
        return value.token
    if not value:
        return ""
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        # A row encrypted with a key no longer configured: never show ciphertext as if
        # it were a name. (The message holds no identity.)
        raise KeysMissing(
            "A beneficiary identity field was encrypted with a key missing from "
            "BENEFICIARY_KEYS."
        ) from None


def decrypt_or_unavailable(token: str, unavailable=Unavailable) -> str:
    """The clear text, or an `Unavailable` marker when the keys cannot decrypt it: pages
    and the API keep working without the keys, showing "unavailable (key missing)"."""
    try:
        return decrypt(token)
    except KeysMissing:
        return unavailable(token)


def rotate(token: str) -> str:
    """The same plaintext encrypted with the current (first) key."""
    if not token:
        return ""
    return fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token; Python sees the clear text. Not searchable."""

    unavailable = Unavailable

    def from_db_value(self, value, expression, connection):
        if value is None:
            return ""
        text = decrypt_or_unavailable(value, self.unavailable)
        return text if is_unavailable(text) else self.from_text(text)

    def get_prep_value(self, value):
        if is_unavailable(value):
            return value.token
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

    unavailable = UnavailableDate

    def to_text(self, value) -> str:
        if isinstance(value, datetime.date):
            return value.isoformat()
        return str(value)

    def from_text(self, text: str):
        return datetime.date.fromisoformat(text) if text else None

    def get_prep_value(self, value):
        if is_unavailable(value):
            return value.token
        if value in (None, ""):
            return ""
        return encrypt(self.to_text(value))

    def to_python(self, value):
        if is_unavailable(value):
            return value
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
        raise KeysMissing("BENEFICIARY_HASH_KEY is not set.")
    message = "\x1f".join(parts).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def duplicate_keys(
    *, full_name: str, birth_year: int | None, nationality: str, phone: str
) -> tuple[str, str]:
    """(name key, phone key): HMAC-SHA256 of the normalised name + birth year +
    nationality, and of the normalised phone; "" where there is nothing to compare.
    An identity that cannot be decrypted cannot be hashed again: the change is refused
    (the keys computed from the real identity stay as they are)."""
    if is_unavailable(full_name) or is_unavailable(phone):
        raise KeysMissing(
            "A beneficiary's identity cannot be decrypted with BENEFICIARY_KEYS, so its "
            "record cannot be changed."
        )
    name = normalise_name(full_name or "")
    name_key = ""
    if name:
        name_key = keyed_hash("name", name, str(birth_year or ""), nationality or "")
    phone_digits = normalise_phone(phone or "")
    phone_key = keyed_hash("phone", phone_digits) if len(phone_digits) >= 6 else ""
    return name_key, phone_key
