"""Idempotent replays of the beneficiaries API keep no identity: only the code is stored,
and a replay shows the beneficiary as it is now (erased stays erased), logged."""

from __future__ import annotations

from django.db import connection
from django.urls import reverse

from coordination.models import IdempotencyKey
from referrals.models import Beneficiary, IdentityAccessLog
from referrals.services import erase_identity
from tests.referrals.conftest import (
    SENTINEL_ADDRESS,
    SENTINEL_DOCUMENT,
    SENTINEL_NAME,
    SENTINEL_PHONE,
    SENTINELS,
)

LIST = reverse("api:beneficiary-list")

BODY = {
    "full_name": SENTINEL_NAME,
    "phone": SENTINEL_PHONE,
    "document_numbers": SENTINEL_DOCUMENT,
    "address": SENTINEL_ADDRESS,
    "date_of_birth": "1990-02-03",
    "sex": "male",
    "nationality": "ML",
    "languages": ["bm", "fr"],
}


def idempotency_table_text() -> str:
    """Every stored idempotency row, every column, as PostgreSQL holds it."""
    table = connection.ops.quote_name(IdempotencyKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT t::text FROM {table} t")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_registration_keeps_no_identity_in_the_idempotency_table(api_as, worker_a):
    client = api_as(worker_a)

    first = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == 201, first.json()
    assert first.json()["full_name"] == SENTINEL_NAME
    stored = idempotency_table_text()
    assert first.json()["code"] in stored  # the row exists, and holds the code
    for sentinel in SENTINELS:
        assert sentinel not in stored


def test_a_replayed_registration_returns_the_same_status_and_body(api_as, worker_a):
    client = api_as(worker_a)

    first = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert again.status_code == first.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Beneficiary.objects.count() == 1


def test_a_replay_showing_identity_is_logged(api_as, worker_a):
    client = api_as(worker_a)
    first = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    beneficiary = Beneficiary.objects.get(code=first.json()["code"])
    logged = IdentityAccessLog.objects.filter(beneficiary=beneficiary)
    assert logged.count() == 1  # the registration's own display

    client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert logged.count() == 2
    replay_log = logged.order_by("pk").last()
    assert replay_log.user == worker_a
    assert replay_log.purpose == "api:beneficiary-replay"


def test_a_replay_after_erasure_does_not_return_the_erased_identity(
    api_as, worker_a, focal_a
):
    client = api_as(worker_a)
    first = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    beneficiary = Beneficiary.objects.get(code=first.json()["code"])
    erase_identity(beneficiary, actor=focal_a)
    logged = IdentityAccessLog.objects.filter(beneficiary=beneficiary).count()

    again = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert again.status_code == 201
    assert again.json()["code"] == beneficiary.code
    assert again.json()["identity_erased"] is True
    for sentinel in SENTINELS:
        assert sentinel not in again.content.decode()
    # Nothing shown, nothing logged.
    assert IdentityAccessLog.objects.filter(beneficiary=beneficiary).count() == logged
    assert Beneficiary.objects.count() == 1


def test_an_edit_replay_keeps_no_identity_and_shows_the_current_record(
    api_as, worker_a, beneficiary_a
):
    client = api_as(worker_a)
    url = reverse("api:beneficiary-detail", args=[beneficiary_a.code])
    patch = {"address": SENTINEL_ADDRESS + "-NEW", "phone": SENTINEL_PHONE}
    headers = {"HTTP_IF_MATCH": f'"{beneficiary_a.version}"'}

    first = client.patch(
        url, patch, format="json", HTTP_IDEMPOTENCY_KEY="e-1", **headers
    )
    again = client.patch(
        url, patch, format="json", HTTP_IDEMPOTENCY_KEY="e-1", **headers
    )

    assert first.status_code == again.status_code == 200, first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert again["ETag"] == first["ETag"]
    stored = idempotency_table_text()
    assert beneficiary_a.code in stored
    for sentinel in SENTINELS:
        assert sentinel not in stored


def test_a_refused_registration_is_still_replayed_as_refused(api_as, worker_a):
    key = "b-1"
    client = api_as(worker_a)
    bad = {**BODY, "date_of_birth": "2999-01-01"}

    first = client.post(LIST, bad, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = client.post(LIST, bad, format="json", HTTP_IDEMPOTENCY_KEY=key)

    assert first.status_code == again.status_code == 400
    assert again.json() == first.json()
    assert not Beneficiary.objects.exists()
    for sentinel in SENTINELS:
        assert sentinel not in idempotency_table_text()


def test_a_replay_of_a_beneficiary_no_longer_visible_is_a_404(api_as, worker_a, org_b):
    client = api_as(worker_a)
    first = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # The record now belongs to another organisation: worker_a may no longer see it.
    Beneficiary.objects.filter(code=first.json()["code"]).update(organisation=org_b)

    again = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert again.status_code == 404
    for sentinel in SENTINELS:
        assert sentinel not in again.content.decode()
    assert Beneficiary.objects.count() == 1


def test_a_full_body_stored_before_the_change_is_not_replayed(
    api_as, worker_a, focal_a
):
    client = api_as(worker_a)
    first = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    # A row kept by the previous version held the whole response, identity included.
    IdempotencyKey.objects.filter(key="k-1").update(response_body=first.json())
    erase_identity(Beneficiary.objects.get(code=first.json()["code"]), actor=focal_a)

    again = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert again.status_code == 201
    assert again.json()["identity_erased"] is True
    for sentinel in SENTINELS:
        assert sentinel not in again.content.decode()
