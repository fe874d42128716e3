"""Template context for the navigation: who the user is and acts for."""

from __future__ import annotations

from django.conf import settings

from coordination.models import Notification


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_languages": settings.LANGUAGES}
    return {
        "nav_languages": settings.LANGUAGES,
        "acting_organisation": user.acting_organisation,
        "acting_membership": user.acting_membership,
        "user_memberships": user.memberships_list,
        # The bell in the navigation: one indexed count per page.
        "unread_notifications": Notification.objects.filter(recipient=user)
        .unread()
        .count(),
    }
