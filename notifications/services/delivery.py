"""Delivering outbox rows once: each attempt is claimed in a short transaction (the row
marked "sending", with its e-mail's Message-ID chosen once), the network call runs with
no transaction open, and its outcome is recorded in another short transaction. Failures
are retried with backoff; the sweep re-enqueues rows the workers never received (broker
down at commit) and settles attempts whose worker died before recording an outcome.

Exactly once, as far as SMTP allows: an e-mail whose attempt has no recorded outcome
(the worker died after claiming it, perhaps after the server accepted it) is never
resent automatically. After OUTBOX_SENDING_STALE_SECONDS the sweep marks it "sent,
unconfirmed"; it shows on the coordinators' delivery-failures page, where a coordinator
may resend it (with the same Message-ID, so mail clients can recognise a copy). A
webhook in that case is retried: receivers deduplicate on X-Tansiq-Delivery.
An SMTP failure reported by the server or the network (a timeout included) is retried
with the same Message-ID."""

from __future__ import annotations

import contextlib
import logging
import smtplib
from collections.abc import Iterable
from datetime import datetime, timedelta
from email.utils import make_msgid, parseaddr
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, PermissionDenied
from notifications.models import OutboxMessage, WebhookSubscription

from .digests import render_digest
from .emails import forget_secrets, has_secrets, render_address_email
from .errors import DeliveryError, PermanentDeliveryError, error_text, retry_delay
from .outbox import enqueue_deliveries, send_to_workers
from .webhooks import post_webhook, record_webhook_failure

if TYPE_CHECKING:
    from organisations.models import User

SWEEP_LIMIT = 10_000  # rows re-enqueued per sweep; the next sweep takes the rest

logger = logging.getLogger(__name__)


def _is_due(now: datetime) -> Q:
    # A retry published with a countdown may arrive a moment early.
    return Q(next_attempt_at__isnull=True) | Q(
        next_attempt_at__lte=now + timedelta(seconds=2)
    )


# ---------------------------------------------------------------------------
# The mail server
# ---------------------------------------------------------------------------
def _mail_network_error(exc: Exception) -> DeliveryError:
    """What the delivery log says of a mail server that did not answer (no address)."""
    # smtplib reports a silent server as "disconnected", the timeout as its context.
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):
        return DeliveryError(
            _("No answer from the mail server within %(seconds)s seconds.")
            % {"seconds": f"{settings.EMAIL_TIMEOUT:g}"}
        )
    return DeliveryError(_("Could not connect to the mail server."))


class MailSession:
    """The SMTP connection of a batch (each connect, read and write bounded by
    EMAIL_TIMEOUT). Once the server failed to answer, the rest of the batch fails at
    once with the same error instead of waiting again for every row."""

    def __init__(self, connection=None, error: DeliveryError | None = None):
        self.connection = connection
        self.error = error

    @classmethod
    def open(cls) -> MailSession:
        connection = get_connection()
        try:
            connection.open()
        except Exception as exc:  # the mail server is down: each row records it
            logger.warning("Mail server unreachable (%s).", type(exc).__name__)
            return cls(error=_mail_network_error(exc))
        return cls(connection)

    def send(self, email: EmailMultiAlternatives) -> None:
        if self.error is not None:
            raise DeliveryError(str(self.error))
        email.connection = self.connection  # None: a connection of its own
        try:
            email.send()
        except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
            raise  # the server answered: the connection is still good
        except OSError as exc:  # a timeout, a reset, a disconnection
            error = _mail_network_error(exc)
            if self.connection is not None:
                self.error = error
                self.close()
            raise error from None

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                self.connection.close()
            self.connection = None


# ---------------------------------------------------------------------------
# One attempt: claim, send with no transaction open, record
# ---------------------------------------------------------------------------
def deliver_outbox_message(
    message_id: int,
    *,
    now: datetime | None = None,
    mail_connection=None,
    mail: MailSession | None = None,
) -> OutboxMessage | None:
    """Make one delivery attempt, unless the row is already sent, being sent, not due,
    or locked by another worker: nothing goes out twice."""
    now = now or timezone.now()
    claimed = _claim(message_id, now=now)
    if claimed is None:
        return None
    message, email = claimed
    if message.status != OutboxMessage.Status.SENDING:
        return message  # refused while preparing it (recorded)
    status_code = duration_ms = None
    try:
        if email is not None:
            (mail or MailSession(mail_connection)).send(email)
        else:
            status_code, duration_ms = post_webhook(message)
    except DeliveryError as exc:
        _conclude(message, now=now, failure=exc)
    except Exception as exc:  # e.g. an SMTP error answered by the server
        _conclude(message, now=now, failure=DeliveryError(error_text(exc)))
    else:
        _conclude(message, now=now, status_code=status_code, duration_ms=duration_ms)
    return message


