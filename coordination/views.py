"""The interface shell's own pages: about and the error pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from rest_framework.exceptions import APIException, NotFound

from .drf import NON_FIELD
from .observability import current_request_id


def about(request):
    return render(request, "about.html")


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        # No route matched (e.g. a code of the wrong shape): API.md's 404, not a page.
        message = str(NotFound.default_detail)  # DRF's, translated
        return JsonResponse({"errors": {NON_FIELD: [message]}}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    # The request id (coordination/observability.py) is the reference to quote; the
    # error report carries it too when one is sent (SENTRY_DSN).
    error_id = getattr(request, "request_id", None) or current_request_id()
    if request.path.startswith("/api/"):
        # Partner systems read API.md's error shape, never an HTML page.
        message = str(APIException.default_detail)  # DRF's, translated
        body = {"errors": {NON_FIELD: [message]}, "error_id": error_id}
        return JsonResponse(body, status=500)
    # No request context: the database or a context processor may be what failed.
    language = translation.get_language() or settings.LANGUAGE_CODE
    context = {
        "LANGUAGE_CODE": language,
        "LANGUAGE_BIDI": translation.get_language_bidi(),
        "error_id": error_id,
        "reported": bool(settings.SENTRY_DSN),  # only then has anyone been told
    }
    return HttpResponseServerError(loader.get_template("500.html").render(context))
