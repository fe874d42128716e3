"""Encrypt the MFA secrets stored in clear before MFA_KEYS existed (issue #12 item 1).

Forwards: every TOTP secret, recovery seed and migrated code is encrypted with the first
of MFA_KEYS (refused without keys if there is anything to encrypt). Backwards: they are
decrypted to clear text again, as the code before this migration expects.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db import migrations


def _authenticators(apps):
    return apps.get_model("mfa", "Authenticator").objects.all()


def encrypt_secrets(apps, schema_editor):
    from organisations import mfa

    authenticators = _authenticators(apps)
    if not authenticators.exists():
        return
    try:
        mfa.fernet()
    except ImproperlyConfigured as error:
        raise ImproperlyConfigured(
            f"{error} Set MFA_KEYS before migrating: existing MFA secrets are "
            "encrypted by this migration."
        ) from None
    mfa.reencrypt_authenticators(authenticators)


def decrypt_secrets(apps, schema_editor):
    from organisations import mfa

    mfa.reencrypt_authenticators(_authenticators(apps), clear=True)


class Migration(migrations.Migration):
    dependencies = [
        ("organisations", "0003_apitoken_scope_expiry"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
