"""The interface shell's own pages: home, about, language choice and error pages."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from coordination.dashboards.views import organisation_summary
from organisations.models import JoinRequest, Organisation
from organisations.services import update_profile


def home(request):
    """A role-aware landing page; anonymous visitors get the public welcome."""
    context = {}
    user = request.user
    if user.is_authenticated and user.is_coordinator:
        context["pending_join_requests"] = JoinRequest.objects.filter(
            status=JoinRequest.Status.PENDING
        ).count()
        context["unverified_organisations"] = Organisation.objects.filter(
            is_active=True, verified=False
        ).count()
    if (
        user.is_authenticated
        and user.acting_organisation is not None
        and user.acting_membership is not None
    ):
        # The organisation dashboard: what is on the acting organisation's plate.
        context["org_dashboard"] = organisation_summary(user.acting_organisation)
    return render(request, "home.html", context)


def about(request):
    return render(request, "about.html")


@require_POST
def set_user_language(request):
    """Switch the interface language; signed-in users keep it in their profile,
    which UserLanguageMiddleware applies on every request."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(
        request.user.Language.choices
    ):
        update_profile(request.user, language=language)
    return set_language(request)


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
