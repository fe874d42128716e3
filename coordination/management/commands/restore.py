"""Restore a backup into a new, empty database and check it against its manifest:
row counts and checksums per table, and the migrations applied. Exit status 1 when
anything differs."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from coordination.backups import BackupError, Target, restore


class Command(BaseCommand):
    help = (
        "Restore a `manage.py backup` dump into an empty database (--database-url), "
        "then verify row counts and checksums per table against the manifest."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("dump", help="The dump file written by `manage.py backup`.")
        parser.add_argument(
            "--database-url",
            required=True,
            help="The new, empty database to restore into (postgres://…).",
        )
        parser.add_argument(
            "--manifest", help="The manifest (default: <dump>.manifest.json)."
        )
        parser.add_argument(
            "--no-owner",
            action="store_true",
            help="Do not restore owners and grants (a server without the same roles).",
        )

    def handle(self, *args, dump, database_url, manifest, no_owner, **options):
        try:
            result = restore(
                Path(dump),
                target=Target.from_url(database_url),
                manifest=Path(manifest) if manifest else None,
                no_owner=no_owner,
            )
        except BackupError as error:
            raise CommandError(str(error)) from None
        tables = result["tables"]
        rows = sum(table["rows"] for table in tables.values())
        if result["differences"]:
            for line in result["differences"]:
                self.stderr.write(self.style.ERROR(f"DIFFERS: {line}"))
            raise CommandError(
                f"The restored database differs from the backup in "
                f"{len(result['differences'])} place(s)."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored and verified: {len(tables)} tables, {rows} rows, row counts "
                "and checksums equal to the manifest's."
            )
        )
        self.stderr.write(
            self.style.WARNING(
                "The restored identities are readable only with the BENEFICIARY_KEYS "
                "of the backed-up site (and sessions and MFA with its SECRET_KEY and "
                "MFA_KEYS): set them before serving it."
            )
        )
