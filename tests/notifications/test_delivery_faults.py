"""Faults with real sockets: an SMTP server that never answers costs one EMAIL_TIMEOUT
and holds no database transaction; an e-mail the server accepted just before the worker
died is never sent twice; a PostgreSQL that never answers fails within its connect
timeout, and the web answers a clear 503."""

from __future__ import annotations

import importlib
import re
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connections, transaction
from django.urls import reverse
from django.utils import timezone, translation

from notifications.models import OutboxMessage
from notifications.services import (
    deliver_outbox_message,
    deliver_outbox_messages,
    retry_outbox_message,
    sweep_outbox,
)
from tests.notifications.fault_servers import SilentServer, TinySMTPServer

delivery = importlib.import_module("notifications.services.delivery")

SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def smtp_to(settings):
    def point(port: int):
        settings.EMAIL_BACKEND = SMTP
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 1

    return point


def an_email(to="partner@example.org") -> OutboxMessage:
    """An outbox row to an address, not handed to the workers (the test delivers)."""
    return OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.EMAIL,
        event="test",
        payload={"to": to, "subject": "Hello", "text": "Body", "html": ""},
    )


# --- An SMTP server that never answers ----------------------------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_silent_smtp_server_costs_one_timeout_and_holds_no_transaction(smtp_to):
    message = an_email()
    seen = {}

    with SilentServer() as server:
        smtp_to(server.port)
        worker = threading.Thread(
            target=lambda: seen.update(result=deliver_outbox_message(message.pk))
        )
        started = time.monotonic()
        worker.start()
        time.sleep(0.4)  # the worker is now waiting for the server's greeting
        assert worker.is_alive()
        # Another connection can lock and read the row: the worker holds no
        # transaction around the network call, and its attempt is already recorded.
        with transaction.atomic():
            row = OutboxMessage.objects.select_for_update(nowait=True).get(
                pk=message.pk
            )
        assert row.status == OutboxMessage.Status.SENDING
        assert row.email_message_id
        worker.join(10)
        elapsed = time.monotonic() - started

    assert not worker.is_alive()
    assert 0.9 < elapsed < 4  # EMAIL_TIMEOUT is 1 s
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED  # retried later
    assert message.attempts == 1
    assert message.next_attempt_at > timezone.now()
    # Written by the worker thread, in the platform's default language.
    with translation.override(django_settings.LANGUAGE_CODE):
        expected = translation.gettext(
            "No answer from the mail server within %(seconds)s seconds."
        ) % {"seconds": 1}
    assert message.last_error == expected
    assert message.email_message_id == row.email_message_id  # kept for the retry


def test_a_batch_waits_for_a_silent_server_once_not_once_per_email(smtp_to):
    messages = [an_email(f"p{i}@example.org") for i in range(3)]
    with SilentServer() as server:
        smtp_to(server.port)
        started = time.monotonic()
        delivered = deliver_outbox_messages([m.pk for m in messages])
        elapsed = time.monotonic() - started

    assert delivered == 0
    assert elapsed < 4  # one timeout of 1 s, not three
    for message in messages:
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.FAILED
        assert "mail server" in message.last_error


def test_the_smtp_timeout_is_a_setting_with_a_sane_default():
    from django.conf import settings

    assert 0 < settings.EMAIL_TIMEOUT <= 30


# --- Accepted, then the worker died: never sent twice ---------------------------------
class Crash(BaseException):
    """The worker process dying between the server's 250 and recording it."""


