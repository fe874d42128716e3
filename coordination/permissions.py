"""Scoping shared by pages and the API: a view sets `queryset`, never `get_queryset()`."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def require_coordinator(actor) -> None:
    """Authority rule of coordinators' actions (services; pages check it too on GET)."""
    if not actor.is_coordinator:
        raise PermissionDenied(_("Only a coordinator may do this."))


def require_focal_point_of(actor, organisation, message: str | None = None) -> None:
    """Authority rule of an organisation's focal-point actions: a focal point acting
    for that organisation."""
    acting = actor.acting_organisation
    if not (
        actor.is_focal_point and acting is not None and acting.pk == organisation.pk
    ):
        raise PermissionDenied(
            message or _("Only a focal point of this organisation may do this.")
        )


class VisibleToUserMixin:
    """Narrow `queryset` to the rows the user may see (`Model.objects.visible_to(user)`):
    an invisible row is a 404 on every route."""

    queryset = None

    def get_queryset(self):
        return self.queryset.all().visible_to(self.request.user)
