"""The home page: the public welcome, or the organisation's dashboard once signed in."""

from __future__ import annotations

from django.shortcuts import render

from organisations.models import JoinRequest, Organisation

from .views import organisation_summary


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
