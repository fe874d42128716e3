"""Erase the identity fields of beneficiaries with no activity for the retention period."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from referrals.services import erase_expired_identities


class Command(BaseCommand):
    help = (
        "Erase identity fields of beneficiaries with no activity for "
        "BENEFICIARY_RETENTION_MONTHS, keeping the pseudonymous record and audit trail."
    )

    def handle(self, *args, **options) -> None:
        erased = erase_expired_identities()
        self.stdout.write(
            f"Erased the identity of {erased} beneficiaries "
            f"(retention: {settings.BENEFICIARY_RETENTION_MONTHS} months)."
        )
