"""PRODUCT.md "Data responsibility": sentinel identity values planted in organisation A's
beneficiary never reach anyone else, on any page or API route, nor any log line."""

from __future__ import annotations

import logging

import pytest
from django.db import connections
from django.urls import reverse

from referrals.models import IdentityAccessLog
from tests.referrals.conftest import SENTINELS

OTHERS = [
    "worker_b",
    "focal_b",
    "worker_c",
    "coordinator",
    "observer",
    "anonymous",
    "token_b",
]


def _routes(beneficiary, consent) -> list[tuple[str, str, dict | None]]:
    code = beneficiary.code
    return [
        ("get", reverse("api:beneficiary-detail", args=[code]), None),
        ("get", reverse("api:consent-list", args=[code]), None),
        ("get", reverse("api:consent-detail", args=[code, consent.pk]), None),
        ("post", reverse("api:consent-withdraw", args=[code, consent.pk]), {}),
        ("patch", reverse("api:beneficiary-detail", args=[code]), {"sex": "male"}),
    ]


def _pages(beneficiary, consent) -> list[tuple[str, str, dict | None]]:
    code = beneficiary.code
    return [
        ("get", reverse("referrals:detail", args=[code]), None),
        ("get", reverse("referrals:edit", args=[code]), None),
        ("post", reverse("referrals:edit", args=[code]), {"sex": "male"}),
        ("post", reverse("referrals:consent_record", args=[code]), {"scope": "x"}),
        ("post", reverse("referrals:erase", args=[code]), {"confirm": "yes"}),
        (
            "post",
            reverse("referrals:consent_withdraw", args=[code, consent.pk]),
            {"reason": "x"},
        ),
    ]


def _client(who, request, api_as, client_as, api: bool):
    if who == "token_b":
        return api_as(token=request.getfixturevalue("token_b")) if api else None
    user = None if who == "anonymous" else request.getfixturevalue(who)
    return api_as(user) if api else client_as(user)


def _assert_clean(response) -> None:
    body = response.content.decode()
    for sentinel in SENTINELS:
        assert sentinel not in body
        assert sentinel not in response.get("Location", "")


@pytest.mark.parametrize("who", OTHERS)
def test_nobody_else_sees_anything_of_the_person_through_the_api(
    request, api_as, client_as, who, beneficiary_a, consent_a_to_b
):
    client = _client(who, request, api_as, client_as, api=True)
    expected = 401 if who == "anonymous" else 404

    for method, url, body in _routes(beneficiary_a, consent_a_to_b):
        response = getattr(client, method)(
            url, body, format="json", HTTP_IF_MATCH='"1"'
        )
        assert response.status_code == expected, (method, url)
        _assert_clean(response)
    listing = client.get(reverse("api:beneficiary-list"))
    _assert_clean(listing)
    assert beneficiary_a.code not in listing.content.decode()
    assert not IdentityAccessLog.objects.exists()
    consent_a_to_b.refresh_from_db()
    assert consent_a_to_b.is_active


@pytest.mark.parametrize("who", [w for w in OTHERS if w != "token_b"])
def test_nobody_else_sees_anything_of_the_person_on_pages(
    request, api_as, client_as, who, beneficiary_a, consent_a_to_b
):
    client = _client(who, request, api_as, client_as, api=False)

    for method, url, body in _pages(beneficiary_a, consent_a_to_b):
        response = getattr(client, method)(url, body or {})
        if who == "anonymous":
            assert response.status_code == 302, url
            assert "/accounts/login/" in response["Location"]
        else:
            assert response.status_code == 404, (method, url)
        _assert_clean(response)
    listing = client.get(reverse("referrals:list"))
    _assert_clean(listing)
    assert beneficiary_a.code not in listing.content.decode()
    assert not IdentityAccessLog.objects.exists()


def test_no_log_line_holds_identity_during_the_owners_work(
    caplog, monkeypatch, api_as, client_as, worker_a, org_b
):
    from tests.referrals.conftest import (
        SENTINEL_ADDRESS,
        SENTINEL_DOCUMENT,
        SENTINEL_NAME,
        SENTINEL_PHONE,
    )

    caplog.set_level(logging.DEBUG)  # every logger...
    caplog.set_level(logging.DEBUG, logger="django.db.backends")  # ...SQL included,
    monkeypatch.setattr(connections["default"], "force_debug_cursor", True)  # always
    api = api_as(worker_a)
    pages = client_as(worker_a)
    created = api.post(
        reverse("api:beneficiary-list"),
        {
            "full_name": SENTINEL_NAME,
            "phone": SENTINEL_PHONE,
            "document_numbers": SENTINEL_DOCUMENT,
            "address": SENTINEL_ADDRESS,
            "date_of_birth": "2999-01-01",  # a 400 first
            "sex": "female",
        },
        format="json",
    )
    assert created.status_code == 400
    _assert_clean(created)
    created = api.post(
        reverse("api:beneficiary-list"),
        {
            "full_name": SENTINEL_NAME,
            "phone": SENTINEL_PHONE,
            "document_numbers": SENTINEL_DOCUMENT,
            "address": SENTINEL_ADDRESS,
            "sex": "female",
        },
        format="json",
    )
    code = created.json()["code"]
    api.get(reverse("api:beneficiary-detail", args=[code]))
    api.patch(
        reverse("api:beneficiary-detail", args=[code]),
        {"full_name": SENTINEL_NAME + " B"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    api.post(
        reverse("api:consent-list", args=[code]),
        {"organisation": org_b.pk, "given_by": "self", "scope": "all"},
        format="json",
    )
    pages.get(reverse("referrals:detail", args=[code]))
    pages.get(reverse("referrals:edit", args=[code]))
    pages.get(reverse("referrals:list"))

    assert any(r.name == "django.db.backends" for r in caplog.records)
    for record in caplog.records:
        line = record.getMessage() + repr(record.__dict__.get("params", ""))
        for sentinel in SENTINELS:
            assert sentinel not in line, record.name


def test_the_organisation_audit_page_shows_no_case_history(
    client_as, coordinator, focal_a, org_a, org_b, beneficiary_a, consent_a_to_b
):
    """Beneficiaries, consents and referrals reference the organisation, but their
    history stays off the registry's audit page, which coordinators read."""
    from coordination.models import Sector
    from referrals.services import send_referral

    referral = send_referral(
        beneficiary_a,
        actor=consent_a_to_b.recorded_by,
        to_organisation=org_b,
        sector=Sector.objects.first(),
        reason="AUDIT-SENTINEL-REASON needs a doctor",
        consent=consent_a_to_b,
    )
    for who, organisation in (
        (coordinator, org_a),
        (coordinator, org_b),
        (focal_a, org_a),
    ):
        response = client_as(who).get(f"/organisations/{organisation.pk}/audit/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "AUDIT-SENTINEL-REASON" not in body
        assert referral.code not in body
        assert beneficiary_a.code not in body
        assert consent_a_to_b.scope not in body
