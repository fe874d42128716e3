"""Observability without personal data: request ids, JSON log lines, task ids in worker
logs, /metrics behind its token, error reports scrubbed of identity, and a 500 page that
says what really happened."""

from __future__ import annotations

import io
import json
import logging

import pytest
import sentry_sdk
from celery.signals import task_postrun, task_prerun
from django.test import Client
from django.urls import reverse
from sentry_sdk.transport import Transport

from coordination import views as coordination_views
from coordination.error_reports import FILTERED, init_error_reports, scrub_event
from coordination.observability import (
    JsonFormatter,
    RequestContextFilter,
    logging_config,
    new_request_id,
)
from notifications.models import OutboxMessage
from referrals.services import register_beneficiary

SENTINEL = "Zoubida Sentinelle-Qx7"
SENTINEL_PHONE = "+212 611 907 733"
SENTINEL_EMAIL = "zoubida.sentinelle@example.org"


@pytest.fixture
def json_log():
    """Log lines as production writes them (root handler: context filter, JSON)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    old_level = root.level
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(old_level)


# ---------------------------------------------------------------------------
# Request ids and log lines
# ---------------------------------------------------------------------------
def test_a_well_formed_proxy_request_id_is_kept_and_returned():
    given = "7f9c2ba4e88f827d616045507605853e"
    response = Client().get("/health/live", HTTP_X_REQUEST_ID=given)

    assert response["X-Request-ID"] == given


@pytest.mark.parametrize(
    "given", ["short", "has space inside it", "x" * 200, "a\u00e9cole-id-123", ""]
)
def test_a_malformed_request_id_is_replaced(given):
    response = Client().get("/health/live", HTTP_X_REQUEST_ID=given)

    assert response["X-Request-ID"] != given
    assert len(response["X-Request-ID"]) == 32
    assert new_request_id(given) != given


def test_each_request_logs_one_json_line_without_its_query_string(json_log):
    response = Client().get(
        f"/about/?q={SENTINEL}&email={SENTINEL_EMAIL}", HTTP_X_REQUEST_ID="req-12345678"
    )

    lines = [line for line in json_log() if line["logger"] == "tansiq.request"]
    assert len(lines) == 1
    line = lines[0]
    assert line["request_id"] == "req-12345678" == response["X-Request-ID"]
    assert line["method"] == "GET"
    assert line["path"] == "/about/"
    assert line["status"] == 200
    assert line["view"] == "about"
    assert line["duration_ms"] >= 0
    assert line["level"] == "INFO"
    assert line["time"].endswith("+00:00")
    everything = json.dumps(json_log())
    assert "Sentinelle" not in everything
    assert "q=" not in everything


def test_lines_logged_during_a_request_carry_its_id(json_log, monkeypatch):
    from django.shortcuts import render

    def logging_render(request, *args, **kwargs):
        logging.getLogger("tansiq.test").warning("inside the view")
        return render(request, *args, **kwargs)

    monkeypatch.setattr(coordination_views, "render", logging_render)
    Client().get("/about/", HTTP_X_REQUEST_ID="req-abcdefgh")

    (inside,) = [line for line in json_log() if line["logger"] == "tansiq.test"]
    assert inside["request_id"] == "req-abcdefgh"
    assert inside["path"] == "/about/"
    assert inside["level"] == "WARNING"


def test_task_log_lines_carry_the_task_id(json_log):
    class FakeTask:
        name = "notifications.tasks.sweep_outbox_task"

    task = FakeTask()
    task_prerun.send(sender=task, task_id="task-42", task=task, args=(), kwargs={})
    logging.getLogger("tansiq.test").info("working")
    task_postrun.send(sender=task, task_id="task-42", task=task, args=(), kwargs={})
    logging.getLogger("tansiq.test").info("after")

    working, after = [line for line in json_log() if line["logger"] == "tansiq.test"]
    assert working["task_id"] == "task-42"
    assert working["task_name"] == "notifications.tasks.sweep_outbox_task"
    assert "task_id" not in after


def test_an_exception_is_logged_by_type_and_stack_not_message(json_log):
    try:
        raise ValueError(f"no such person {SENTINEL}")
    except ValueError:
        logging.getLogger("tansiq.test").exception("failed")

    (line,) = [line for line in json_log() if line["logger"] == "tansiq.test"]
    assert line["exception"] == "ValueError"
    assert "test_an_exception_is_logged" in line["stack"]
    assert SENTINEL not in json.dumps(line)


def test_log_format_chooses_the_formatter():
    json_config = logging_config(log_format="json", level="INFO")
    assert json_config["handlers"]["console"]["formatter"] == "json"
    plain = logging_config(log_format="plain", level="INFO")
    assert plain["handlers"]["console"]["formatter"] == "plain"
    assert "%(request_id)s" in plain["formatters"]["plain"]["format"]


# ---------------------------------------------------------------------------
# /metrics
# ---------------------------------------------------------------------------
METRICS_TOKEN = "metrics-token-for-tests-0123456789"


def scrape(token: str | None = METRICS_TOKEN):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().get("/metrics", **headers)


def test_metrics_are_a_404_without_a_configured_token(settings):
    settings.METRICS_TOKEN = ""

    assert scrape().status_code == 404


def test_metrics_need_the_token(settings):
    settings.METRICS_TOKEN = METRICS_TOKEN

    missing = scrape(None)
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert scrape("wrong-token").status_code == 403
    assert scrape().status_code == 200


def test_metrics_hold_latency_by_view_and_the_outbox_without_identity(
    settings, worker_a, client_as
):
    settings.METRICS_TOKEN = METRICS_TOKEN
    person = register_beneficiary(
        actor=worker_a,
        sex="female",
        full_name=SENTINEL,
        phone=SENTINEL_PHONE,
        address=SENTINEL,
    )
    client = client_as(worker_a)
    detail = client.get(reverse("referrals:detail", args=[person.code]))
    assert SENTINEL in detail.content.decode()  # shown to its caseworker…
    client.get(f"/about/?q={SENTINEL}")
    OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.EMAIL,
        event="default",
        payload={"to": SENTINEL_EMAIL, "name": SENTINEL},
    )
    OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.EMAIL,
        event="default",
        status="dead",
        payload={"to": "someone@example.org"},
    )

    body = scrape().content.decode()

    # …and nowhere in the metrics: no name, phone, e-mail, code or path with an id.
    for secret in (SENTINEL, "Sentinelle", SENTINEL_EMAIL, person.code, "611 907"):
        assert secret not in body
    assert 'method="GET",status="200",view="referrals:detail"}' in body
    assert 'view="about"' in body
    assert "tansiq_outbox_pending 1.0" in body
    assert "tansiq_outbox_dead 1.0" in body
    assert "tansiq_outbox_oldest_pending_age_seconds" in body
    if settings.REDIS_URL:
        assert "tansiq_celery_queue_length" in body


# ---------------------------------------------------------------------------
# Error reports (Sentry)
# ---------------------------------------------------------------------------
class MemoryTransport(Transport):
    """Keeps the events sentry-sdk would send."""

    events: list[dict] = []

    def capture_envelope(self, envelope):
        event = envelope.get_event()
        if event is not None:
            MemoryTransport.events.append(event)


@pytest.fixture
def sentry_events(settings):
    settings.SENTRY_DSN = "https://public@sentry.invalid/1"
    MemoryTransport.events = []
    init_error_reports(settings.SENTRY_DSN, transport=MemoryTransport)
    yield MemoryTransport.events
    sentry_sdk.get_client().close()
    sentry_sdk.get_global_scope().set_client(None)


def test_an_error_report_holds_no_identity(sentry_events, monkeypatch):
    def broken(request, *args, **kwargs):
        full_name = SENTINEL  # a local variable holding identity
        phone = SENTINEL_PHONE
        raise ValueError(f"could not match {full_name} ({phone}, {SENTINEL_EMAIL})")

    monkeypatch.setattr(coordination_views, "render", broken)
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = SENTINEL
    response = client.post(
        f"/about/?name={SENTINEL}",
        {"full_name": SENTINEL, "note": SENTINEL_EMAIL},
        HTTP_X_REQUEST_ID="req-sentry-0001",
        HTTP_REFERER=f"https://tansiq.example.org/?q={SENTINEL}",
    )

    assert response.status_code == 500
    assert sentry_events, "the error was not reported"
    report = json.dumps(sentry_events)
    for secret in (SENTINEL, "Sentinelle", SENTINEL_EMAIL, "611 907 733"):
        assert secret not in report
    event = next(e for e in sentry_events if e.get("exception"))
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert FILTERED in event["exception"]["values"][-1]["value"]
    assert event["tags"]["request_id"] == "req-sentry-0001"
    request = event.get("request", {})
    assert not {"cookies", "data", "query_string", "env"} & set(request)
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    assert frames[-1]["function"] == "broken"
    assert not any("vars" in frame for frame in frames)


def test_the_scrubber_blanks_identity_values_wherever_they_are_quoted():
    event = {
        "request": {
            "url": f"https://t.example/referrals/?q={SENTINEL}",
            "data": {"full_name": SENTINEL},
            "query_string": f"q={SENTINEL}",
            "cookies": {"sessionid": "s"},
            "headers": {"Cookie": "s", "Accept": "text/html", "X-Real-Ip": "10.0.0.1"},
            "env": {"REMOTE_ADDR": "10.0.0.1"},
        },
        "user": {"id": "7", "email": SENTINEL_EMAIL, "ip_address": "10.0.0.1"},
        "extra": {"row": {"phone": SENTINEL_PHONE, "sector": "health"}},
        "logentry": {"message": f"import row for {SENTINEL}"},
        "breadcrumbs": {"values": [{"message": f"saw {SENTINEL}", "data": {"x": 1}}]},
    }

    scrubbed = json.dumps(scrub_event(event, {}))

    assert SENTINEL not in scrubbed
    assert "611 907" not in scrubbed
    assert "10.0.0.1" not in scrubbed
    assert event["request"] == {
        "url": "https://t.example/referrals/",
        "headers": {"Accept": "text/html"},
    }
    assert event["user"] == {"id": "7"}
    assert event["extra"]["row"]["sector"] == "health"


# ---------------------------------------------------------------------------
# The 500 page tells the truth
# ---------------------------------------------------------------------------
def _broken_about(monkeypatch):
    def broken(request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(coordination_views, "render", broken)
    return Client(raise_request_exception=False, headers={"accept-language": "en"})


def test_the_500_page_claims_nobody_was_told_without_error_reports(
    settings, monkeypatch
):
    settings.SENTRY_DSN = ""
    response = _broken_about(monkeypatch).get("/about/")

    page = response.content.decode()
    assert response.status_code == 500
    assert "has been told" not in page
    assert "tell the platform" in page
    assert response["X-Request-ID"] in page  # the reference to quote


def test_the_500_page_says_the_team_was_told_when_reports_are_sent(
    sentry_events, monkeypatch
):
    response = _broken_about(monkeypatch).get("/about/")

    page = response.content.decode()
    assert "The technical team has been told" in page
    assert response["X-Request-ID"] in page
