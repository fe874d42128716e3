"""The inbox in the browser: the unread count in the navigation, opening a notification
(read, and on to its object), mark all read, e-mail settings and a refused webhook."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from notifications.models import Notification, NotificationPreference
from notifications.services import create_webhook_subscription, queue_notification
from tests.browser.conftest import assert_page_healthy


@pytest.fixture
def focal_with_news(focal_a, org_a, coordinator, settings):
    """A's focal point with two unread notifications, one about A's webhook."""
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    subscription, _secret = create_webhook_subscription(
        actor=focal_a,
        organisation=org_a,
        url="http://127.0.0.1:9/hook",
        events=["alert.created"],
    )
    queue_notification(
        None,
        kind=Notification.Kind.ALERT_RECEIVED,
        to=org_a,
        actor=coordinator,
        context={"emergency_title": "Vague de froid", "message": "Couvertures"},
    )
    queue_notification(
        subscription,
        kind=Notification.Kind.WEBHOOK_DISABLED,
        to=focal_a,
        context={"url": subscription.url, "failures": 10},
    )
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    return focal_a, subscription


@pytest.mark.parametrize(
    ("language", "direction"), [("fr", "ltr"), ("ar", "rtl")], ids=["fr", "ar"]
)
def test_focal_point_reads_the_inbox_and_sets_e_mails(
    page,
    live_server,
    focal_with_news,
    log_in,
    with_totp,
    screenshot,
    language,
    direction,
):
    focal_a, subscription = focal_with_news
    focal_a.language = language
    focal_a.save(update_fields=["language"])
    log_in(page, focal_a, with_totp(focal_a))

    bell = page.locator(".main-nav a.nav-inbox")
    expect(bell.locator(".nav-count")).to_have_text("2")
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    expect(page.locator("html")).to_have_attribute("dir", direction)
    expect(page.locator(".inbox__item--unread")).to_have_count(2)
    screenshot(page, "1-inbox")
    assert_page_healthy(page)

    # Opening the webhook notice marks it read and leads to the webhook.
    page.locator(".inbox__item").first.locator("button.link-button").click()
    expect(page).to_have_url(
        re.compile(rf"/notifications/webhooks/{subscription.pk}/$")
    )
    expect(page.locator(".main-nav .nav-count")).to_have_text("1")
    screenshot(page, "2-webhook")

    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator(".inbox__item--unread")).to_have_count(1)
    page.locator("main .actions form button[type=submit]").first.click()
    expect(page.locator(".inbox__item--unread")).to_have_count(0)
    expect(page.locator(".main-nav .nav-count")).to_have_count(0)

    # E-mail settings: mentions in the daily digest; alerts stay locked.
    page.goto(f"{live_server.url}/notifications/settings/")
    expect(page.locator("input[name=alert_received]").first).to_be_disabled()
    page.locator("input[name=mention][value=digest]").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".message--success")).to_be_visible()
    screenshot(page, "3-settings")
    assert NotificationPreference.objects.get(user=focal_a, kind="mention").mode == (
        "digest"
    )

    # A webhook to a private address is refused next to the field.
    page.goto(f"{live_server.url}/notifications/webhooks/")
    page.locator("input[name=url]").fill("http://10.0.0.5/hook")
    page.locator("input[name=events][value='alert.created']").check()
    page.locator("aside form button[type=submit]").click()
    expect(page.locator(".field--invalid")).to_be_visible()
    screenshot(page, "4-webhook-refused")
    assert_page_healthy(page)


def test_the_inbox_on_a_phone(
    fresh_page, live_server, worker_a, coordinator, log_in, screenshot
):
    for title in ("Vague de froid", "Arrivées à Nador"):
        queue_notification(
            None,
            kind=Notification.Kind.ALERT_RECEIVED,
            to=worker_a,
            actor=coordinator,
            context={"emergency_title": title},
        )
    page = fresh_page(viewport={"width": 390, "height": 844})
    log_in(page, worker_a)

    page.goto(f"{live_server.url}/notifications/")
    expect(page.locator(".inbox__item")).to_have_count(2)
    # The mode's name is read with each radio button of the settings.
    for step, path in (("inbox", ""), ("settings", "settings/")):
        page.goto(f"{live_server.url}/notifications/{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{step} scrolls sideways on a phone ({width}px)"
        screenshot(page, step)


@pytest.mark.parametrize("language", ["fr", "ar"])
def test_coordinator_retries_a_failed_delivery(
    page, live_server, coordinator, worker_a, log_in, with_totp, screenshot, language
):
    from notifications.models import OutboxMessage

    queue_notification(None, kind=Notification.Kind.MENTION, to=worker_a)
    OutboxMessage.objects.update(
        status=OutboxMessage.Status.DEAD,
        attempts=8,
        last_error="SMTPServerDisconnected",
    )
    coordinator.language = language
    coordinator.save(update_fields=["language"])
    log_in(page, coordinator, with_totp(coordinator))

    page.goto(f"{live_server.url}/notifications/deliveries/failed/")
    expect(page.get_by_role("main")).to_contain_text("SMTPServerDisconnected")
    expect(page.get_by_role("main")).not_to_contain_text(worker_a.email)
    screenshot(page, "1-failed")
    page.locator("main table form button[type=submit]").click()
    expect(page.locator(".message--success")).to_be_visible()
    expect(page.locator("main table tbody tr td.empty")).to_be_visible()
    assert_page_healthy(page)
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.PENDING
