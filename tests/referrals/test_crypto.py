"""Identity fields are encrypted at rest; keys rotate without losing a row."""

from __future__ import annotations

import base64
import secrets

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.utils.translation import gettext

from referrals.crypto import normalise_name, normalise_phone
from referrals.models import Beneficiary
from tests.referrals.conftest import SENTINEL_NAME, SENTINEL_PHONE, SENTINELS


def _new_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def _raw(beneficiary) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT full_name, phone, date_of_birth, document_numbers, address "
            "FROM referrals_beneficiary WHERE id = %s",
            [beneficiary.pk],
        )
        return cursor.fetchone()


def test_the_database_holds_no_identity_in_clear_text(beneficiary_a):
    raw = _raw(beneficiary_a)

    for sentinel in (*SENTINELS, "1996-04-12", "1996"):
        assert sentinel not in repr(raw)
    assert all(value.startswith("gAAAA") for value in raw)
    # ...while the application reads them back.
    again = Beneficiary.objects.get(pk=beneficiary_a.pk)
    assert again.full_name == SENTINEL_NAME
    assert again.phone == SENTINEL_PHONE
    assert again.date_of_birth.isoformat() == "1996-04-12"


def test_the_whole_table_holds_no_identity(beneficiary_a):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM referrals_beneficiary")
        rows = cursor.fetchall()
    for sentinel in SENTINELS:
        assert sentinel not in repr(rows)


def test_rotation_reencrypts_so_the_old_key_can_be_dropped(beneficiary_a, settings):
    old_key = settings.BENEFICIARY_KEYS[0]
    before = _raw(beneficiary_a)
    new_key = _new_key()
    settings.BENEFICIARY_KEYS = [new_key, old_key]

    call_command("rotate_beneficiary_keys", batch_size=1)

    after = _raw(beneficiary_a)
    assert all(a != b for a, b in zip(after, before, strict=True))
    settings.BENEFICIARY_KEYS = [new_key]  # the old key is gone
    assert Beneficiary.objects.get(pk=beneficiary_a.pk).full_name == SENTINEL_NAME
    # Rotation does not touch the audit trail nor the activity clock.
    assert beneficiary_a.events.count() == 1


def test_without_the_right_key_nothing_is_shown(beneficiary_a, settings):
    settings.BENEFICIARY_KEYS = [_new_key()]

    # Neither the ciphertext nor an error: the marker (tests/referrals/test_missing_keys).
    person = Beneficiary.objects.get(pk=beneficiary_a.pk)
    assert person.full_name == gettext("unavailable (key missing)")
    assert SENTINEL_NAME not in repr(person.__dict__)


def test_without_keys_nothing_is_stored(worker_a, settings):
    from referrals.services import register_beneficiary
    from tests.referrals.conftest import identity

    settings.BENEFICIARY_KEYS = []
    with pytest.raises(ImproperlyConfigured):
        register_beneficiary(actor=worker_a, **identity())


def test_the_deployment_check_requires_the_keys(settings):
    from referrals.checks import check_beneficiary_keys

    assert check_beneficiary_keys(None) == []
    settings.BENEFICIARY_KEYS = []
    settings.BENEFICIARY_HASH_KEY = ""
    assert {e.id for e in check_beneficiary_keys(None)} == {
        "referrals.E001",
        "referrals.E002",
    }


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Fatou  DIALLO", "diallo fatou"),
        ("Aïcha Ndiaye", "aicha ndiaye"),
        ("Jean-Paul", "jean paul"),
    ],
)
def test_names_are_normalised_before_hashing(one, other):
    assert normalise_name(one) == normalise_name(other)


def test_phones_are_normalised_before_hashing():
    assert normalise_phone("06 12 34 56 78") == normalise_phone("+212 612-345-678")
    assert normalise_phone("00212612345678") == "212612345678"
