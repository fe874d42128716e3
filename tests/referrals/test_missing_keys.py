"""Without BENEFICIARY_KEYS, or with keys that do not decrypt the stored identities, the
pages and the API keep working: the identity shows as "unavailable (key missing)", a
write that needs the keys is refused clearly (never a 500, never the marker saved as a
value), and every start warns."""

from __future__ import annotations

import base64
import logging
import secrets

import pytest
from django.core.checks import run_checks
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from coordination.models import Sector
from referrals import services
from referrals.checks import (
    check_keys_configured,
    check_keys_decrypt,
    warn_at_startup,
)
from referrals.crypto import KEYS_MISSING_MESSAGE
from referrals.models import Beneficiary
from tests.referrals.conftest import SENTINEL_NAME, SENTINELS

MARKER = "unavailable (key missing)"  # in the language of the request


def marker(response) -> str:
    with translation.override(response.headers.get("Content-Language", "en")):
        return translation.gettext(MARKER)


NO_KEYS, WRONG_KEY = "no keys", "wrong key"


def _other_key() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture
def referral(beneficiary_a, worker_a, org_b, consent_a_to_b):
    return services.send_referral(
        beneficiary_a,
        actor=worker_a,
        to_organisation=org_b,
        sector=Sector.objects.get(code="health"),
        reason="Needs a medical consultation",
        consent=consent_a_to_b,
    )


@pytest.fixture(params=[NO_KEYS, WRONG_KEY])
def keys_lost(request, settings, referral):
    """The data was stored with the right key; now the key is missing or another."""
    good = list(settings.BENEFICIARY_KEYS)
    settings.BENEFICIARY_KEYS = [] if request.param == NO_KEYS else [_other_key()]
    yield request.param, good
    settings.BENEFICIARY_KEYS = good


def _clean(body: str) -> None:
    for sentinel in SENTINELS:
        assert sentinel not in body
    assert "gAAAA" not in body  # never the ciphertext as if it were a value


def test_pages_show_the_identity_as_unavailable(
    keys_lost, client_as, worker_a, worker_b, beneficiary_a, referral
):
    sender, receiver = client_as(worker_a), client_as(worker_b)
    pages = {
        "list": (sender, reverse("referrals:list")),
        "detail": (sender, reverse("referrals:detail", args=[beneficiary_a.code])),
        "edit": (sender, reverse("referrals:edit", args=[beneficiary_a.code])),
        "outgoing": (sender, reverse("referrals:referral_outgoing")),
        "inbox": (receiver, reverse("referrals:referral_inbox")),
        "referral": (
            receiver,
            reverse("referrals:referral_detail", args=[referral.code]),
        ),
    }
    for name, (client, url) in pages.items():
        response = client.get(url)
        assert response.status_code == 200, name
        _clean(response.content.decode())
    for name in ("detail", "referral"):
        client, url = pages[name]
        response = client.get(url)
        # Name, phone, date of birth, documents, address: each unavailable.
        assert response.content.decode().count(escape(marker(response))) == 5, name
    # The edit form does not offer the identity fields (the marker is no value).
    client, url = pages["edit"]
    assert 'name="full_name"' not in client.get(url).content.decode()


def test_the_api_shows_the_identity_as_unavailable(
    keys_lost, api_as, worker_a, worker_b, beneficiary_a, referral
):
    sender, receiver = api_as(worker_a), api_as(worker_b)
    for client, url in (
        (sender, reverse("api:beneficiary-list")),
        (sender, reverse("api:referral-list")),
        (receiver, reverse("api:referral-list")),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        _clean(response.content.decode())

    person = sender.get(reverse("api:beneficiary-detail", args=[beneficiary_a.code]))
    assert person.status_code == 200
    _clean(person.content.decode())
    assert person.json()["full_name"] == marker(person)
    assert person.json()["phone"] == marker(person)
    assert person.json()["date_of_birth"] is None
    assert person.json()["sex"] == "female"  # the rest is served as usual

    shared = receiver.get(reverse("api:referral-detail", args=[referral.code]))
    assert shared.status_code == 200
    _clean(shared.content.decode())
    assert shared.json()["person"]["full_name"] == marker(shared)
    assert shared.json()["status"] == "pending"


def test_writes_that_need_the_keys_are_refused_clearly(
    keys_lost, settings, api_as, client_as, worker_a, beneficiary_a
):
    api = api_as(worker_a)
    url = reverse("api:beneficiary-detail", args=[beneficiary_a.code])
    changed = api.patch(url, {"household_size": 3}, format="json", HTTP_IF_MATCH='"1"')
    assert changed.status_code == 400
    with translation.override(changed.headers.get("Content-Language", "en")):
        message = str(KEYS_MISSING_MESSAGE)
    assert message in changed.json()["errors"]["non_field_errors"]

    form = client_as(worker_a).post(
        reverse("referrals:edit", args=[beneficiary_a.code]),
        {"sex": "female", "version": "1", "household_size": "3"},
    )
    assert form.status_code == 200  # the form again, not a 500
    assert Beneficiary.objects.get().version == 1  # and nothing saved
    with translation.override(form.headers.get("Content-Language", "en")):
        assert escape(str(KEYS_MISSING_MESSAGE)) in form.content.decode()

    if keys_lost[0] == NO_KEYS:  # nothing can be encrypted: registering is refused too
        created = api.post(
            reverse("api:beneficiary-list"),
            {"sex": "male", "full_name": "Someone New"},
            format="json",
        )
        assert created.status_code == 400
        assert message in str(created.json())
    # Nothing was overwritten: with the right key back, the identity is intact.
    settings.BENEFICIARY_KEYS = keys_lost[1]
    assert Beneficiary.objects.count() == 1
    assert Beneficiary.objects.get().full_name == SENTINEL_NAME


def test_saving_an_unreadable_row_keeps_its_ciphertext(beneficiary_a, settings):
    good = list(settings.BENEFICIARY_KEYS)
    settings.BENEFICIARY_KEYS = [_other_key()]
    person = Beneficiary.objects.get(pk=beneficiary_a.pk)
    assert person.full_name == translation.gettext(MARKER)
    assert not person.date_of_birth  # the age falls back to the birth year
    assert person.age is not None
    person.save()  # every column written back

    settings.BENEFICIARY_KEYS = good
    again = Beneficiary.objects.get(pk=beneficiary_a.pk)
    assert again.full_name == SENTINEL_NAME
    assert again.date_of_birth.isoformat() == "1996-04-12"


def test_every_start_warns_without_usable_keys(settings, caplog, beneficiary_a):
    assert check_keys_configured(None) == []
    assert check_keys_decrypt(None, databases=["default"]) == []

    settings.BENEFICIARY_KEYS = []
    assert [w.id for w in check_keys_configured(None)] == ["referrals.W001"]
    assert "referrals.W001" in {m.id for m in run_checks()}
    with caplog.at_level(logging.WARNING, logger="referrals.keys"):
        warn_at_startup()
    assert "BENEFICIARY KEYS MISSING OR INVALID" in caplog.text

    settings.BENEFICIARY_KEYS = ["not-a-fernet-key"]
    assert [w.id for w in check_keys_configured(None)] == ["referrals.W001"]

    settings.BENEFICIARY_KEYS = [_other_key()]  # valid, but not the data's key
    assert check_keys_configured(None) == []
    assert [w.id for w in check_keys_decrypt(None, databases=["default"])] == [
        "referrals.W002"
    ]
    assert check_keys_decrypt(None, databases=None) == []  # only with database checks
