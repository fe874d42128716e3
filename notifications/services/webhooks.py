"""Webhook subscriptions of partner systems: managing them, checking their URLs against
private addresses (at subscription and at delivery time, where the call then connects
to the very address checked), signing and posting."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import PermissionDenied, ValidationError
from coordination.permissions import require_focal_point_of
from notifications.models import Notification, OutboxMessage, WebhookSubscription

from .errors import DeliveryError, PermanentDeliveryError
from .outbox import focal_points_of, queue_notification

if TYPE_CHECKING:
    from organisations.models import Organisation, User

USER_AGENT = "Tansiq-Webhooks/1"


# ---------------------------------------------------------------------------
# URL checks
# ---------------------------------------------------------------------------
def _forbidden_address(address: str) -> bool:
    """Private, loopback, link-local, multicast, reserved or unspecified."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


def resolve_webhook_url(url: str) -> tuple[str, int, list[str]]:
    """Check a webhook URL and resolve its host once: (host, port, addresses). Refuses a
    URL that is not http(s) or whose host resolves to any forbidden address (unless
    WEBHOOK_ALLOW_PRIVATE_TARGETS); raises ValidationError on `url`. Delivery connects to
    these very addresses, so a second answer of the DNS cannot redirect it."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError({"url": [_("Enter an http:// or https:// address.")]})
    if parts.username or parts.password:
        raise ValidationError(
            {"url": [_("The address must not contain a user name or password.")]}
        )
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise ValidationError(
            {"url": [_("The port of this address is invalid.")]}
        ) from None
    try:
        addresses = list(
            dict.fromkeys(
                info[4][0]
                for info in socket.getaddrinfo(
                    parts.hostname, port, type=socket.SOCK_STREAM
                )
            )
        )
    except (socket.gaierror, UnicodeError, OSError):
        addresses = []
    if not addresses:
        raise ValidationError({"url": [_("The host of this address cannot be found.")]})
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS and any(
        _forbidden_address(address) for address in addresses
    ):
        raise ValidationError(
            {
                "url": [
                    _(
                        "This address points to a private, local or reserved network: "
                        "webhooks may only call public addresses."
                    )
                ]
            }
        )
    return parts.hostname, port, addresses


def check_webhook_url(url: str) -> None:
    """Refuse a URL that is not http(s) or whose host resolves to a forbidden address
    (unless WEBHOOK_ALLOW_PRIVATE_TARGETS); raises ValidationError on `url`."""
    resolve_webhook_url(url)


# ---------------------------------------------------------------------------
# Subscriptions
# ---------------------------------------------------------------------------
def _managers_only() -> str:
    return _("Only a focal point of this organisation may manage its webhooks.")


def require_webhook_manager(actor: User) -> None:
    """Webhooks are the focal points' business: pages and the API refuse anyone else
    before looking at a subscription (the services also check the organisation)."""
    if not actor.is_focal_point:
        raise PermissionDenied(_managers_only())


def _clean_events(events) -> list[str]:
    events = list(dict.fromkeys(events or []))
    if not events:
        raise ValidationError({"events": [_("Choose at least one event.")]})
    unknown = [e for e in events if e not in WebhookSubscription.Event.values]
    if unknown:
        raise ValidationError(
            {
                "events": [
                    _("Unknown events: %(events)s.") % {"events": ", ".join(unknown)}
                ]
            }
        )
    return events


@transaction.atomic
def create_webhook_subscription(
    *, actor: User, organisation: Organisation, url: str, events: list[str]
) -> tuple[WebhookSubscription, str]:
    """Subscribe a partner system's URL to events; returns it and its secret (shown once)."""
    require_focal_point_of(actor, organisation, _managers_only())
    events = _clean_events(events)
    check_webhook_url(url)
    secret = WebhookSubscription.new_secret()
    subscription = WebhookSubscription.objects.create(
        organisation=organisation,
        url=url,
        events=events,
        secret=secret,
        created_by=actor,
    )
    return subscription, secret


