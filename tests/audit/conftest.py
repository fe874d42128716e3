"""A runtime role of the test database, set up by audit.roles exactly as `migrate` sets
up the real one, and connections that log in as it.

The suite itself runs as the owner (it creates its test database); these fixtures make
the runtime role's limits provable inside it."""

from __future__ import annotations

import secrets

import psycopg
import pytest
from django.db import connection

from audit.roles import setup_runtime_role
from coordination.models import Region


@pytest.fixture(scope="session")
def runtime_role(django_db_setup, django_db_blocker):
    """(name, password) of a runtime role granted in the test database."""
    with django_db_blocker.unblock():
        name = f"{connection.settings_dict['NAME']}_rt"[:63]
        password = secrets.token_hex(16)
        setup_runtime_role(connection, name, password)
    yield name, password
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        quoted = connection.ops.quote_name(name)
        cursor.execute(f"DROP OWNED BY {quoted}")
        cursor.execute(f"DROP ROLE {quoted}")


@pytest.fixture
def as_runtime(runtime_role):
    """Opens a separate, autocommitting connection logged in as the runtime role."""
    opened = []

    def connect() -> psycopg.Connection:
        settings = connection.settings_dict
        conn = psycopg.connect(
            dbname=settings["NAME"],
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            user=runtime_role[0],
            password=runtime_role[1],
            autocommit=True,
        )
        opened.append(conn)
        return conn

    yield connect
    for conn in opened:
        conn.close()


@pytest.fixture
def reference_data(db):
    """Regions, sectors and provinces (a transactional test may have flushed them)."""
    if not Region.objects.exists():
        from coordination.services import load_reference_data

        load_reference_data()
