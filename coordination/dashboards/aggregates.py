"""The dashboards' maintained aggregates: the PostgreSQL triggers that keep them, and
the same figures computed straight from the base tables (for tests and the benchmark).

Statement-level AFTER triggers with transition tables (REFERENCING NEW TABLE / OLD
TABLE) on interventions_intervention and referrals_referral add each statement's delta
to the summary tables of coordination.models.dashboards, grouped by the filter
dimensions, in one INSERT … ON CONFLICT DO UPDATE per statement (keys in a fixed order,
so concurrent writers queue instead of deadlocking). They fire for every INSERT, UPDATE,
DELETE and COPY, so the 4W import (COPY into a temporary table, then one INSERT … ON
CONFLICT into interventions), bulk updates and deletes are all counted. Rows whose count
falls to zero are removed. TRUNCATE is not followed (nothing in the platform truncates
these tables; `rebuild()` recomputes everything if ever needed).

The SQL is used by the migration coordination/0008_dashboard_aggregates: changing it
needs a new migration that runs the new `INSTALL_SQL`.
"""

from __future__ import annotations

from django.db import connection

TIME_ZONE = "Africa/Casablanca"  # settings.TIME_ZONE when the migration was written

ISTAT = "coordination_interventionstat"
RSTAT = "coordination_referralstat"
ASTAT = "coordination_referralanswerstat"
RTOTAL = "coordination_referraltotal"
ATOTAL = "coordination_referralanswertotal"

_I_KEYS = "organisation_id, emergency_id, region_id, sector_id, month"
_I_PARTS = ("women", "men", "girls", "boys", "disabled", "total")


def _intervention_rows(table: str, sign: str) -> str:
    parts = ", ".join(f"{sign} * reached_{p} AS {p}" for p in _I_PARTS)
    return f"""SELECT organisation_id, emergency_id, region_id, sector_id,
        date_trunc('month', start_date)::date AS month, {sign} AS n, {parts}
        FROM {table}"""


def _intervention_upsert(source: str) -> str:
    sums = ", ".join(f"sum({p})" for p in _I_PARTS)
    nonzero = " OR ".join(f"sum({p}) <> 0" for p in ("n", *_I_PARTS))
    update = ", ".join(
        f"{c} = s.{c} + EXCLUDED.{c}" for c in ("interventions", *_I_PARTS)
    )
    return f"""
        INSERT INTO {ISTAT} AS s ({_I_KEYS}, interventions, {", ".join(_I_PARTS)})
        SELECT {_I_KEYS}, sum(n), {sums} FROM ({source}) d
        GROUP BY {_I_KEYS} HAVING {nonzero} ORDER BY {_I_KEYS}
        ON CONFLICT ({_I_KEYS})
        DO UPDATE SET {update};
        DELETE FROM {ISTAT} WHERE interventions = 0;"""


_MONTH = f"date_trunc('month', sent_at AT TIME ZONE '{TIME_ZONE}')::date"
_R_KEYS = (
    "organisation_id, role, emergency_id, region_id, sector_id, month, priority, status"
)
_R_MEASURES = ("referrals", "answered", "answered_in_time", "declined")
_T_KEYS = "organisation_id, role, priority, status"
_A_KEYS = "organisation_id, emergency_id, region_id, sector_id, month, hours"
_HOURS = "floor(extract(epoch FROM responded_at - sent_at) / 3600)::int"


def _referral_rows(table: str, sign: str) -> str:
    measures = f"""{sign} AS referrals,
        {sign} * (responded_at IS NOT NULL)::int AS answered,
        {sign} * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        {sign} * (responded_at IS NOT NULL AND status = 'declined')::int AS declined"""
    common = f"emergency_id, region_id, sector_id, {_MONTH} AS month, priority, status"
    return f"""SELECT to_organisation_id AS organisation_id, 0 AS role, {common},
            {measures} FROM {table}
        UNION ALL
        SELECT from_organisation_id, 1, {common}, {measures} FROM {table}"""


def _answer_rows(table: str, sign: str) -> str:
    return f"""SELECT to_organisation_id AS organisation_id, emergency_id, region_id,
        sector_id, {_MONTH} AS month, {_HOURS} AS hours, {sign} AS referrals
        FROM {table} WHERE responded_at IS NOT NULL"""


