"""The runtime database role: it logs in, reads and writes the application's tables, and
may only SELECT and INSERT in the audit tables (audit.registry). It owns nothing, so it
can neither ALTER a table nor disable a trigger, and privileges are checked before any
trigger runs, so `pgtrigger.ignore` gives it nothing. Run as the owner of the tables.
"""

from __future__ import annotations

import environ
from django.conf import settings
from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from .registry import audit_tables

# Tables the runtime role reads only (besides the audit tables it appends to).
READ_ONLY = ("django_migrations", "audit_chain")


class RoleError(Exception):
    """The runtime role cannot be set up safely; the message says why."""


def runtime_credentials(connection: BaseDatabaseWrapper) -> tuple[str, str] | None:
    """(user, password) of settings.DATABASE_URL when it names a role other than the
    one connected (the owner), else None: one login does both, nothing to set up."""
    config = environ.Env.db_url_config(settings.DATABASE_URL)
    user = config.get("USER") or ""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()
    if not user or user == owner:
        return None
    return user, config.get("PASSWORD") or ""


def setup_runtime_role(
    connection: BaseDatabaseWrapper, user: str, password: str = ""
) -> list[str]:
    """Create or update `user` and grant it exactly the runtime rights (idempotent, in
    one transaction). Returns the audit tables it may only append to."""
    quote = connection.ops.quote_name
    role = quote(user)
    tables = [table for table, _pk in audit_tables()]
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
        if user == owner:
            raise RoleError(f"the runtime role {user} is the owner role")
        cursor.execute("SELECT rolsuper, oid FROM pg_roles WHERE rolname = %s", [user])
        existing = cursor.fetchone()
        if existing is None:
            cursor.execute(f"CREATE ROLE {role} LOGIN")
        else:
            cursor.execute(
                "SELECT count(*) FROM pg_class c JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE c.relowner = %s "
                "AND n.nspname NOT IN ('pg_catalog', 'information_schema')",
                [existing[1]],
            )
            if cursor.fetchone()[0]:
                raise RoleError(
                    f"the runtime role {user} owns tables in {database}: "
                    "reassign them to the owner role (REASSIGN OWNED) first"
                )
        cursor.execute(
            f"ALTER ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
            "NOREPLICATION NOBYPASSRLS INHERIT"
        )
        if password:
            # format() quotes the password server-side: no quoting of ours to get wrong.
            cursor.execute(
                "SELECT format('ALTER ROLE %%I PASSWORD %%L', %s, %s)", [user, password]
            )
            cursor.execute(cursor.fetchone()[0])
        cursor.execute(
            f"GRANT CONNECT, TEMPORARY ON DATABASE {quote(database)} TO {role}"
        )
        cursor.execute(f"GRANT USAGE ON SCHEMA public TO {role}")
        cursor.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}")
        cursor.execute(
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
        )
        cursor.execute(
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"
        )
        for table in (*tables, *READ_ONLY):
            cursor.execute(f"REVOKE UPDATE, DELETE ON {quote(table)} FROM {role}")
        for table in READ_ONLY:
            cursor.execute(f"REVOKE INSERT ON {quote(table)} FROM {role}")
        # Tables and sequences the owner creates later (the next migrations) are
        # ordinary ones until the next setup, which `migrate` runs.
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, "
            f"DELETE ON TABLES TO {role}"
        )
        cursor.execute(
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON "
            f"SEQUENCES TO {role}"
        )
    return tables
