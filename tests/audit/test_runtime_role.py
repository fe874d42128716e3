"""The runtime role owns nothing and may only append to the audit tables: no UPDATE,
DELETE or TRUNCATE, whatever `pgtrigger.ignore` says, no trigger disabled, no link
forged; and it still does the application's work, which the chain records."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from django.db import connection

from audit.registry import audit_tables
from coordination.models import Province, Region, Sector, ServiceType
from interventions.services import create_intervention
from referrals.models import IdentityAccessLog, Referral
from referrals.services import record_consent, register_beneficiary, send_referral
from tests.referrals.conftest import identity

TABLES = [table for table, _pk in audit_tables()]
KEY_TABLES = [
    "referrals_referralhistory",  # pghistory events of referrals
    "referrals_identityaccesslog",  # who saw an identity
    "referrals_referralevent",  # the referral timeline
]


def test_every_audit_table_is_listed():
    assert set(KEY_TABLES) <= set(TABLES)
    assert "interventions_interventionevent" in TABLES
    assert "organisations_userevent" in TABLES


def _ignore_every_trigger(cursor, table: str) -> None:
    """What pgtrigger.ignore does, for every trigger of the table, for the session."""
    cursor.execute(
        "SELECT set_config('pgtrigger.ignore', "
        "'{' || string_agg(tgname, ',') || '}', false) "
        "FROM pg_trigger WHERE tgrelid = %s::regclass",
        [table],
    )


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize(
    "statement",
    ["UPDATE {t} SET {pk} = {pk}", "DELETE FROM {t}", "TRUNCATE {t}"],
)
def test_runtime_role_cannot_rewrite_an_audit_table(as_runtime, table, statement):
    pk = dict(audit_tables())[table]
    with as_runtime() as conn, conn.cursor() as cursor:
        _ignore_every_trigger(cursor, table)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            cursor.execute(statement.format(t=table, pk=pk))


@pytest.mark.parametrize("table", KEY_TABLES)
@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE {t} DISABLE TRIGGER ALL",
        "ALTER TABLE {t} DISABLE TRIGGER audit_chain_append",
        "ALTER TABLE {t} OWNER TO CURRENT_USER",
        "DROP TRIGGER audit_chain_append ON {t}",
        "DROP TABLE {t}",
    ],
)
def test_runtime_role_cannot_alter_an_audit_table(as_runtime, table, statement):
    with (
        as_runtime() as conn,
        conn.cursor() as cursor,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        cursor.execute(statement.format(t=table))


@pytest.mark.parametrize(
    "statement",
    [
        "SET session_replication_role = replica",
        "INSERT INTO audit_chain (table_name, row_pk, seq, columns, digest) "
        "VALUES ('referrals_referralevent', 1, 1, '{}', '')",
        "UPDATE audit_chain SET digest = ''",
        "DELETE FROM audit_chain",
        "TRUNCATE audit_chain",
        "DELETE FROM django_migrations",
        "ALTER ROLE CURRENT_USER SUPERUSER",
        "CREATE ROLE h6_intruder SUPERUSER",
    ],
)
def test_runtime_role_cannot_escape(as_runtime, statement):
    with (
        as_runtime() as conn,
        conn.cursor() as cursor,
        pytest.raises(psycopg.errors.InsufficientPrivilege),
    ):
        cursor.execute(statement)


def test_runtime_role_owns_nothing_and_is_no_superuser(as_runtime, runtime_role):
    with as_runtime() as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb, rolbypassrls "
            "FROM pg_roles WHERE rolname = current_user"
        )
        assert cursor.fetchone() == (False, False, False, False)
        cursor.execute(
            "SELECT count(*) FROM pg_class WHERE relowner = "
            "(SELECT oid FROM pg_roles WHERE rolname = current_user)"
        )
        assert cursor.fetchone() == (0,)


@pytest.mark.django_db
def test_the_application_works_as_the_runtime_role(
    runtime_role, reference_data, worker_a, org_b, client_as
):
    """Real services and a page, under the runtime role's privileges: an intervention,
    a person, a consent, a referral, and the identity seen (an access-log row)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(runtime_role[0])}")
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (runtime_role[0],)

    health = Sector.objects.get(code="health")
    intervention = create_intervention(
        actor=worker_a,
        sector=health,
        activity=ServiceType.objects.get(code="primary_care"),
        region=Region.objects.get(code="02"),
        province=Province.objects.get(code="02.411"),
        start_date=date(2025, 1, 1),
        targeted_total=10,
    )
    person = register_beneficiary(actor=worker_a, **identity())
    consent = record_consent(
        person, actor=worker_a, organisation=org_b, given_by="self", scope="Name"
    )
    referral = send_referral(
        person,
        actor=worker_a,
        to_organisation=org_b,
        consent=consent,
        sector=health,
        reason="Needs a consultation",
        priority=Referral.Priority.NORMAL,
    )
    response = client_as(worker_a).get(person.get_absolute_url())
    assert response.status_code == 200

    assert intervention.events.exists()
    assert referral.events.filter(kind="sent").exists()
    assert IdentityAccessLog.objects.filter(beneficiary=person, user=worker_a).exists()
    # At commit, the database chains every row the runtime role appended.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "SELECT table_name, count(*) FROM audit_chain GROUP BY table_name"
        )
        chained = dict(cursor.fetchall())
    assert chained["referrals_identityaccesslog"] >= 1
    assert chained["referrals_referralevent"] >= 1
    assert chained["referrals_referralhistory"] >= 1
    assert chained["interventions_interventionevent"] >= 1
    assert chained["referrals_beneficiaryevent"] >= 1
