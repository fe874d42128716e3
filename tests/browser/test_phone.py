"""The pages people use in the field fit a phone's screen, in French and in Arabic."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_page_healthy

PHONE = {"width": 375, "height": 740}


def _fits_the_screen(page) -> None:
    overflow = page.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


@pytest.mark.parametrize(
    ("language", "direction"), [("fr", "ltr"), ("ar", "rtl")], ids=["fr", "ar"]
)
def test_focal_point_pages_fit_a_phone(
    fresh_page,
    live_server,
    org_a,
    focal_a,
    worker_a,
    with_totp,
    log_in,
    screenshot,
    language,
    direction,
):
    focal_a.language = language
    focal_a.save(update_fields=["language"])
    phone = fresh_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(phone, focal_a, with_totp(focal_a))

    for step, path in [
        ("1-home", "/"),
        ("2-directory", "/organisations/"),
        ("3-organisation", f"/organisations/{org_a.pk}/"),
        ("4-members", f"/organisations/{org_a.pk}/members/"),
    ]:
        phone.goto(f"{live_server.url}{path}")
        expect(phone.locator("html")).to_have_attribute("dir", direction)
        _fits_the_screen(phone)
        screenshot(phone, step)
    expect(phone.get_by_role("main")).to_contain_text(worker_a.email)
    assert_page_healthy(phone)
