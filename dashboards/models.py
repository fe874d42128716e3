"""Maintained aggregates the dashboards read instead of scanning the base tables.

Written only by PostgreSQL statement-level triggers (see the coordination migration
0008_dashboard_aggregates and coordination/dashboards/aggregates.py): every INSERT,
UPDATE, DELETE and COPY-based import on interventions and referrals adds its delta, so
the tables are correct the moment the writing transaction commits. Never write them
from Python. The columns are plain integers (no foreign keys): a summary row is not a
reference to keep, and the base tables' PROTECT already keeps the referenced rows.
"""

from __future__ import annotations

from django.db import models


class InterventionStat(models.Model):
    """Interventions and people reached, per organisation, emergency (or none), region,
    sector and the month the interventions start."""

    organisation_id = models.IntegerField()
    emergency_id = models.IntegerField(null=True)
    region_id = models.IntegerField()
    sector_id = models.IntegerField()
    month = models.DateField()
    interventions = models.BigIntegerField(default=0)
    women = models.BigIntegerField(default=0)
    men = models.BigIntegerField(default=0)
    girls = models.BigIntegerField(default=0)
    boys = models.BigIntegerField(default=0)
    disabled = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)

    class Meta:
        db_table = (
            "coordination_interventionstat"  # kept when the model left coordination
        )
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "organisation_id",
                    "emergency_id",
                    "region_id",
                    "sector_id",
                    "month",
                ],
                nulls_distinct=False,
                name="coordination_interventionstat_key",
            )
        ]
        indexes = [models.Index(fields=["month"], name="coordination_istat_month_idx")]

    def __str__(self) -> str:
        return f"intervention-stat-{self.pk}"


class ReferralStat(models.Model):
    """Referrals per organisation and its role (each referral counts once as received
    by its receiver and once as sent by its sender), emergency, region, sector, the month
    it was sent, priority and status; how many were answered, answered by the deadline,
    and declined."""

    class Role(models.IntegerChoices):
        RECEIVED = 0
        SENT = 1

    organisation_id = models.IntegerField()
    role = models.SmallIntegerField(choices=Role.choices)
    emergency_id = models.IntegerField(null=True)
    region_id = models.IntegerField(null=True)  # the person's place may be unknown
    sector_id = models.IntegerField()
    month = models.DateField()
    priority = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    referrals = models.BigIntegerField(default=0)
    answered = models.BigIntegerField(default=0)
    answered_in_time = models.BigIntegerField(default=0)
    declined = models.BigIntegerField(default=0)

    class Meta:
        db_table = "coordination_referralstat"  # kept when the model left coordination
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "organisation_id",
                    "role",
                    "emergency_id",
                    "region_id",
                    "sector_id",
                    "month",
                    "priority",
                    "status",
                ],
                nulls_distinct=False,
                name="coordination_referralstat_key",
            )
        ]
        indexes = [
            models.Index(fields=["role", "month"], name="coordination_rstat_month_idx")
        ]

    def __str__(self) -> str:
        return f"referral-stat-{self.pk}"


class ReferralAnswerStat(models.Model):
    """Answered referrals per receiving organisation, emergency, region, sector, month
    sent and whole hours from sending to the answer (rounded down): the median time to
    answer, exactly, from a histogram."""

    organisation_id = models.IntegerField()
    emergency_id = models.IntegerField(null=True)
    region_id = models.IntegerField(null=True)  # the person's place may be unknown
    sector_id = models.IntegerField()
    month = models.DateField()
    hours = models.IntegerField()
    referrals = models.BigIntegerField(default=0)

    class Meta:
        db_table = (
            "coordination_referralanswerstat"  # kept when the model left coordination
        )
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "organisation_id",
                    "emergency_id",
                    "region_id",
                    "sector_id",
                    "month",
                    "hours",
                ],
                nulls_distinct=False,
                name="coordination_referralanswerstat_key",
            )
        ]
        indexes = [models.Index(fields=["month"], name="coordination_astat_month_idx")]

    def __str__(self) -> str:
        return f"referral-answer-stat-{self.pk}"


class ReferralTotal(models.Model):
    """ReferralStat without the emergency, region, sector and month: what a dashboard
    with no filter but the organisation reads (a few thousand rows, whatever the
    number of referrals)."""

    organisation_id = models.IntegerField()
    role = models.SmallIntegerField(choices=ReferralStat.Role.choices)
    priority = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    referrals = models.BigIntegerField(default=0)
    answered = models.BigIntegerField(default=0)
    answered_in_time = models.BigIntegerField(default=0)
    declined = models.BigIntegerField(default=0)

    class Meta:
        db_table = "coordination_referraltotal"  # kept when the model left coordination
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id", "role", "priority", "status"],
                name="coordination_referraltotal_key",
            )
        ]

    def __str__(self) -> str:
        return f"referral-total-{self.pk}"


class ReferralAnswerTotal(models.Model):
    """ReferralAnswerStat without the emergency, region, sector and month."""

    organisation_id = models.IntegerField()
    hours = models.IntegerField()
    referrals = models.BigIntegerField(default=0)

    class Meta:
        db_table = (
            "coordination_referralanswertotal"  # kept when the model left coordination
        )
        constraints = [
            models.UniqueConstraint(
                fields=["organisation_id", "hours"],
                name="coordination_referralanswertotal_key",
            )
        ]

    def __str__(self) -> str:
        return f"referral-answer-total-{self.pk}"
