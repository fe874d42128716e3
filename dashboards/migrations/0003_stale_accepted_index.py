"""The partial index behind the clock-dependent "accepted, not completed after 30 days"
figure (Referral.objects.stale_accepted(), read by dashboards.stats and the pathway):
only referrals still accepted, by the time they were accepted (`responded_at`), so it
stays as small as the open referrals whatever the history.

Completion needs no change to the summary tables: their `status` dimension already
counts completed referrals, and accepted ones are answered minus declined. Idempotent
(IF NOT EXISTS); nothing to backfill (PostgreSQL builds the index from the table)."""

from __future__ import annotations

from django.db import migrations

INDEX = "referrals_ref_accepted_idx"

INSTALL_SQL = f"""
CREATE INDEX IF NOT EXISTS {INDEX} ON referrals_referral (responded_at, to_organisation_id)
    WHERE status = 'accepted';
"""

DROP_SQL = f"DROP INDEX IF EXISTS {INDEX};"


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0002_triggers"),
    ]

    operations = [migrations.RunSQL(INSTALL_SQL, DROP_SQL)]
