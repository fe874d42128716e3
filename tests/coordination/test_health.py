"""/health/live and /health/ready: what the container checks and load balancers ask."""

from __future__ import annotations

import socket

import pytest
from django.db.migrations.executor import MigrationExecutor
from django.test import Client, override_settings


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_live_answers_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/health/live")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_ready_reports_every_check_with_its_duration(settings):
    response = Client().get("/health/ready")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "migrations", "redis", "broker"}
    expected_redis = "ok" if settings.REDIS_URL else "skipped"
    assert body["checks"]["redis"]["status"] == expected_redis
    for name in ("database", "migrations", "broker"):
        assert body["checks"][name]["status"] == "ok"
    assert all(isinstance(c["ms"], float) for c in body["checks"].values())


def test_ready_is_503_naming_redis_when_redis_is_unreachable(closed_port):
    url = f"redis://127.0.0.1:{closed_port}/0"
    with override_settings(REDIS_URL=url, CELERY_BROKER_URL=url):
        response = Client().get("/health/ready")

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["status"] == "fail"
    assert checks["broker"]["status"] == "fail"
    assert checks["database"]["status"] == "ok"
    assert str(closed_port) not in response.content.decode()  # no error text


def test_ready_is_503_naming_migrations_when_one_is_not_applied(monkeypatch):
    monkeypatch.setattr(
        MigrationExecutor,
        "migration_plan",
        lambda self, targets: [("notifications.0099_future", False)],
    )

    response = Client().get("/health/ready")

    assert response.status_code == 503
    assert response.json()["checks"]["migrations"]["status"] == "fail"
    assert response.json()["checks"]["database"]["status"] == "ok"


def test_a_silent_check_costs_one_budget_and_is_a_timeout(monkeypatch, settings):
    import threading
    import time

    from coordination import health

    release = threading.Event()
    monkeypatch.setitem(health.CHECKS, "redis", lambda: release.wait(5))
    settings.HEALTH_CHECK_TIMEOUT = 0.3
    started = time.monotonic()
    try:
        response = Client().get("/health/ready")
    finally:
        release.set()

    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["status"] == "timeout"
    assert time.monotonic() - started < 2


@override_settings(SECURE_SSL_REDIRECT=True)
def test_health_is_not_redirected_to_https_nor_throttled():
    client = Client()
    for _ in range(80):  # more than the anonymous API rate
        assert client.get("/health/live").status_code == 200
    assert client.get("/health/ready").status_code == 200
    assert client.get("/about/").status_code == 301  # the rest still is
