"""Re-encrypt every MFA secret with the first of MFA_KEYS (after a new key is put first)."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from organisations import mfa


class Command(BaseCommand):
    help = (
        "Re-encrypt the TOTP secrets and recovery seeds with the first key of MFA_KEYS "
        "(secrets still in clear are encrypted too); afterwards older keys can be removed."
    )

    def handle(self, *args, **options):
        try:
            mfa.fernet()
            with transaction.atomic():
                changed = mfa.reencrypt_authenticators(Authenticator.objects.all())
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{changed} authenticator(s) re-encrypted.")
