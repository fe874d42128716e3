"""Redis down does not stop the platform: a real Redis started by the test on a free
port of its own (cache and Celery broker), then stopped. With it stopped, sign-in through
the login form works and failed logins are still limited (per process), the API answers
tokens and anonymous visitors, a page write that notifies answers at once; once Redis is
back, the outbox sweep delivers the notification. Without redis-server the tests skip,
except under CI=true, where they fail."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import time
import uuid
from contextlib import contextmanager
from datetime import date, timedelta

import kombu.pools
import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS
from django.db import connections
from django.test import Client
from django.urls import reverse

from coordination.cache import reset_breakers
from coordination.celery import app as celery_app
from emergencies.models import Emergency
from notifications.models import OutboxMessage
from notifications.services import outbox, sweep_outbox
from tests.factories import PASSWORD

QUICK = 2.0  # seconds: what "answers at once" means here
RETRY_AFTER = 0.5  # the cache's breaker, short so the tests see Redis come back


def point_broker_at(url: str) -> str:
    """Switch the Celery app's broker (dropping its pooled connections); the old URL."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()  # kombu keeps producer pools per connection, globally
    return previous


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server of the test's own, on a free port, that can be stopped and
    started again on the same port."""

    def __init__(self, binary: str) -> None:
        self.binary = binary
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_server():
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed: the Redis fault tests need it"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (they never skip in CI)")
        pytest.skip(message)
    server = RedisServer(binary)
    server.start()
    yield server
    server.stop()


@contextmanager
def app_on(settings, url: str, *, socket_timeout: float, retry_after=RETRY_AFTER):
    """The cache and the Celery broker on `url`, with the settings' timeouts."""
    connect_timeout = settings.REDIS_CONNECT_TIMEOUT
    settings.CACHES = {
        "default": {
            "BACKEND": "coordination.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "tansiq-test",
            "OPTIONS": {
                "socket_connect_timeout": connect_timeout,
                "socket_timeout": socket_timeout,
                "RETRY_AFTER": retry_after,
            },
        }
    }
    conf = celery_app.conf
    saved = (
        conf.task_always_eager,
        conf.broker_transport_options,
        conf.broker_connection_timeout,
        outbox.PUBLISH_RETRY_AFTER,
    )
    conf.task_always_eager = False
    conf.broker_transport_options = {
        "socket_connect_timeout": connect_timeout,
        "socket_timeout": socket_timeout,
        "max_retries": 0,
    }
    conf.broker_connection_timeout = connect_timeout
    outbox.PUBLISH_RETRY_AFTER = retry_after
    reset_breakers()
    outbox._broker_down_until.clear()
    previous_broker = point_broker_at(url)
    try:
        yield
    finally:
        (
            conf.task_always_eager,
            conf.broker_transport_options,
            conf.broker_connection_timeout,
            outbox.PUBLISH_RETRY_AFTER,
        ) = saved
        point_broker_at(previous_broker)
        reset_breakers()
        outbox._broker_down_until.clear()


@pytest.fixture
def on_test_redis(settings, redis_server):
    """The cache and the broker on the test's own Redis."""
    with app_on(
        settings, redis_server.url, socket_timeout=settings.REDIS_SOCKET_TIMEOUT
    ):
        yield redis_server


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def log_in(email: str, password: str, ip: str = "203.0.113.7"):
    client = Client()
    response = client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=ip,
    )
    return client, response


def test_sign_in_through_the_login_form_works_with_redis_stopped(
    on_test_redis, worker_a
):
    assert Client().get(reverse("account_login")).status_code == 200  # the form opens
    on_test_redis.stop()  # then Redis stops

    (client, response), elapsed = timed(lambda: log_in(worker_a.email, PASSWORD))

    assert response.status_code == 302
    assert "_auth_user_id" in client.session
    assert elapsed < QUICK
    assert client.get(reverse("home")).status_code == 200


def test_failed_logins_are_still_limited_with_redis_stopped(
    on_test_redis, worker_a, worker_b, caplog
):
    on_test_redis.stop()

    for attempt in range(5):
        _, response = log_in(worker_a.email, "wrong", ip=f"192.0.2.{attempt}")
        assert response.status_code == 200

    client, response = log_in(worker_a.email, PASSWORD)
    assert response.context["form"].has_error(
        NON_FIELD_ERRORS, "too_many_login_attempts"
    )
    assert "_auth_user_id" not in client.session
    client, response = log_in(worker_b.email, PASSWORD)
    assert response.status_code == 302
    # One warning for the outage, not one per call; no address or account in it.
    warnings = [r for r in caplog.records if r.name == "coordination.cache"]
    assert len(warnings) == 1
    assert worker_a.email not in warnings[0].getMessage()
    assert "192.0.2." not in warnings[0].getMessage()


