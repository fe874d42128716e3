"""The triggers that keep the dashboards' aggregates, and the backfill of existing rows
(after 0008, whose unique constraints the triggers' upserts rely on)."""

from __future__ import annotations

from django.db import migrations

from coordination.dashboards.aggregates import DROP_SQL, INSTALL_SQL


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0008_dashboard_aggregates"),
        ("interventions", "0001_initial"),
        ("referrals", "0002_referral"),
    ]

    operations = [migrations.RunSQL(INSTALL_SQL, DROP_SQL)]
