"""Health endpoints for container checks and load balancers.

`/health/live`: the process answers (no database, no network). `/health/ready`: it can
serve, i.e. PostgreSQL answers, Redis answers, the Celery broker accepts a connection and
every migration is applied. Each check runs in its own thread with a time budget
(HEALTH_CHECK_TIMEOUT seconds), all at once, so a silent server costs one budget, not
one per check. The body names each check with its status and duration, and nothing else:
no error text (it could name a host or a user), no personal data. No authentication, no
throttling, exempt from the HTTPS redirect (see SECURE_REDIRECT_EXEMPT)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from django.conf import settings
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def check_database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_migrations() -> None:
    executor = MigrationExecutor(connections["default"])
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations")


def check_redis() -> str | None:
    if not settings.REDIS_URL:
        return "skipped"  # no Redis configured: the per-process cache needs none
    import redis

    budget = settings.HEALTH_CHECK_TIMEOUT
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=budget, socket_timeout=budget
    )
    try:
        client.ping()
    finally:
        client.close()
    return None


def check_broker() -> None:
    from coordination.celery import app

    budget = settings.HEALTH_CHECK_TIMEOUT
    url = settings.CELERY_BROKER_URL  # read now, so a changed setting is what is tested
    with app.connection_for_write(url=url, connect_timeout=budget) as connection:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=budget
        )


CHECKS: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "migrations": check_migrations,
    "redis": check_redis,
    "broker": check_broker,
}


def _timed(check: Callable[[], str | None]) -> tuple[str, float]:
    started = time.monotonic()
    try:
        status = check() or "ok"
    except Exception:
        status = "fail"
    finally:
        # The thread's own database connection: close it, or every probe leaks one.
        connections.close_all()
    return status, (time.monotonic() - started) * 1000


def run_checks() -> dict[str, dict]:
    """Each check's status ("ok", "fail", "timeout", "skipped") and duration in ms."""
    budget = settings.HEALTH_CHECK_TIMEOUT
    pool = ThreadPoolExecutor(max_workers=len(CHECKS), thread_name_prefix="health")
    started = time.monotonic()
    futures = {name: pool.submit(_timed, check) for name, check in CHECKS.items()}
    results = {}
    for name, future in futures.items():
        remaining = max(0.0, budget - (time.monotonic() - started))
        try:
            status, ms = future.result(timeout=remaining)
        except FutureTimeout:
            status, ms = "timeout", budget * 1000
        results[name] = {"status": status, "ms": round(ms, 1)}
    pool.shutdown(wait=False, cancel_futures=True)  # a hung check is left behind
    return results


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    healthy = all(c["status"] in ("ok", "skipped") for c in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks},
        status=200 if healthy else 503,
    )
