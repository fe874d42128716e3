from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("audit trail")

    def ready(self) -> None:
        from .setup import after_migrate

        post_migrate.connect(after_migrate, sender=self, dispatch_uid="audit-setup")
