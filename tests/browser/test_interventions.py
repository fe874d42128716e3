"""A caseworker logs an intervention (seeing the disaggregation rule as they type and
the server's error next to the field), then imports last month's spreadsheet; in French
and in Arabic."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from coordination.models import Province, Sector, ServiceType
from interventions.models import Intervention
from tests.browser.conftest import assert_page_healthy

SPREADSHEET = (
    "Référence,Secteur,Activité,Région,Province,Date de début,Femmes atteintes,Total atteint\n"
    "M-1,Santé,Soins de santé primaires,Oriental,Nador,2025-01-03,12,20\n"
    "M-2,الأمن الغذائي,وجبات ساخنة,الشرق,وجدة-أنجاد,2025-01-05,30,45\n"
)


@pytest.mark.parametrize(
    ("language", "direction"), [("fr", "ltr"), ("ar", "rtl")], ids=["fr", "ar"]
)
def test_caseworker_logs_an_intervention_and_imports_a_file(
    page, live_server, worker_a, log_in, screenshot, language, direction
):
    worker_a.language = language
    worker_a.save(update_fields=["language"])
    health = Sector.objects.get(code="health")
    primary_care = ServiceType.objects.get(code="primary_care")
    oujda = Province.objects.select_related("region").get(code="02.411")
    log_in(page, worker_a)

    page.goto(f"{live_server.url}/interventions/")
    expect(page.locator("html")).to_have_attribute("dir", direction)
    page.locator("main a[href$='/interventions/new/']").first.click()
    page.locator("[name=sector]").select_option(str(health.pk))
    page.locator("[name=activity]").select_option(str(primary_care.pk))
    page.locator("[name=region]").select_option(str(oujda.region.pk))
    page.locator("[name=province]").select_option(str(oujda.pk))
    page.locator("[name=start_date]").fill("2025-01-02")
    page.locator("[name=targeted_women]").fill("40")
    page.locator("[name=targeted_men]").fill("30")
    page.locator("[name=targeted_total]").fill("50")
    hint = page.locator("[data-counts-hint=targeted]")
    expect(hint).to_have_class(re.compile("counts__hint--problem"))
    expect(hint).to_contain_text("70")
    screenshot(page, "1-hint")
    assert_page_healthy(page)

    page.locator("main button[type=submit]").click()
    expect(page.locator(".field--invalid [name=targeted_total]")).to_be_visible()
    expect(page.locator("#id_targeted_total_error")).to_contain_text("70")
    screenshot(page, "2-error-next-to-the-field")
    assert not Intervention.objects.exists()

    page.locator("[name=targeted_total]").fill("80")
    expect(hint).not_to_have_class(re.compile("counts__hint--problem"))
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/interventions/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        primary_care.name_fr if language == "fr" else primary_care.name_ar
    )
    assert Intervention.objects.get().targeted_total == 80
    screenshot(page, "3-detail")

    page.goto(f"{live_server.url}/interventions/import/")
    page.locator("[name=file]").set_input_files(
        files=[
            {
                "name": "janvier.csv",
                "mimeType": "text/csv",
                "buffer": SPREADSHEET.encode(),
            }
        ]
    )
    page.locator("main form[enctype] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/interventions/import/\d+/$"))
    confirm = page.locator("form[action$='/confirm/'] button[type=submit]")
    expect(confirm).to_be_visible()
    screenshot(page, "4-checked")
    assert Intervention.objects.count() == 1

    confirm.click()
    expect(page.locator(".stats-inline")).to_contain_text("2")
    screenshot(page, "5-imported")
    assert_page_healthy(page)
    assert set(Intervention.objects.values_list("external_ref", flat=True)) == {
        "",
        "M-1",
        "M-2",
    }
