"""Refuses requests carrying NUL characters, before any view reads them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable

from django.core.validators import ProhibitNullCharactersValidator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework.exceptions import NotFound

from .drf import NON_FIELD

NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _nul_names(items: Iterable[tuple[str, object]]) -> list[str]:
    """The names whose name or value holds a NUL (NON_FIELD for a bad name)."""
    names = []
    for name, value in items:
        if NUL in name:
            names.append(NON_FIELD)
        elif _holds_nul(value):
            names.append(name)
    return names


def _holds_nul(value: object) -> bool:
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(NUL in k or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


def _json_nul_names(body: bytes) -> list[str]:
    if b"\\u0000" not in body:  # the only way JSON text can carry a NUL
        return []
    try:
        data = json.loads(body)
    except ValueError:
        return []  # malformed JSON: the parser answers 400 itself
    if isinstance(data, dict):
        return _nul_names(data.items())
    return [NON_FIELD] if _holds_nul(data) else []


class RejectNulMiddleware:
    """400 for a NUL in the query string, a form or a JSON body; 404 in the path.

    PostgreSQL refuses NUL in text, so such a value reaching a lookup or a save is a
    500. Django's and DRF's CharFields already refuse it, but choice, lookup, URL and
    JSON values don't: one check here covers every page and endpoint, present and
    future, with Django's own (translated) message. No text the platform accepts can
    hold a NUL, so refusing the request before authentication reveals nothing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if NUL in request.path:
            return self._not_found(request)
        names = self._nul_names(request)
        if names:
            return self._refuse(request, names)
        return self.get_response(request)

    def _nul_names(self, request: HttpRequest) -> list[str]:
        names = _nul_names(request.GET.lists())
        content_type = request.content_type or ""
        if request.method in ("POST", "PUT", "PATCH"):
            if content_type in FORM_TYPES:
                names += _nul_names(request.POST.lists())
            elif content_type == "application/json" or content_type.endswith("+json"):
                names += _json_nul_names(request.body)
        return list(dict.fromkeys(names))

    def _not_found(self, request: HttpRequest) -> HttpResponse:
        # No code, key or slug holds a NUL: no such object, as for any unknown one.
        if request.path.startswith("/api/"):
            message = str(NotFound.default_detail)  # DRF's, translated
            return JsonResponse({"errors": {NON_FIELD: [message]}}, status=404)
        raise Http404

    def _refuse(self, request: HttpRequest, names: list[str]) -> HttpResponse:
        message = str(ProhibitNullCharactersValidator.message)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"errors": {name: [message] for name in names}}, status=400
            )
        return HttpResponse(
            message + "\n", status=400, content_type="text/plain; charset=utf-8"
        )
