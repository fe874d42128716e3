"""The key flow of issue 7, in French and in Arabic: a coordinator records a meeting and
its recommendations (a due date before the meeting is refused next to the field); the
owner organisation's focal point reports progress and moves one along."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from dialogue.models import Meeting, Recommendation
from notifications.models import Notification
from tests.browser.conftest import assert_page_healthy


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_a_meeting_its_recommendations_and_their_follow_up(
    page,
    fresh_page,
    live_server,
    language,
    coordinator,
    focal_b,
    org_b,
    public_body,
    with_totp,
    log_in,
    screenshot,
):
    for user in (coordinator, focal_b):
        user.language = language
        user.save(update_fields=["language"])
    direction = "rtl" if language == "ar" else "ltr"
    log_in(page, coordinator, with_totp(coordinator))

    # The coordinator records the workshop with B and the public body.
    page.goto(f"{live_server.url}/meetings/new/")
    expect(page.locator("html")).to_have_attribute("dir", direction)
    page.locator("#id_title").fill("Atelier de coordination, Rabat")
    page.locator("#id_kind").select_option("workshop")
    page.locator("#id_starts_at").fill("2022-12-15T09:00")
    page.locator("#id_place").fill("Rabat")
    page.locator("input[name=themes][value=preparedness_response]").check()
    page.locator(f"input[name=participants][value='{org_b.pk}']").check()
    page.locator(f"input[name=participants][value='{public_body.pk}']").check()
    screenshot(page, f"1-meeting-form-{language}")
    page.locator("main button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+/$"))
    meeting = Meeting.objects.get()
    assert_page_healthy(page)

    # …adds a recommendation from the minutes: a due date before the meeting is refused.
    page.locator("a[href*='/recommendations/new/?meeting=']").click()
    page.locator("#id_text").fill("Harmoniser les fiches de référencement.")
    page.locator("#id_theme").select_option("referral_identification")
    page.locator("input[name=dimensions][value=legal]").check()
    page.locator(f"input[name=addressed_to][value='{org_b.pk}']").check()
    page.locator(f"input[name=addressed_to][value='{public_body.pk}']").check()
    page.locator("#id_owner").select_option(str(org_b.pk))
    page.locator("#id_due_date").fill("2022-12-01")
    page.locator("main button[type=submit]").first.click()
    expect(page.locator("#id_due_date_error")).to_be_visible()
    screenshot(page, f"2-due-date-error-{language}")
    assert not Recommendation.objects.exists()
    page.locator("#id_due_date").fill("2023-06-30")
    page.locator("button[name=another]").click()

    # …and a second one, then back to the meeting.
    expect(page.locator("#id_meeting")).to_have_value(str(meeting.pk))
    page.locator("#id_text").fill("Désigner un point focal migration.")
    page.locator(f"input[name=addressed_to][value='{public_body.pk}']").check()
    page.locator("main button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(rf"/meetings/{meeting.pk}/"))
    expect(page.locator("table.recommendations tbody tr")).to_have_count(2)
    screenshot(page, f"3-meeting-{language}")
    first = Recommendation.objects.get(text__startswith="Harmoniser")
    assert Notification.objects.filter(
        recipient=focal_b, kind="recommendation_assigned"
    ).exists()

    # B's focal point, the owner, reports progress and adopts the recommendation.
    owner = fresh_page()
    log_in(owner, focal_b, with_totp(focal_b))
    owner.goto(f"{live_server.url}/recommendations/")
    expect(owner.locator("html")).to_have_attribute("dir", direction)
    owner.locator(f"a[href='/recommendations/{first.pk}/']").first.click()
    # Only the allowed next statuses are offered; an empty report is refused in place.
    expect(owner.locator("#id_status option[value=implemented]")).to_have_count(0)
    owner.locator("#follow-up button[type=submit]").click()
    expect(owner.locator("#id_text_error")).to_be_visible()
    owner.locator("#id_status").select_option("adopted")
    owner.locator("#id_text").fill("Modèle commun validé avec la délégation.")
    owner.locator("#follow-up button[type=submit]").click()
    expect(owner.locator(".messages")).to_be_visible()
    expect(owner.locator(".timeline")).to_contain_text(
        "Modèle commun validé avec la délégation."
    )
    screenshot(owner, f"4-follow-up-{language}")
    assert_page_healthy(owner)
    first.refresh_from_db()
    assert first.status == Recommendation.Status.ADOPTED
