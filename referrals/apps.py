from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Beneficiaries and referrals")

    def ready(self) -> None:
        from . import checks  # registers the checks of the keys

        checks.warn_at_startup()
