"""Scoping shared by pages and the API: a view sets `queryset`, never `get_queryset()`."""

from __future__ import annotations


class VisibleToUserMixin:
    """Narrow `queryset` to the rows the user may see (`Model.objects.visible_to(user)`):
    an invisible row is a 404 on every route."""

    queryset = None

    def get_queryset(self):
        return self.queryset.all().visible_to(self.request.user)
