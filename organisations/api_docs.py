"""Who may read the OpenAPI schema and its docs page: signed-in users and tokens, or
everyone when API_DOCS_PUBLIC is true."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import permissions
from rest_framework.renderers import JSONRenderer


class ApiDocsPermission(permissions.BasePermission):
    message = _("Sign in or send an API token to read the API documentation.")

    def has_permission(self, request, view) -> bool:
        return settings.API_DOCS_PUBLIC or bool(
            request.user and request.user.is_authenticated
        )


class SchemaView(SpectacularAPIView):
    """The schema; a refusal is the API's JSON error, not a YAML document."""

    permission_classes = [ApiDocsPermission]

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer = JSONRenderer()
        self.request.accepted_media_type = JSONRenderer.media_type
        return response


class DocsView(SpectacularSwaggerSplitView):
    permission_classes = [ApiDocsPermission]


def docs_page(view):
    """The docs page sends an anonymous browser to sign in (a token still works)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if (
            not settings.API_DOCS_PUBLIC
            and not request.user.is_authenticated
            and "authorization" not in request.headers
        ):
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper
