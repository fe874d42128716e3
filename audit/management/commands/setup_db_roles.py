"""`manage.py setup_db_roles`: create or update the runtime role of DATABASE_URL and
grant it the runtime rights (audit.roles); `migrate` does it too, last."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from audit.chain import install_chain
from audit.roles import RoleError, runtime_credentials, setup_runtime_role


class Command(BaseCommand):
    help = (
        "Set up the runtime database role (DATABASE_URL) as the owner "
        "(DATABASE_MIGRATE_URL): ordinary rights, append-only audit tables."
    )

    def handle(self, *args, **options):
        chained = install_chain(connection)
        if chained:
            self.stdout.write(f"Chained {len(chained)} audit tables.")
        credentials = runtime_credentials(connection)
        if credentials is None:
            self.stdout.write(
                "DATABASE_URL and DATABASE_MIGRATE_URL name the same role: "
                "nothing to set up (the application runs as the owner)."
            )
            return
        try:
            tables = setup_runtime_role(connection, *credentials)
        except RoleError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Runtime role {credentials[0]}: read and write, append-only on "
            f"{len(tables)} audit tables."
        )
