"""The outbox with a real Celery worker and Redis: delivery after commit, a broker that
is down when the change commits (delivered later by the sweep, exactly once), and a
failing webhook receiver that does not hold up another.

The worker runs in this process (celery.contrib.testing) on a queue of its own (a uuid),
so a development worker on the same Redis cannot take these tasks. Without REDIS_URL the
tests skip, except under CI=true, where they fail."""

from __future__ import annotations

import logging
import os
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.db import connections, transaction

from coordination.celery import app as celery_app
from notifications.models import Notification, OutboxMessage
from notifications.services import (
    create_webhook_subscription,
    queue_notification,
    sweep_outbox,
)
from tests.notifications.receiver import Receiver, signature_is_valid
from tests.notifications.test_notifications import point_broker_at

REDIS_URL = os.environ.get("REDIS_URL", "")
CLOSED_PORT = "redis://127.0.0.1:1/0"

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _redis_or_skip():
    if not REDIS_URL.startswith("redis"):
        message = "REDIS_URL is not set: the Celery integration tests need Redis"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (they never skip in CI)")
        pytest.skip(message)


@pytest.fixture
def celery_queue(settings):
    """Our own queue on REDIS_URL's database; tasks are really published."""
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0  # worker threads close theirs
    queue = f"tansiq-test-{uuid.uuid4().hex}"
    conf = celery_app.conf
    saved = (conf.task_default_queue, conf.task_always_eager)
    previous_broker = point_broker_at(REDIS_URL)
    conf.task_default_queue, conf.task_always_eager = queue, False
    yield queue
    try:
        with celery_app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
    except Exception:  # best effort: the queue name is unique anyway
        pass
    conf.task_default_queue, conf.task_always_eager = saved
    point_broker_at(previous_broker)


def _close_thread_connections(**kwargs):
    # Worker threads open their own database connections: close them after each task
    # so the test database can be flushed and dropped.
    connections.close_all()


@contextmanager
def running_worker(queue: str):
    task_postrun.connect(_close_thread_connections)
    try:
        with start_worker(
            celery_app,
            pool="threads",
            concurrency=4,
            perform_ping_check=False,
            queues=[queue],
            shutdown_timeout=30,
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_thread_connections)


def wait_until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def sent(**filters) -> int:
    return OutboxMessage.objects.filter(status="sent", **filters).count()


def test_a_committed_notification_is_delivered_by_the_worker(
    celery_queue, worker_a, coordinator
):
    with running_worker(celery_queue):
        with transaction.atomic():
            queue_notification(
                None,
                kind=Notification.Kind.ALERT_RECEIVED,
                to=worker_a,
                actor=coordinator,
                context={"emergency_title": "Vague de froid"},
            )
        assert wait_until(lambda: sent(recipient=worker_a) == 1)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [worker_a.email]


def test_with_the_broker_down_at_commit_the_sweep_delivers_exactly_once(
    celery_queue, org_a, focal_a, worker_a, coordinator, caplog
):
    # An earlier test's worker may leave the root logger above WARNING.
    caplog.set_level(logging.WARNING)
    point_broker_at(CLOSED_PORT)
    with transaction.atomic():
        queue_notification(
            None, kind=Notification.Kind.ALERT_RECEIVED, to=org_a, actor=coordinator
        )  # the commit succeeds; publishing fails quietly
    assert "the sweep will retry" in caplog.text
    assert OutboxMessage.objects.filter(status="pending").count() == 2

    point_broker_at(REDIS_URL)  # the broker is back
    with running_worker(celery_queue):
        # Two sweeps in a row publish each row twice: still one e-mail each.
        assert sweep_outbox(grace=timedelta(0)) == 2
        assert sweep_outbox(grace=timedelta(0)) == 2
        assert wait_until(lambda: sent() == 2)
        time.sleep(1)  # let the duplicate tasks run too
        assert sweep_outbox(grace=timedelta(0)) == 0

    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [focal_a.email, worker_a.email]
    )
    assert OutboxMessage.objects.get(recipient=worker_a).attempts == 1


def test_a_failing_webhook_does_not_hold_up_another(
    celery_queue, settings, org_a, focal_a, coordinator
):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    settings.WEBHOOK_TIMEOUT = 2
    with (
        Receiver(delay=6) as slow,
        Receiver(status=500) as broken,
        Receiver() as healthy,
    ):
        subscriptions = {}
        for name, receiver in (("slow", slow), ("broken", broken), ("ok", healthy)):
            subscriptions[name], secret = create_webhook_subscription(
                actor=focal_a,
                organisation=org_a,
                url=receiver.url,
                events=["alert.created"],
            )
            if name == "ok":
                healthy_secret = secret
        with running_worker(celery_queue):
            with transaction.atomic():
                queue_notification(
                    None,
                    kind=Notification.Kind.ALERT_RECEIVED,
                    to=org_a,
                    actor=coordinator,
                    event="alert.created",
                )
            [request] = healthy.wait_for(1, timeout=20)
            # Delivered while the slow receiver still keeps its caller waiting.
            slow_then = OutboxMessage.objects.get(subscription=subscriptions["slow"])
            assert wait_until(
                lambda: (
                    OutboxMessage.objects.filter(
                        channel="webhook", status="failed"
                    ).count()
                    == 2
                )
            )

    assert signature_is_valid(request, healthy_secret)
    # Read while its receiver kept the worker waiting: claimed ("sending") or not yet
    # picked up, never locked by an open transaction.
    assert slow_then.status in ("pending", "sending")
    slow_row = OutboxMessage.objects.get(subscription=subscriptions["slow"])
    broken_row = OutboxMessage.objects.get(subscription=subscriptions["broken"])
    assert slow_row.status == "failed"
    assert slow_row.last_status_code is None  # timed out: no answer
    assert broken_row.last_status_code == 500
    assert OutboxMessage.objects.get(subscription=subscriptions["ok"]).status == "sent"
