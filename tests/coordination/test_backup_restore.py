"""The backup drill: dump, restore into a new database, same row counts and checksums
per table, the restored data served with the keys; and a backup without the keys holds
no identity in clear."""

from __future__ import annotations

import json
import subprocess
from datetime import date

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils.translation import gettext

from coordination.backups import (
    BackupError,
    Target,
    compare,
    find_binary,
    fingerprints,
    manifest_path,
)
from coordination.models import Province, Region, Sector, ServiceType
from interventions.services import create_intervention
from referrals.models import Beneficiary
from referrals.services import record_consent, register_beneficiary, send_referral
from tests.referrals.conftest import SENTINEL_NAME, SENTINELS, identity

# pg_dump reads from its own connection: the data must be committed, and the suite's
# reference data is put back afterwards.
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _server_major() -> int:
    return connection.pg_version // 10000


@pytest.fixture
def world(org_a, org_b, worker_a, worker_b):
    """An organisation's intervention, a person with sentinel identity, a referral."""
    activity = ServiceType.objects.select_related("sector").order_by("code").first()
    create_intervention(
        actor=worker_a,
        sector=activity.sector,
        activity=activity,
        region=Region.objects.get(code="02"),
        start_date=date(2026, 1, 5),
        status="ongoing",
        modality="service",
        reached_women=3,
        reached_total=3,
    )
    person = register_beneficiary(
        actor=worker_a,
        **identity(
            full_name=SENTINEL_NAME,
            phone=SENTINELS[1],
            document_numbers=SENTINELS[2],
            address=SENTINELS[3],
            province=Province.objects.filter(region__code="02").first(),
        ),
    )
    consent = record_consent(
        person,
        actor=worker_a,
        organisation=org_b,
        given_by="self",
        scope="Name and phone",
    )
    referral = send_referral(
        person,
        actor=worker_a,
        to_organisation=org_b,
        sector=Sector.objects.get(code="health"),
        reason="Needs a medical consultation",
        consent=consent,
    )
    return {"person": person, "referral": referral}


@pytest.fixture
def new_database():
    """A new, empty database on the same server, dropped at the end."""
    source = Target.from_settings(connection.settings_dict)
    name = f"{source.dbname}_restored"[:63]
    admin = {**source.connect_kwargs(), "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _url(dbname: str) -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST']}:{s['PORT'] or 5432}/{dbname}"


def test_the_drill_restores_the_same_data_served_with_the_keys(
    world, new_database, tmp_path, settings, capsys
):
    settings.DATABASE_MIGRATE_URL = ""  # back up the test database itself
    dump = tmp_path / "tansiq.dump"

    call_command("backup", output=str(dump))

    manifest = json.loads(manifest_path(dump).read_text())
    assert manifest["tables"]["referrals_beneficiary"]["rows"] == 1
    assert manifest["tables"]["referrals_referral"]["rows"] == 1
    assert manifest["tables"]["interventions_intervention"]["rows"] == 1
    assert manifest["migrations"]["referrals"]
    assert "BENEFICIARY_KEYS" in capsys.readouterr().err  # the loud warning

    call_command("restore", str(dump), database_url=_url(new_database))

    assert "checksums equal" in capsys.readouterr().out
    restored = Target.from_url(_url(new_database))
    with restored.connect() as conn, conn.cursor() as cursor:
        tables = fingerprints(cursor)
    assert tables == manifest["tables"]
    # The app serves the restored data with the keys: the model's fields decrypt the
    # restored row.
    with restored.connect() as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT b.full_name, b.date_of_birth, r.code FROM referrals_beneficiary b "
            "JOIN referrals_referral r ON r.beneficiary_id = b.id WHERE b.code = %s",
            [world["person"].code],
        )
        full_name, born, referral_code = cursor.fetchone()
    field = Beneficiary._meta.get_field
    assert field("full_name").from_db_value(full_name, None, None) == SENTINEL_NAME
    assert field("date_of_birth").from_db_value(born, None, None) == date(1996, 4, 12)
    assert referral_code == world["referral"].code
    # Without the keys, the same data shows as unavailable, not as a 500.
    settings.BENEFICIARY_KEYS = []
    assert str(field("full_name").from_db_value(full_name, None, None)) == gettext(
        "unavailable (key missing)"
    )


def test_a_restore_that_differs_is_reported(world, new_database, tmp_path, settings):
    settings.DATABASE_MIGRATE_URL = ""
    dump = tmp_path / "tansiq.dump"
    call_command("backup", output=str(dump))
    call_command("restore", str(dump), database_url=_url(new_database))
    manifest = json.loads(manifest_path(dump).read_text())

    restored = Target.from_url(_url(new_database))
    with restored.connect() as conn, conn.cursor() as cursor:
        cursor.execute("UPDATE referrals_referral SET reason = 'changed'")
        conn.commit()
        differences = compare(manifest, fingerprints(cursor), manifest["migrations"])
    assert "referrals_referral: same row count, different checksum" in differences

    # A second restore into the now non-empty database is refused, exit status 1.
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(dump), database_url=_url(new_database))
    # A dump that is not the manifest's is refused before anything is restored.
    dump.write_bytes(dump.read_bytes() + b"x")
    with pytest.raises(CommandError, match="SHA-256"):
        call_command("restore", str(dump), database_url=_url(new_database))


def test_backups_without_keys_contain_no_identity_in_clear(world, tmp_path, settings):
    settings.DATABASE_MIGRATE_URL = ""
    custom, plain = tmp_path / "tansiq.dump", tmp_path / "tansiq.sql"
    call_command("backup", output=str(custom))
    call_command("backup", output=str(plain), plain=True)
    # The custom format compresses: read it back as SQL too.
    pg_restore = find_binary("pg_restore", _server_major())
    as_sql = subprocess.run(
        [str(pg_restore), "--file=-", str(custom)], capture_output=True, check=True
    ).stdout
    assert b"COPY public.referrals_beneficiary" in as_sql  # the rows are there…

    secrets = [*settings.BENEFICIARY_KEYS, settings.BENEFICIARY_HASH_KEY]
    secrets.append(settings.SECRET_KEY)
    for blob in (
        custom.read_bytes(),
        plain.read_bytes(),
        as_sql,
        manifest_path(custom).read_bytes(),
    ):
        for sentinel in SENTINELS:  # …but no identity in clear,
            assert sentinel.encode() not in blob
        for secret in secrets:  # and no key.
            assert secret.encode() not in blob


def test_a_missing_binary_is_a_clear_error():
    with pytest.raises(BackupError, match="PostgreSQL 99 or newer"):
        find_binary("pg_dump", 99)
