"""Browsing the organisation directory: filters, search and detail pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coordination.models import Region, Sector
from organisations.models import Organisation
from tests.browser.conftest import assert_page_healthy
from tests.factories import OrganisationFactory


@pytest.fixture
def registry(org_a, org_b, org_c):
    """A, B (Oriental) and C, plus a shelter NGO in Casablanca-Settat."""
    health = Sector.objects.get(code="health")
    shelter = Sector.objects.get(code="shelter_nfi")
    org_a.sectors.add(health)
    org_a.description = "Accueil et soins des personnes migrantes à Oujda."
    org_a.save(update_fields=["description"])
    org_b.sectors.add(shelter)
    casablanca = OrganisationFactory(
        code="abri-casa",
        name="Abri Casablanca",
        acronym="ABC",
        kind=Organisation.Kind.INTERNATIONAL_NGO,
        description="Hébergement d'urgence et kits d'hiver.",
    )
    casablanca.regions.add(Region.objects.get(code="06"))
    casablanca.sectors.add(shelter)
    return {"a": org_a, "b": org_b, "c": org_c, "casablanca": casablanca}


def _filter(page, **values) -> None:
    form = page.locator("form").filter(has=page.locator("[name=q]")).first
    for name, value in values.items():
        field = form.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator("[name=q]").press("Enter")
    page.wait_for_load_state()


def _listed(page, name: str):
    return page.get_by_role("main").get_by_role("link", name=name, exact=False)


@pytest.mark.parametrize(
    ("language", "direction", "region_name"),
    [("fr", "ltr", "Casablanca-Settat"), ("ar", "rtl", "الدار البيضاء-سطات")],
    ids=["fr", "ar"],
)
def test_caseworker_filters_searches_and_opens_an_organisation(
    page,
    live_server,
    worker_a,
    registry,
    log_in,
    screenshot,
    language,
    direction,
    region_name,
):
    worker_a.language = language
    worker_a.save(update_fields=["language"])
    log_in(page, worker_a)

    page.goto(f"{live_server.url}/organisations/")
    expect(page.locator("html")).to_have_attribute("dir", direction)
    for name in (
        "Association A",
        "Organisation B",
        "Organisation C",
        "Abri Casablanca",
    ):
        expect(_listed(page, name).first).to_be_visible()
    screenshot(page, "1-all")
    assert_page_healthy(page)

    _filter(page, region="06")
    expect(page).to_have_url(re.compile(r"[?&]region=06(&|$)"))
    expect(_listed(page, "Abri Casablanca").first).to_be_visible()
    expect(_listed(page, "Association A")).to_have_count(0)
    screenshot(page, "2-region")

    _filter(page, region="", sector="shelter_nfi")
    expect(_listed(page, "Organisation B").first).to_be_visible()
    expect(_listed(page, "Abri Casablanca").first).to_be_visible()
    expect(_listed(page, "Association A")).to_have_count(0)

    _filter(page, sector="", kind=Organisation.Kind.NATIONAL_NGO)
    expect(_listed(page, "Organisation B").first).to_be_visible()
    expect(_listed(page, "Abri Casablanca")).to_have_count(0)

    _filter(page, kind="", q="oujda")
    expect(_listed(page, "Association A").first).to_be_visible()
    expect(_listed(page, "Organisation B")).to_have_count(0)
    screenshot(page, "3-search")

    _filter(page, q="no such organisation")
    expect(_listed(page, "Association A")).to_have_count(0)
    screenshot(page, "4-no-result")

    _filter(page, q="")
    _listed(page, "Abri Casablanca").first.click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Abri Casablanca")
    expect(page.get_by_role("main")).to_contain_text("Hébergement d'urgence")
    expect(page.get_by_role("main")).to_contain_text(region_name)
    expect(page.locator("html")).to_have_attribute("dir", direction)
    screenshot(page, "5-detail")
    assert_page_healthy(page)
