from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganisationsConfig(AppConfig):
    name = "organisations"
    verbose_name = _("Organisations")

    def ready(self) -> None:
        # Registers the deployment checks of MFA and the sign-in time of sessions.
        from . import checks, middleware  # noqa: F401
