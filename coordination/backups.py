"""Backups: a pg_dump of the database with a manifest that a restore is checked against.

The manifest (JSON beside the dump) records the application's commit, the migrations
applied, and for every table its row count and a checksum computed in SQL. The checksums
are taken in the same snapshot that pg_dump exports (`pg_export_snapshot()`), so the dump
and its manifest describe exactly the same data even while the site is in use.

The keys (`BENEFICIARY_KEYS`, `BENEFICIARY_HASH_KEY`, `MFA_KEYS`, `SECRET_KEY`) live in
the environment, never in the database: a dump holds identities only as ciphertext, and is
useless for them without the keys, which must be kept apart from it.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import environ
import psycopg
from django.conf import settings

MANIFEST_FORMAT = 1
KEYS_KEPT_APART = ("BENEFICIARY_KEYS", "BENEFICIARY_HASH_KEY", "MFA_KEYS", "SECRET_KEY")
KEYS_WARNING = (
    "WARNING: this backup does NOT contain the keys "
    + ", ".join(KEYS_KEPT_APART)
    + ".\nKeep them apart from the dump (e.g. in the password manager or secrets vault of "
    "the people who may restore), never in the same place: without BENEFICIARY_KEYS the "
    "restored beneficiaries' identities cannot be read, and a dump stored with its keys "
    "exposes every identity in it."
)
# Every session that computes checksums prints values the same way, whatever the server's
# or the client's defaults, so a checksum taken on one server matches one taken on another.
_SESSION_SETTINGS = (
    "SET TIME ZONE 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 1",
    "SET bytea_output = 'hex'",
)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (no secret in it)."""


@dataclass(frozen=True)
class Target:
    """Where to connect: libpq parameters, the password passed by environment only."""

    host: str
    port: str
    user: str
    password: str
    dbname: str
    options: dict[str, Any]

    @classmethod
    def from_settings(cls, config: dict[str, Any]) -> Target:
        return cls(
            host=str(config.get("HOST") or ""),
            port=str(config.get("PORT") or ""),
            user=str(config.get("USER") or ""),
            password=str(config.get("PASSWORD") or ""),
            dbname=str(config.get("NAME") or ""),
            options=dict(config.get("OPTIONS") or {}),
        )

    @classmethod
    def from_url(cls, url: str) -> Target:
        config = environ.Env.db_url_config(url)
        if config.get("ENGINE") != "django.db.backends.postgresql":
            raise BackupError("Only a postgres:// database URL can be used.")
        return cls.from_settings(config)

    def connect_kwargs(self) -> dict[str, Any]:
        kwargs = {
            "host": self.host,
            "port": self.port,
            "user": self.user,
            "password": self.password,
            "dbname": self.dbname,
            "connect_timeout": 10,
        }
        for name in ("sslmode", "sslrootcert", "sslcert", "sslkey"):
            if self.options.get(name):
                kwargs[name] = self.options[name]
        return {k: v for k, v in kwargs.items() if v not in ("", None)}

    def libpq_env(self) -> dict[str, str]:
        """Environment for pg_dump/pg_restore: nothing secret on their command line."""
        names = {
            "host": "PGHOST",
            "port": "PGPORT",
            "user": "PGUSER",
            "password": "PGPASSWORD",
            "dbname": "PGDATABASE",
            "sslmode": "PGSSLMODE",
            "sslrootcert": "PGSSLROOTCERT",
            "sslcert": "PGSSLCERT",
            "sslkey": "PGSSLKEY",
            "connect_timeout": "PGCONNECT_TIMEOUT",
        }
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        for key, value in self.connect_kwargs().items():
            env[names[key]] = str(value)
        return env

    def connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(**self.connect_kwargs())
        except psycopg.OperationalError as error:
            raise BackupError(
                f"Cannot connect to database {self.dbname!r}: {_first_line(error)}"
            ) from None


def source_target(database_url: str = "") -> Target:
    """The database to back up: the URL given, else DATABASE_MIGRATE_URL (the owner
    role, which can read every table), else the application's default database."""
    url = database_url or getattr(settings, "DATABASE_MIGRATE_URL", "")
    if url:
        return Target.from_url(url)
    from django.db import connections

    return Target.from_settings(connections["default"].settings_dict)


