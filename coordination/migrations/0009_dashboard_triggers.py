"""Once the dashboards' triggers and backfill (after 0008). Since the split into apps
they are installed by dashboards/0002_triggers, which drops and reinstalls them: a
database that ran this migration before and a new one end the same."""

from __future__ import annotations

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0008_dashboard_aggregates"),
        ("interventions", "0001_initial"),
        ("referrals", "0002_referral"),
    ]

    operations = []
