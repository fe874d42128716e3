"""Beneficiaries for the referrals tests, registered through the services."""

from __future__ import annotations

from datetime import date

import pytest

from coordination.models import Province
from referrals.services import register_beneficiary

SENTINEL_NAME = "SENTINEL-NAME-7Q3"
SENTINEL_PHONE = "+212600000777"
SENTINEL_DOCUMENT = "SENTINEL-DOC-55X"
SENTINEL_ADDRESS = "SENTINEL-ADDRESS-9K2"
SENTINELS = (SENTINEL_NAME, SENTINEL_PHONE, SENTINEL_DOCUMENT, SENTINEL_ADDRESS)


def identity(**overrides) -> dict:
    return {
        "full_name": "Aminata Diallo",
        "phone": "0612345678",
        "date_of_birth": date(1996, 4, 12),
        "document_numbers": "P1234567",
        "address": "Quartier Al Matar, Oujda",
        "sex": "female",
        "nationality": "GN",
        "languages": ["fr", "ff"],
        "vulnerabilities": ["woman_at_risk"],
        "wg_seeing": "no_difficulty",
        "wg_walking": "a_lot_of_difficulty",
        **overrides,
    }


@pytest.fixture
def beneficiary_a(worker_a):
    """A person registered by organisation A, with sentinel identity values."""
    return register_beneficiary(
        actor=worker_a,
        **identity(
            full_name=SENTINEL_NAME,
            phone=SENTINEL_PHONE,
            document_numbers=SENTINEL_DOCUMENT,
            address=SENTINEL_ADDRESS,
            province=Province.objects.filter(region__code="02").first(),
        ),
    )


@pytest.fixture
def consent_a_to_b(beneficiary_a, worker_a, org_b):
    """The person agreed that A shares their identity with B."""
    from referrals.services import record_consent

    return record_consent(
        beneficiary_a,
        actor=worker_a,
        organisation=org_b,
        given_by="self",
        scope="Name and phone, for a medical appointment",
    )
