"""Who dialogue addresses, shared by meetings and recommendations: organisations (the
notification outbox reaches their members) and the observers of public bodies, who
work for them without being members; only active organisations may be named."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from organisations.models import Organisation, User


def observers_of(organisations: Iterable[Organisation]) -> list[User]:
    """The active observers working for these public bodies (they are not members)."""
    ids = [org.pk for org in organisations]
    if not ids:
        return []
    return list(
        User.objects.filter(
            is_active=True,
            platform_role=User.PlatformRole.OBSERVER,
            observer_body_id__in=ids,
        )
    )


def inactive_errors(
    organisations: Iterable[Organisation], field: str
) -> dict[str, str]:
    """An error on `field` naming the organisations no longer active, if any."""
    inactive = sorted(org.name for org in organisations if not org.is_active)
    if not inactive:
        return {}
    return {
        field: _("These organisations are no longer active: %(names)s.")
        % {"names": ", ".join(inactive)}
    }
