"""The key flow of issue 3: a coordinator declares an emergency and sends an alert (in
French); a caseworker of a matching organisation finds it and answers (in Arabic); the
coordinator sees the answer."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from coordination.models import Region, Sector
from emergencies.models import AlertRecipient, Emergency
from notifications.models import Notification
from tests.browser.conftest import assert_page_healthy


def test_coordinator_alerts_and_a_member_answers_in_arabic(
    page,
    fresh_page,
    live_server,
    coordinator,
    worker_a,
    org_a,
    org_b,
    with_totp,
    log_in,
    screenshot,
):
    # A works in shelter in the Oriental (its region, from the cast); B in health.
    org_a.sectors.add(Sector.objects.get(code="shelter_nfi"))
    org_b.sectors.add(Sector.objects.get(code="health"))
    oriental = Region.objects.get(code="02")
    secret = with_totp(coordinator)
    log_in(page, coordinator, secret)

    # The coordinator declares the emergency; a wrong date is refused next to the field.
    page.goto(f"{live_server.url}/emergencies/")
    page.get_by_role("link", name="Déclarer une urgence").or_(
        page.locator("a[href$='/emergencies/new/']")
    ).first.click()
    page.locator("#id_title").fill("Vague de froid dans l'Oriental")
    page.locator("#id_kind").select_option("cold_wave")
    page.locator("#id_started_on").fill("2025-01-10")
    page.locator("#id_ended_on").fill("2025-01-01")
    page.locator(f"input[name=regions][value='{oriental.pk}']").check()
    page.locator("main button[type=submit]").click()
    expect(page.locator("#id_ended_on_error")).to_be_visible()
    screenshot(page, "1-form-error")
    page.locator("#id_ended_on").fill("")
    page.locator("main button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/emergencies/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vague de froid dans l'Oriental"
    )
    emergency = Emergency.objects.get()

    # …writes an alert about shelter, previews the recipients (A only), sends it.
    page.goto(f"{live_server.url}/emergencies/{emergency.pk}/alert/")
    page.locator("#id_message").fill("Besoin urgent de places d'hébergement à Oujda.")
    page.locator(
        f"input[name=sectors][value='{Sector.objects.get(code='shelter_nfi').pk}']"
    ).check()
    page.locator("button[value=preview]").click()
    expect(page.locator(f"#recipient-{org_a.pk}")).to_be_checked()
    expect(page.locator(f"#recipient-{org_b.pk}")).not_to_be_checked()
    screenshot(page, "2-preview")
    assert_page_healthy(page)
    page.locator("button[value=send]").click()
    expect(page).to_have_url(re.compile(r"/emergencies/alerts/\d+/$"))
    assert Notification.objects.filter(recipient=worker_a).exists()

    # A caseworker of A, in Arabic, finds the alert and answers.
    worker_a.language = "ar"
    worker_a.save(update_fields=["language"])
    member = fresh_page()
    log_in(member, worker_a)
    member.goto(f"{live_server.url}/emergencies/alerts/")
    expect(member.locator("html")).to_have_attribute("dir", "rtl")
    member.get_by_role("link", name="Vague de froid dans l'Oriental").first.click()
    member.locator("input[name=response][value=respond]").check()
    member.locator("#id_note").fill("40 places à Oujda dès ce soir.")
    screenshot(member, "3-answer-ar")
    member.locator("form[action$='/answer/'] button[type=submit]").click()
    expect(member.locator(".messages")).to_be_visible()
    assert_page_healthy(member)
    assert AlertRecipient.objects.get(organisation=org_a).response == "respond"

    # The coordinator sees who answered.
    page.reload()
    expect(page.get_by_role("main")).to_contain_text("40 places à Oujda dès ce soir.")
    expect(page.get_by_role("main")).to_contain_text(org_a.name)
    screenshot(page, "4-status")
