"""The triggers that keep the dashboards' aggregates, frozen here as SQL text, and the
backfill from the base tables.

Statement-level AFTER triggers with transition tables (REFERENCING NEW TABLE / OLD TABLE)
on interventions_intervention and referrals_referral add each statement's delta to the
summary tables of dashboards.models, grouped by the filter dimensions, in one INSERT ... ON
CONFLICT DO UPDATE per statement (keys in a fixed order, so concurrent writers queue
instead of deadlocking). They fire for every INSERT, UPDATE, DELETE and COPY, so the 4W
import, bulk updates and deletes are all counted; rows whose count falls to zero are
removed. Months are local months in Africa/Casablanca (dashboards.stats.TIME_ZONE).

Until the split into apps, coordination/0009 installed the same SQL from live code; this
migration drops whatever is there and installs it again, then recomputes every aggregate
(the backfill starts by emptying the tables), so an old database and a new one end the
same. Changing the triggers takes a new migration with its own frozen SQL.
"""

from django.db import migrations

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

INSTALL_SQL = """
CREATE INDEX coordination_istat_zero_idx ON coordination_interventionstat (id) WHERE interventions = 0;
CREATE INDEX coordination_rstat_zero_idx ON coordination_referralstat (id) WHERE referrals = 0;
CREATE INDEX coordination_astat_zero_idx ON coordination_referralanswerstat (id) WHERE referrals = 0;
CREATE INDEX coordination_rtotal_zero_idx ON coordination_referraltotal (id) WHERE referrals = 0;
CREATE INDEX coordination_atotal_zero_idx ON coordination_referralanswertotal (id) WHERE referrals = 0;
CREATE OR REPLACE FUNCTION coordination_istat_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN 
        INSERT INTO coordination_interventionstat AS s (organisation_id, emergency_id, region_id, sector_id, month, interventions, women, men, girls, boys, disabled, total)
        SELECT organisation_id, emergency_id, region_id, sector_id, month, sum(n), sum(women), sum(men), sum(girls), sum(boys), sum(disabled), sum(total) FROM (SELECT organisation_id, emergency_id, region_id, sector_id,
        date_trunc('month', start_date)::date AS month, 1 AS n, 1 * reached_women AS women, 1 * reached_men AS men, 1 * reached_girls AS girls, 1 * reached_boys AS boys, 1 * reached_disabled AS disabled, 1 * reached_total AS total
        FROM new_rows) d
        GROUP BY organisation_id, emergency_id, region_id, sector_id, month HAVING sum(n) <> 0 OR sum(women) <> 0 OR sum(men) <> 0 OR sum(girls) <> 0 OR sum(boys) <> 0 OR sum(disabled) <> 0 OR sum(total) <> 0 ORDER BY organisation_id, emergency_id, region_id, sector_id, month
        ON CONFLICT (organisation_id, emergency_id, region_id, sector_id, month)
        DO UPDATE SET interventions = s.interventions + EXCLUDED.interventions, women = s.women + EXCLUDED.women, men = s.men + EXCLUDED.men, girls = s.girls + EXCLUDED.girls, boys = s.boys + EXCLUDED.boys, disabled = s.disabled + EXCLUDED.disabled, total = s.total + EXCLUDED.total;
        DELETE FROM coordination_interventionstat WHERE interventions = 0;
    ELSIF TG_OP = 'DELETE' THEN 
        INSERT INTO coordination_interventionstat AS s (organisation_id, emergency_id, region_id, sector_id, month, interventions, women, men, girls, boys, disabled, total)
        SELECT organisation_id, emergency_id, region_id, sector_id, month, sum(n), sum(women), sum(men), sum(girls), sum(boys), sum(disabled), sum(total) FROM (SELECT organisation_id, emergency_id, region_id, sector_id,
        date_trunc('month', start_date)::date AS month, -1 AS n, -1 * reached_women AS women, -1 * reached_men AS men, -1 * reached_girls AS girls, -1 * reached_boys AS boys, -1 * reached_disabled AS disabled, -1 * reached_total AS total
        FROM old_rows) d
        GROUP BY organisation_id, emergency_id, region_id, sector_id, month HAVING sum(n) <> 0 OR sum(women) <> 0 OR sum(men) <> 0 OR sum(girls) <> 0 OR sum(boys) <> 0 OR sum(disabled) <> 0 OR sum(total) <> 0 ORDER BY organisation_id, emergency_id, region_id, sector_id, month
        ON CONFLICT (organisation_id, emergency_id, region_id, sector_id, month)
        DO UPDATE SET interventions = s.interventions + EXCLUDED.interventions, women = s.women + EXCLUDED.women, men = s.men + EXCLUDED.men, girls = s.girls + EXCLUDED.girls, boys = s.boys + EXCLUDED.boys, disabled = s.disabled + EXCLUDED.disabled, total = s.total + EXCLUDED.total;
        DELETE FROM coordination_interventionstat WHERE interventions = 0;
    ELSE 
        INSERT INTO coordination_interventionstat AS s (organisation_id, emergency_id, region_id, sector_id, month, interventions, women, men, girls, boys, disabled, total)
        SELECT organisation_id, emergency_id, region_id, sector_id, month, sum(n), sum(women), sum(men), sum(girls), sum(boys), sum(disabled), sum(total) FROM (SELECT organisation_id, emergency_id, region_id, sector_id,
        date_trunc('month', start_date)::date AS month, 1 AS n, 1 * reached_women AS women, 1 * reached_men AS men, 1 * reached_girls AS girls, 1 * reached_boys AS boys, 1 * reached_disabled AS disabled, 1 * reached_total AS total
        FROM new_rows UNION ALL SELECT organisation_id, emergency_id, region_id, sector_id,
        date_trunc('month', start_date)::date AS month, -1 AS n, -1 * reached_women AS women, -1 * reached_men AS men, -1 * reached_girls AS girls, -1 * reached_boys AS boys, -1 * reached_disabled AS disabled, -1 * reached_total AS total
        FROM old_rows) d
        GROUP BY organisation_id, emergency_id, region_id, sector_id, month HAVING sum(n) <> 0 OR sum(women) <> 0 OR sum(men) <> 0 OR sum(girls) <> 0 OR sum(boys) <> 0 OR sum(disabled) <> 0 OR sum(total) <> 0 ORDER BY organisation_id, emergency_id, region_id, sector_id, month
        ON CONFLICT (organisation_id, emergency_id, region_id, sector_id, month)
        DO UPDATE SET interventions = s.interventions + EXCLUDED.interventions, women = s.women + EXCLUDED.women, men = s.men + EXCLUDED.men, girls = s.girls + EXCLUDED.girls, boys = s.boys + EXCLUDED.boys, disabled = s.disabled + EXCLUDED.disabled, total = s.total + EXCLUDED.total;
        DELETE FROM coordination_interventionstat WHERE interventions = 0;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER coordination_istat_apply_ins AFTER INSERT ON interventions_intervention
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coordination_istat_apply();
CREATE TRIGGER coordination_istat_apply_upd AFTER UPDATE ON interventions_intervention
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION coordination_istat_apply();
CREATE TRIGGER coordination_istat_apply_del AFTER DELETE ON interventions_intervention
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coordination_istat_apply();
-- Also under session_replication_role = replica: bulk loads that skip the audit
-- triggers must still be counted.
ALTER TABLE interventions_intervention ENABLE ALWAYS TRIGGER coordination_istat_apply_ins;
ALTER TABLE interventions_intervention ENABLE ALWAYS TRIGGER coordination_istat_apply_upd;
ALTER TABLE interventions_intervention ENABLE ALWAYS TRIGGER coordination_istat_apply_del;
CREATE OR REPLACE FUNCTION coordination_rstat_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN 
        INSERT INTO coordination_referralstat AS s (organisation_id, role, emergency_id, region_id, sector_id, month, priority, status, referrals, answered, answered_in_time, declined)
        SELECT organisation_id, role, emergency_id, region_id, sector_id, month, priority, status, sum(referrals), sum(answered), sum(answered_in_time), sum(declined) FROM (SELECT to_organisation_id AS organisation_id, 0 AS role, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status,
            1 AS referrals,
        1 * (responded_at IS NOT NULL)::int AS answered,
        1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM new_rows
        UNION ALL
        SELECT from_organisation_id, 1, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status, 1 AS referrals,
        1 * (responded_at IS NOT NULL)::int AS answered,
        1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM new_rows) d
        GROUP BY organisation_id, role, emergency_id, region_id, sector_id, month, priority, status HAVING sum(referrals) <> 0 OR sum(answered) <> 0 OR sum(answered_in_time) <> 0 OR sum(declined) <> 0 ORDER BY organisation_id, role, emergency_id, region_id, sector_id, month, priority, status
        ON CONFLICT (organisation_id, role, emergency_id, region_id, sector_id, month, priority, status)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals, answered = s.answered + EXCLUDED.answered, answered_in_time = s.answered_in_time + EXCLUDED.answered_in_time, declined = s.declined + EXCLUDED.declined;
        DELETE FROM coordination_referralstat WHERE referrals = 0;
        INSERT INTO coordination_referralanswerstat AS s (organisation_id, emergency_id, region_id, sector_id, month, hours, referrals)
        SELECT organisation_id, emergency_id, region_id, sector_id, month, hours, sum(referrals) FROM (SELECT to_organisation_id AS organisation_id, emergency_id, region_id,
        sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, floor(extract(epoch FROM responded_at - sent_at) / 3600)::int AS hours, 1 AS referrals
        FROM new_rows WHERE responded_at IS NOT NULL) d
        GROUP BY organisation_id, emergency_id, region_id, sector_id, month, hours HAVING sum(referrals) <> 0 ORDER BY organisation_id, emergency_id, region_id, sector_id, month, hours
        ON CONFLICT (organisation_id, emergency_id, region_id, sector_id, month, hours)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals;
        DELETE FROM coordination_referralanswerstat WHERE referrals = 0;
        INSERT INTO coordination_referraltotal AS s (organisation_id, role, priority, status, referrals, answered, answered_in_time, declined)
        SELECT organisation_id, role, priority, status, sum(referrals), sum(answered), sum(answered_in_time), sum(declined) FROM (SELECT to_organisation_id AS organisation_id, 0 AS role, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status,
            1 AS referrals,
        1 * (responded_at IS NOT NULL)::int AS answered,
        1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM new_rows
        UNION ALL
        SELECT from_organisation_id, 1, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status, 1 AS referrals,
        1 * (responded_at IS NOT NULL)::int AS answered,
        1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM new_rows) d
        GROUP BY organisation_id, role, priority, status HAVING sum(referrals) <> 0 OR sum(answered) <> 0 OR sum(answered_in_time) <> 0 OR sum(declined) <> 0 ORDER BY organisation_id, role, priority, status
        ON CONFLICT (organisation_id, role, priority, status) DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals, answered = s.answered + EXCLUDED.answered, answered_in_time = s.answered_in_time + EXCLUDED.answered_in_time, declined = s.declined + EXCLUDED.declined;
        DELETE FROM coordination_referraltotal WHERE referrals = 0;
        INSERT INTO coordination_referralanswertotal AS s (organisation_id, hours, referrals)
        SELECT organisation_id, hours, sum(referrals) FROM (SELECT to_organisation_id AS organisation_id, emergency_id, region_id,
        sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, floor(extract(epoch FROM responded_at - sent_at) / 3600)::int AS hours, 1 AS referrals
        FROM new_rows WHERE responded_at IS NOT NULL) d
        GROUP BY 1, 2 HAVING sum(referrals) <> 0 ORDER BY 1, 2
        ON CONFLICT (organisation_id, hours)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals;
        DELETE FROM coordination_referralanswertotal WHERE referrals = 0;
    ELSIF TG_OP = 'DELETE' THEN 
        INSERT INTO coordination_referralstat AS s (organisation_id, role, emergency_id, region_id, sector_id, month, priority, status, referrals, answered, answered_in_time, declined)
        SELECT organisation_id, role, emergency_id, region_id, sector_id, month, priority, status, sum(referrals), sum(answered), sum(answered_in_time), sum(declined) FROM (SELECT to_organisation_id AS organisation_id, 0 AS role, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status,
            -1 AS referrals,
        -1 * (responded_at IS NOT NULL)::int AS answered,
        -1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        -1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM old_rows
        UNION ALL
        SELECT from_organisation_id, 1, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status, -1 AS referrals,
        -1 * (responded_at IS NOT NULL)::int AS answered,
        -1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        -1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM old_rows) d
        GROUP BY organisation_id, role, emergency_id, region_id, sector_id, month, priority, status HAVING sum(referrals) <> 0 OR sum(answered) <> 0 OR sum(answered_in_time) <> 0 OR sum(declined) <> 0 ORDER BY organisation_id, role, emergency_id, region_id, sector_id, month, priority, status
        ON CONFLICT (organisation_id, role, emergency_id, region_id, sector_id, month, priority, status)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals, answered = s.answered + EXCLUDED.answered, answered_in_time = s.answered_in_time + EXCLUDED.answered_in_time, declined = s.declined + EXCLUDED.declined;
        DELETE FROM coordination_referralstat WHERE referrals = 0;
        INSERT INTO coordination_referralanswerstat AS s (organisation_id, emergency_id, region_id, sector_id, month, hours, referrals)
        SELECT organisation_id, emergency_id, region_id, sector_id, month, hours, sum(referrals) FROM (SELECT to_organisation_id AS organisation_id, emergency_id, region_id,
        sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, floor(extract(epoch FROM responded_at - sent_at) / 3600)::int AS hours, -1 AS referrals
        FROM old_rows WHERE responded_at IS NOT NULL) d
        GROUP BY organisation_id, emergency_id, region_id, sector_id, month, hours HAVING sum(referrals) <> 0 ORDER BY organisation_id, emergency_id, region_id, sector_id, month, hours
        ON CONFLICT (organisation_id, emergency_id, region_id, sector_id, month, hours)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals;
        DELETE FROM coordination_referralanswerstat WHERE referrals = 0;
        INSERT INTO coordination_referraltotal AS s (organisation_id, role, priority, status, referrals, answered, answered_in_time, declined)
        SELECT organisation_id, role, priority, status, sum(referrals), sum(answered), sum(answered_in_time), sum(declined) FROM (SELECT to_organisation_id AS organisation_id, 0 AS role, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status,
            -1 AS referrals,
        -1 * (responded_at IS NOT NULL)::int AS answered,
        -1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        -1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM old_rows
        UNION ALL
        SELECT from_organisation_id, 1, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status, -1 AS referrals,
        -1 * (responded_at IS NOT NULL)::int AS answered,
        -1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        -1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM old_rows) d
        GROUP BY organisation_id, role, priority, status HAVING sum(referrals) <> 0 OR sum(answered) <> 0 OR sum(answered_in_time) <> 0 OR sum(declined) <> 0 ORDER BY organisation_id, role, priority, status
        ON CONFLICT (organisation_id, role, priority, status) DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals, answered = s.answered + EXCLUDED.answered, answered_in_time = s.answered_in_time + EXCLUDED.answered_in_time, declined = s.declined + EXCLUDED.declined;
        DELETE FROM coordination_referraltotal WHERE referrals = 0;
        INSERT INTO coordination_referralanswertotal AS s (organisation_id, hours, referrals)
        SELECT organisation_id, hours, sum(referrals) FROM (SELECT to_organisation_id AS organisation_id, emergency_id, region_id,
        sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, floor(extract(epoch FROM responded_at - sent_at) / 3600)::int AS hours, -1 AS referrals
        FROM old_rows WHERE responded_at IS NOT NULL) d
        GROUP BY 1, 2 HAVING sum(referrals) <> 0 ORDER BY 1, 2
        ON CONFLICT (organisation_id, hours)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals;
        DELETE FROM coordination_referralanswertotal WHERE referrals = 0;
    ELSE 
        INSERT INTO coordination_referralstat AS s (organisation_id, role, emergency_id, region_id, sector_id, month, priority, status, referrals, answered, answered_in_time, declined)
        SELECT organisation_id, role, emergency_id, region_id, sector_id, month, priority, status, sum(referrals), sum(answered), sum(answered_in_time), sum(declined) FROM (SELECT to_organisation_id AS organisation_id, 0 AS role, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status,
            1 AS referrals,
        1 * (responded_at IS NOT NULL)::int AS answered,
        1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM new_rows
        UNION ALL
        SELECT from_organisation_id, 1, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status, 1 AS referrals,
        1 * (responded_at IS NOT NULL)::int AS answered,
        1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM new_rows UNION ALL SELECT to_organisation_id AS organisation_id, 0 AS role, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status,
            -1 AS referrals,
        -1 * (responded_at IS NOT NULL)::int AS answered,
        -1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        -1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM old_rows
        UNION ALL
        SELECT from_organisation_id, 1, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status, -1 AS referrals,
        -1 * (responded_at IS NOT NULL)::int AS answered,
        -1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        -1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM old_rows) d
        GROUP BY organisation_id, role, emergency_id, region_id, sector_id, month, priority, status HAVING sum(referrals) <> 0 OR sum(answered) <> 0 OR sum(answered_in_time) <> 0 OR sum(declined) <> 0 ORDER BY organisation_id, role, emergency_id, region_id, sector_id, month, priority, status
        ON CONFLICT (organisation_id, role, emergency_id, region_id, sector_id, month, priority, status)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals, answered = s.answered + EXCLUDED.answered, answered_in_time = s.answered_in_time + EXCLUDED.answered_in_time, declined = s.declined + EXCLUDED.declined;
        DELETE FROM coordination_referralstat WHERE referrals = 0;
        INSERT INTO coordination_referralanswerstat AS s (organisation_id, emergency_id, region_id, sector_id, month, hours, referrals)
        SELECT organisation_id, emergency_id, region_id, sector_id, month, hours, sum(referrals) FROM (SELECT to_organisation_id AS organisation_id, emergency_id, region_id,
        sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, floor(extract(epoch FROM responded_at - sent_at) / 3600)::int AS hours, 1 AS referrals
        FROM new_rows WHERE responded_at IS NOT NULL UNION ALL SELECT to_organisation_id AS organisation_id, emergency_id, region_id,
        sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, floor(extract(epoch FROM responded_at - sent_at) / 3600)::int AS hours, -1 AS referrals
        FROM old_rows WHERE responded_at IS NOT NULL) d
        GROUP BY organisation_id, emergency_id, region_id, sector_id, month, hours HAVING sum(referrals) <> 0 ORDER BY organisation_id, emergency_id, region_id, sector_id, month, hours
        ON CONFLICT (organisation_id, emergency_id, region_id, sector_id, month, hours)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals;
        DELETE FROM coordination_referralanswerstat WHERE referrals = 0;
        INSERT INTO coordination_referraltotal AS s (organisation_id, role, priority, status, referrals, answered, answered_in_time, declined)
        SELECT organisation_id, role, priority, status, sum(referrals), sum(answered), sum(answered_in_time), sum(declined) FROM (SELECT to_organisation_id AS organisation_id, 0 AS role, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status,
            1 AS referrals,
        1 * (responded_at IS NOT NULL)::int AS answered,
        1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM new_rows
        UNION ALL
        SELECT from_organisation_id, 1, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status, 1 AS referrals,
        1 * (responded_at IS NOT NULL)::int AS answered,
        1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM new_rows UNION ALL SELECT to_organisation_id AS organisation_id, 0 AS role, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status,
            -1 AS referrals,
        -1 * (responded_at IS NOT NULL)::int AS answered,
        -1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        -1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM old_rows
        UNION ALL
        SELECT from_organisation_id, 1, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status, -1 AS referrals,
        -1 * (responded_at IS NOT NULL)::int AS answered,
        -1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        -1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM old_rows) d
        GROUP BY organisation_id, role, priority, status HAVING sum(referrals) <> 0 OR sum(answered) <> 0 OR sum(answered_in_time) <> 0 OR sum(declined) <> 0 ORDER BY organisation_id, role, priority, status
        ON CONFLICT (organisation_id, role, priority, status) DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals, answered = s.answered + EXCLUDED.answered, answered_in_time = s.answered_in_time + EXCLUDED.answered_in_time, declined = s.declined + EXCLUDED.declined;
        DELETE FROM coordination_referraltotal WHERE referrals = 0;
        INSERT INTO coordination_referralanswertotal AS s (organisation_id, hours, referrals)
        SELECT organisation_id, hours, sum(referrals) FROM (SELECT to_organisation_id AS organisation_id, emergency_id, region_id,
        sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, floor(extract(epoch FROM responded_at - sent_at) / 3600)::int AS hours, 1 AS referrals
        FROM new_rows WHERE responded_at IS NOT NULL UNION ALL SELECT to_organisation_id AS organisation_id, emergency_id, region_id,
        sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, floor(extract(epoch FROM responded_at - sent_at) / 3600)::int AS hours, -1 AS referrals
        FROM old_rows WHERE responded_at IS NOT NULL) d
        GROUP BY 1, 2 HAVING sum(referrals) <> 0 ORDER BY 1, 2
        ON CONFLICT (organisation_id, hours)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals;
        DELETE FROM coordination_referralanswertotal WHERE referrals = 0;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER coordination_rstat_apply_ins AFTER INSERT ON referrals_referral
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION coordination_rstat_apply();
CREATE TRIGGER coordination_rstat_apply_upd AFTER UPDATE ON referrals_referral
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION coordination_rstat_apply();
CREATE TRIGGER coordination_rstat_apply_del AFTER DELETE ON referrals_referral
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION coordination_rstat_apply();
-- Also under session_replication_role = replica: bulk loads that skip the audit
-- triggers must still be counted.
ALTER TABLE referrals_referral ENABLE ALWAYS TRIGGER coordination_rstat_apply_ins;
ALTER TABLE referrals_referral ENABLE ALWAYS TRIGGER coordination_rstat_apply_upd;
ALTER TABLE referrals_referral ENABLE ALWAYS TRIGGER coordination_rstat_apply_del;DELETE FROM coordination_interventionstat; DELETE FROM coordination_referralstat; DELETE FROM coordination_referralanswerstat;DELETE FROM coordination_referraltotal; DELETE FROM coordination_referralanswertotal;
        INSERT INTO coordination_interventionstat AS s (organisation_id, emergency_id, region_id, sector_id, month, interventions, women, men, girls, boys, disabled, total)
        SELECT organisation_id, emergency_id, region_id, sector_id, month, sum(n), sum(women), sum(men), sum(girls), sum(boys), sum(disabled), sum(total) FROM (SELECT organisation_id, emergency_id, region_id, sector_id,
        date_trunc('month', start_date)::date AS month, 1 AS n, 1 * reached_women AS women, 1 * reached_men AS men, 1 * reached_girls AS girls, 1 * reached_boys AS boys, 1 * reached_disabled AS disabled, 1 * reached_total AS total
        FROM interventions_intervention) d
        GROUP BY organisation_id, emergency_id, region_id, sector_id, month HAVING sum(n) <> 0 OR sum(women) <> 0 OR sum(men) <> 0 OR sum(girls) <> 0 OR sum(boys) <> 0 OR sum(disabled) <> 0 OR sum(total) <> 0 ORDER BY organisation_id, emergency_id, region_id, sector_id, month
        ON CONFLICT (organisation_id, emergency_id, region_id, sector_id, month)
        DO UPDATE SET interventions = s.interventions + EXCLUDED.interventions, women = s.women + EXCLUDED.women, men = s.men + EXCLUDED.men, girls = s.girls + EXCLUDED.girls, boys = s.boys + EXCLUDED.boys, disabled = s.disabled + EXCLUDED.disabled, total = s.total + EXCLUDED.total;
        DELETE FROM coordination_interventionstat WHERE interventions = 0;
        INSERT INTO coordination_referralstat AS s (organisation_id, role, emergency_id, region_id, sector_id, month, priority, status, referrals, answered, answered_in_time, declined)
        SELECT organisation_id, role, emergency_id, region_id, sector_id, month, priority, status, sum(referrals), sum(answered), sum(answered_in_time), sum(declined) FROM (SELECT to_organisation_id AS organisation_id, 0 AS role, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status,
            1 AS referrals,
        1 * (responded_at IS NOT NULL)::int AS answered,
        1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM referrals_referral
        UNION ALL
        SELECT from_organisation_id, 1, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status, 1 AS referrals,
        1 * (responded_at IS NOT NULL)::int AS answered,
        1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM referrals_referral) d
        GROUP BY organisation_id, role, emergency_id, region_id, sector_id, month, priority, status HAVING sum(referrals) <> 0 OR sum(answered) <> 0 OR sum(answered_in_time) <> 0 OR sum(declined) <> 0 ORDER BY organisation_id, role, emergency_id, region_id, sector_id, month, priority, status
        ON CONFLICT (organisation_id, role, emergency_id, region_id, sector_id, month, priority, status)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals, answered = s.answered + EXCLUDED.answered, answered_in_time = s.answered_in_time + EXCLUDED.answered_in_time, declined = s.declined + EXCLUDED.declined;
        DELETE FROM coordination_referralstat WHERE referrals = 0;
        INSERT INTO coordination_referralanswerstat AS s (organisation_id, emergency_id, region_id, sector_id, month, hours, referrals)
        SELECT organisation_id, emergency_id, region_id, sector_id, month, hours, sum(referrals) FROM (SELECT to_organisation_id AS organisation_id, emergency_id, region_id,
        sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, floor(extract(epoch FROM responded_at - sent_at) / 3600)::int AS hours, 1 AS referrals
        FROM referrals_referral WHERE responded_at IS NOT NULL) d
        GROUP BY organisation_id, emergency_id, region_id, sector_id, month, hours HAVING sum(referrals) <> 0 ORDER BY organisation_id, emergency_id, region_id, sector_id, month, hours
        ON CONFLICT (organisation_id, emergency_id, region_id, sector_id, month, hours)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals;
        DELETE FROM coordination_referralanswerstat WHERE referrals = 0;
        INSERT INTO coordination_referraltotal AS s (organisation_id, role, priority, status, referrals, answered, answered_in_time, declined)
        SELECT organisation_id, role, priority, status, sum(referrals), sum(answered), sum(answered_in_time), sum(declined) FROM (SELECT to_organisation_id AS organisation_id, 0 AS role, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status,
            1 AS referrals,
        1 * (responded_at IS NOT NULL)::int AS answered,
        1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM referrals_referral
        UNION ALL
        SELECT from_organisation_id, 1, emergency_id, region_id, sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, priority, status, 1 AS referrals,
        1 * (responded_at IS NOT NULL)::int AS answered,
        1 * (responded_at IS NOT NULL AND responded_at <= due_at)::int
            AS answered_in_time,
        1 * (responded_at IS NOT NULL AND status = 'declined')::int AS declined FROM referrals_referral) d
        GROUP BY organisation_id, role, priority, status HAVING sum(referrals) <> 0 OR sum(answered) <> 0 OR sum(answered_in_time) <> 0 OR sum(declined) <> 0 ORDER BY organisation_id, role, priority, status
        ON CONFLICT (organisation_id, role, priority, status) DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals, answered = s.answered + EXCLUDED.answered, answered_in_time = s.answered_in_time + EXCLUDED.answered_in_time, declined = s.declined + EXCLUDED.declined;
        DELETE FROM coordination_referraltotal WHERE referrals = 0;
        INSERT INTO coordination_referralanswertotal AS s (organisation_id, hours, referrals)
        SELECT organisation_id, hours, sum(referrals) FROM (SELECT to_organisation_id AS organisation_id, emergency_id, region_id,
        sector_id, date_trunc('month', sent_at AT TIME ZONE 'Africa/Casablanca')::date AS month, floor(extract(epoch FROM responded_at - sent_at) / 3600)::int AS hours, 1 AS referrals
        FROM referrals_referral WHERE responded_at IS NOT NULL) d
        GROUP BY 1, 2 HAVING sum(referrals) <> 0 ORDER BY 1, 2
        ON CONFLICT (organisation_id, hours)
        DO UPDATE SET referrals = s.referrals + EXCLUDED.referrals;
        DELETE FROM coordination_referralanswertotal WHERE referrals = 0;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("dashboards", "0001_initial"),
        ("interventions", "0003_emergency_moved"),
        ("referrals", "0003_emergency_moved"),
    ]

    operations = [migrations.RunSQL(DROP_SQL + INSTALL_SQL, DROP_SQL)]
