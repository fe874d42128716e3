"""The inbox, settings, webhook and failed-delivery pages and the `notifications/` and
`webhooks/` API over HTTP: success, refusals, and constant query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookSubscription,
)
from notifications.services import create_webhook_subscription, queue_notification

PUBLIC_URL = "https://93.184.215.14/hook"  # a literal public address: no DNS needed


@pytest.fixture(autouse=True)
def _english_users(worker_a, focal_a, focal_b, coordinator):
    for user in (worker_a, focal_a, focal_b, coordinator):
        user.language = "en"
        user.save()


def tell(user, n=1, kind="alert_received", **context):
    context.setdefault("emergency_title", "Cold wave")
    notifications = []
    for _ in range(n):
        notifications += queue_notification(None, kind=kind, to=user, context=context)
    return notifications


def webhook_of(focal, org, url=PUBLIC_URL):
    subscription, _secret = create_webhook_subscription(
        actor=focal, organisation=org, url=url, events=["alert.created"]
    )
    return subscription


# --- notifications API ------------------------------------------------------------
def test_the_api_lists_own_notifications_with_their_subject(api_as, worker_a, focal_a):
    tell(worker_a)
    tell(focal_a)

    response = api_as(worker_a).get(reverse("api:notification-list"))

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["kind"] == "alert_received"
    assert row["kind_label"] == "Alert received"
    assert row["subject"] == "Alert: Cold wave"
    assert row["read_at"] is None
    assert set(row) >= {"id", "url", "organisation", "actor", "context", "created_at"}


def test_the_api_filters_unread_and_kind(api_as, worker_a):
    first, second = tell(worker_a, 2)
    tell(worker_a, kind="mention")
    Notification.objects.filter(pk=first.pk).update(read_at="2025-01-01T00:00Z")
    client = api_as(worker_a)
    url = reverse("api:notification-list")

    unread = client.get(url, {"unread": "true"}).json()["results"]
    alerts = client.get(url, {"kind": "alert_received", "unread": "true"}).json()
    bad = client.get(url, {"kind": "nope"})

    assert len(unread) == 2
    assert [r["id"] for r in alerts["results"]] == [second.pk]
    assert bad.status_code == 400
    assert "kind" in bad.json()["errors"]


def test_reading_through_the_api(api_as, worker_a, focal_a):
    [mine] = tell(worker_a)
    tell(worker_a)
    client = api_as(worker_a)

    response = client.post(reverse("api:notification-read", args=[mine.pk]))
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert (
        api_as(focal_a)
        .post(reverse("api:notification-read", args=[mine.pk]))
        .status_code
        == 404
    )

    response = client.post(reverse("api:notification-read-all"))
    assert response.json() == {"marked": 1}
    assert not Notification.objects.filter(recipient=worker_a).unread().exists()


def test_the_api_list_makes_the_same_queries_for_1_and_50(api_as, worker_a, focal_a):
    tell(worker_a)
    tell(focal_a, 50)

    with CaptureQueriesContext(connection) as one:
        assert (
            len(
                api_as(worker_a).get(reverse("api:notification-list")).json()["results"]
            )
            == 1
        )
    with CaptureQueriesContext(connection) as fifty:
        assert (
            len(api_as(focal_a).get(reverse("api:notification-list")).json()["results"])
            == 50
        )

    assert len(one) == len(fifty)


# --- webhooks API -----------------------------------------------------------------
def test_creating_a_webhook_shows_its_secret_once(api_as, focal_b):
    client = api_as(focal_b)

    created = client.post(
        reverse("api:webhook-list"),
        {"url": PUBLIC_URL, "events": ["alert.created"]},
        format="json",
    )
    listed = client.get(reverse("api:webhook-list")).json()["results"]

    assert created.status_code == 201
    body = created.json()
    assert len(body["secret"]) >= 32
    assert WebhookSubscription.objects.get().secret == body["secret"]
    assert created["Cache-Control"] == "no-store"
    assert "secret" not in listed[0]
    detail = client.get(reverse("api:webhook-detail", args=[body["id"]])).json()
    assert "secret" not in detail


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "http://127.0.0.1/hook", "events": ["alert.created"]}, "url"),
        ({"url": "http://169.254.169.254/", "events": ["alert.created"]}, "url"),
        ({"url": "ftp://example.org/", "events": ["alert.created"]}, "url"),
        ({"url": PUBLIC_URL, "events": []}, "events"),
        ({"url": PUBLIC_URL, "events": ["alert.eaten"]}, "events"),
        ({"events": ["alert.created"]}, "url"),
    ],
)
def test_bad_webhooks_are_refused_with_a_400(api_as, focal_b, body, field):
    response = api_as(focal_b).post(reverse("api:webhook-list"), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not WebhookSubscription.objects.exists()


def test_patch_and_delete_through_the_api(api_as, focal_b, org_b):
    subscription = webhook_of(focal_b, org_b)
    client = api_as(focal_b)
    url = reverse("api:webhook-detail", args=[subscription.pk])

    refused = client.patch(url, {"url": "http://10.0.0.1/"}, format="json")
    changed = client.patch(url, {"events": ["alert.answered"]}, format="json")
    deleted = client.delete(url)

    assert refused.status_code == 400
    assert changed.json()["events"] == ["alert.answered"]
    assert deleted.status_code == 204
    subscription.refresh_from_db()
    assert subscription.url == PUBLIC_URL
    assert not subscription.is_active


def test_the_delivery_log_in_the_api(api_as, focal_b, org_b, coordinator):
    subscription = webhook_of(focal_b, org_b)
    queue_notification(
        None, kind="alert_received", to=org_b, actor=coordinator, event="alert.created"
    )
    OutboxMessage.objects.filter(channel="webhook").update(
        status="failed", attempts=2, last_status_code=500, last_error="HTTP 500"
    )

    response = api_as(focal_b).get(
        reverse("api:webhook-deliveries", args=[subscription.pk])
    )

    [row] = response.json()["results"]
    assert row["event"] == "alert.created"
    assert row["status"] == "failed"
    assert row["attempts"] == 2
    assert row["last_status_code"] == 500
    assert row["delivery"]
    assert "payload" not in row


# --- pages ------------------------------------------------------------------------
def test_the_unread_count_is_in_the_navigation_on_every_page(client_as, worker_a):
    tell(worker_a, 3)

    page = client_as(worker_a).get(reverse("organisations:list")).content.decode()

    assert reverse("notifications:inbox") in page
    assert 'class="nav-count"' in page
    assert ">3</span>" in page


def test_the_inbox_lists_newest_first_and_opening_marks_read(
    client_as, worker_a, focal_b, org_b
):
    subscription = webhook_of(focal_b, org_b)
    [old] = tell(worker_a, kind="mention")
    [new] = queue_notification(subscription, kind="mention", to=worker_a)
    client = client_as(worker_a)

    page = client.get(reverse("notifications:inbox")).content.decode()
    assert page.index(f"/notifications/{new.pk}/open/") < page.index(
        f"/notifications/{old.pk}/read/"
    )
    assert "inbox__item--unread" in page

    response = client.post(reverse("notifications:open", args=[new.pk]))
    assert response.status_code == 302
    assert response["Location"] == subscription.get_absolute_url()
    new.refresh_from_db()
    assert new.read_at is not None


def test_pages_cannot_read_or_open_someone_elses(client_as, worker_a, focal_a):
    [theirs] = tell(focal_a)
    client = client_as(worker_a)

    assert (
        client.post(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    )
    assert (
        client.post(reverse("notifications:read", args=[theirs.pk])).status_code == 404
    )
    assert (
        client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 405
    )
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_from_the_inbox(client_as, worker_a):
    tell(worker_a, 2)

    response = client_as(worker_a).post(reverse("notifications:read_all"))

    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=worker_a).unread().exists()


def test_the_inbox_makes_the_same_queries_for_1_and_50(client_as, worker_a, focal_a):
    tell(worker_a)
    tell(focal_a, 50)
    url = reverse("notifications:inbox")

    with CaptureQueriesContext(connection) as one:
        client_as(worker_a).get(url)
    with CaptureQueriesContext(connection) as fifty:
        client_as(focal_a).get(url)

    assert len(one) == len(fifty)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    for name in ("inbox", "preferences", "webhooks", "failed_deliveries"):
        response = client.get(reverse(f"notifications:{name}"))
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_preferences_page_saves_and_locks_mandatory_kinds(client_as, worker_a):
    client = client_as(worker_a)
    url = reverse("notifications:preferences")

    page = client.get(url).content.decode()
    assert 'name="alert_received"' in page
    assert "disabled" in page
    response = client.post(
        url, {"mention": "digest", "alert_received": "off", "referral_accepted": "off"}
    )

    assert response.status_code == 302
    modes = dict(
        NotificationPreference.objects.filter(user=worker_a).values_list("kind", "mode")
    )
    assert modes["mention"] == "digest"
    assert modes["referral_accepted"] == "off"
    assert "alert_received" not in modes  # locked: the posted "off" is ignored


def test_a_bad_preference_is_shown_next_to_its_field(client_as, worker_a):
    response = client_as(worker_a).post(
        reverse("notifications:preferences"), {"mention": "sometimes"}
    )

    assert response.status_code == 200
    assert "field--invalid" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_webhook_pages_are_for_focal_points(
    client_as, worker_a, focal_a, focal_b, org_b, coordinator
):
    subscription = webhook_of(focal_b, org_b)
    detail = reverse("notifications:webhook_detail", args=[subscription.pk])

    assert client_as(worker_a).get(reverse("notifications:webhooks")).status_code == 403
    assert (
        client_as(coordinator).get(reverse("notifications:webhooks")).status_code == 403
    )
    assert client_as(focal_a).get(detail).status_code == 404
    assert client_as(focal_b).get(detail).status_code == 200
    deactivate = reverse("notifications:webhook_deactivate", args=[subscription.pk])
    assert client_as(focal_a).post(deactivate).status_code == 404
    assert client_as(worker_a).post(deactivate).status_code == 404
    subscription.refresh_from_db()
    assert subscription.is_active


def test_adding_a_webhook_on_the_page(client_as, focal_b):
    client = client_as(focal_b)
    url = reverse("notifications:webhooks")

    refused = client.post(
        url, {"url": "http://192.168.0.2/", "events": ["alert.created"]}
    )
    assert refused.status_code == 200
    assert "field--invalid" in refused.content.decode()
    assert not WebhookSubscription.objects.exists()

    created = client.post(url, {"url": PUBLIC_URL, "events": ["alert.created"]})
    assert created.status_code == 200
    assert WebhookSubscription.objects.get().secret in created.content.decode()
    assert created["Cache-Control"] == "no-store"


def test_editing_deactivating_and_reactivating_a_webhook(client_as, focal_b, org_b):
    subscription = webhook_of(focal_b, org_b)
    client = client_as(focal_b)
    detail = reverse("notifications:webhook_detail", args=[subscription.pk])

    assert (
        client.post(
            detail, {"url": "ftp://x/", "events": ["alert.created"]}
        ).status_code
        == 200
    )
    assert (
        client.post(
            detail, {"url": PUBLIC_URL, "events": ["alert.answered"]}
        ).status_code
        == 302
    )
    client.post(reverse("notifications:webhook_deactivate", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert subscription.events == ["alert.answered"]
    assert not subscription.is_active
    client.post(reverse("notifications:webhook_activate", args=[subscription.pk]))
    subscription.refresh_from_db()
    assert subscription.is_active


def test_failed_deliveries_are_for_coordinators(
    client_as, coordinator, focal_a, worker_a
):
    tell(worker_a)
    OutboxMessage.objects.update(status="dead", attempts=8, last_error="SMTP down")
    url = reverse("notifications:failed_deliveries")

    assert client_as(focal_a).get(url).status_code == 403
    page = client_as(coordinator).get(url).content.decode()
    assert "SMTP down" in page
    assert worker_a.email not in page  # no recipient identity, no content


def test_a_coordinator_retries_a_failed_delivery(
    client_as, coordinator, worker_a, focal_a
):
    tell(worker_a)
    message = OutboxMessage.objects.get()
    OutboxMessage.objects.update(status="dead", attempts=8)

    refused = client_as(focal_a).post(
        reverse("notifications:delivery_retry", args=[message.pk])
    )
    response = client_as(coordinator).post(
        reverse("notifications:delivery_retry", args=[message.pk])
    )

    assert refused.status_code == 404
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING


def test_failed_deliveries_page_queries_do_not_grow(
    client_as, coordinator, worker_a, focal_a
):
    tell(worker_a)
    OutboxMessage.objects.update(status="failed")
    url = reverse("notifications:failed_deliveries")
    with CaptureQueriesContext(connection) as one:
        client_as(coordinator).get(url)
    tell(focal_a, 30)
    OutboxMessage.objects.update(status="failed")
    with CaptureQueriesContext(connection) as many:
        client_as(coordinator).get(url)

    assert len(one) == len(many)
