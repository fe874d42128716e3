"""Load the demo scenario (PRODUCT.md "Demo"); `make run` calls it on every start."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo.scenario import DEMO_PASSWORD, seed


class Command(BaseCommand):
    help = (
        "Create the demo organisations and accounts (password "
        f"{DEMO_PASSWORD}). Idempotent: existing rows are never changed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even though this looks like a production deployment.",
        )

    def handle(self, *args, force: bool, **options):
        # The demo accounts have a published password: refuse where MFA is enforced
        # and DEBUG is off (production) unless asked explicitly.
        if not (settings.DEBUG or not settings.TANSIQ_REQUIRE_MFA or force):
            raise CommandError(
                "seed_demo creates accounts with a published password; it runs with "
                "DEBUG=true or TANSIQ_REQUIRE_MFA=false (a demo), or with --force."
            )
        with transaction.atomic(), pghistory.context(command="seed_demo"):
            demo = seed()
        if demo.created:
            made = ", ".join(f"{n} {what}" for what, n in demo.created.items())
            self.stdout.write(f"Demo scenario: created {made}.")
        else:
            self.stdout.write("Demo scenario already loaded: nothing to create.")
