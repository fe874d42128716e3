"""The interface shell's own pages: about and the error pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils import translation


def about(request):
    return render(request, "about.html")


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context: the database or a context processor may be what failed.
    language = translation.get_language() or settings.LANGUAGE_CODE
    context = {
        "LANGUAGE_CODE": language,
        "LANGUAGE_BIDI": translation.get_language_bidi(),
    }
    return HttpResponseServerError(loader.get_template("500.html").render(context))
