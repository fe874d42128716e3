"""The audit trail's hash chains: the audit_chain table and the trigger function that
appends to it, frozen here as SQL text. audit.chain.install_chain attaches the function
to every audit table after each `migrate` (audit.registry lists them).

The trigger is a deferred constraint trigger: it runs at commit, reads the row as
committed, takes a per-table advisory lock (held to the end of the commit), and appends sha256(previous digest ‖ row as
canonical JSON). It runs as its owner (SECURITY DEFINER), so the runtime role needs no
right on audit_chain beyond SELECT, and the settings that change how values print are
fixed, so a digest computed again later reads the same text.
"""

from django.contrib.postgres.fields import ArrayField
from django.db import migrations, models
from django.db.models.functions import Now

# pg_advisory_xact_lock({CHAIN_LOCK_SPACE}, table oid); "audt" in ASCII.
CHAIN_LOCK_SPACE = 1635083380

FUNCTION_SQL = f"""
CREATE OR REPLACE FUNCTION audit_chain_append() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public
SET "TimeZone" = 'UTC'
SET extra_float_digits = 1
SET "IntervalStyle" = 'postgres'
AS $$
DECLARE
    pk_column text := TG_ARGV[0];
    pk bigint := (to_jsonb(NEW) ->> pk_column)::bigint;
    content jsonb;
    last_seq bigint;
    last_digest bytea;
BEGIN
    EXECUTE format('SELECT to_jsonb(t) FROM %I.%I AS t WHERE %I = $1',
                   TG_TABLE_SCHEMA, TG_TABLE_NAME, pk_column)
        INTO content USING pk;
    IF content IS NULL THEN  -- deleted in the transaction that inserted it
        RETURN NULL;
    END IF;
    -- One writer per table from here to the end of the commit: the links of a table
    -- form one line, in commit order. (EXECUTE plans the lookup with its value: the
    -- index is used however small the table was when the plan was first made.)
    PERFORM pg_advisory_xact_lock({CHAIN_LOCK_SPACE}, TG_RELID::int);
    EXECUTE 'SELECT seq, digest FROM audit_chain WHERE table_name = $1 '
            'ORDER BY seq DESC LIMIT 1'
        INTO last_seq, last_digest USING TG_TABLE_NAME::text;
    INSERT INTO audit_chain (table_name, row_pk, seq, columns, digest, chained_at)
    VALUES (TG_TABLE_NAME::text, pk, coalesce(last_seq, 0) + 1,
            ARRAY(SELECT jsonb_object_keys(content)),
            sha256(coalesce(last_digest, ''::bytea) || convert_to(content::text, 'UTF8')),
            now());
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION audit_chain_append() FROM PUBLIC;
"""

DROP_SQL = "DROP FUNCTION IF EXISTS audit_chain_append() CASCADE;"


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="ChainLink",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("table_name", models.CharField(max_length=63, verbose_name="table")),
                ("row_pk", models.BigIntegerField(verbose_name="row")),
                ("seq", models.BigIntegerField(verbose_name="position")),
                (
                    "columns",
                    ArrayField(base_field=models.CharField(max_length=63), size=None),
                ),
                ("digest", models.BinaryField(verbose_name="digest")),
                (
                    "chained_at",
                    models.DateTimeField(db_default=Now(), verbose_name="chained"),
                ),
            ],
            options={
                "verbose_name": "audit chain link",
                "verbose_name_plural": "audit chain links",
                "db_table": "audit_chain",
                "indexes": [
                    models.Index(
                        fields=["table_name", "row_pk"], name="audit_chain_row"
                    )
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("table_name", "seq"), name="audit_chain_position"
                    )
                ],
            },
        ),
        migrations.RunSQL(FUNCTION_SQL, DROP_SQL),
    ]