def _referral_upsert(counts: str, answers: str) -> str:
    sums = ", ".join(f"sum({m})" for m in _R_MEASURES)
    nonzero = " OR ".join(f"sum({m}) <> 0" for m in _R_MEASURES)
    update = ", ".join(f"{m} = s.{m} + EXCLUDED.{m}" for m in _R_MEASURES)
    return f"""
        INSERT INTO {RSTAT} AS s ({_R_KEYS}, {", ".join(_R_MEASURES)})
        SELECT {_R_KEYS}, {sums} FROM ({counts}) d
        GROUP BY {_R_KEYS} HAVING {nonzero} ORDER BY {_R_KEYS}
        ON CONFLICT ({_R_KEYS})
        DO UPDATE SET {update};
        DELETE FROM {RSTAT} WHERE referrals = 0;
        INSERT INTO {ASTAT} AS s ({_A_KEYS}, referrals)
        SELECT {_A_KEYS}, sum(referrals) FROM ({answers}) d
        GROUP BY {_A_KEYS} HAVING sum(referrals) <> 0 ORDER BY {_A_KEYS}
        ON CONFLICT ({_A_KEYS})
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals;
        DELETE FROM {ASTAT} WHERE referrals = 0;
        INSERT INTO {RTOTAL} AS s ({_T_KEYS}, {", ".join(_R_MEASURES)})
        SELECT {_T_KEYS}, {sums} FROM ({counts}) d
        GROUP BY {_T_KEYS} HAVING {nonzero} ORDER BY {_T_KEYS}
        ON CONFLICT ({_T_KEYS}) DO UPDATE SET {update};
        DELETE FROM {RTOTAL} WHERE referrals = 0;
        INSERT INTO {ATOTAL} AS s (organisation_id, hours, referrals)
        SELECT organisation_id, hours, sum(referrals) FROM ({answers}) d
        GROUP BY 1, 2 HAVING sum(referrals) <> 0 ORDER BY 1, 2
        ON CONFLICT (organisation_id, hours)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals;
        DELETE FROM {ATOTAL} WHERE referrals = 0;"""


def _function(name: str, rows, upsert) -> str:
    """One trigger function for the three statements: + new rows, - old rows."""
    insert = upsert(*(r("new_rows", "1") for r in rows))
    delete = upsert(*(r("old_rows", "-1") for r in rows))
    update = upsert(
        *(f"{r('new_rows', '1')} UNION ALL {r('old_rows', '-1')}" for r in rows)
    )
    return f"""
CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN {insert}
    ELSIF TG_OP = 'DELETE' THEN {delete}
    ELSE {update}
    END IF;
    RETURN NULL;
END $$;"""


def _triggers(table: str, function: str) -> str:
    return f"""
CREATE TRIGGER {function}_ins AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {function}_upd AFTER UPDATE ON {table}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION {function}();
CREATE TRIGGER {function}_del AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}();
-- Also under session_replication_role = replica: bulk loads that skip the audit
-- triggers must still be counted.
ALTER TABLE {table} ENABLE ALWAYS TRIGGER {function}_ins;
ALTER TABLE {table} ENABLE ALWAYS TRIGGER {function}_upd;
ALTER TABLE {table} ENABLE ALWAYS TRIGGER {function}_del;"""


def _backfill() -> str:
    return (
        f"DELETE FROM {ISTAT}; DELETE FROM {RSTAT}; DELETE FROM {ASTAT};"
        f"DELETE FROM {RTOTAL}; DELETE FROM {ATOTAL};"
        + _intervention_upsert(_intervention_rows("interventions_intervention", "1"))
        + _referral_upsert(
            _referral_rows("referrals_referral", "1"),
            _answer_rows("referrals_referral", "1"),
        )
    )


INSTALL_SQL = (
    f"""
CREATE INDEX coordination_istat_zero_idx ON {ISTAT} (id) WHERE interventions = 0;
CREATE INDEX coordination_rstat_zero_idx ON {RSTAT} (id) WHERE referrals = 0;
CREATE INDEX coordination_astat_zero_idx ON {ASTAT} (id) WHERE referrals = 0;
CREATE INDEX coordination_rtotal_zero_idx ON {RTOTAL} (id) WHERE referrals = 0;
CREATE INDEX coordination_atotal_zero_idx ON {ATOTAL} (id) WHERE referrals = 0;"""
    + _function("coordination_istat_apply", [_intervention_rows], _intervention_upsert)
    + _triggers("interventions_intervention", "coordination_istat_apply")
    + _function(
        "coordination_rstat_apply", [_referral_rows, _answer_rows], _referral_upsert
    )
    + _triggers("referrals_referral", "coordination_rstat_apply")
    + _backfill()
)

DROP_SQL = """
DROP TRIGGER IF EXISTS coordination_istat_apply_ins ON interventions_intervention;
DROP TRIGGER IF EXISTS coordination_istat_apply_upd ON interventions_intervention;
DROP TRIGGER IF EXISTS coordination_istat_apply_del ON interventions_intervention;
DROP TRIGGER IF EXISTS coordination_rstat_apply_ins ON referrals_referral;
DROP TRIGGER IF EXISTS coordination_rstat_apply_upd ON referrals_referral;
DROP TRIGGER IF EXISTS coordination_rstat_apply_del ON referrals_referral;
DROP FUNCTION IF EXISTS coordination_istat_apply();
DROP FUNCTION IF EXISTS coordination_rstat_apply();
DROP INDEX IF EXISTS coordination_istat_zero_idx;
DROP INDEX IF EXISTS coordination_rstat_zero_idx;
DROP INDEX IF EXISTS coordination_astat_zero_idx;
DROP INDEX IF EXISTS coordination_rtotal_zero_idx;
DROP INDEX IF EXISTS coordination_atotal_zero_idx;
"""


def rebuild() -> None:
    """Recompute every aggregate from the base tables (the migration's backfill)."""
    with connection.cursor() as cursor:
        cursor.execute(_backfill())
