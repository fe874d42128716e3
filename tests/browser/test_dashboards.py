"""A coordinator reads the shared dashboard (map of the regions, the 4W table, a CSV
download, the filters with the keyboard) in French and in Arabic; a visitor without an
account reads the public statistics on a phone."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from coordination.models import Province, Region, ServiceType
from emergencies.models import Emergency
from referrals.services import accept_referral, register_beneficiary
from tests.browser.conftest import assert_page_healthy
from tests.dashboards.conftest import intervention, refer
from tests.referrals.conftest import identity

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def figures(org_a, org_b, org_c, worker_a, worker_b, worker_c, coordinator):
    """Interventions in three regions, an emergency, referrals A → B and A → C."""
    oriental, rabat, souss = (Region.objects.get(code=c) for c in ("02", "04", "09"))
    activities = {}
    for activity in ServiceType.objects.select_related("sector").order_by("code"):
        activities.setdefault(activity.sector.code, activity)
    health, shelter = activities["health"], activities["shelter_nfi"]
    emergency = Emergency.objects.create(
        title="Vague de froid",
        kind=Emergency.Kind.COLD_WAVE,
        started_on=date(2026, 1, 5),
        status=Emergency.Status.ACTIVE,
        created_by=coordinator,
    )
    emergency.regions.add(oriental)
    intervention(worker_a, activity=health, region=oriental, start=date(2026, 1, 10),
                 emergency=emergency, women=40, men=25, girls=12, boys=9, disabled=4)  # fmt: skip
    intervention(worker_b, activity=shelter, region=oriental, start=date(2026, 2, 3),
                 women=3, men=2)  # fmt: skip
    intervention(worker_c, activity=shelter, region=souss, start=date(2026, 3, 1),
                 women=8, boys=14)  # fmt: skip
    intervention(worker_b, activity=health, region=rabat, start=date(2026, 3, 15),
                 men=30, women=10)  # fmt: skip
    person = register_beneficiary(
        actor=worker_a,
        **identity(province=Province.objects.filter(region=oriental).first()),
    )
    world = {
        "person": person,
        "workers": [worker_a, worker_b, worker_c],
        "activities": [health, shelter],
    }
    accept_referral(
        refer(world, org_b, priority="urgent", hours_ago=20), actor=worker_b
    )
    refer(world, org_c, priority="emergency", hours_ago=30)  # overdue
    refer(world, org_b, priority="normal", hours_ago=2)
    return world


@pytest.mark.parametrize(
    ("language", "direction"), [("fr", "ltr"), ("ar", "rtl")], ids=["fr", "ar"]
)
def test_coordinator_reads_the_dashboard_and_downloads_a_figure(
    page,
    live_server,
    coordinator,
    figures,
    with_totp,
    log_in,
    screenshot,
    language,
    direction,
):
    coordinator.language = language
    coordinator.save(update_fields=["language"])
    log_in(page, coordinator, with_totp(coordinator))

    page.goto(f"{live_server.url}/dashboard/")
    expect(page.locator("html")).to_have_attribute("dir", direction)
    # The map: Leaflet draws the 12 regions, no tile server.
    expect(page.locator("#region-map.leaflet-container")).to_be_visible()
    expect(page.locator("#region-map path.leaflet-interactive")).to_have_count(12)
    assert page.locator("#region-map img.leaflet-tile").count() == 0
    # The table beside it holds the same figures.
    oriental = Region.objects.get(code="02")
    row = page.locator("#region-table tbody tr").filter(has_text=oriental.name_fr)
    if language == "ar":
        row = page.locator("#region-table tbody tr").filter(has_text=oriental.name_ar)
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(2)).to_have_text(re.compile(r"^\s*91\s*$"))
    expect(page.locator("#referrals .dash-stat--alert .stat__value")).to_have_text("1")
    screenshot(page, f"1-dashboard-{language}")
    assert_page_healthy(page)

    # The CSV download of the 4W, with the same filters.
    with page.expect_download() as download_info:
        page.locator("#four-w .dash-csv").click()
    download = download_info.value
    assert download.suggested_filename == "tansiq-4w.csv"
    content = download.path().read_text(encoding="utf-8-sig")
    assert content.splitlines()[0].startswith("region,region_name,sector")
    assert "\n02," in content
    assert "\n09," in content

    # Filters with the keyboard: choose a region, press Enter, read only its figures.
    page.locator("#id_region").select_option("09")
    page.locator("#id_period_start").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"region=09"))
    expect(page.locator("#region-table tbody tr")).to_have_count(1)
    expect(page.locator("#region-map path.leaflet-interactive")).to_have_count(12)
    # Per capita: the map's caption and values follow.
    page.locator("input[name=per_capita]").check()
    page.locator(".dash-switch button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"per_capita=1"))
    expect(page).to_have_url(re.compile(r"region=09"))
    screenshot(page, f"2-filtered-per-capita-{language}")
    assert_page_healthy(page)


@pytest.mark.parametrize(
    ("language", "direction"), [("fr", "ltr"), ("ar", "rtl")], ids=["fr", "ar"]
)
def test_a_visitor_reads_the_public_statistics_on_a_phone(
    fresh_page, live_server, figures, screenshot, language, direction
):
    phone = fresh_page(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(f"{live_server.url}/")
    if language != "fr":
        phone.locator(f"form.lang-switch button[value={language}]").click()
        expect(phone.locator("html")).to_have_attribute("lang", language)
    phone.locator("nav.main-nav a[href='/public/stats/']").click()

    expect(phone).to_have_url(re.compile(r"/public/stats/$"))
    expect(phone.locator("html")).to_have_attribute("dir", direction)
    expect(phone.locator("main")).to_contain_text("<5")
    # No organisation's referral figures, nor its name.
    expect(phone.locator("main")).not_to_contain_text("Organisation B")
    overflow = phone.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"
    screenshot(phone, f"1-public-{language}")
    assert_page_healthy(phone)