@transaction.atomic
def update_webhook_subscription(
    subscription: WebhookSubscription,
    *,
    actor: User,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change a subscription's URL, events or activity; reactivating clears the
    failure count so deliveries start again."""
    subscription = WebhookSubscription.objects.select_for_update().get(
        pk=subscription.pk
    )
    require_focal_point_of(actor, subscription.organisation, _managers_only())
    fields = ["updated_at"]
    if url is not None and url != subscription.url:
        check_webhook_url(url)
        subscription.url = url
        fields.append("url")
    if events is not None:
        subscription.events = _clean_events(events)
        fields.append("events")
    if is_active is not None and is_active != subscription.is_active:
        subscription.is_active = is_active
        subscription.consecutive_failures = 0
        subscription.disabled_at = None if is_active else timezone.now()
        fields += ["is_active", "consecutive_failures", "disabled_at"]
    subscription.save(update_fields=fields)
    return subscription


def deactivate_webhook_subscription(
    subscription: WebhookSubscription, *, actor: User
) -> WebhookSubscription:
    """Stop a subscription (its delivery log stays)."""
    return update_webhook_subscription(subscription, actor=actor, is_active=False)


def record_webhook_failure(
    subscription: WebhookSubscription, *, now: datetime
) -> WebhookSubscription:
    """Count a failed delivery; after WEBHOOK_DISABLE_AFTER_FAILURES in a row, disable the
    subscription and tell the organisation's focal points."""
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=F("consecutive_failures") + 1, updated_at=now
    )
    subscription.refresh_from_db(fields=["consecutive_failures", "is_active"])
    limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    if subscription.is_active and subscription.consecutive_failures >= limit:
        disabled = WebhookSubscription.objects.filter(
            pk=subscription.pk, is_active=True
        ).update(is_active=False, disabled_at=now, updated_at=now)
        if disabled:  # once, even if two workers cross the limit together
            subscription.is_active = False
            subscription.disabled_at = now
            organisation = subscription.organisation
            queue_notification(
                subscription,
                kind=Notification.Kind.WEBHOOK_DISABLED,
                to=focal_points_of(organisation),
                context={
                    "url": subscription.url,
                    "failures": subscription.consecutive_failures,
                },
            )
    return subscription


# ---------------------------------------------------------------------------
# Delivery
# ---------------------------------------------------------------------------
def sign(body: bytes, secret: str) -> str:
    """The X-Tansiq-Signature header: HMAC-SHA256 of the raw body with the secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_body(payload: dict) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def _connect_to(addresses: list[str]):
    """A replacement for http.client's socket.create_connection that connects to the
    checked addresses, whatever host it is given (the URL's, kept for the Host header
    and for TLS: SNI and the certificate's name)."""

    def create_connection(address, timeout=None, source_address=None, *args):
        port = address[1]
        error: OSError = OSError("no address")
        for ip in addresses:
            try:
                return socket.create_connection((ip, port), timeout, source_address)
            except TimeoutError:
                raise
            except OSError as exc:
                error = exc
        raise error

    return create_connection


def _sanitised(exc: Exception, timeout: float) -> str:
    """What the focal point reads of a failed call: what went wrong, never an internal
    address or a driver's message."""
    if isinstance(exc, TimeoutError):
        return _("No answer within %(seconds)s seconds.") % {"seconds": f"{timeout:g}"}
    if isinstance(exc, ssl.SSLError | ssl.CertificateError):
        return _("The secure connection to the receiver failed (TLS certificate).")
    if isinstance(exc, http.client.HTTPException):
        return _("The receiver's answer could not be read.")
    return _("Could not connect to the receiver.")


def post_webhook(message: OutboxMessage) -> tuple[int, int]:
    """POST one delivery; returns (status code, duration in ms) or raises DeliveryError.
    The host is resolved once and checked, then the call connects to the checked
    address (no DNS-rebinding window), with a short timeout so a slow receiver holds up
    nobody for long. Errors are sanitised for the focal point's delivery log."""
    subscription = message.subscription
    if not subscription.is_active:
        raise PermanentDeliveryError(_("The webhook is disabled."))
    try:
        host, port, addresses = resolve_webhook_url(subscription.url)
    except ValidationError as exc:
        raise DeliveryError(" ".join(exc.message_dict.get("url", []))) from None
    parts = urlsplit(subscription.url)
    connection_class = (
        http.client.HTTPSConnection
        if parts.scheme == "https"
        else http.client.HTTPConnection
    )
    timeout = settings.WEBHOOK_TIMEOUT
    connection = connection_class(host, port, timeout=timeout)
    connection._create_connection = _connect_to(addresses)
    body = webhook_body(message.payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Tansiq-Event": message.event,
        # Stable across retries: receivers deduplicate on it.
        "X-Tansiq-Delivery": str(message.payload.get("id", message.pk)),
        "X-Tansiq-Signature": sign(body, subscription.secret),
    }
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)  # the body is not kept
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(_sanitised(exc, timeout), duration_ms=elapsed()) from None
    finally:
        connection.close()
    duration = elapsed()
    if not 200 <= status < 300:
        raise DeliveryError(
            _("The receiver answered HTTP %(status)s.") % {"status": status},
            status_code=status,
            duration_ms=duration,
        )
    return status, duration


__all__ = [
    "check_webhook_url",
    "create_webhook_subscription",
    "deactivate_webhook_subscription",
    "post_webhook",
    "record_webhook_failure",
    "require_webhook_manager",
    "resolve_webhook_url",
    "sign",
    "update_webhook_subscription",
    "webhook_body",
]
