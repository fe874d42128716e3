"""How much identity the referral slip may carry is part of the consent: recorded on
the page, through the consents API and with a referral's consent data; under vital
interest it is always the code only; a value outside the list is refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals import services
from referrals.models import Consent, Referral

pytestmark = pytest.mark.django_db


def test_the_detail_page_records_what_the_slip_may_show(
    client_as, worker_a, beneficiary_a, org_b
):
    response = client_as(worker_a).post(
        reverse("referrals:consent_record", args=[beneficiary_a.code]),
        {
            "organisation": org_b.pk,
            "legal_basis": "consent",
            "given_by": "self",
            "scope": "Name",
            "slip_identity": "initials",
        },
    )

    assert response.status_code == 302
    assert Consent.objects.get().slip_identity == "initials"
    page = client_as(worker_a).get(beneficiary_a.get_absolute_url())
    assert 'name="slip_identity"' in page.content.decode()


def test_a_consent_recorded_without_the_choice_allows_the_code_only(
    client_as, worker_a, beneficiary_a, org_b
):
    client_as(worker_a).post(
        reverse("referrals:consent_record", args=[beneficiary_a.code]),
        {"organisation": org_b.pk, "legal_basis": "consent", "given_by": "self",
         "scope": "Name"},
    )  # fmt: skip

    assert Consent.objects.get().slip_identity == "none"


def test_an_unknown_choice_is_a_form_error_and_records_nothing(
    client_as, worker_a, beneficiary_a, org_b
):
    response = client_as(worker_a).post(
        reverse("referrals:consent_record", args=[beneficiary_a.code]),
        {"organisation": org_b.pk, "legal_basis": "consent", "given_by": "self",
         "scope": "Name", "slip_identity": "full_name"},
    )  # fmt: skip

    assert response.status_code == 400
    assert not Consent.objects.exists()


def test_the_consents_api_takes_and_returns_the_choice(
    api_as, worker_a, beneficiary_a, org_b
):
    url = reverse("api:consent-list", args=[beneficiary_a.code])
    body = {"organisation": org_b.pk, "given_by": "self", "scope": "Name"}

    created = api_as(worker_a).post(
        url, {**body, "slip_identity": "first_name"}, format="json"
    )
    refused = api_as(worker_a).post(
        url, {**body, "slip_identity": "everything"}, format="json"
    )

    assert created.status_code == 201, created.json()
    assert created.json()["slip_identity"] == "first_name"
    assert refused.status_code == 400
    assert "slip_identity" in refused.json()["errors"]
    assert Consent.objects.count() == 1


def test_vital_interest_never_puts_identity_on_the_slip(focal_a, beneficiary_a, org_b):
    consent = services.record_consent(
        beneficiary_a,
        actor=focal_a,
        organisation=org_b,
        scope="Vital interest",
        legal_basis=Consent.LegalBasis.VITAL_INTEREST,
        justification="Unconscious",
        slip_identity="first_name",
    )

    assert consent.slip_identity == "none"


def test_a_referral_created_with_consent_data_keeps_the_choice(
    api_as, worker_a, beneficiary_a, org_b
):
    from coordination.models import Sector

    response = api_as(worker_a).post(
        reverse("api:referral-list"),
        {
            "beneficiary": beneficiary_a.code,
            "to_organisation": org_b.pk,
            "sector": Sector.objects.get(code="health").code,
            "reason": "Needs a consultation",
            "priority": "urgent",
            "consent_data": {
                "given_by": "self",
                "scope": "Name",
                "slip_identity": "initials",
            },
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    referral = Referral.objects.get(code=response.json()["code"])
    assert referral.consent.slip_identity == "initials"
