from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Beneficiaries and referrals")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the deployment check of the keys)
