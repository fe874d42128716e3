"""The referral slip's confirmation link on a phone (issue 16): the receiving service
opens it without an account, in Arabic (right to left) or French, the page fits the
screen, and "served, outcome …" completes the referral; the link then answers 404."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from coordination.models import Province, Sector
from referrals import services
from referrals.models import Consent, Referral
from referrals.services.links import confirmation_url
from tests.browser.conftest import assert_page_healthy

PHONE = {"width": 390, "height": 844}


def _fits_the_screen(page) -> None:
    overflow = page.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


@pytest.fixture
def referral(worker_a, org_b):
    person = services.register_beneficiary(
        actor=worker_a,
        full_name="Awa SENTINELFAMILY",
        phone="+212600000914",
        date_of_birth=date(1991, 7, 23),
        sex="female",
        nationality="GN",
        languages=["fr"],
        province=Province.objects.filter(region__code="02").first(),
    )
    consent = services.record_consent(
        person, actor=worker_a, organisation=org_b, given_by="self", scope="Slip"
    )
    Consent.objects.filter(pk=consent.pk).update(slip_identity="first_name")
    return services.send_referral(
        person,
        actor=worker_a,
        to_organisation=org_b,
        sector=Sector.objects.get(code="health"),
        reason="Needs a doctor",
        consent=consent,
    )


@pytest.mark.parametrize(
    ("language", "direction"), [("fr", "ltr"), ("ar", "rtl")], ids=["fr", "ar"]
)
def test_the_receiving_service_confirms_on_a_phone(
    fresh_page, referral, screenshot, language, direction
):
    url = confirmation_url(referral)  # SITE_URL is the live server here
    phone = fresh_page(viewport=PHONE, is_mobile=True, has_touch=True, locale=language)

    phone.goto(url)
    expect(phone.locator("html")).to_have_attribute("dir", direction)
    expect(phone.locator("h1")).to_contain_text(referral.code)
    expect(phone.get_by_role("main")).to_contain_text("Awa")
    expect(phone.get_by_role("main")).not_to_contain_text("SENTINELFAMILY")
    _fits_the_screen(phone)
    assert_page_healthy(phone)
    screenshot(phone, "1-page")

    served = phone.locator("form:has(input[name=action][value=served])")
    phone.locator("details:has(textarea[name=outcome]) > summary").click()
    served.locator("textarea[name=outcome]").fill("Vue par l'assistante sociale")
    _fits_the_screen(phone)
    screenshot(phone, "2-outcome")
    served.locator("button[type=submit]").click()

    expect(phone.get_by_role("main")).to_contain_text(referral.code)
    screenshot(phone, "3-thanks")
    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    assert referral.events.filter(via_link=True).count() == 2
    assert phone.goto(url).status == 404
