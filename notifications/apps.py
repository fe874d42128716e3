from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Register the delivery tasks with Celery in every process (the web process
        # publishes them by name; eager mode in tests runs them in place).
        from . import tasks  # noqa: F401
