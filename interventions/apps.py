from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterventionsConfig(AppConfig):
    name = "interventions"
    verbose_name = _("Interventions (4W)")

    def ready(self) -> None:
        # Alerts also reach organisations running interventions in the affected places
        # (coordination never imports this app: it is told here).
        from emergencies.services import register_recipient_provider

        from .analysis import organisations_with_interventions

        register_recipient_provider(organisations_with_interventions)
        # Register the import task with Celery in every process (services publish it
        # by name; eager mode in tests runs it in place).
        from . import tasks  # noqa: F401