# ---------------------------------------------------------------------------
# Binaries: pg_dump/pg_restore at least as new as the server
# ---------------------------------------------------------------------------
def _candidate_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("PG_BIN_DIR"):
        dirs.append(Path(os.environ["PG_BIN_DIR"]))
    try:
        with warnings.catch_warnings():  # platformdirs warns without XDG_RUNTIME_DIR
            warnings.simplefilter("ignore")
            import pgserver

        dirs.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    except ImportError:  # pragma: no cover (pgserver is a requirement)
        pass
    on_path = shutil.which("pg_dump")
    if on_path:
        dirs.append(Path(on_path).resolve().parent)
    dirs.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True))
    return dirs


def binary_major(path: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except OSError:
        return None
    match = re.search(r"\) (\d+)", out)
    return int(match.group(1)) if match else None


def find_binary(name: str, server_major: int) -> Path:
    """The `name` binary (pg_dump or pg_restore) whose major version is the server's,
    else the oldest newer one (a newer pg_dump reads an older server; an older one
    refuses). PG_BIN_DIR, then pgserver's own binaries, then PATH, then Debian's."""
    found: list[tuple[int, Path]] = []
    for directory in _candidate_dirs():
        path = directory / name
        if path.is_file() and os.access(path, os.X_OK):
            major = binary_major(path)
            if major is not None and major >= server_major:
                found.append((major, path))
    if not found:
        raise BackupError(
            f"No {name} of PostgreSQL {server_major} or newer was found. Install the "
            f"PostgreSQL client (e.g. apt-get install postgresql-client-{server_major}) "
            "or set PG_BIN_DIR to the directory holding it."
        )
    return min(found, key=lambda item: item[0])[1]


# ---------------------------------------------------------------------------
# Fingerprints: row counts and checksums per table, computed in SQL
# ---------------------------------------------------------------------------
def _tables(cursor) -> list[tuple[str, str]]:
    cursor.execute(
        "SELECT n.nspname, c.relname FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_toast%%' AND n.nspname NOT LIKE 'pg\\_temp%%' "
        "ORDER BY n.nspname, c.relname"
    )
    return cursor.fetchall()


def fingerprints(cursor) -> dict[str, dict[str, Any]]:
    """{"schema.table": {"rows": n, "md5": …}} for every table. The checksum is the md5
    of the rows' md5s in byte order: it does not depend on the physical order of rows,
    nor on the server's collation or the session's time zone (set to UTC here)."""
    for statement in _SESSION_SETTINGS:
        cursor.execute(statement)
    result = {}
    for schema, table in _tables(cursor):
        name = f"{_quote(schema)}.{_quote(table)}"
        cursor.execute(
            "SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h COLLATE \"C\"), "
            f"'')) FROM (SELECT md5(t::text) AS h FROM {name} t) rows"
        )
        count, checksum = cursor.fetchone()
        key = table if schema == "public" else f"{schema}.{table}"
        result[key] = {"rows": count, "md5": checksum}
    return result


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _migrations(cursor) -> dict[str, str]:
    """The last migration applied per app (empty before the first migrate)."""
    cursor.execute("SELECT to_regclass('public.django_migrations') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    last: dict[str, str] = {}
    for app, name in cursor.fetchall():
        last[app] = name
    return last


def _git_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + ".manifest.json")


# ---------------------------------------------------------------------------
# Backup
# ---------------------------------------------------------------------------
def backup(output: Path, *, source: Target, plain: bool = False) -> dict[str, Any]:
    """Dump `source` to `output` (pg_dump's custom format, or plain SQL with `plain`)
    and write the manifest beside it; return the manifest."""
    output = Path(output)
    if output.exists():
        raise BackupError(f"{output} exists already; choose a new file name.")
    output.parent.mkdir(parents=True, exist_ok=True)
    with source.connect() as conn:
        # One snapshot for the checksums and for pg_dump: they see the same rows.
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            server_major = int(cursor.fetchone()[0]) // 10000
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            tables = fingerprints(cursor)
            migrations = _migrations(cursor)
            cursor.execute("SHOW server_version")
            server_version = cursor.fetchone()[0]
        pg_dump = find_binary("pg_dump", server_major)
        command = [
            str(pg_dump),
            "--format=plain" if plain else "--format=custom",
            f"--snapshot={snapshot}",
            f"--file={output}",
            "--no-password",
        ]
        done = subprocess.run(
            command, env=source.libpq_env(), capture_output=True, text=True
        )
        conn.rollback()
    if done.returncode != 0:
        output.unlink(missing_ok=True)
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    manifest = {
        "format": MANIFEST_FORMAT,
        "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
        "dump": output.name,
        "dump_format": "plain" if plain else "custom",
        "dump_sha256": sha256_of(output),
        "git_commit": _git_commit(),
        "database": source.dbname,
        "server_version": server_version,
        "pg_dump": str(pg_dump),
        "migrations": migrations,
        "tables": tables,
        "keys_not_included": list(KEYS_KEPT_APART),
    }
    manifest_path(output).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return manifest


# ---------------------------------------------------------------------------
# Restore
# ---------------------------------------------------------------------------
def _require_empty(cursor, dbname: str) -> None:
    if _tables(cursor):
        raise BackupError(
            f"Database {dbname!r} is not empty: restore into a new database "
            "(createdb NAME), then point DATABASE_URL at it."
        )


def restore(
    dump: Path, *, target: Target, manifest: Path | None = None, no_owner: bool = False
) -> dict[str, Any]:
    """Restore `dump` into the empty database `target`, then compare row counts and
    checksums with the manifest. Returns {"manifest": …, "differences": [...]}."""
    dump = Path(dump)
    manifest = Path(manifest) if manifest else manifest_path(dump)
    if not dump.is_file():
        raise BackupError(f"{dump} does not exist.")
    if not manifest.is_file():
        raise BackupError(
            f"The manifest {manifest} is missing: without it the restore cannot be "
            "checked (pass --manifest)."
        )
    expected = json.loads(manifest.read_text())
    if expected.get("dump_sha256") and expected["dump_sha256"] != sha256_of(dump):
        raise BackupError(
            f"{dump} is not the file the manifest describes (its SHA-256 differs)."
        )
    with target.connect() as conn, conn.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        server_major = int(cursor.fetchone()[0]) // 10000
        _require_empty(cursor, target.dbname)
    if expected.get("dump_format") == "plain":
        command = [
            str(find_binary("psql", server_major)),
            "--no-psqlrc",
            "--quiet",
            "--set=ON_ERROR_STOP=1",
            "--single-transaction",
            f"--file={dump}",
        ]
    else:
        command = [
            str(find_binary("pg_restore", server_major)),
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            f"--dbname={target.dbname}",
        ]
        if no_owner:
            command += ["--no-owner", "--no-privileges"]
        command.append(str(dump))
    done = subprocess.run(
        command, env=target.libpq_env(), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BackupError(f"The restore failed: {done.stderr.strip()}")
    with target.connect() as conn, conn.cursor() as cursor:
        actual = fingerprints(cursor)
        migrations = _migrations(cursor)
    return {
        "manifest": expected,
        "tables": actual,
        "differences": compare(expected, actual, migrations),
    }


def compare(
    expected: dict[str, Any], tables: dict[str, Any], migrations: dict[str, str]
) -> list[str]:
    """What differs between the manifest and the restored database, one line each."""
    differences = []
    wanted = expected.get("tables", {})
    for name in sorted(set(wanted) | set(tables)):
        if name not in tables:
            differences.append(f"{name}: missing from the restored database")
        elif name not in wanted:
            differences.append(f"{name}: not in the manifest")
        elif wanted[name]["rows"] != tables[name]["rows"]:
            differences.append(
                f"{name}: {tables[name]['rows']} rows, {wanted[name]['rows']} expected"
            )
        elif wanted[name]["md5"] != tables[name]["md5"]:
            differences.append(f"{name}: same row count, different checksum")
    if expected.get("migrations", {}) != migrations:
        differences.append("the migrations applied differ from the manifest's")
    return differences


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [""])[0]