def _claim(
    message_id: int, *, now: datetime
) -> tuple[OutboxMessage, EmailMultiAlternatives | None] | None:
    """Lock the row if it is due, prepare its e-mail and record the attempt (status
    "sending", its Message-ID) in a short transaction, committed before any sending."""
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "notification", "subscription")
            .undelivered()
            .filter(_is_due(now), pk=message_id)
            .first()
        )
        if message is None:
            return None
        email = None
        try:
            if message.channel == OutboxMessage.Channel.EMAIL:
                email = _build_email(message)
        except DeliveryError as exc:
            _record_failure(message, exc, now=now)
            return message, None
        except Exception as exc:  # a template or an object that cannot be rendered
            _record_failure(message, DeliveryError(error_text(exc)), now=now)
            return message, None
        message.status = OutboxMessage.Status.SENDING
        message.attempt_started_at = now
        fields = ["status", "attempt_started_at", "updated_at"]
        if email is not None:
            if not message.email_message_id:
                message.email_message_id = make_msgid(domain=_message_id_domain())
                fields.append("email_message_id")
            email.extra_headers["Message-ID"] = message.email_message_id
        message.save(update_fields=fields)
    return message, email


def _conclude(message: OutboxMessage, *, now: datetime, failure=None, **success):
    """Record an attempt's outcome in a short transaction, if the row is still the
    attempt's (the sweep settles attempts much older than any timeout)."""
    with transaction.atomic():
        ours = OutboxMessage.objects.select_for_update().filter(
            pk=message.pk, status=OutboxMessage.Status.SENDING
        )
        if not list(ours.values_list("pk", flat=True)):
            logger.warning("Outbox row %s was settled during its attempt.", message.pk)
            return
        if failure is not None:
            _record_failure(message, failure, now=now)
        else:
            _record_success(message, now=now, **success)


def deliver_outbox_messages(message_ids: Iterable[int]) -> int:
    """Deliver several rows one by one (each claimed and recorded on its own, so a crash
    resends nothing), over one mail connection; how many went."""
    delivered = 0
    mail = MailSession.open()
    try:
        for pk in message_ids:
            message = deliver_outbox_message(pk, mail=mail)
            if message is not None and message.status == OutboxMessage.Status.SENT:
                delivered += 1
    finally:
        mail.close()
    return delivered


def _record_success(message, *, now, status_code=None, duration_ms=None) -> None:
    message.status = OutboxMessage.Status.SENT
    message.attempts += 1
    message.sent_at = now
    message.next_attempt_at = None
    message.last_error = ""
    message.last_status_code = status_code
    message.last_duration_ms = duration_ms
    message.save(
        update_fields=[
            "status",
            "attempts",
            "sent_at",
            "next_attempt_at",
            "last_error",
            "last_status_code",
            "last_duration_ms",
            "updated_at",
            *forget_secrets(message),
        ]
    )
    subscription = message.subscription
    if subscription is not None and subscription.consecutive_failures:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            consecutive_failures=0, updated_at=now
        )


def _record_failure(message, exc: DeliveryError, *, now) -> None:
    message.attempts += 1
    message.last_error = str(exc)[:500]
    message.last_status_code = exc.status_code
    message.last_duration_ms = exc.duration_ms
    permanent = isinstance(exc, PermanentDeliveryError)
    erased = []
    if permanent or message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        message.status = OutboxMessage.Status.DEAD
        message.next_attempt_at = None
        erased = forget_secrets(message)  # a given-up link is kept nowhere
    else:
        message.status = OutboxMessage.Status.FAILED
        delay = retry_delay(message.attempts)
        message.next_attempt_at = now + delay
        enqueue_deliveries([message], countdown=delay.total_seconds())
    message.save(
        update_fields=[
            "status",
            "attempts",
            "last_error",
            "last_status_code",
            "last_duration_ms",
            "next_attempt_at",
            "updated_at",
            *erased,
        ]
    )
    if message.subscription_id and not permanent:
        record_webhook_failure(message.subscription, now=now)


def _message_id_domain() -> str:
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "tansiq.invalid"


def _build_email(message: OutboxMessage) -> EmailMultiAlternatives:
    """The e-mail of an outbox row, rendered in its recipient's language."""
    if message.recipient_id is None:  # to an address (queue_email)
        to, subject, text, html = render_address_email(message)
        email = EmailMultiAlternatives(subject, text, to=[to])
        if html:
            email.attach_alternative(html, "text/html")
        return email
    user = message.recipient
    if not user.is_active or not user.email:
        raise PermanentDeliveryError("The recipient has no active e-mail address.")
    with translation.override(user.language or settings.LANGUAGE_CODE):
        if message.event == OutboxMessage.DIGEST:
            subject, text, html = render_digest(message)
        else:
            notification = message.notification
            subject = notification.subject
            text = notification.render("body.txt")
            html = notification.render("body.html")
    email = EmailMultiAlternatives(
        subject=f"[Tansiq] {subject}", body=text, to=[user.email]
    )
    email.attach_alternative(html, "text/html")
    target = message.notification.target if message.notification_id else None
    # A target may bring files along, e.g. a meeting invitation its .ics.
    for filename, content, mimetype in getattr(target, "email_attachments", list)():
        email.attach(filename, content, mimetype)
    return email


