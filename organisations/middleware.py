"""Request hooks: the user's chosen language, and mandatory MFA for some roles."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _


class UserLanguageMiddleware:
    """Signed-in users see the platform in the language of their profile."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


class RequireMFAMiddleware:
    """Coordinators and focal points can only reach account and MFA pages until they
    have set up an authenticator app (TANSIQ_REQUIRE_MFA, on by default)."""

    allowed_prefixes = ("/accounts/", "/static/", "/i18n/", "/about/", "/public/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            settings.TANSIQ_REQUIRE_MFA
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(self.allowed_prefixes)
            and user.requires_mfa
            and not Authenticator.objects.filter(
                user=user, type=Authenticator.Type.TOTP
            ).exists()
        ):
            if request.path.startswith("/api/"):
                message = _(
                    "Set up two-factor authentication before using the platform."
                )
                return JsonResponse(
                    {"errors": {"non_field_errors": [message]}}, status=403
                )
            return redirect(reverse("mfa_activate_totp") + "?required=1")
        return self.get_response(request)
