"""Webhooks: subscriptions (focal points only, public http(s) addresses only), signed
deliveries to a real local receiver, retries, and disabling after repeated failure."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from notifications.models import Notification, OutboxMessage, WebhookSubscription
from notifications.services import (
    check_webhook_url,
    create_webhook_subscription,
    deactivate_webhook_subscription,
    deliver_outbox_message,
    queue_notification,
    retry_outbox_message,
    update_webhook_subscription,
)
from tests.notifications.receiver import Receiver, signature_is_valid

EVENT = WebhookSubscription.Event.ALERT_CREATED


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def loopback_allowed(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT = 1


@pytest.fixture
def receiver():
    with Receiver() as r:
        yield r


def subscribe(focal, org, url, events=(EVENT,)):
    subscription, secret = create_webhook_subscription(
        actor=focal, organisation=org, url=url, events=list(events)
    )
    return subscription, secret


def alert_for(org, *, actor, event=EVENT):
    queue_notification(
        org,
        kind=Notification.Kind.ALERT_RECEIVED,
        to=org,
        actor=actor,
        context={"emergency_title": "Vague de froid"},
        event=event,
    )
    return OutboxMessage.objects.filter(channel="webhook").order_by("-id").first()


# --- URL checks -------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://localhost:8000/hook",
        "http://10.1.2.3/hook",
        "http://192.168.1.10/hook",
        "http://172.16.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[fe80::1]/hook",
        "http://224.0.0.1/hook",
        "http://0.0.0.0/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://240.0.0.1/hook",
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(url):
    with pytest.raises(ValidationError) as refused:
        check_webhook_url(url)
    assert "private, local or reserved" in refused.value.message_dict["url"][0]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.org/hook", "http:// or https://"),
        ("file:///etc/passwd", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("https://user:pw@example.org/", "user name or password"),
        ("https://no-such-host.invalid/", "cannot be found"),
        ("http://example.org:99999/", "port"),
    ],
)
def test_other_bad_addresses_are_refused_with_a_clear_message(url, message):
    with pytest.raises(ValidationError) as refused:
        check_webhook_url(url)
    assert message in refused.value.message_dict["url"][0]


def test_loopback_is_allowed_when_the_setting_says_so(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True

    check_webhook_url("http://127.0.0.1:9/hook")


# --- subscriptions ----------------------------------------------------------------
def test_a_focal_point_subscribes_and_gets_the_secret_once(
    loopback_allowed, focal_a, org_a
):
    subscription, secret = subscribe(focal_a, org_a, "http://127.0.0.1:9/hook")

    assert len(secret) >= 32
    assert subscription.secret == secret
    assert subscription.is_active
    assert subscription.created_by == focal_a
    assert subscription.events == [EVENT]


@pytest.mark.parametrize("who", ["worker_a", "focal_b", "coordinator"])
def test_only_the_organisations_focal_point_subscribes(request, who, org_a, focal_a):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        subscribe(actor, org_a, "https://example.org/hook")
    assert not WebhookSubscription.objects.exists()


def test_bad_events_are_refused(loopback_allowed, focal_a, org_a):
    with pytest.raises(ValidationError) as empty:
        subscribe(focal_a, org_a, "http://127.0.0.1:9/", events=[])
    with pytest.raises(ValidationError) as unknown:
        subscribe(focal_a, org_a, "http://127.0.0.1:9/", events=["alert.eaten"])
    assert "at least one" in empty.value.message_dict["events"][0]
    assert "alert.eaten" in unknown.value.message_dict["events"][0]


def test_a_subscription_is_updated_and_deactivated_by_its_focal_point(
    loopback_allowed, settings, focal_a, worker_a, org_a
):
    subscription, _ = subscribe(focal_a, org_a, "http://127.0.0.1:9/a")

    update_webhook_subscription(
        subscription,
        actor=focal_a,
        url="http://127.0.0.1:9/b",
        events=["alert.answered"],
    )
    with pytest.raises(PermissionDenied):
        update_webhook_subscription(subscription, actor=worker_a, events=[EVENT])
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(ValidationError):
        update_webhook_subscription(subscription, actor=focal_a, url="http://10.0.0.1/")
    deactivate_webhook_subscription(subscription, actor=focal_a)

    subscription.refresh_from_db()
    assert subscription.url == "http://127.0.0.1:9/b"
    assert subscription.events == ["alert.answered"]
    assert not subscription.is_active
    assert subscription.disabled_at is not None


# --- delivery ---------------------------------------------------------------------
def test_a_delivery_is_signed_json_that_the_receiver_verifies(
    loopback_allowed, receiver, focal_a, worker_a, org_a, coordinator
):
    _, secret = subscribe(focal_a, org_a, receiver.url)
    message = alert_for(org_a, actor=coordinator)

    deliver_outbox_message(message.pk)
    deliver_outbox_message(message.pk)  # twice: sent once

    [request] = receiver.wait_for(1)
    assert len(receiver.requests) == 1
    assert signature_is_valid(request, secret)
    assert not signature_is_valid(request, "another secret")
    assert request["headers"]["X-Tansiq-Event"] == "alert.created"
    assert request["headers"]["Content-Type"] == "application/json"
    body = json.loads(request["body"])
    assert set(body) == {"id", "event", "created_at", "data"}
    assert request["headers"]["X-Tansiq-Delivery"] == body["id"]
    assert body["event"] == "alert.created"
    assert body["data"]["organisation"] == org_a.pk
    assert body["data"]["context"] == {"emergency_title": "Vague de froid"}
    # No personal data: nobody's e-mail address is in the payload.
    for person in (focal_a, worker_a, coordinator):
        assert person.email.encode() not in request["body"]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.last_status_code == 200
    assert message.last_duration_ms is not None


def test_only_subscribed_events_of_the_organisations_concerned_are_sent(
    loopback_allowed, receiver, focal_a, focal_b, org_a, org_b, coordinator
):
    subscribe(focal_a, org_a, receiver.url, events=["alert.answered"])
    subscribe(focal_b, org_b, receiver.url)
    b_off, _ = subscribe(focal_b, org_b, receiver.url)
    deactivate_webhook_subscription(b_off, actor=focal_b)

    alert_for(org_a, actor=coordinator)

    assert OutboxMessage.objects.filter(channel="webhook").count() == 0
    alert_for(org_b, actor=coordinator)
    assert OutboxMessage.objects.filter(channel="webhook").count() == 1


def test_a_500_is_retried_later_and_logged(
    loopback_allowed, focal_a, org_a, coordinator
):
    with Receiver(status=500) as failing:
        subscription, _ = subscribe(focal_a, org_a, failing.url)
        message = alert_for(org_a, actor=coordinator)

        deliver_outbox_message(message.pk)

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == 1
    assert message.last_status_code == 500
    assert "HTTP 500" in message.last_error
    assert message.next_attempt_at is not None
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 1


def test_a_slow_receiver_times_out(loopback_allowed, focal_a, org_a, coordinator):
    with Receiver(delay=3) as slow:
        subscribe(focal_a, org_a, slow.url)
        message = alert_for(org_a, actor=coordinator)

        deliver_outbox_message(message.pk)

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert "No answer within 1" in message.last_error
    assert message.last_duration_ms < 2500


def test_a_refused_connection_is_a_failure_not_a_crash(
    loopback_allowed, focal_a, org_a, coordinator
):
    subscribe(focal_a, org_a, "http://127.0.0.1:9/closed")
    message = alert_for(org_a, actor=coordinator)

    deliver_outbox_message(message.pk)

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    # Sanitised for the focal point: no address, no driver message.
    assert message.last_error == "Could not connect to the receiver."


def test_the_address_is_checked_again_at_delivery(
    loopback_allowed, settings, receiver, focal_a, org_a, coordinator
):
    subscribe(focal_a, org_a, receiver.url)
    message = alert_for(org_a, actor=coordinator)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # as if DNS now pointed inside

    deliver_outbox_message(message.pk)

    assert receiver.requests == []
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert "private" in message.last_error


def test_repeated_failure_disables_the_webhook_and_tells_the_focal_points(
    loopback_allowed, settings, focal_a, worker_a, org_a, coordinator
):
    settings.WEBHOOK_DISABLE_AFTER_FAILURES = 3
    subscription, _ = subscribe(focal_a, org_a, "http://127.0.0.1:9/closed")
    messages = [alert_for(org_a, actor=coordinator) for _ in range(4)]

    for message in messages[:3]:
        deliver_outbox_message(message.pk)

    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.disabled_at is not None
    [notice] = Notification.objects.filter(kind=Notification.Kind.WEBHOOK_DISABLED)
    assert notice.recipient == focal_a  # not the caseworker
    assert notice.url == reverse("notifications:webhook_detail", args=[subscription.pk])
    assert "disabled" in notice.subject
    # What was still waiting is given up without a call.
    deliver_outbox_message(messages[3].pk)
    messages[3].refresh_from_db()
    assert messages[3].status == OutboxMessage.Status.DEAD
    assert messages[3].attempts == 1
    # Retrying needs the webhook back first; reactivating clears the count.
    with pytest.raises(Conflict):
        retry_outbox_message(messages[3], actor=coordinator)
    update_webhook_subscription(subscription, actor=focal_a, is_active=True)
    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0
    assert subscription.disabled_at is None


def test_a_success_resets_the_failure_count(
    loopback_allowed, receiver, focal_a, org_a, coordinator
):
    subscription, _ = subscribe(focal_a, org_a, receiver.url)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=4
    )

    deliver_outbox_message(alert_for(org_a, actor=coordinator).pk)

    subscription.refresh_from_db()
    assert subscription.consecutive_failures == 0


def test_the_focal_point_retries_their_webhooks_deliveries(
    loopback_allowed, receiver, focal_a, focal_b, org_a, coordinator
):
    subscribe(focal_a, org_a, receiver.url)
    message = alert_for(org_a, actor=coordinator)
    OutboxMessage.objects.filter(pk=message.pk).update(status="dead", attempts=8)

    with pytest.raises(PermissionDenied):
        retry_outbox_message(message, actor=focal_b)
    retry_outbox_message(message, actor=focal_a)
    deliver_outbox_message(message.pk)

    assert len(receiver.wait_for(1)) == 1
    assert mail.outbox == []  # no e-mail was sent by the webhook's retry


def test_declaring_and_closing_an_emergency_reaches_subscribed_partners(
    loopback_allowed, receiver, focal_a, org_a, focal_b, org_b, coordinator, oriental
):
    from datetime import date

    from emergencies.services import close_emergency, create_emergency

    _, secret = subscribe(
        focal_a,
        org_a,
        receiver.url,
        events=[
            WebhookSubscription.Event.EMERGENCY_CREATED,
            WebhookSubscription.Event.EMERGENCY_UPDATED,
        ],
    )
    subscribe(focal_b, org_b, receiver.url)  # alerts only: told nothing here

    emergency = create_emergency(
        actor=coordinator,
        title="Vague de froid",
        kind="cold_wave",
        regions=[oriental],
        started_on=date(2026, 1, 5),
    )
    close_emergency(emergency, actor=coordinator)
    for message in OutboxMessage.objects.filter(channel=OutboxMessage.Channel.WEBHOOK):
        deliver_outbox_message(message.pk)

    requests = receiver.wait_for(2)
    assert len(receiver.requests) == 2
    assert all(signature_is_valid(request, secret) for request in requests)
    bodies = sorted((json.loads(r["body"]) for r in requests), key=lambda b: b["event"])
    assert [b["event"] for b in bodies] == ["emergency.created", "emergency.updated"]
    assert bodies[0]["data"]["object"]["id"] == emergency.pk
    assert bodies[0]["data"]["context"]["regions"] == ["02"]
    assert bodies[1]["data"]["context"]["status"] == "closed"
