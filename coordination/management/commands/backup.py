"""Back up the database: a pg_dump file and its manifest (row counts and checksums per
table), with a loud reminder that the keys are not in it and must be kept apart."""

from __future__ import annotations

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coordination.backups import (
    KEYS_WARNING,
    BackupError,
    backup,
    manifest_path,
    source_target,
)


class Command(BaseCommand):
    help = (
        "Dump the database with pg_dump (custom format) and write a manifest beside it "
        "(commit, migrations, row counts and a checksum per table). The keys "
        "(BENEFICIARY_KEYS, BENEFICIARY_HASH_KEY, MFA_KEYS, SECRET_KEY) are never in it."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--output",
            help="Dump file to write (default: backups/tansiq-<UTC time>.dump).",
        )
        parser.add_argument(
            "--database-url",
            default="",
            help="Database to dump (default: DATABASE_MIGRATE_URL, else the app's).",
        )
        parser.add_argument(
            "--plain",
            action="store_true",
            help="Plain SQL instead of pg_dump's custom format.",
        )

    def handle(self, *args, output, database_url, plain, **options) -> None:
        if not output:
            stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
            output = f"backups/tansiq-{stamp}.{'sql' if plain else 'dump'}"
        path = Path(output)
        try:
            manifest = backup(path, source=source_target(database_url), plain=plain)
        except BackupError as error:
            raise CommandError(str(error)) from None
        rows = sum(table["rows"] for table in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written: {path} ({path.stat().st_size} bytes, "
                f"{len(manifest['tables'])} tables, {rows} rows)\n"
                f"Manifest: {manifest_path(path)}"
            )
        )
        self.stderr.write(self.style.WARNING(KEYS_WARNING))
