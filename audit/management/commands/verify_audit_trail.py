"""`manage.py verify_audit_trail`: walk every audit chain (audit.chain) and report the
first broken link (exit code 1), or that the trail is intact (exit code 0)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from django.db import connection

from audit.chain import verify


class Command(BaseCommand):
    help = "Verify the audit trail's hash chains; exit code 1 at the first broken link."

    def add_arguments(self, parser):
        parser.add_argument(
            "--heads",
            action="store_true",
            help="Also print each table's last digest, to record outside the database.",
        )

    def handle(self, *args, heads: bool, **options):
        report = verify(connection)
        if options["verbosity"] > 1 or heads:
            for table, digest in sorted(report.heads.items()):
                self.stdout.write(f"{table} {digest}")
        if report.broken is not None:
            link = report.broken
            self.stderr.write(
                f"broken: table {link.table}, row {link.row_pk}: {link.problem} "
                f"(expected {link.expected}, found {link.found}); "
                f"{report.rows} links intact before it"
            )
            sys.exit(1)
        self.stdout.write(f"intact: {report.rows} rows in {report.tables} tables")
