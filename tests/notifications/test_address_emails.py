"""E-mails to an address (invitations, answers to requests to join) leave through the
outbox like every other e-mail: retried after a mail-server failure, delivered exactly
once, in the recipient's language, and the one-time link is not kept once sent."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from coordination.exceptions import Conflict
from notifications.models import OutboxMessage
from notifications.services import retry_outbox_message, sweep_outbox
from organisations.models import Invitation, JoinRequest
from organisations.services import invite_user, reject_join_request

BROKEN = "tests.notifications.test_notifications.BrokenBackend"
WORKING = "django.core.mail.backends.locmem.EmailBackend"


def _due_now(message: OutboxMessage) -> None:
    # Time passes: the retry is due (and older than the sweep's grace).
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )


def _recover_and_sweep_twice(settings, capture) -> None:
    settings.EMAIL_BACKEND = WORKING
    for _ in range(2):  # the second sweep must find nothing left to send
        with capture(execute=True):
            sweep_outbox()


@pytest.fixture
def join_request(db):
    return JoinRequest.objects.create(
        organisation_name="Association Awa",
        contact_name="Awa Diop",
        contact_email="awa@an.example.org",
    )


def test_an_invitation_sent_while_the_mail_server_fails_arrives_once_it_recovers(
    settings,
    focal_a,
    org_a,
    mailoutbox,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        invitation, key = invite_user(
            actor=focal_a,
            email="new.person@example.org",
            role=Invitation.Role.CASEWORKER,
            organisation=org_a,
        )
    message = OutboxMessage.objects.get(event="invitation")
    assert (message.status, message.attempts) == (OutboxMessage.Status.FAILED, 1)
    assert message.recipient is None
    assert message.organisation == org_a
    assert mailoutbox == []

    _due_now(message)
    _recover_and_sweep_twice(settings, django_capture_on_commit_callbacks)

    assert [m.to for m in mailoutbox] == [["new.person@example.org"]]
    assert key in mailoutbox[0].body
    assert org_a.name in mailoutbox[0].subject
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.SENT, 2)
    # The one-time key is gone from the outbox once the e-mail is out.
    assert key not in json.dumps(message.payload)
    assert message.payload["to"] == "new.person@example.org"
    assert invitation.email == "new.person@example.org"


def test_an_invitation_is_written_in_the_language_it_was_sent_in(
    settings,
    focal_a,
    org_a,
    mailoutbox,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    with translation.override("ar"), django_capture_on_commit_callbacks(execute=True):
        invite_user(
            actor=focal_a,
            email="new.person@example.org",
            role=Invitation.Role.CASEWORKER,
            organisation=org_a,
        )

    assert len(mailoutbox) == 1
    assert "دعوة للانضمام إلى" in mailoutbox[0].subject
    assert OutboxMessage.objects.get().payload["language"] == "ar"


def test_a_rejection_sent_while_the_mail_server_fails_arrives_once_it_recovers(
    settings,
    join_request,
    coordinator,
    mailoutbox,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        reject_join_request(join_request, actor=coordinator, note="Hors du champ")
    message = OutboxMessage.objects.get(event="join_request_rejected")
    assert message.status == OutboxMessage.Status.FAILED
    assert mailoutbox == []

    _due_now(message)
    _recover_and_sweep_twice(settings, django_capture_on_commit_callbacks)

    assert [m.to for m in mailoutbox] == [["awa@an.example.org"]]
    assert "Hors du champ" in mailoutbox[0].body
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT


def test_an_address_email_whose_object_is_gone_is_given_up_not_retried(
    focal_a, org_a, mailoutbox, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation, _ = invite_user(
            actor=focal_a,
            email="new.person@example.org",
            role=Invitation.Role.CASEWORKER,
            organisation=org_a,
        )
    # The e-mail is queued, then the invitation vanishes before a worker takes it.
    Invitation.objects.filter(pk=invitation.pk).delete()
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    message = OutboxMessage.objects.get(event="invitation")
    assert message.status == OutboxMessage.Status.DEAD
    assert "invitation" in message.last_error
    assert mailoutbox == []


def test_a_password_reset_asked_while_the_mail_server_fails_arrives_once_it_recovers(
    settings,
    client,
    worker_a,
    mailoutbox,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = BROKEN
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_reset_password"), {"email": worker_a.email}
        )
    assert response.status_code == 302
    message = OutboxMessage.objects.get(event="password_reset_key")
    assert message.status == OutboxMessage.Status.FAILED
    assert mailoutbox == []

    _due_now(message)
    _recover_and_sweep_twice(settings, django_capture_on_commit_callbacks)

    assert [m.to for m in mailoutbox] == [[worker_a.email]]
    link = next(
        word
        for word in mailoutbox[0].body.split()
        if "/accounts/password/reset/key/" in word
    )
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert link not in json.dumps(message.payload)
    assert message.payload["subject"] == mailoutbox[0].subject


def test_a_given_up_email_keeps_no_link_and_cannot_be_retried(
    settings,
    focal_a,
    org_a,
    coordinator,
    mailoutbox,
    eager_celery,
    django_capture_on_commit_callbacks,
):
    settings.EMAIL_BACKEND = BROKEN
    settings.OUTBOX_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        _, key = invite_user(
            actor=focal_a,
            email="new.person@example.org",
            role=Invitation.Role.CASEWORKER,
            organisation=org_a,
        )
    message = OutboxMessage.objects.get(event="invitation")
    assert message.status == OutboxMessage.Status.DEAD
    assert key not in json.dumps(message.payload)

    with pytest.raises(Conflict):
        retry_outbox_message(message, actor=coordinator)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    assert mailoutbox == []
