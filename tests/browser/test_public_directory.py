"""The public service directory on a phone, without an account, in French and Arabic;
and a focal point adding a service that then appears there."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from coordination.models import Province, Region, Sector, ServiceType
from organisations.services import create_service
from tests.browser.conftest import assert_page_healthy

PHONE = {"width": 390, "height": 844}
OUJDA = "02.411"


def _service(focal, name: str, **extra):
    return create_service(
        actor=focal,
        name=name,
        sector=Sector.objects.get(code="health"),
        service_type=ServiceType.objects.get(code="primary_care"),
        regions=[Region.objects.get(code="02")],
        provinces=[Province.objects.get(code=OUJDA)],
        languages=["fr", "wo"],
        phone="+212 536 00 52 20",
        opening_hours="8 h 30 - 16 h 30",
        **extra,
    )


def _fits_the_screen(page) -> None:
    overflow = page.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


@pytest.mark.parametrize(
    ("language", "direction"), [("fr", "ltr"), ("ar", "rtl")], ids=["fr", "ar"]
)
def test_anyone_finds_a_service_on_a_phone_without_an_account(
    fresh_page, live_server, focal_b, screenshot, language, direction
):
    _service(focal_b, "Consultations de soins primaires")
    _service(focal_b, "Dossiers internes", public=False)
    phone = fresh_page(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{live_server.url}/")
    if language != "fr":
        phone.locator(f"form.lang-switch button[value={language}]").click()
    expect(phone.locator("html")).to_have_attribute("dir", direction)

    phone.locator("main a[href='/public/services/']").first.click()
    phone.locator("#id_province").select_option(OUJDA)
    phone.locator("#id_language").select_option("wo")
    phone.locator("form.public-search button[type=submit]").click()

    results = phone.locator(".service-card")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("Consultations de soins primaires")
    expect(phone.get_by_role("main")).not_to_contain_text("Dossiers internes")
    expect(phone.get_by_role("main")).not_to_contain_text("focal.b@example.org")
    _fits_the_screen(phone)
    tap = results.first.locator("a.btn").last.bounding_box()
    assert tap["height"] >= 44  # big enough for a thumb
    screenshot(phone, f"1-results-{language}")

    results.first.locator("a.btn").last.click()

    expect(phone.locator("h1")).to_have_text("Consultations de soins primaires")
    expect(phone.locator("a[href^='tel:']").first).to_be_visible()
    expect(phone.locator("html")).to_have_attribute("dir", direction)
    _fits_the_screen(phone)
    screenshot(phone, f"2-detail-{language}")
    assert_page_healthy(phone)


@pytest.mark.parametrize(
    ("language", "direction"), [("fr", "ltr"), ("ar", "rtl")], ids=["fr", "ar"]
)
def test_a_focal_point_adds_a_service_that_appears_in_the_directory(
    page, live_server, focal_b, with_totp, log_in, screenshot, language, direction
):
    focal_b.language = language
    focal_b.save(update_fields=["language"])
    log_in(page, focal_b, with_totp(focal_b))  # focal points sign in with MFA
    page.goto(f"{live_server.url}/services/")
    expect(page.locator("html")).to_have_attribute("dir", direction)

    page.locator("main a[href='/services/new/']").first.click()
    page.locator("#id_name").fill("Hébergement de nuit")
    page.locator("#id_sector").select_option(
        str(Sector.objects.get(code="shelter_nfi").pk)
    )
    page.locator("#id_service_type").select_option(
        str(ServiceType.objects.get(code="emergency_shelter").pk)
    )
    province = Province.objects.get(code=OUJDA)
    page.locator(f"input[name=provinces][value='{province.pk}']").check()
    page.locator("input[name=languages][value=bm]").check()
    page.locator("#id_opening_hours").fill("17 h - 21 h")
    screenshot(page, f"3-form-{language}")
    page.locator("form.card button[type=submit]").click()

    expect(page.locator("h1")).to_have_text("Hébergement de nuit")
    expect(page.locator(".messages, [role=status]").first).to_be_visible()
    screenshot(page, f"4-created-{language}")
    assert_page_healthy(page)

    page.goto(f"{live_server.url}/public/services/?language=bm")
    expect(page.locator(".service-card")).to_contain_text("Hébergement de nuit")
