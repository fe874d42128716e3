"""The language switcher: French by default, Arabic right to left, and back."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import assert_page_healthy


def _switch_to(page, code: str) -> None:
    """Press the switcher's button for a language (each is labelled in its own)."""
    page.locator(f"form.lang-switch button[value={code}]").click()


def _expect_language(page, lang: str, direction: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", direction)


def _brand_is_on_the(page, side: str) -> bool:
    """Where the site's brand sits: headers flip with the writing direction."""
    box = page.locator(".brand").bounding_box()
    middle = page.viewport_size["width"] / 2
    return box["x"] > middle if side == "right" else box["x"] + box["width"] < middle


def test_visitor_reads_the_site_in_arabic_right_to_left(page, live_server, screenshot):
    page.goto(f"{live_server.url}/about/")
    _expect_language(page, "fr", "ltr")
    assert _brand_is_on_the(page, "left")
    screenshot(page, "1-fr")

    _switch_to(page, "ar")

    expect(page).to_have_url(f"{live_server.url}/about/")
    _expect_language(page, "ar", "rtl")
    expect(page.locator("form.lang-switch button[value=ar]")).to_have_attribute(
        "aria-pressed", "true"
    )
    assert _brand_is_on_the(page, "right")
    screenshot(page, "2-ar")
    assert_page_healthy(page)

    _switch_to(page, "fr")

    _expect_language(page, "fr", "ltr")
    screenshot(page, "3-back-to-fr")


def test_member_choice_of_arabic_follows_them_from_page_to_page(
    page, live_server, worker_a, log_in, screenshot
):
    log_in(page, worker_a)
    page.goto(f"{live_server.url}/organisations/")
    _expect_language(page, "fr", "ltr")

    _switch_to(page, "ar")

    _expect_language(page, "ar", "rtl")
    expect(page).to_have_url(f"{live_server.url}/organisations/")
    screenshot(page, "1-directory-ar")
    assert_page_healthy(page)
    page.goto(f"{live_server.url}/")
    _expect_language(page, "ar", "rtl")
    screenshot(page, "2-home-ar")
    worker_a.refresh_from_db()
    assert worker_a.language == "ar"

    _switch_to(page, "fr")

    _expect_language(page, "fr", "ltr")
    worker_a.refresh_from_db()
    assert worker_a.language == "fr"


def test_focal_point_signs_in_with_mfa_in_arabic(
    page, live_server, focal_a, with_totp, log_in, screenshot
):
    focal_a.language = "ar"
    focal_a.save(update_fields=["language"])
    secret = with_totp(focal_a)

    log_in(page, focal_a, secret)

    expect(page).to_have_url(f"{live_server.url}/")
    _expect_language(page, "ar", "rtl")
    screenshot(page, "home-ar")
    assert_page_healthy(page)
