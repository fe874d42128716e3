"""Django admin for support staff: codes and figures only."""

from __future__ import annotations

from django.contrib import admin

from .models import Intervention, InterventionImport


@admin.register(Intervention)
class InterventionAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "organisation",
        "sector",
        "activity",
        "region",
        "status",
        "start_date",
    ]
    list_filter = ["status", "sector", "region"]
    raw_id_fields = ["organisation", "emergency", "created_by", "updated_by"]


@admin.register(InterventionImport)
class InterventionImportAdmin(admin.ModelAdmin):
    list_display = ["id", "organisation", "status", "total_rows", "created_at"]
    list_filter = ["status"]
    exclude = ["report"]
