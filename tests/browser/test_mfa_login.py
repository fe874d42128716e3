"""Logging in with MFA: focal points and coordinators need an authenticator app."""

from __future__ import annotations

import re

from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from tests.browser.conftest import assert_page_healthy, totp_code
from tests.factories import PASSWORD

CODE_PROMPT = re.compile(r"/accounts/2fa/authenticate/")
ACTIVATION = re.compile(r"/accounts/2fa/totp/activate/")


def _submit_password(page, live_server, user):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")


def _wrong_code(secret: str) -> str:
    """A six-digit code that is none of the codes valid around now."""
    valid = {totp_code(secret)}
    code = "000000"
    while code in valid:
        code = f"{(int(code) + 1) % 1_000_000:06d}"
    return code


def test_focal_point_signs_in_with_password_then_authenticator_code(
    page, live_server, focal_a, with_totp, screenshot
):
    secret = with_totp(focal_a)

    page.goto(f"{live_server.url}/accounts/login/")
    screenshot(page, "1-login")
    assert_page_healthy(page)
    _submit_password(page, live_server, focal_a)

    expect(page).to_have_url(CODE_PROMPT)
    screenshot(page, "2-code-prompt")
    page.locator("input[name=code]").fill(_wrong_code(secret))
    page.locator("input[name=code]").press("Enter")
    expect(page).to_have_url(CODE_PROMPT)
    expect(page.locator("input[name=code]")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "3-wrong-code")

    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    expect(page.get_by_text("Association A").first).to_be_visible()
    screenshot(page, "4-home")
    assert_page_healthy(page)
    page.goto(f"{live_server.url}/organisations/")
    expect(page).to_have_url(f"{live_server.url}/organisations/")


def test_focal_point_without_authenticator_must_set_one_up_first(
    page, live_server, focal_a, screenshot
):
    _submit_password(page, live_server, focal_a)

    expect(page).to_have_url(ACTIVATION)
    page.goto(f"{live_server.url}/organisations/")
    expect(page).to_have_url(ACTIVATION)
    screenshot(page, "1-activation-required")
    assert_page_healthy(page)

    secret = page.locator("#authenticator_secret").input_value()
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("input[name=code]").press("Enter")

    expect(page).not_to_have_url(ACTIVATION)
    screenshot(page, "2-activated")
    assert Authenticator.objects.filter(
        user=focal_a, type=Authenticator.Type.TOTP
    ).exists()
    page.goto(f"{live_server.url}/organisations/")
    expect(page).to_have_url(f"{live_server.url}/organisations/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_caseworker_is_not_asked_for_an_authenticator(
    page, live_server, worker_a, log_in
):
    log_in(page, worker_a)

    page.goto(f"{live_server.url}/organisations/")

    expect(page).to_have_url(f"{live_server.url}/organisations/")
    assert not Authenticator.objects.filter(user=worker_a).exists()
