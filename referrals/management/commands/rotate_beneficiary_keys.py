"""Re-encrypt every beneficiary's identity fields with the current (first) key."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from referrals.crypto import rotate
from referrals.models import IDENTITY_FIELDS, Beneficiary


class Command(BaseCommand):
    help = (
        "Re-encrypt beneficiaries' identity fields with the first key of "
        "BENEFICIARY_KEYS; afterwards the other keys can be removed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000)

    def handle(self, *args, batch_size: int, **options) -> None:
        table = connection.ops.quote_name(Beneficiary._meta.db_table)
        columns = [Beneficiary._meta.get_field(f).column for f in IDENTITY_FIELDS]
        quoted = [connection.ops.quote_name(c) for c in columns]
        last_pk, done = 0, 0
        while True:
            # Raw tokens in and out: the clear text never leaves `rotate`, and the
            # audit trail is untouched (its triggers ignore these columns).
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT id, {', '.join(quoted)} FROM {table} WHERE id > %s "
                    "ORDER BY id LIMIT %s FOR UPDATE",
                    [last_pk, batch_size],
                )
                rows = cursor.fetchall()
                if not rows:
                    break
                for pk, *tokens in rows:
                    cursor.execute(
                        f"UPDATE {table} SET "
                        + ", ".join(f"{q} = %s" for q in quoted)
                        + " WHERE id = %s",
                        [*(rotate(t or "") for t in tokens), pk],
                    )
                last_pk, done = rows[-1][0], done + len(rows)
        self.stdout.write(f"Re-encrypted {done} beneficiaries with the current key.")
