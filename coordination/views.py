"""The interface shell's own pages: about and the error pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from rest_framework.exceptions import APIException

from .drf import NON_FIELD


def about(request):
    return render(request, "about.html")


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    if request.path.startswith("/api/"):
        # Partner systems read API.md's error shape, never an HTML page.
        message = str(APIException.default_detail)  # DRF's, translated
        return JsonResponse({"errors": {NON_FIELD: [message]}}, status=500)
    # No request context: the database or a context processor may be what failed.
    language = translation.get_language() or settings.LANGUAGE_CODE
    context = {
        "LANGUAGE_CODE": language,
        "LANGUAGE_BIDI": translation.get_language_bidi(),
    }
    return HttpResponseServerError(loader.get_template("500.html").render(context))