def test_an_email_accepted_before_a_crash_is_not_sent_again(
    smtp_to, monkeypatch, settings, coordinator, client_as
):
    message = an_email()
    with TinySMTPServer() as server:
        smtp_to(server.port)

        def crash(*args, **kwargs):
            raise Crash

        with monkeypatch.context() as patch:
            patch.setattr(delivery, "_record_success", crash)
            with pytest.raises(Crash):
                deliver_outbox_message(message.pk)
        assert len(server.wait_for(1)) == 1
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.SENDING
        message_id = message.email_message_id
        assert server.messages[0]["Message-ID"] == message_id

        # The task redelivered (acks late), a batch, the sweep: nothing goes again.
        assert deliver_outbox_message(message.pk) is None
        assert deliver_outbox_messages([message.pk]) == 0
        sweep_outbox(now=timezone.now() + timedelta(minutes=5))
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.SENDING  # not stale yet

        later = timezone.now() + timedelta(
            seconds=settings.OUTBOX_SENDING_STALE_SECONDS
        )
        sweep_outbox(now=later + timedelta(minutes=1))
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.UNCERTAIN
        assert "may have arrived" in message.last_error
        assert deliver_outbox_message(message.pk, now=later) is None
        time.sleep(0.3)
        assert len(server.messages) == 1

        # It shows on the coordinators' delivery-failures page...
        page = client_as(coordinator).get(reverse("notifications:failed_deliveries"))
        assert page.status_code == 200
        html = page.content.decode()
        with translation.override(re.search(r'<html lang="([\w-]+)"', html)[1]):
            assert translation.gettext("Sent, unconfirmed") in html

        # ... where a coordinator may send it again, with the same Message-ID.
        retry_outbox_message(message, actor=coordinator)
        deliver_outbox_message(message.pk)
        copies = server.wait_for(2)
    assert [m["Message-ID"] for m in copies] == [message_id, message_id]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT


def test_a_webhook_attempt_left_without_outcome_is_retried_with_its_delivery_id(
    settings, focal_a, org_a
):
    from notifications.models import WebhookSubscription

    subscription = WebhookSubscription.objects.create(
        organisation=org_a,
        url="https://hooks.example.org/in",
        events=["alert.created"],
        secret="s",
        created_by=focal_a,
    )
    started = timezone.now() - timedelta(
        seconds=settings.OUTBOX_SENDING_STALE_SECONDS + 60
    )
    message = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.WEBHOOK,
        event="alert.created",
        subscription=subscription,
        payload={"id": "delivery-1"},
        status=OutboxMessage.Status.SENDING,
        attempt_started_at=started,
    )

    assert delivery.settle_stale_attempts() == 1

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == 1
    assert message.next_attempt_at == started  # due: the sweep hands it over
    assert message.payload["id"] == "delivery-1"  # the receiver's deduplication key


# --- A PostgreSQL that never answers -----------------------------------------------
def _silent_database(port: int) -> dict:
    default = connections.databases["default"]
    return {
        **default,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "OPTIONS": {**default.get("OPTIONS", {}), "connect_timeout": 2},
    }


def test_a_silent_postgresql_fails_within_the_connect_timeout():
    with SilentServer() as server:
        wrapper = connections["default"].__class__(
            _silent_database(server.port), alias="silent"
        )
        started = time.monotonic()
        with pytest.raises(OperationalError):
            wrapper.ensure_connection()
        elapsed = time.monotonic() - started
    assert elapsed < 6  # connect_timeout 2 s (psycopg's minimum), not minutes


def test_the_database_timeouts_are_settings_with_sane_defaults():
    from django.conf import settings

    options = settings.DATABASES["default"]["OPTIONS"]
    assert 0 < options["connect_timeout"] <= 30
    assert "statement_timeout=" in options["options"]  # pytest runs as the web
    assert options["keepalives"] == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.parametrize(
    ("path", "is_json"), [("/", False), ("/api/v1/organisations/", True)]
)
def test_the_web_answers_503_within_the_timeout_when_postgresql_is_silent(
    client, path, is_json
):
    connection = connections["default"]
    original = dict(connection.settings_dict)
    with SilentServer() as server:
        connection.close()
        connection.settings_dict.update(_silent_database(server.port))
        try:
            started = time.monotonic()
            response = client.get(path, HTTP_ACCEPT_LANGUAGE="en")
            elapsed = time.monotonic() - started
        finally:
            connection.close()
            connection.settings_dict.clear()
            connection.settings_dict.update(original)
    assert response.status_code == 503
    assert elapsed < 6
    assert response["Retry-After"]
    if is_json:
        assert response.json() == {
            "errors": {
                "non_field_errors": [
                    "The database is not answering. Please try again in a few moments."
                ]
            }
        }
    else:
        body = response.content.decode()
        assert "The database is not answering" in body
        assert "127.0.0.1" not in body
        assert str(server.port) not in body
