"""The outbox's backlog: pending deliveries nobody took (no worker, no scheduler) are
listed to coordinators with their age once past NOTIFICATION_PENDING_ALERT_MINUTES,
and counted for /metrics."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from notifications.models import OutboxMessage
from notifications.services.backlog import outbox_gauges, stale_pending_deliveries


def delivery(minutes_ago: float, status: str = "pending", **fields) -> OutboxMessage:
    due = timezone.now() - timedelta(minutes=minutes_ago)
    message = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.EMAIL,
        event="default",
        status=status,
        payload={"to": "someone@example.org"},
        next_attempt_at=due,
        **fields,
    )
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=due)
    return message


def test_stale_pending_are_those_due_longer_than_the_threshold(settings):
    settings.NOTIFICATION_PENDING_ALERT_MINUTES = 15
    old = delivery(40)
    older = delivery(90)
    delivery(5)  # recent: a worker will take it
    delivery(120, status="failed")  # already on the page, with its error
    delivery(120, status="sent")

    assert list(stale_pending_deliveries()) == [older, old]
    assert list(stale_pending_deliveries(minutes=60)) == [older]


def test_a_retried_delivery_is_due_from_its_retry_not_its_creation(settings):
    settings.NOTIFICATION_PENDING_ALERT_MINUTES = 15
    message = delivery(300)
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())

    assert not stale_pending_deliveries().exists()


def test_the_failed_deliveries_page_lists_stale_pending_with_their_age(
    client_as, coordinator, settings, org_b
):
    settings.NOTIFICATION_PENDING_ALERT_MINUTES = 15
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])
    delivery(5)
    delivery(130, organisation=org_b)

    response = client_as(coordinator).get(reverse("notifications:failed_deliveries"))

    page = response.content.decode()
    assert response.status_code == 200
    assert [m.pk for m in response.context["stale_pending"]] == [
        OutboxMessage.objects.order_by("created_at").first().pk
    ]
    assert "1 delivery waiting too long" in page
    assert "more than 15 minutes" in page
    assert "2\xa0hours, 10\xa0minutes" in page  # its age
    assert org_b.short_name in page
    assert "someone@example.org" not in page  # no recipient address


def test_the_page_shows_no_backlog_section_when_nothing_is_stale(
    client_as, coordinator
):
    delivery(1)

    page = client_as(coordinator).get(reverse("notifications:failed_deliveries"))

    assert "waiting too long" not in page.content.decode()


def test_outbox_gauges_count_and_age_in_one_query(django_assert_num_queries):
    now = timezone.now()
    delivery(30)
    delivery(3)
    delivery(10, status="failed")
    delivery(10, status="dead")
    delivery(10, status="dead")

    with django_assert_num_queries(1):
        gauges = outbox_gauges(now=now)

    assert gauges["tansiq_outbox_pending"][1] == 2
    assert gauges["tansiq_outbox_retrying"][1] == 1
    assert gauges["tansiq_outbox_dead"][1] == 2
    assert 29 * 60 < gauges["tansiq_outbox_oldest_pending_age_seconds"][1] <= 30 * 60


def test_an_empty_outbox_has_no_age():
    assert outbox_gauges()["tansiq_outbox_oldest_pending_age_seconds"][1] == 0
