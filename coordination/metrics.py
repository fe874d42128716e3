"""Prometheus metrics at /metrics, behind METRICS_TOKEN (`Authorization: Bearer …`;
404 when no token is configured, 401 without credentials, 403 with wrong ones).

- `tansiq_http_request_duration_seconds{view, method, status}`: a histogram per URL name
  (never the path: it holds ids). Kept in the serving process: under gunicorn each worker
  exports its own unless PROMETHEUS_MULTIPROC_DIR names a shared folder (then every
  worker writes there and a scrape adds them up; see README "Operations").
- Gauges computed from PostgreSQL and Redis at scrape time, so every process answers the
  same: the providers the URLconf passes (the outbox's backlog, age of its oldest pending
  delivery, given-up deliveries) and the Celery queue length in Redis.

Only counts, durations and URL names: nothing about a person."""

from __future__ import annotations

import hmac
import logging
import os
from collections.abc import Callable, Iterable, Mapping

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

# A provider returns {metric name: (help text, value)}; computed at each scrape.
Provider = Callable[[], Mapping[str, tuple[str, float]]]

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
REQUEST_SECONDS = Histogram(
    "tansiq_http_request_duration_seconds",
    "Time to answer a request, by URL name, method and status.",
    ["view", "method", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
# kombu's Redis transport keeps messages of priority p > 0 under "<queue>\x06\x16<p>".
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "OTHER"
    REQUEST_SECONDS.labels(view, method, str(status)).observe(seconds)


def celery_queue_length() -> int | None:
    """Messages waiting in the Celery queue (Redis only; None without or if down)."""
    if not settings.REDIS_URL:
        return None
    import redis

    budget = settings.HEALTH_CHECK_TIMEOUT
    client = redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=budget, socket_timeout=budget
    )
    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    try:
        return sum(client.llen(queue + suffix) for suffix in PRIORITY_SUFFIXES)
    except redis.RedisError:
        logger.warning("Celery queue length unavailable: Redis did not answer")
        return None
    finally:
        client.close()


class ScrapeCollector:
    """The gauges read from the database and Redis when Prometheus scrapes."""

    def __init__(self, providers: Iterable[Provider]):
        self.providers = providers

    def collect(self):
        for provider in self.providers:
            for name, (documentation, value) in provider().items():
                yield GaugeMetricFamily(name, documentation, value=value)
        length = celery_queue_length()
        if length is not None:
            yield GaugeMetricFamily(
                "tansiq_celery_queue_length",
                "Tasks waiting in the Celery queue (Redis).",
                value=length,
            )


def _authorised(request: HttpRequest, token: str) -> int | None:
    """None when the bearer token matches, else the status to answer."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return 401
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return 403
    return None


@never_cache
def metrics(request: HttpRequest, providers: Iterable[Provider] = ()) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if not token:
        raise Http404
    refused = _authorised(request, token)
    if refused is not None:
        response = HttpResponse(status=refused)
        if refused == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process_registry = CollectorRegistry()
        MultiProcessCollector(process_registry)
    else:
        process_registry = REGISTRY
    scrape_registry = CollectorRegistry(auto_describe=False)
    scrape_registry.register(ScrapeCollector(providers))
    body = generate_latest(process_registry) + generate_latest(scrape_registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
