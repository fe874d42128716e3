"""Attach the hash chain to every audit table, and walk the chains to find a broken link.

A table is chained by a deferred constraint trigger calling audit_chain_append (frozen in
audit/migrations/0001_initial.py). When a table is chained for the first time, its
existing rows are chained in key order; afterwards a row without a link is a finding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from .registry import audit_tables

TRIGGER = "audit_chain_append"

# The settings audit_chain_append runs with: values print the same way when verified.
CANONICAL_SETTINGS = (
    "SET LOCAL \"TimeZone\" = 'UTC'",
    "SET LOCAL extra_float_digits = 1",
    "SET LOCAL \"IntervalStyle\" = 'postgres'",
)

CREATE_TRIGGER = (
    "CREATE CONSTRAINT TRIGGER {trigger} AFTER INSERT ON {table} "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {trigger}({pk})"
)

# Chains the rows of a table that has no link yet, in key order.
BACKFILL = """
WITH ordered AS (
    SELECT t.{pk} AS pk, to_jsonb(t) AS content,
           row_number() OVER (ORDER BY t.{pk}) AS seq
    FROM {table} AS t
)
SELECT pk, seq, content::text, ARRAY(SELECT jsonb_object_keys(content))
FROM ordered ORDER BY seq
"""

# Each link with the digest it should have: sha256(stored digest of the previous link ‖
# the row as it is now, restricted to the columns it had when chained).
WALK = """
SELECT c.seq, c.row_pk, lag(c.seq) OVER w, t.{pk} IS NULL,
       encode(sha256(
           coalesce(lag(c.digest) OVER w, ''::bytea)
           || convert_to((SELECT jsonb_object_agg(e.key, e.value)
                          FROM jsonb_each(to_jsonb(t)) AS e
                          WHERE e.key = ANY (c.columns))::text, 'UTF8')), 'hex'),
       encode(c.digest, 'hex')
FROM audit_chain AS c LEFT JOIN {table} AS t ON t.{pk} = c.row_pk
WHERE c.table_name = %s
WINDOW w AS (ORDER BY c.seq)
ORDER BY c.seq
"""

UNCHAINED = """
SELECT t.{pk} FROM {table} AS t
WHERE NOT EXISTS (
    SELECT 1 FROM audit_chain AS c WHERE c.table_name = %s AND c.row_pk = t.{pk}
)
ORDER BY t.{pk} LIMIT 1
"""


def install_chain(connection: BaseDatabaseWrapper) -> list[str]:
    """Chain every audit table not chained yet (idempotent); returns the tables chained
    now. Runs as the owner of the tables."""
    quote = connection.ops.quote_name
    installed = []
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
            "WHERE g.tgname = %s",
            [TRIGGER],
        )
        chained = {name for (name,) in cursor.fetchall()}
        for statement in CANONICAL_SETTINGS:
            cursor.execute(statement)
        for table, pk in audit_tables():
            if table in chained:
                continue
            if not pk.isidentifier():
                raise ValueError(f"unexpected primary key column {pk!r}")
            _backfill(cursor, table, pk, quote)
            cursor.execute(
                CREATE_TRIGGER.format(trigger=TRIGGER, table=quote(table), pk=f"'{pk}'")
            )
            installed.append(table)
    return installed


def _backfill(cursor, table: str, pk: str, quote) -> None:
    """Chain the rows a table had before it was chained (first time only)."""
    cursor.execute("SELECT count(*) FROM audit_chain WHERE table_name = %s", [table])
    if cursor.fetchone()[0]:
        return  # chained before (its trigger was dropped): verify says what is off
    cursor.execute(BACKFILL.format(table=quote(table), pk=quote(pk)))
    digest = b""
    links = []
    for row_pk, seq, content, keys in cursor.fetchall():
        digest = hashlib.sha256(digest + content.encode()).digest()
        links.append((table, row_pk, seq, keys, digest))
    cursor.executemany(
        "INSERT INTO audit_chain (table_name, row_pk, seq, columns, digest) "
        "VALUES (%s, %s, %s, %s, %s)",
        links,
    )


@dataclass(frozen=True)
class BrokenLink:
    table: str
    row_pk: int | None
    problem: str
    expected: str
    found: str


@dataclass(frozen=True)
class Report:
    rows: int
    tables: int
    broken: BrokenLink | None
    heads: dict[str, str]


def verify(connection: BaseDatabaseWrapper) -> Report:
    """Walk every chain; stop at the first broken link."""
    quote = connection.ops.quote_name
    rows = 0
    heads: dict[str, str] = {}
    tables = audit_tables()
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        for statement in CANONICAL_SETTINGS:
            cursor.execute(statement)
        for table, pk in tables:
            names = {"table": quote(table), "pk": quote(pk)}
            for link in _walk(cursor, WALK.format(**names), table):
                broken = _check(table, link)
                if broken:
                    return Report(rows, len(tables), broken, heads)
                rows += 1
                heads[table] = link[5]
            cursor.execute(UNCHAINED.format(**names), [table])
            if (found := cursor.fetchone()) is not None:
                broken = BrokenLink(
                    table, found[0], "row without a link", "a link", "none"
                )
                return Report(rows, len(tables), broken, heads)
    return Report(rows, len(tables), None, heads)


def _walk(cursor, sql: str, table: str) -> Iterator[tuple]:
    cursor.execute(sql, [table])
    while batch := cursor.fetchmany(2000):
        yield from batch


def _check(table: str, link: tuple) -> BrokenLink | None:
    seq, row_pk, previous, missing, expected, found = link
    if (previous or 0) != seq - 1:
        return BrokenLink(
            table,
            row_pk,
            "link missing before",
            f"position {seq - 1}",
            f"position {previous or 0}",
        )
    if missing:
        return BrokenLink(table, row_pk, "row deleted", "the row", "none")
    if expected != found:
        return BrokenLink(table, row_pk, "row or link changed", expected, found)
    return None
