"""A focal point invites a member, who accepts the e-mailed link on their own computer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from organisations.models import Membership, User
from organisations.services import invite_user
from tests.browser.conftest import assert_page_healthy

NEW_PASSWORD = "Oujda-accueil-2025!"
INVITATION_LINK = re.compile(r"https?://\S+/organisations/invitations/[\w-]+/")


def _members_url(live_server, organisation) -> str:
    return f"{live_server.url}/organisations/{organisation.pk}/members/"


@pytest.mark.parametrize(
    ("language", "direction", "locale"),
    [("fr", "ltr", "fr-FR"), ("ar", "rtl", "ar-MA")],
    ids=["fr", "ar"],
)
def test_focal_point_invites_a_caseworker_who_accepts(
    page,
    fresh_page,
    live_server,
    mailoutbox,
    eager_celery,  # the outbox delivers the e-mail in the server's thread
    org_a,
    focal_a,
    with_totp,
    log_in,
    screenshot,
    language,
    direction,
    locale,
):
    focal_a.language = language
    focal_a.save(update_fields=["language"])
    log_in(page, focal_a, with_totp(focal_a))

    # The focal point opens the members page from the navigation and invites.
    page.goto(f"{live_server.url}/")
    page.get_by_role("navigation").locator(
        f"a[href='/organisations/{org_a.pk}/members/']"
    ).click()
    expect(page).to_have_url(_members_url(live_server, org_a))
    expect(page.locator("html")).to_have_attribute("dir", direction)
    screenshot(page, "1-members")
    assert_page_healthy(page)
    form = page.locator("form").filter(has=page.locator("input[name=email]"))
    form.locator("input[name=email]").fill("new.person@example.org")
    form.locator("select[name=role]").select_option(Membership.Role.CASEWORKER)
    form.locator("[type=submit]").click()

    expect(page.get_by_role("main")).to_contain_text("new.person@example.org")
    screenshot(page, "2-invited")
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["new.person@example.org"]
    assert "Association A" in message.body
    link = INVITATION_LINK.search(message.body).group(0)
    assert link.startswith(live_server.url)

    # The invitee opens the link in their own browser and chooses a password.
    invitee = fresh_page(locale=locale)
    invitee.goto(link)
    expect(invitee.locator("html")).to_have_attribute("dir", direction)
    expect(invitee.get_by_role("main")).to_contain_text("Association A")
    screenshot(invitee, "3-accept-form")
    assert_page_healthy(invitee)
    invitee.locator("input[name=name]").fill("Nouvelle Personne")
    invitee.locator("input[name=password1]").fill(NEW_PASSWORD)
    invitee.locator("input[name=password2]").fill(NEW_PASSWORD)
    invitee.locator("input[name=password2]").press("Enter")

    expect(invitee).not_to_have_url(link)
    expect(invitee.locator("body")).to_contain_text("Nouvelle Personne")
    expect(invitee.locator("body")).to_contain_text("Association A")
    screenshot(invitee, "4-accepted")
    assert_page_healthy(invitee)
    new_person = User.objects.get(email="new.person@example.org")
    assert new_person.memberships.get().organisation == org_a
    assert new_person.memberships.get().role == Membership.Role.CASEWORKER

    # The link works once.
    invitee.goto(link)
    expect(invitee.locator("input[name=password1]")).to_have_count(0)
    screenshot(invitee, "5-link-used")

    # The focal point now sees the new member.
    page.goto(_members_url(live_server, org_a))
    expect(page.get_by_role("main")).to_contain_text("Nouvelle Personne")
    screenshot(page, "6-members-after")


def test_invitee_who_accepts_in_arabic_keeps_arabic(
    fresh_page, live_server, org_a, focal_a
):
    _, key = invite_user(
        actor=focal_a,
        email="new.person@example.org",
        role=Membership.Role.CASEWORKER,
        organisation=org_a,
    )
    invitee = fresh_page(locale="ar-MA")
    invitee.goto(f"{live_server.url}/organisations/invitations/{key}/")
    expect(invitee.locator("html")).to_have_attribute("lang", "ar")
    invitee.locator("input[name=name]").fill("Nouvelle Personne")
    invitee.locator("input[name=password1]").fill(NEW_PASSWORD)
    invitee.locator("input[name=password2]").fill(NEW_PASSWORD)
    invitee.locator("input[name=password2]").press("Enter")

    expect(invitee.get_by_role("main")).to_contain_text("Nouvelle Personne")
    expect(invitee.locator("html")).to_have_attribute("lang", "ar", timeout=2_000)
    assert User.objects.get(email="new.person@example.org").language == "ar"


def test_invited_focal_point_goes_straight_to_mfa_set_up(
    fresh_page, live_server, org_a, coordinator
):
    _, key = invite_user(
        actor=coordinator,
        email="second.focal@example.org",
        role=Membership.Role.FOCAL_POINT,
        organisation=org_a,
    )
    invitee = fresh_page()
    invitee.goto(f"{live_server.url}/organisations/invitations/{key}/")
    invitee.locator("input[name=name]").fill("Second Focal")
    invitee.locator("input[name=password1]").fill(NEW_PASSWORD)
    invitee.locator("input[name=password2]").fill(NEW_PASSWORD)
    invitee.locator("input[name=password2]").press("Enter")
    expect(invitee).not_to_have_url(re.compile(r"/invitations/"))
    assert User.objects.filter(email="second.focal@example.org").exists()

    invitee.goto(f"{live_server.url}/organisations/")

    expect(invitee).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
