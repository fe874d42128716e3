"""Request hooks: the user's chosen language, sessions that expire, and mandatory MFA
for some roles."""

from __future__ import annotations

import time

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
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


LOGIN_AT = "tansiq_login_at"
SEEN_AT = "tansiq_seen_at"
# Last activity is written at most this often (seconds), not on every request.
SEEN_RESOLUTION = 60


@receiver(user_logged_in, dispatch_uid="organisations.session_login_at")
def _remember_login_time(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now


class SessionTimeoutMiddleware:
    """A signed-in session ends after SESSION_IDLE_TIMEOUT seconds without a request and
    SESSION_ABSOLUTE_TIMEOUT seconds after sign-in, whatever the activity; the next
    request is anonymous (pages send to sign-in with a message, the API answers 401/403).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request) -> None:
        session = request.session
        now = int(time.time())
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        if login_at is None or seen_at is None:  # a session from before this check
            session[LOGIN_AT] = login_at or now
            session[SEEN_AT] = now
            return
        if (
            now - seen_at > settings.SESSION_IDLE_TIMEOUT
            or now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT
        ):
            logout(request)
            messages.info(request, _("Your session has expired. Please sign in again."))
            return
        if now - seen_at >= SEEN_RESOLUTION:
            session[SEEN_AT] = now


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
