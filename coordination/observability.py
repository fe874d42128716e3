"""Request ids and structured logs.

`RequestIdMiddleware` takes the proxy's `X-Request-ID` when it is well formed (else makes
one), returns it in the response header, keeps it in a context variable for every log
line of the request, logs one line per request (method, path without its query string,
status, duration) and times the request for /metrics by view name. Celery tasks log
their task id and name the same way. `JsonFormatter` writes one JSON object per line
(LOG_FORMAT=json); `RequestContextFilter` gives plain lines the request id too.

Nothing personal is logged: never a query string, a body, a header or an address; an
exception is logged by its type and stack, not its message (which may quote a value).
Nor a secret a path carries: the referral slip's confirmation link, /l/<token>/, is
logged as /l/[redacted] (`redact_path`, and `RedactSecretPaths` on the loggers that
quote paths: Django's "Not Found: …", the CSRF refusals, runserver's lines)."""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from the proxy: a uuid or a similar token, nothing that could carry text.
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,127}")
CONTEXT_FIELDS = ("request_id", "method", "path", "task_id", "task_name")
RECORD_FIELDS = ("status", "duration_ms", "view")

_context: ContextVar[dict[str, str] | None] = ContextVar("log_context", default=None)
request_logger = logging.getLogger("tansiq.request")

# Paths holding a secret: the referral slip's one-time confirmation link (its token is
# a credential for whoever holds the slip). Matched anywhere in a text, full URLs too.
SECRET_PATH = re.compile(r"/l/[^/\s?#\"'<>]+")
REDACTED_PATH = "/l/[redacted]"


def redact_path(path: str) -> str:
    """The path (or any text) with the secret part of secret paths blanked."""
    if "/l/" not in path:
        return path
    return SECRET_PATH.sub(REDACTED_PATH, path)


class RedactSecretPaths(logging.Filter):
    """Blanks secret paths in a record's message before any handler sees it (set on the
    loggers that quote request paths, so test captures and error reports get it blanked too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/l/" in message:
            record.msg, record.args = redact_path(message), ()
        return True


def current_request_id() -> str | None:
    return (_context.get() or {}).get("request_id")


def new_request_id(proposed: str | None = None) -> str:
    """The proxy's id when it is well formed, else a fresh one."""
    if proposed and WELL_FORMED.fullmatch(proposed):
        return proposed
    return uuid.uuid4().hex


class RequestIdMiddleware:
    """First in MIDDLEWARE: every later log line of the request carries its id."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = new_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        if settings.SENTRY_DSN:
            from .error_reports import tag_request_id

            tag_request_id(request_id)
        path = redact_path(request.path)
        token = _context.set(
            {"request_id": request_id, "method": request.method, "path": path}
        )
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration = time.perf_counter() - started
            response[REQUEST_ID_HEADER] = request_id
            view = _view_name(request)
            request_logger.info(
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                    "view": view,
                },
            )
            _observe(view, request.method, response.status_code, duration)
            return response
        finally:
            _context.reset(token)


def _view_name(request: HttpRequest) -> str:
    """The URL's name (`referrals:detail`), never the path with its ids."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return match.view_name or match.route or "unnamed"


def _observe(view: str, method: str, status: int, seconds: float) -> None:
    from .metrics import observe_request  # prometheus_client is only loaded here

    observe_request(view, method, status, seconds)


class RequestContextFilter(logging.Filter):
    """Adds the request's (or task's) id to every record, "-" outside one."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get() or {}
        for name in CONTEXT_FIELDS:
            if not hasattr(record, name):
                setattr(record, name, context.get(name, "-"))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the context."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in (*CONTEXT_FIELDS, *RECORD_FIELDS):
            value = getattr(record, name, None)
            if value is not None and value != "-":
                entry[name] = value
        if record.exc_info and record.exc_info[0] is not None:
            kind, _value, tb = record.exc_info
            # The stack and the type, not the message: it may quote a submitted value.
            entry["exception"] = kind.__qualname__
            entry["stack"] = "".join(traceback.format_tb(tb))
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(*, log_format: str, level: str) -> dict:
    """settings.LOGGING: JSON lines or plain lines, both with the request id."""
    plain = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": RequestContextFilter},
            "secret_paths": {"()": RedactSecretPaths},
        },
        "formatters": {
            "plain": {"format": plain},
            "json": {"()": JsonFormatter},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if log_format == "json" else "plain",
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django.db.backends": {"level": "WARNING"},
            # runserver's access lines quote the query string; ours do not.
            "django.server": {"level": "WARNING", "filters": ["secret_paths"]},
            "django.request": {"filters": ["secret_paths"]},
            "django.security.csrf": {"filters": ["secret_paths"]},
        },
    }


# ---------------------------------------------------------------------------
# Celery: each task's log lines carry its id and name.
# ---------------------------------------------------------------------------
def _task_started(task_id=None, task=None, **kwargs) -> None:
    _context.set({"task_id": str(task_id), "task_name": getattr(task, "name", "")})


def _task_finished(**kwargs) -> None:
    _context.set(None)


def connect_celery_signals() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_started, weak=False, dispatch_uid="tansiq-log-task")
    task_postrun.connect(_task_finished, weak=False, dispatch_uid="tansiq-log-task")


connect_celery_signals()  # this module is loaded by LOGGING in every process
