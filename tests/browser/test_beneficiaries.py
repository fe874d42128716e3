"""A caseworker registers a person on a phone: errors next to the fields, the WG-SS as
radio groups, the code (never the name) in the URL, identity on the detail page, then
consent to share with organisation B; in French and in Arabic."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from referrals.models import Beneficiary, Consent, IdentityAccessLog
from tests.browser.conftest import assert_page_healthy

PHONE = {"width": 390, "height": 844}


def _fits_the_screen(page) -> None:
    overflow = page.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


@pytest.mark.parametrize(
    ("language", "direction"), [("fr", "ltr"), ("ar", "rtl")], ids=["fr", "ar"]
)
def test_caseworker_registers_a_person_on_a_phone(
    fresh_page, live_server, worker_a, org_b, log_in, screenshot, language, direction
):
    worker_a.language = language
    worker_a.save(update_fields=["language"])
    phone = fresh_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(phone, worker_a)

    phone.goto(f"{live_server.url}/referrals/beneficiaries/")
    expect(phone.locator("html")).to_have_attribute("dir", direction)
    _fits_the_screen(phone)
    phone.locator("main a[href$='/referrals/beneficiaries/new/']").first.click()
    phone.locator("[name=full_name]").fill("Aïcha Konaté")
    phone.locator("[name=phone]").fill("0611223344")
    phone.locator("[name=date_of_birth]").fill("2999-01-01")
    phone.locator("[name=sex][value=female]").check()
    phone.locator("[name=wg_walking][value=a_lot_of_difficulty]").check()
    phone.locator("[name=vulnerabilities][value=single_caregiver]").check()
    _fits_the_screen(phone)
    screenshot(phone, "1-form")
    assert_page_healthy(phone)

    phone.locator("main form button[type=submit]").click()
    expect(phone.locator("#id_date_of_birth_error")).to_be_visible()
    screenshot(phone, "2-error-next-to-the-field")
    assert not Beneficiary.objects.exists()

    phone.locator("[name=date_of_birth]").fill("1994-05-06")
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/referrals/beneficiaries/BNF-[0-9A-Z]{6}/$"))
    assert "Konat" not in phone.url
    expect(phone.locator("main")).to_contain_text("Aïcha Konaté")
    beneficiary = Beneficiary.objects.get()
    assert beneficiary.disability
    assert IdentityAccessLog.objects.filter(beneficiary=beneficiary).exists()
    _fits_the_screen(phone)
    screenshot(phone, "3-detail")

    phone.locator("[name=organisation]").select_option(str(org_b.pk))
    phone.locator("[name=given_by][value=self]").check()
    phone.locator("[name=scope]").fill("Nom et téléphone")
    phone.locator("form[action$='/consents/'] button[type=submit]").click()
    expect(phone.locator("main")).to_contain_text(org_b.name)
    assert Consent.objects.get().organisation == org_b
    screenshot(phone, "4-consent")
    assert_page_healthy(phone)
