"""A database that cannot be reached answers 503 in seconds, not a hang or a 500.

Placed before every middleware that reads the database (sessions, authentication), it
opens the request's connection itself, bounded by DATABASE_CONNECT_TIMEOUT, and turns a
failure into a short 503 page (JSON `{"errors": …}` under /api/) that needs no database.
An OperationalError raised later by a view is told apart by its SQLSTATE: a statement or
lock timeout says the request took too long (narrow it), a deadlock or serialization
failure says to try again, anything else (server gone, connection lost, out of
resources) says the database is not answering. Health checks of the process itself
(/health/live) are let through.
"""

from __future__ import annotations

import logging

from django.db import OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.html import format_html
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

NON_FIELD = "non_field_errors"
EXEMPT_PREFIXES = ("/health/live", "/health/ready", "/static/")
RETRY_AFTER_SECONDS = 30


# SQLSTATEs of a query that ran too long: statement_timeout (57014 query_canceled),
# lock_timeout (55P03 lock_not_available).
TOO_LONG = frozenset({"57014", "55P03"})
# Class 40: transaction rollback (serialization failure, deadlock): safe to try again.
RETRY_CLASS = "40"
UNAVAILABLE, TIMEOUT, RETRY = "unavailable", "timeout", "retry"


def classify(exc: Exception) -> str:
    """What an OperationalError means for the person waiting, from its SQLSTATE."""
    sqlstate = getattr(exc.__cause__ or exc, "sqlstate", None) or ""
    if sqlstate in TOO_LONG:
        return TIMEOUT
    if sqlstate.startswith(RETRY_CLASS):
        return RETRY
    return UNAVAILABLE


def _message(kind: str) -> str:
    if kind == TIMEOUT:
        return _(
            "This request took too long and was stopped. Narrow the filters or try "
            "again later."
        )
    if kind == RETRY:
        return _("Someone changed the same data at the same moment. Please try again.")
    return _("The database is not answering. Please try again in a few moments.")


def unavailable_response(request, kind: str = UNAVAILABLE) -> HttpResponse:
    """The 503 answer, in the visitor's language, rendered without the database."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        message = _message(kind)
        if request.path.startswith("/api/"):
            response = JsonResponse({"errors": {NON_FIELD: [message]}}, status=503)
        else:
            response = HttpResponse(
                format_html(
                    '<!doctype html><html lang="{}" dir="{}"><head><meta charset="utf-8">'
                    "<title>{}</title></head><body><h1>{}</h1><p>{}</p></body></html>",
                    language,
                    "rtl" if translation.get_language_bidi() else "ltr",
                    _("Service unavailable"),
                    _("Service unavailable"),
                    message,
                ),
                status=503,
            )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(EXEMPT_PREFIXES):
            try:
                connections["default"].ensure_connection()
            except OperationalError as exc:
                return self._unavailable(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError):
            return self._unavailable(request, exception)
        return None

    def _unavailable(self, request, exc: Exception) -> HttpResponse:
        # The class and SQLSTATE only: a driver message may name the server's address
        # or quote the statement's values.
        kind = classify(exc)
        cause = exc.__cause__ or exc
        logger.error(
            "Database error answered 503 (%s, %s, sqlstate %s).",
            kind,
            type(cause).__name__,
            getattr(cause, "sqlstate", None) or "-",
        )
        return unavailable_response(request, kind)
