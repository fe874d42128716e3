"""Template context for the navigation: who the user is and acts for."""

from __future__ import annotations

from django.conf import settings

from notifications.models import Notification


def _query_string(request) -> str:
    """The current filters without the page number, for pagination and sort links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    common = {
        "nav_languages": settings.LANGUAGES,
        "query_string": _query_string(request),
    }
    if user is None or not user.is_authenticated:
        return common
    return {
        **common,
        "acting_organisation": user.acting_organisation,
        "acting_membership": user.acting_membership,
        "user_memberships": user.memberships_list,
        # The bell in the navigation: one indexed count per page.
        "unread_notifications": Notification.objects.filter(recipient=user)
        .unread()
        .count(),
    }
