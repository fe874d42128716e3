"""Who may read the dashboards: the one rule, for the shared dashboard page and its CSV
(/dashboard/) and for the stats API (/api/v1/stats/…). The public statistics
(/public/stats/, /api/v1/public/stats/) are open to everyone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from coordination.exceptions import PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from organisations.models import User


def may_read_dashboards(user: User | AnonymousUser | None) -> bool:
    """Members acting for an organisation, coordinators and observers."""
    if user is None or not user.is_authenticated:
        return False
    return bool(
        user.is_coordinator or user.is_observer or user.acting_membership is not None
    )


def require_dashboard_reader(user: User) -> None:
    """The page's check, after login_required: 403 with the reason for anyone else."""
    if not may_read_dashboards(user):
        raise PermissionDenied(
            _(
                "The dashboard is for members of an organisation, coordinators and "
                "observers."
            )
        )


class CanReadDashboards(BasePermission):
    """The API's check: the same rule (anonymous callers get 401 first)."""

    def has_permission(self, request, view) -> bool:
        return may_read_dashboards(request.user)
