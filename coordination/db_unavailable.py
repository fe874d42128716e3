"""A database that cannot be reached answers 503 in seconds, not a hang or a 500.

Placed before every middleware that reads the database (sessions, authentication), it
opens the request's connection itself, bounded by DATABASE_CONNECT_TIMEOUT, and turns a
failure into a short 503 page (JSON `{"errors": …}` under /api/) that needs no database;
an OperationalError raised later by a view (a statement timeout, a server gone) gets
the same answer. Health checks of the process itself (/health/live) are let through.
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


def unavailable_response(request) -> HttpResponse:
    """The 503 answer, in the visitor's language, rendered without the database."""
    language = translation.get_language_from_request(request)
    with translation.override(language):
        message = _("The database is not answering. Please try again in a few moments.")
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
        # The class only: a driver message may name the server's address.
        logger.error("Database unavailable (%s).", type(exc.__cause__ or exc).__name__)
        return unavailable_response(request)
