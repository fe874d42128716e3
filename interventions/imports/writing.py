"""Writing checked rows: COPY into a temporary table, then one INSERT … ON CONFLICT moves
them into place (a known reference updates its intervention, an unchanged row is left
alone), and the partners are replaced in one DELETE and one INSERT."""

from __future__ import annotations

from typing import Any

from interventions.models import COUNTS, Intervention

# The temporary table rows are copied into, in COPY's column order.
COPY_COLUMNS = (
    "row_number", "external_ref", "emergency_id", "sector_id", "activity_id", "region_id",
    "province_id", "commune", "latitude", "longitude", "start_date", "end_date", "status",
    "modality", *(f"targeted_{p}" for p in COUNTS), *(f"reached_{p}" for p in COUNTS),
    "funding_source", "description",
)  # fmt: skip
_TYPES = {
    "row_number": "integer", "external_ref": "varchar(100)", "emergency_id": "bigint",
    "sector_id": "bigint", "activity_id": "bigint", "region_id": "bigint",
    "province_id": "bigint", "commune": "varchar(200)", "latitude": "numeric(9,6)",
    "longitude": "numeric(9,6)", "start_date": "date", "end_date": "date",
    "status": "varchar(20)", "modality": "varchar(20)", "funding_source": "varchar(200)",
    "description": "text", "partner_ids": "bigint[]",
}  # fmt: skip
TEMP_TABLE = "tansiq_intervention_import"
# Columns the import writes (all but the row number); an update changes these.
WRITTEN = COPY_COLUMNS[1:]
CHANGED = [c for c in WRITTEN if c != "external_ref"]


def copy_columns(*, partners: bool) -> tuple[str, ...]:
    """The temporary table's columns (with the partners' ids when the file has them)."""
    return (*COPY_COLUMNS, "partner_ids") if partners else COPY_COLUMNS


def create_temp_table(cursor, columns: tuple[str, ...]) -> None:
    """The temporary table of this transaction (dropped on commit)."""
    definitions = ", ".join(f"{c} {_TYPES.get(c, 'integer')}" for c in columns)
    # pgtrigger's per-row check reads this setting and, when it was never set,
    # catches the error in a subtransaction: per row, that is most of an import's
    # cost. Set (empty: no trigger ignored) for this transaction only.
    cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
    cursor.execute(f"DROP TABLE IF EXISTS {TEMP_TABLE}")
    cursor.execute(f"CREATE TEMP TABLE {TEMP_TABLE} ({definitions}) ON COMMIT DROP")


def copy_into_temp_table(cursor, columns: tuple[str, ...]):
    """A COPY … FROM STDIN into the temporary table (a context manager; write_row)."""
    return cursor.cursor.copy(f"COPY {TEMP_TABLE} ({', '.join(columns)}) FROM STDIN")


def count_known(cursor, params: dict[str, Any]) -> int:
    """How many copied rows carry a reference the organisation already has."""
    cursor.execute(
        f"""SELECT count(*) FROM {TEMP_TABLE} t JOIN {Intervention._meta.db_table} i
            ON i.organisation_id = %(organisation)s AND i.external_ref = t.external_ref""",
        params,
    )
    return cursor.fetchone()[0]


def merge(cursor, params: dict[str, Any], *, partners: bool) -> tuple[int, int]:
    """Move the copied rows into place; (created, updated)."""
    if partners:  # the merge compares partner sets by reference
        cursor.execute(f"CREATE INDEX ON {TEMP_TABLE} (external_ref)")
        cursor.execute(f"ANALYZE {TEMP_TABLE}")
    cursor.execute(_merge_sql(partners=partners), params)
    created, updated = cursor.fetchone()
    if partners:
        _set_partners(cursor, params)
    return created, updated


def _through() -> tuple[str, str, str]:
    """The partners' through table and its two columns."""
    through = Intervention.partners.through._meta
    return (
        through.db_table,
        through.get_field("intervention").column,
        through.get_field("organisation").column,
    )


def _merge_sql(*, partners: bool = False) -> str:
    table = Intervention._meta.db_table
    columns = ", ".join(WRITTEN)
    changed = ", ".join(f"{c} = EXCLUDED.{c}" for c in CHANGED)
    differs = ", ".join(f"{table}.{c}" for c in CHANGED)
    new = ", ".join(f"EXCLUDED.{c}" for c in CHANGED)
    partners_differ = ""
    if partners:  # a new partner set alone is a change too (partner_ids are sorted)
        through, intervention, organisation = _through()
        partners_differ = f"""
            OR (SELECT coalesce(array_agg(p.{organisation} ORDER BY p.{organisation}), '{{}}')
                FROM {through} p WHERE p.{intervention} = {table}.id)
            IS DISTINCT FROM (SELECT t.partner_ids FROM {TEMP_TABLE} t
                WHERE t.external_ref = EXCLUDED.external_ref)"""
    return f"""
        WITH merged AS (
            INSERT INTO {table} (
                organisation_id, {columns}, version, created_by_id, updated_by_id,
                created_at, updated_at
            )
            SELECT %(organisation)s, {columns}, 1, %(actor)s, NULL, %(now)s, %(now)s
            FROM {TEMP_TABLE} ORDER BY row_number
            ON CONFLICT (organisation_id, external_ref) WHERE NOT (external_ref = '')
            DO UPDATE SET {changed}, version = {table}.version + 1,
                updated_by_id = %(actor)s, updated_at = %(now)s
            WHERE ({differs}) IS DISTINCT FROM ({new}){partners_differ}
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
        FROM merged
    """


def _set_partners(cursor, params: dict[str, Any]) -> None:
    """Replace each imported row's partners with the file's: one DELETE and one
    INSERT on the through table for the whole file."""
    table = Intervention._meta.db_table
    through, intervention, organisation = _through()
    rows = f"""{TEMP_TABLE} t JOIN {table} i ON i.organisation_id = %(organisation)s
        AND i.external_ref = t.external_ref"""
    cursor.execute(
        f"""DELETE FROM {through} p USING {rows}
            WHERE p.{intervention} = i.id AND NOT (p.{organisation} = ANY(t.partner_ids))""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO {through} ({intervention}, {organisation})
            SELECT i.id, partner FROM {rows}
            CROSS JOIN LATERAL unnest(t.partner_ids) AS partner
            ON CONFLICT DO NOTHING""",
        params,
    )
