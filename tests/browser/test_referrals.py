"""A referral end to end in the browser: a caseworker of A registers a person on a
phone, refers them (the need, B's service in the finder, consent), B's caseworker
finds it in the inbox, sees the name, accepts and completes it; A reads the outcome;
C gets a 404; the coordinator's pathway shows the referral without the name. In
French and in Arabic (right to left)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coordination.models import Province
from referrals.models import IdentityAccessLog, Referral
from tests.browser.conftest import assert_page_healthy

PHONE = {"width": 390, "height": 844}
NAME = "Mariama Sow"


def _fits_the_screen(page) -> None:
    overflow = page.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} is {overflow}px wider than the phone"


@pytest.fixture
def service_b(focal_b):
    """B's health service in the Oriental, with places left."""
    from coordination.models import Region, Sector
    from organisations.services import create_service

    health = Sector.objects.get(code="health")
    return create_service(
        actor=focal_b,
        name="Consultations médicales B",
        sector=health,
        service_type=health.service_types.first(),
        regions=[Region.objects.get(code="02")],
        languages=["fr", "ar"],
        capacity=6,
        response_delay_days=2,
    )


@pytest.mark.parametrize(
    ("language", "direction"), [("fr", "ltr"), ("ar", "rtl")], ids=["fr", "ar"]
)
def test_a_referral_from_a_to_b_end_to_end(
    fresh_page,
    live_server,
    worker_a,
    worker_b,
    worker_c,
    coordinator,
    service_b,
    log_in,
    with_totp,
    screenshot,
    language,
    direction,
):
    for user in (worker_a, worker_b, worker_c, coordinator):
        user.language = language
        user.save(update_fields=["language"])

    # A's caseworker, on a phone: register the person, then refer them.
    phone = fresh_page(viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(phone, worker_a)
    phone.goto(f"{live_server.url}/referrals/beneficiaries/new/")
    expect(phone.locator("html")).to_have_attribute("dir", direction)
    phone.locator("[name=full_name]").fill(NAME)
    phone.locator("[name=phone]").fill("0699887766")
    phone.locator("[name=sex][value=female]").check()
    phone.locator("[name=languages][value=fr]").check()
    oujda = Province.objects.filter(region__code="02").order_by("code").first()
    phone.locator("[name=province]").select_option(str(oujda.pk))
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/referrals/beneficiaries/BNF-[0-9A-Z]{6}/$"))

    phone.locator("main a[href$='/refer/']").click()
    expect(phone).to_have_url(re.compile(r"/refer/$"))
    health = service_b.sector
    phone.locator("[name=sector]").select_option(str(health.pk))
    phone.locator("[name=service_type]").select_option(str(service_b.service_type_id))
    phone.locator("[name=priority][value=urgent]").check()
    phone.locator("[name=reason]").fill("Douleurs, besoin d'une consultation")
    _fits_the_screen(phone)
    screenshot(phone, "1-need")
    assert_page_healthy(phone)
    phone.locator("main form button[type=submit]").first.click()

    card = phone.locator(".service-card", has_text=service_b.name)
    expect(card).to_be_visible()
    expect(card).to_contain_text(service_b.organisation.name)
    _fits_the_screen(phone)
    screenshot(phone, "2-finder")
    card.locator("button[name=service]").click()

    expect(phone.locator("[name=scope]")).to_be_visible()
    expect(phone.locator("[name=justification]")).to_have_count(0)  # focal points only
    phone.locator("[name=given_by][value=self]").check()
    phone.locator("[name=scope]").fill("Nom et téléphone, pour la consultation")
    _fits_the_screen(phone)
    screenshot(phone, "3-consent")
    phone.locator("main form button[type=submit]").first.click()

    expect(phone).to_have_url(re.compile(r"/referrals/r/REF-[0-9A-Z]{6}/$"))
    assert "Sow" not in phone.url
    referral = Referral.objects.get()
    assert referral.to_organisation == service_b.organisation
    assert referral.service == service_b
    _fits_the_screen(phone)
    screenshot(phone, "4-sent")
    assert_page_healthy(phone)

    # B's caseworker: the inbox, the person's name, accept, complete.
    b = fresh_page()
    log_in(b, worker_b)
    b.goto(f"{live_server.url}/referrals/incoming/")
    expect(b.locator("html")).to_have_attribute("dir", direction)
    row = b.locator("tbody tr", has_text=referral.code)
    expect(row).to_be_visible()
    expect(b.locator("main")).not_to_contain_text(NAME)
    screenshot(b, "5-inbox")
    assert_page_healthy(b)
    row.locator(f"a:has-text('{referral.code}')").click()
    expect(b.locator("main")).to_contain_text(NAME)
    assert IdentityAccessLog.objects.filter(user=worker_b).exists()
    screenshot(b, "6-received")
    b.locator("form[action$='/accept/'] [name=assign_to]").select_option(
        str(worker_b.pk)
    )
    b.locator("form[action$='/accept/'] button[type=submit]").click()
    expect(b.locator(".message--success")).to_be_visible()
    b.locator("form[action$='/complete/'] [name=outcome]").fill(
        "Consultation faite, traitement donné"
    )
    b.locator("form[action$='/complete/'] button[type=submit]").click()
    expect(b.locator(".message--success")).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    screenshot(b, "7-completed")
    assert_page_healthy(b)

    # A reads the outcome.
    phone.reload()
    expect(phone.locator(".referral-outcome")).to_contain_text("Consultation faite")
    _fits_the_screen(phone)
    screenshot(phone, "8-outcome")

    # C: nothing to see.
    c = fresh_page()
    log_in(c, worker_c)
    response = c.goto(f"{live_server.url}/referrals/r/{referral.code}/")
    assert response.status == 404
    expect(c.locator("body")).not_to_contain_text(NAME)

    # The coordinator: the referral on the pathway, never the name.
    coord = fresh_page()
    log_in(coord, coordinator, with_totp(coordinator))
    coord.goto(f"{live_server.url}/referrals/pathway/")
    expect(coord.locator("html")).to_have_attribute("dir", direction)
    expect(coord.locator("main")).to_contain_text(referral.code)
    expect(coord.locator("main")).not_to_contain_text(NAME)
    expect(coord.locator("main")).not_to_contain_text(referral.beneficiary.code)
    expect(coord.locator(".pathway-receivers")).to_contain_text(
        service_b.organisation.name
    )
    screenshot(coord, "9-pathway")
    assert_page_healthy(coord)
