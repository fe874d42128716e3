"""A new organisation asks to join on the public form; a coordinator approves it and
its contact, invited as focal point, must set up MFA before using the platform."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from organisations.models import JoinRequest, Membership, Organisation, User
from tests.browser.conftest import assert_page_healthy, totp_code

INVITATION_LINK = re.compile(r"https?://\S+/organisations/invitations/[\w-]+/")
ACTIVATION = re.compile(r"/accounts/2fa/totp/activate/")
REAUTHENTICATION = re.compile(r"/accounts/reauthenticate/")
MFA_SET_UP = re.compile(r"/accounts/(2fa/totp/activate|reauthenticate)/")
PASSWORD = "Main-tendue-2025!"
DESCRIPTION = "Accueil de jour, douches et orientation des personnes migrantes à Nador."


@pytest.mark.parametrize(
    ("locale", "direction", "region", "sector"),
    [
        ("fr-FR", "ltr", "Oriental", "Protection"),
        ("ar-MA", "rtl", "الشرق", "الحماية"),
    ],
    ids=["fr", "ar"],
)
def test_request_to_join_is_approved_and_its_contact_becomes_focal_point(
    page,
    fresh_page,
    live_server,
    mailoutbox,
    eager_celery,  # the outbox delivers the e-mail in the server's thread
    coordinator,
    with_totp,
    log_in,
    screenshot,
    locale,
    direction,
    region,
    sector,
):
    # A visitor finds the form from the public navigation.
    visitor = fresh_page(locale=locale)
    visitor.goto(f"{live_server.url}/")
    visitor.get_by_role("navigation").locator("a[href='/organisations/join/']").click()
    expect(visitor.locator("html")).to_have_attribute("dir", direction)
    form = visitor.locator("form").filter(
        has=visitor.locator("[name=organisation_name]")
    )

    # Sending it empty explains what is missing, field by field.
    form.locator("[type=submit]").click()
    expect(form.locator("[name=organisation_name]")).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(form.locator("[name=contact_email]")).to_have_attribute(
        "aria-invalid", "true"
    )
    screenshot(visitor, "1-errors")
    assert_page_healthy(visitor)
    assert not JoinRequest.objects.exists()

    form.locator("[name=organisation_name]").fill("Main Tendue Nador")
    form.locator("[name=acronym]").fill("MTN")
    form.locator("[name=kind]").select_option(Organisation.Kind.MIGRANT_LED)
    form.locator("[name=description]").fill(DESCRIPTION)
    form.get_by_label(region, exact=True).check()
    form.get_by_label(sector, exact=True).check()
    form.locator("[name=contact_name]").fill("Awa Diallo")
    form.locator("[name=contact_email]").fill("awa@main-tendue.example.org")
    screenshot(visitor, "2-filled")
    form.locator("[type=submit]").click()

    expect(visitor).to_have_url(f"{live_server.url}/organisations/join/thanks/")
    expect(visitor.locator("html")).to_have_attribute("dir", direction)
    screenshot(visitor, "3-thanks")
    join_request = JoinRequest.objects.get()
    assert join_request.status == JoinRequest.Status.PENDING
    assert [r.code for r in join_request.regions.all()] == ["02"]

    # The coordinator reviews and approves it.
    log_in(page, coordinator, with_totp(coordinator))
    page.goto(f"{live_server.url}/organisations/join-requests/")
    expect(page.get_by_role("main")).to_contain_text("Main Tendue Nador")
    screenshot(page, "4-requests")
    assert_page_healthy(page)
    page.get_by_role("main").locator(
        f"a[href='/organisations/join-requests/{join_request.pk}/']"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Main Tendue Nador")
    expect(page.get_by_role("main")).to_contain_text(DESCRIPTION)
    screenshot(page, "5-review")
    page.locator("form[action$='/approve/'] [type=submit]").click()

    expect(page.locator(".messages")).to_contain_text("Main Tendue Nador")
    screenshot(page, "6-approved")
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.APPROVED
    organisation = join_request.organisation
    assert organisation.name == "Main Tendue Nador"
    assert not organisation.verified

    # The contact accepts the e-mailed invitation and must set up MFA at once.
    assert [m.to for m in mailoutbox] == [["awa@main-tendue.example.org"]]
    link = INVITATION_LINK.search(mailoutbox[0].body).group(0)
    visitor.goto(link)
    visitor.locator("input[name=name]").fill("Awa Diallo")
    visitor.locator("input[name=password1]").fill(PASSWORD)
    visitor.locator("input[name=password2]").fill(PASSWORD)
    visitor.locator("input[name=password2]").press("Enter")

    focal_point = User.objects.get(email="awa@main-tendue.example.org")
    assert focal_point.memberships.get().role == Membership.Role.FOCAL_POINT
    visitor.goto(f"{live_server.url}/organisations/{organisation.pk}/members/")
    expect(visitor).to_have_url(MFA_SET_UP)
    if REAUTHENTICATION.search(visitor.url):
        # allauth asks for the password chosen a moment ago (see test_invitation.py).
        visitor.locator("input[name=password]").fill(PASSWORD)
        visitor.locator("input[name=password]").press("Enter")
    expect(visitor).to_have_url(ACTIVATION)
    screenshot(visitor, "7-focal-point-mfa")
    secret = visitor.locator("#authenticator_secret").input_value()
    visitor.locator("input[name=code]").fill(totp_code(secret))
    visitor.locator("input[name=code]").press("Enter")
    expect(visitor).not_to_have_url(ACTIVATION)
    visitor.goto(f"{live_server.url}/organisations/{organisation.pk}/members/")
    expect(visitor.get_by_role("main")).to_contain_text("Awa Diallo")
    screenshot(visitor, "8-focal-point-members")
