"""Browser tests: pytest-playwright driving Debian's chromium against `live_server`.

Every test here is marked `browser` (`make test` runs them in their own pytest process
with DJANGO_ALLOW_ASYNC_UNSAFE=true, because Playwright's sync API runs an event loop in
the test thread). Data must be committed for the live server's thread to see it, so the
tests use a transactional database; its flush after each test also empties the
reference data that a migration loaded, hence `_reference_data` below.

Without /usr/bin/chromium the tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)

from tests.factories import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "test-artifacts" / "screenshots"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Mark every test under tests/browser `browser` (before `-m` selects)."""
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's chromium, headless, without the background chatter (STYLE.md §11)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (browser tests never skip in CI)")
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A French-speaking visitor on a laptop screen (French is the default language)."""
    return {
        **browser_context_args,
        "locale": "fr-FR",
        "viewport": {"width": 1280, "height": 860},
    }


@pytest.fixture(autouse=True)
def _live_settings(settings, live_server):
    """The live server runs with DEBUG off: serve plain static files (no manifest, so
    no collectstatic), stay on http, and demand MFA as production does."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    settings.TANSIQ_REQUIRE_MFA = True
    # Links in e-mails (invitations) point at the live server.
    settings.SITE_URL = live_server.url


@pytest.fixture(autouse=True)
def _reference_data(transactional_db):
    """Regions, provinces and sectors, which the previous test's flush removed."""
    from coordination.services import load_reference_data

    load_reference_data()


class PageProblems:
    """What went wrong while a page loaded: failed requests and console errors (a CSP
    violation shows up as a console error)."""

    def __init__(self, page):
        self.stylesheets: list[tuple[str, int]] = []
        self.failed: list[str] = []
        self.console_errors: list[str] = []
        page.on("response", self._on_response)
        page.on("requestfailed", self._on_request_failed)
        page.on("console", self._on_console)

    def _on_response(self, response):
        if response.request.resource_type == "stylesheet":
            self.stylesheets.append((response.url, response.status))
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed.append(f"{response.url} ({response.status})")

    def _on_request_failed(self, request):
        # Leaving a page cancels what it was still loading: that is no failure.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.failed.append(f"{request.url} ({request.failure})")

    def _on_console(self, message):
        if message.type == "error":
            self.console_errors.append(message.text)


@pytest.fixture
def page(page):
    """Playwright's page, watched for broken assets and console errors."""
    page.set_default_timeout(10_000)
    page.problems = PageProblems(page)
    return page


def assert_page_healthy(page) -> None:
    """The page's stylesheet loaded (200), no asset failed, nothing in the console."""
    problems = page.problems
    assert problems.stylesheets, f"no stylesheet was requested by {page.url}"
    assert all(status in (200, 304) for _, status in problems.stylesheets), (
        problems.stylesheets
    )
    assert not problems.failed, problems.failed
    assert not problems.console_errors, problems.console_errors
    # The stylesheet applies: the body's font is not the browser's default serif.
    font = page.evaluate("getComputedStyle(document.body).fontFamily")
    assert font, "the body has no font family"
    assert font.strip('"').lower() not in ("times new roman", "serif"), font


@pytest.fixture(scope="session")
def _screenshots_dir():
    """This run's screenshots only: the previous run's are removed first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for old in SCREENSHOTS.glob("*.png"):
        old.unlink()
    return SCREENSHOTS


@pytest.fixture
def screenshot(request, _screenshots_dir):
    """screenshot(page, "step") saves test-artifacts/screenshots/<test>-<step>.png
    (<test> is the test's name and its parameters' ids, e.g. `..._accepts-ar`)."""
    params = getattr(request.node, "callspec", None)
    ids = [p for p in (params.id.split("-") if params else []) if p != "chromium"]
    test_name = "-".join([request.node.originalname, *ids])

    def take(page, step: str) -> Path:
        path = _screenshots_dir / f"{test_name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def totp_code(secret: str) -> str:
    """The authenticator app's current code for a base32 secret (RFC 6238). allauth
    accepts only the current period's code (MFA_TOTP_TOLERANCE 0), so near the end of
    a period wait for the next one, as a person would, rather than race the clock."""
    period = mfa_settings.TOTP_PERIOD
    remaining = period - time.time() % period
    if remaining < 5:
        time.sleep(remaining + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // period))


@pytest.fixture
def with_totp():
    """with_totp(user) gives the user an authenticator app; returns its secret."""

    def activate(user) -> str:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret

    return activate


@pytest.fixture
def log_in(live_server):
    """log_in(page, user, secret=None): the login form, then the TOTP prompt if the
    user has an authenticator app."""

    def do(page, user, secret: str | None = None) -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.locator("input[name=login]").fill(user.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("input[name=password]").press("Enter")
        if secret is not None:
            page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
            page.locator("input[name=code]").fill(totp_code(secret))
            page.locator("input[name=code]").press("Enter")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return do


@pytest.fixture
def fresh_page(browser, browser_context_args):
    """fresh_page(**context_args): a page in a new browser context (no cookies), as on
    another person's computer; watched like `page`."""
    contexts = []

    def make(**context_args):
        context = browser.new_context(**{**browser_context_args, **context_args})
        contexts.append(context)
        new = context.new_page()
        new.set_default_timeout(10_000)
        new.problems = PageProblems(new)
        return new

    yield make
    for context in contexts:
        context.close()
