"""Load Morocco's regions and provinces and the sector list (idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from coordination.services import load_reference_data


class Command(BaseCommand):
    help = "Load regions, provinces (HCP, 2024 census), sectors and service types."

    def handle(self, *args, **options):
        counts = load_reference_data()
        self.stdout.write(", ".join(f"{v} {k}" for k, v in counts.items()))
