"""The demo's beneficiaries: about thirty people for A, B and C, consents, once."""

from __future__ import annotations

from coordination.demo import (
    seed,
    seed_accounts,
    seed_beneficiaries,
    seed_coordinator,
    seed_organisations,
)
from referrals.models import Beneficiary, Consent

STEPS = [seed_coordinator, seed_organisations, seed_accounts, seed_beneficiaries]


def test_the_demo_registers_thirty_people_with_consents_once(db):
    first = seed(STEPS)
    second = seed(STEPS)

    assert first.created["beneficiaries"] == Beneficiary.objects.count() == 30
    assert "beneficiaries" not in second.created
    assert Beneficiary.objects.values("organisation").distinct().count() == 3
    assert any(b.disability for b in Beneficiary.objects.all())
    assert Consent.objects.filter(legal_basis="vital_interest").exists()
    assert Consent.objects.filter(withdrawn_at__isnull=False).exists()


def test_without_keys_the_demo_skips_beneficiaries(db, settings):
    settings.BENEFICIARY_KEYS = []

    seed(STEPS)

    assert not Beneficiary.objects.exists()