def settle_stale_attempts(*, now: datetime | None = None) -> int:
    """Attempts with no outcome after OUTBOX_SENDING_STALE_SECONDS (the worker died):
    e-mails become "sent, unconfirmed" and are not resent on their own; webhooks are
    due again (same delivery id). Returns how many rows were settled."""
    now = now or timezone.now()
    stale = OutboxMessage.objects.filter(
        status=OutboxMessage.Status.SENDING,
        attempt_started_at__lt=now
        - timedelta(seconds=settings.OUTBOX_SENDING_STALE_SECONDS),
    )
    emails = stale.filter(channel=OutboxMessage.Channel.EMAIL).update(
        status=OutboxMessage.Status.UNCERTAIN,
        attempts=F("attempts") + 1,
        next_attempt_at=None,
        last_error=_(
            "The worker stopped while sending: the e-mail may have arrived, so it is "
            "not sent again unless you retry it."
        )[:500],
        updated_at=now,
    )
    webhooks = stale.filter(channel=OutboxMessage.Channel.WEBHOOK)
    given_up = webhooks.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS - 1)
    stopped = _("The worker stopped while sending.")
    count = given_up.update(
        status=OutboxMessage.Status.DEAD,
        attempts=F("attempts") + 1,
        next_attempt_at=None,
        last_error=stopped,
        updated_at=now,
    )
    count += webhooks.update(
        status=OutboxMessage.Status.FAILED,
        attempts=F("attempts") + 1,
        next_attempt_at=F("attempt_started_at"),  # due at once: the sweep takes it
        last_error=stopped,
        updated_at=now,
    )
    if emails or count:
        logger.warning(
            "Settled %d e-mail and %d webhook attempts left without an outcome.",
            emails,
            count,
        )
    return emails + count


def sweep_outbox(
    *, now: datetime | None = None, grace: timedelta = timedelta(seconds=60)
) -> int:
    """Re-enqueue undelivered rows due for longer than `grace` (the broker was down at
    commit time, a worker died): a broker outage delays, never loses. Returns how many."""
    now = now or timezone.now()
    settle_stale_attempts(now=now)
    rows = list(
        OutboxMessage.objects.undelivered()
        .filter(next_attempt_at__lte=now - grace)
        .order_by("next_attempt_at", "id")
        .values_list("pk", "channel")[:SWEEP_LIMIT]
    )
    emails = [pk for pk, channel in rows if channel == OutboxMessage.Channel.EMAIL]
    webhooks = [pk for pk, channel in rows if channel == OutboxMessage.Channel.WEBHOOK]
    if rows and not send_to_workers(emails, webhooks):
        return 0
    return len(rows)


@transaction.atomic
def retry_outbox_message(message: OutboxMessage, *, actor: User) -> OutboxMessage:
    """Try a failed or abandoned delivery again now (coordinators; focal points for
    their organisation's webhooks)."""
    message = OutboxMessage.objects.select_for_update().get(pk=message.pk)
    may = actor.is_coordinator or (
        message.subscription_id is not None
        and actor.is_focal_point
        and actor.acting_organisation is not None
        and message.organisation_id == actor.acting_organisation.pk
    )
    if not may:
        raise PermissionDenied(_("Only a coordinator may retry this delivery."))
    retriable = (
        OutboxMessage.Status.FAILED,
        OutboxMessage.Status.DEAD,
        OutboxMessage.Status.UNCERTAIN,  # the coordinator decides to send it again
    )
    if message.status not in retriable:
        raise Conflict(_("Only a failed delivery can be retried."))
    if message.subscription_id and not message.subscription.is_active:
        raise Conflict(_("Reactivate the webhook before retrying its deliveries."))
    addressed = (
        message.channel == OutboxMessage.Channel.EMAIL and not message.recipient_id
    )
    if addressed and not has_secrets(message):
        raise Conflict(
            _("This e-mail's link was erased when it was given up: send a new one.")
        )
    message.status = OutboxMessage.Status.PENDING
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["status", "next_attempt_at", "updated_at"])
    enqueue_deliveries([message])
    return message


__all__ = [
    "deliver_outbox_message",
    "deliver_outbox_messages",
    "retry_outbox_message",
    "settle_stale_attempts",
    "sweep_outbox",
]