def test_the_api_answers_tokens_sessions_and_visitors_with_redis_stopped(
    on_test_redis, api_as, token_b, worker_a
):
    on_test_redis.stop()

    calls = [
        lambda: api_as(token=token_b).get(reverse("api:organisation-list")),
        lambda: api_as(worker_a).get(reverse("api:me")),
        lambda: api_as().get(reverse("api:public-service-list")),
    ]
    for call in calls:
        response, elapsed = timed(call)
        assert response.status_code == 200
        assert elapsed < QUICK


def test_the_cache_falls_back_while_redis_is_down_and_returns_to_it(on_test_redis):
    direct = redis.Redis(port=on_test_redis.port)
    cache.set("before", "in redis")
    assert cache.get("before") == "in redis"

    on_test_redis.stop()
    started = time.monotonic()
    assert cache.get("before", "missed") == "missed"  # reads fail open
    cache.set("during", 1)  # writes do not raise; counted in this process
    assert cache.incr("during") == 2
    assert time.monotonic() - started < QUICK

    on_test_redis.start()
    time.sleep(RETRY_AFTER + 0.1)
    cache.get("after")  # a first call may find the pool's dead connection
    time.sleep(RETRY_AFTER + 0.1)
    cache.set("after", "in redis again")
    assert cache.get("after") == "in redis again"
    assert any(key.endswith(b":after") for key in direct.keys("*"))


def _close_thread_connections(**kwargs):
    connections.close_all()  # the worker's threads open their own


@contextmanager
def running_worker(queue: str):
    # Starting a worker sets Celery's logging up: the root logger's level and handlers
    # are put back afterwards, so later tests still see warnings.
    root = logging.getLogger()
    saved_logging = root.level, list(root.handlers)
    task_postrun.connect(_close_thread_connections)
    try:
        with start_worker(
            celery_app,
            pool="threads",
            concurrency=2,
            perform_ping_check=False,
            queues=[queue],
            shutdown_timeout=30,
        ) as worker:
            yield worker
    finally:
        task_postrun.disconnect(_close_thread_connections)
        root.setLevel(saved_logging[0])
        root.handlers[:] = saved_logging[1]


def wait_until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_page_write_that_notifies_is_quick_and_delivered_after_redis_returns(
    settings, on_test_redis, client_as, worker_a, focal_b, coordinator
):
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0  # worker threads close theirs
    queue = f"tansiq-test-{uuid.uuid4().hex}"
    saved_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    emergency = Emergency.objects.create(
        title="Vague de froid",
        kind="cold_wave",
        started_on=date(2025, 1, 10),
        created_by=coordinator,
    )
    try:
        on_test_redis.stop()
        response, elapsed = timed(
            lambda: client_as(worker_a).post(
                reverse("dialogue:comment_post"),
                {
                    "target": "emergency",
                    "target_id": emergency.pk,
                    "body": "@focal.b@example.org : pouvez-vous confirmer ?",
                },
            )
        )
        assert response.status_code == 302
        assert elapsed < QUICK
        pending = OutboxMessage.objects.get(recipient=focal_b)
        assert pending.status == "pending"  # the publish failed; the row waits

        on_test_redis.start()
        time.sleep(RETRY_AFTER + 0.1)  # the publish breaker lets the broker be tried
        point_broker_at(on_test_redis.url)  # drop the pools' dead connections
        with running_worker(queue):
            assert sweep_outbox(grace=timedelta(0)) == 1
            assert wait_until(
                lambda: OutboxMessage.objects.get(pk=pending.pk).status == "sent"
            )
        assert [message.to for message in mail.outbox] == [[focal_b.email]]
    finally:
        celery_app.conf.task_default_queue = saved_queue


def test_a_silent_redis_costs_one_timeout_not_one_per_request(
    settings,
    client_as,
    worker_a,
    focal_b,
    coordinator,
    django_capture_on_commit_callbacks,
):
    """A Redis that accepts connections and never answers: the first page write waits
    for the socket timeouts, the next ones go straight to the fallbacks."""
    emergency = Emergency.objects.create(
        title="Vague de froid",
        kind="cold_wave",
        started_on=date(2025, 1, 10),
        created_by=coordinator,
    )
    client = client_as(worker_a)

    def comment(n: int) -> int:
        with django_capture_on_commit_callbacks(execute=True):  # publish, as on commit
            response = client.post(
                reverse("dialogue:comment_post"),
                {
                    "target": "emergency",
                    "target_id": emergency.pk,
                    "body": f"@focal.b@example.org : point {n}",
                },
            )
        return response.status_code

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(50)
        url = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        with app_on(settings, url, socket_timeout=1.0, retry_after=60):
            runs = [timed(lambda n=n: comment(n)) for n in range(3)]

    assert [status for status, _ in runs] == [302, 302, 302]
    durations = [elapsed for _, elapsed in runs]
    assert durations[0] < 2 * 1.0 + QUICK  # the cache's and the broker's timeouts
    assert max(durations[1:]) < QUICK
    pending = OutboxMessage.objects.filter(recipient=focal_b, status="pending")
    assert pending.count() == 3  # all waiting for the sweep
