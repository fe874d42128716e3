"""The demo's beneficiaries (about thirty people for A, B and C, consents) and
referrals (every status and priority, some overdue), each once."""

from __future__ import annotations

from demo.scenario import (
    seed,
    seed_accounts,
    seed_beneficiaries,
    seed_coordinator,
    seed_organisations,
    seed_referrals,
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


# ---------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------
def test_the_demo_sends_referrals_in_every_status_once(db):
    from django.utils import timezone

    from demo.scenario import seed_services
    from referrals.models import Referral, ReferralEvent

    steps = [*STEPS[:3], seed_services, seed_beneficiaries, seed_referrals]
    first = seed(steps)
    second = seed(steps)

    total = Referral.objects.count()
    assert first.created["referrals"] == total
    assert 60 <= total <= 120
    assert "referrals" not in second.created
    assert Referral.objects.count() == total
    assert set(Referral.objects.values_list("status", flat=True)) == set(
        Referral.Status.values
    )
    assert set(Referral.objects.values_list("priority", flat=True)) == set(
        Referral.Priority.values
    )
    assert Referral.objects.overdue().exists()
    a_to_b = Referral.objects.filter(
        from_organisation__code="org-a", to_organisation__code="org-b"
    )
    assert a_to_b.filter(status="pending").count() >= 2
    assert a_to_b.overdue().exists()
    assert a_to_b.filter(status="pending", due_at__gt=timezone.now()).exists()
    completed = Referral.objects.filter(from_organisation__code="org-a").filter(
        status="completed"
    )
    assert completed.exists()
    assert all(r.outcome for r in completed)
    # Vital interest, sent by A's focal point; a consent withdrawn after sending.
    vital = Referral.objects.get(consent__legal_basis="vital_interest")
    assert vital.created_by.email == "focal.a@example.org"
    withdrawn = Referral.objects.get(consent__withdrawn_at__isnull=False)
    assert withdrawn.events.filter(kind="consent_withdrawn").exists()
    # The pathway looks like weeks of work: answers hours to days after sending,
    # some past their deadline, and timelines in the past.
    answered = Referral.objects.filter(responded_at__isnull=False)
    delays = [r.response_time for r in answered]
    assert min(delays).total_seconds() >= 3600
    assert max(delays).days >= 2
    assert any(r.responded_at > r.due_at for r in answered)
    assert not ReferralEvent.objects.filter(at__gt=timezone.now()).exists()
    assert all(
        r.closed_at >= r.sent_at for r in Referral.objects.exclude(closed_at=None)
    )


def test_without_beneficiaries_the_demo_sends_no_referral(db, settings):
    from referrals.models import Referral

    settings.BENEFICIARY_KEYS = []

    seed([*STEPS, seed_referrals])

    assert not Referral.objects.exists()
