"""MFA secrets are encrypted at rest with MFA_KEYS (issue #12 item 1): TOTP secrets and
recovery seeds never sit in clear in mfa_authenticator, sign-in still works, clear rows
from before keep working and are encrypted by the migration, and keys rotate."""

from __future__ import annotations

import base64
import importlib
import json
import secrets
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from organisations import mfa
from tests.factories import PASSWORD

MIGRATION = importlib.import_module("organisations.migrations.0004_encrypt_mfa_secrets")


def _key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def mfa_key(settings) -> str:
    key = _key()
    settings.MFA_KEYS = [key]
    return key


def _code(secret: str) -> str:
    """The authenticator app's current code (waits for the next period near its end)."""
    period = mfa_settings.TOTP_PERIOD
    remaining = period - time.time() % period
    if remaining < 3:
        time.sleep(remaining + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


def _raw_data(authenticator: Authenticator) -> str:
    """The data column as PostgreSQL holds it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data::text FROM mfa_authenticator WHERE id = %s", [authenticator.pk]
        )
        return cursor.fetchone()[0]


def _sign_in(client, user, code: str):
    login = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}
    )
    assert login.status_code == 302
    assert login["Location"].startswith(reverse("mfa_authenticate"))
    return client.post(reverse("mfa_authenticate"), {"code": code})


def test_a_totp_secret_is_stored_encrypted(mfa_key, focal_a):
    secret = generate_totp_secret()

    authenticator = TOTP.activate(focal_a, secret).instance

    raw = _raw_data(authenticator)
    assert secret not in raw
    assert json.loads(raw)["secret"].startswith(mfa.PREFIX)
    assert TOTP(authenticator).validate_code(_code(secret))


def test_a_recovery_seed_is_stored_encrypted_and_its_codes_still_work(mfa_key, focal_a):
    codes = RecoveryCodes.activate(focal_a)
    authenticator = codes.instance
    seed = mfa.decrypt(authenticator.data["seed"])

    raw = _raw_data(authenticator)
    assert seed not in raw
    assert json.loads(raw)["seed"].startswith(mfa.PREFIX)
    unused = codes.get_unused_codes()
    assert len(unused) == mfa_settings.RECOVERY_CODE_COUNT
    assert RecoveryCodes(Authenticator.objects.get(pk=authenticator.pk)).validate_code(
        unused[0]
    )
    assert not RecoveryCodes(
        Authenticator.objects.get(pk=authenticator.pk)
    ).validate_code(unused[0])  # used once


def test_sign_in_with_an_encrypted_totp_secret(mfa_key, client, focal_a):
    secret = generate_totp_secret()
    TOTP.activate(focal_a, secret)

    response = _sign_in(client, focal_a, _code(secret))

    assert response.status_code == 302
    assert client.get(reverse("api:me")).json()["email"] == focal_a.email


def test_sign_in_with_a_recovery_code(mfa_key, client, focal_a):
    TOTP.activate(focal_a, generate_totp_secret())
    code = RecoveryCodes.activate(focal_a).get_unused_codes()[3]

    response = _sign_in(client, focal_a, code)

    assert response.status_code == 302
    assert client.get(reverse("api:me")).status_code == 200


def test_a_wrong_code_is_still_refused(mfa_key, client, focal_a):
    secret = generate_totp_secret()
    TOTP.activate(focal_a, secret)
    good = _code(secret)
    wrong = "000000" if good != "000000" else "000001"

    response = _sign_in(client, focal_a, wrong)

    assert response.status_code == 200  # the form again, with its error
    assert client.get(reverse("api:me")).status_code in (401, 403)


def test_a_clear_secret_from_before_still_works_and_the_migration_encrypts_it(
    mfa_key, client, focal_a
):
    secret = generate_totp_secret()
    legacy = Authenticator.objects.create(
        user=focal_a, type=Authenticator.Type.TOTP, data={"secret": secret}
    )
    seed = RecoveryCodes.generate_seed()
    codes = Authenticator.objects.create(
        user=focal_a,
        type=Authenticator.Type.RECOVERY_CODES,
        data={"seed": seed, "used_mask": 0},
    )
    assert TOTP(legacy).validate_code(_code(secret))  # clear text is read as such

    MIGRATION.encrypt_secrets(apps, None)

    assert secret not in _raw_data(legacy)
    assert seed not in _raw_data(codes)
    legacy.refresh_from_db()
    assert mfa.decrypt(legacy.data["secret"]) == secret
    codes.refresh_from_db()
    assert codes.data["used_mask"] == 0  # the rest of the data is kept
    assert mfa.decrypt(codes.data["seed"]) == seed
    cache.clear()  # forget that this period's code was used above
    assert _sign_in(client, focal_a, _code(secret)).status_code == 302

    MIGRATION.decrypt_secrets(apps, None)  # the way back: clear again

    legacy.refresh_from_db()
    assert legacy.data["secret"] == secret


def test_the_migration_refuses_to_run_without_keys_when_secrets_exist(
    settings, focal_a
):
    settings.MFA_KEYS = []
    Authenticator.objects.create(
        user=focal_a, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )

    with pytest.raises(ImproperlyConfigured, match="MFA_KEYS"):
        MIGRATION.encrypt_secrets(apps, None)


def test_no_secret_is_stored_without_keys(settings, focal_a):
    settings.MFA_KEYS = []

    with pytest.raises(ImproperlyConfigured, match="MFA_KEYS"):
        TOTP.activate(focal_a, generate_totp_secret())


def test_a_new_key_first_still_decrypts_the_old_and_rotation_reencrypts(
    settings, focal_a
):
    old, new = _key(), _key()
    settings.MFA_KEYS = [old]
    secret = generate_totp_secret()
    authenticator = TOTP.activate(focal_a, secret).instance

    settings.MFA_KEYS = [new, old]
    assert TOTP(authenticator).validate_code(_code(secret))

    call_command("rotate_mfa_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115

    settings.MFA_KEYS = [new]  # the old key is gone
    authenticator.refresh_from_db()
    assert mfa.decrypt(authenticator.data["secret"]) == secret
    settings.MFA_KEYS = [old]
    with pytest.raises(ImproperlyConfigured, match="missing from MFA_KEYS"):
        mfa.decrypt(authenticator.data["secret"])
