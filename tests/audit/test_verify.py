"""The hash chains: computed by the database for every appended row (the runtime role's
raw INSERTs too), intact after normal work, and broken where the owner role changed,
deleted or unlinked a row: `verify_audit_trail` names the table and row, exit code 1."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from audit.registry import audit_tables
from referrals.models import IdentityAccessLog, Referral, ReferralEvent
from referrals.services import (
    log_identity_access,
    record_consent,
    register_beneficiary,
    send_referral,
)
from tests.referrals.conftest import identity

# serialized_rollback: the suite's reference data is put back afterwards (a plain
# transactional test would flush it for every later test).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def verify() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_trail", stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, err.getvalue()
    return 0, out.getvalue()


@pytest.fixture
def history(reference_data, worker_a, org_b):
    """Normal work, each step committed: a person, a consent, a referral, an access."""
    from coordination.models import Sector

    person = register_beneficiary(actor=worker_a, **identity())
    consent = record_consent(
        person, actor=worker_a, organisation=org_b, given_by="self", scope="Name"
    )
    referral = send_referral(
        person,
        actor=worker_a,
        to_organisation=org_b,
        consent=consent,
        sector=Sector.objects.get(code="health"),
        reason="Needs a consultation",
        priority=Referral.Priority.NORMAL,
    )
    log_identity_access(person, actor=worker_a, purpose="test")
    return referral


def owner_sql(sql: str, params=()) -> None:
    """As the owner of the tables, past pghistory's append-only triggers."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pgtrigger.ignore', "
            "'{' || string_agg(tgname, ',') || '}', false) FROM pg_trigger"
        )
        cursor.execute(sql, params)
        cursor.execute("SELECT set_config('pgtrigger.ignore', '', false)")


def test_a_normal_history_is_intact(history):
    code, output = verify()

    assert code == 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_chain")
        (links,) = cursor.fetchone()
    assert links >= 6
    assert output.strip() == f"intact: {links} rows in {len(audit_tables())} tables"


def test_a_row_changed_by_the_owner_is_found(history):
    event = ReferralEvent.objects.get(referral=history, kind="sent")
    owner_sql(
        "UPDATE referrals_referralevent SET note = 'rewritten' WHERE id = %s",
        [event.pk],
    )

    code, output = verify()

    assert code == 1
    assert f"table referrals_referralevent, row {event.pk}: row or link changed" in (
        output
    )
    assert "expected " in output
    assert "found " in output


def test_a_history_row_changed_by_the_owner_is_found(history):
    event = history.history.order_by("pgh_id").first()
    owner_sql(
        "UPDATE referrals_referralhistory SET priority = 'urgent' WHERE pgh_id = %s",
        [event.pgh_id],
    )

    code, output = verify()

    assert code == 1
    assert f"table referrals_referralhistory, row {event.pgh_id}" in output


def test_a_row_deleted_by_the_owner_is_found(history):
    access = IdentityAccessLog.objects.get()
    owner_sql("DELETE FROM referrals_identityaccesslog WHERE id = %s", [access.pk])

    code, output = verify()

    assert code == 1
    assert f"table referrals_identityaccesslog, row {access.pk}: row deleted" in output


def test_a_link_deleted_by_the_owner_is_found(history):
    owner_sql(
        "DELETE FROM audit_chain WHERE table_name = 'referrals_referralevent' "
        "AND seq = 1"
    )

    code, output = verify()

    assert code == 1
    assert "table referrals_referralevent" in output


def test_a_row_slipped_in_without_its_trigger_is_found(history):
    owner_sql(
        "SET session_replication_role = replica; "
        "INSERT INTO referrals_referralevent (referral_id, kind, at, note) "
        "VALUES (%s, 'feedback', now(), 'unchained'); "
        "SET session_replication_role = origin",
        [history.pk],
    )

    code, output = verify()

    assert code == 1
    assert "row without a link" in output


def test_a_raw_insert_by_the_runtime_role_is_chained(history, as_runtime):
    with as_runtime() as conn, conn.cursor() as cursor:
        cursor.execute(
            "INSERT INTO referrals_referralevent (referral_id, kind, at, note) "
            "VALUES (%s, 'feedback', now(), 'raw') RETURNING id",
            [history.pk],
        )
        (row_id,) = cursor.fetchone()

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT seq FROM audit_chain "
            "WHERE table_name = 'referrals_referralevent' AND row_pk = %s",
            [row_id],
        )
        assert cursor.fetchone() is not None
    assert verify()[0] == 0
