"""Errors reported to a Sentry-compatible service when SENTRY_DSN is set, with nothing
personal in them.

sentry-sdk with its Django and Celery integrations, no default PII collection (sentry-sdk's `send_default_pii` left unset, which means off), no request
bodies, and `scrub_event` as `before_send`: the request keeps only its method, its URL
without query string (and without a confirmation link's token) and a few harmless headers (no cookies, no address); the user only
their id; local variables are read for the values of identity fields and then dropped;
those values, e-mail addresses and phone-like numbers are blanked wherever they appear
(exception messages, log messages, breadcrumbs, extra data). The event is tagged with the
request id, which the 500 page and the API's error show to quote."""

from __future__ import annotations

import re
from typing import Any

from .observability import redact_path

FILTERED = "[Filtered]"
# Keys whose values are identity (beneficiaries' fields, referrals.models.IDENTITY_FIELDS,
# and the people using the platform), compared lower-case.
IDENTITY_KEYS = frozenset(
    {
        "full_name",
        "name",
        "first_name",
        "last_name",
        "phone",
        "date_of_birth",
        "document_numbers",
        "document_number",
        "address",
        "email",
        "username",
        "password",
        "token",
        "secret",
        "key",
    }
)
KEPT_HEADERS = frozenset(
    {"accept", "accept-language", "content-type", "content-length", "x-request-id"}
)
EMAIL = re.compile(r"[^\s@<>\"']+@[^\s@<>\"']+\.[^\s@<>\"']+")
PHONE = re.compile(r"\+?\d[\d .()-]{6,}\d")


def _harvest(value: Any, found: set[str], keyed: bool = False) -> None:
    """Collect the string values held under identity keys, at any depth."""
    if isinstance(value, dict):
        for key, inner in value.items():
            _harvest(inner, found, keyed or str(key).lower() in IDENTITY_KEYS)
    elif isinstance(value, list | tuple):
        for inner in value:
            _harvest(inner, found, keyed)
    elif keyed and value not in (None, ""):
        text = str(value).strip("'\"")
        if len(text) >= 3:
            found.add(text)


def _blank(text: str, secrets: set[str]) -> str:
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, FILTERED)
    return redact_path(PHONE.sub(FILTERED, EMAIL.sub(FILTERED, text)))


def _scrub(value: Any, secrets: set[str]) -> Any:
    if isinstance(value, dict):
        return {
            key: FILTERED
            if str(key).lower() in IDENTITY_KEYS
            else _scrub(inner, secrets)
            for key, inner in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(inner, secrets) for inner in value]
    if isinstance(value, str):
        return _blank(value, secrets)
    return value


def _frames(event: dict) -> list[dict]:
    frames = []
    for exception in (event.get("exception") or {}).get("values") or []:
        frames += (exception.get("stacktrace") or {}).get("frames") or []
    for thread in (event.get("threads") or {}).get("values") or []:
        frames += (thread.get("stacktrace") or {}).get("frames") or []
    return frames


def scrub_event(event: dict, hint: dict | None = None) -> dict:
    """sentry-sdk's before_send: the event without anything that could name a person."""
    secrets: set[str] = set()
    request = event.get("request") or {}
    _harvest(request.get("data"), secrets, keyed=True)  # every value of a body
    _harvest(event.get("extra"), secrets)
    for frame in _frames(event):
        _harvest(frame.get("vars"), secrets)
        frame.pop("vars", None)  # any local may hold a person's data
    if request:
        url = str(request.get("url") or "").split("?", 1)[0].split("#", 1)[0]
        url = redact_path(url)  # e.g. a confirmation link's token
        headers = {
            name: value
            for name, value in (request.get("headers") or {}).items()
            if name.lower() in KEPT_HEADERS
        }
        event["request"] = {
            k: v
            for k, v in (
                ("method", request.get("method")),
                ("url", url),
                ("headers", headers),
            )
            if v
        }
    user = event.get("user") or {}
    event["user"] = {"id": user["id"]} if user.get("id") else {}
    event.pop("server_name", None)  # a container name is fine, but nothing needs it
    for crumb in (event.get("breadcrumbs") or {}).get("values") or []:
        crumb.pop("data", None)
    for field in ("exception", "logentry", "message", "breadcrumbs", "extra"):
        if field in event:
            event[field] = _scrub(event[field], secrets)
    return event


def init_error_reports(
    dsn: str, *, environment: str = "", release: str = "", transport: Any = None
) -> None:
    """Start sentry-sdk (called by settings when SENTRY_DSN is set; tests pass a
    transport that keeps events in memory)."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        # No `send_default_pii` (deprecated since 2.7x): left unset, sentry-sdk
        # collects no user, cookie or body data and adds its own event scrubber.
        max_request_body_size="never",
        include_local_variables=True,  # read for identity values, then dropped
        before_send=scrub_event,
        before_send_transaction=lambda event, hint: None,  # errors only, no tracing
        transport=transport,
    )


def tag_request_id(request_id: str) -> None:
    """The request id on any event of this request (it is what users quote)."""
    import sentry_sdk

    sentry_sdk.get_isolation_scope().set_tag("request_id", request_id)
