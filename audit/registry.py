"""The tables of the audit trail, listed in one place.

Every pghistory event table is in it, found from the models, so a model newly tracked
with `@pghistory.track` is covered by its next `migrate`. Other append-only tables are
named in EXTRA_AUDIT_MODELS: add a model's label there when you create one. After
`migrate` (audit.setup), every table listed is hash-chained (audit.chain) and the runtime
role may only SELECT and INSERT in it (audit.roles).
"""

from __future__ import annotations

from django.apps import apps
from django.db import models

# Append-only tables that are not pghistory events.
EXTRA_AUDIT_MODELS = (
    "referrals.IdentityAccessLog",  # who saw a beneficiary's identity
    "referrals.ReferralEvent",  # the referral timeline
)


def audit_models() -> list[type[models.Model]]:
    from pghistory.models import Event

    tracked = [
        model
        for model in apps.get_models()
        if issubclass(model, Event) and model._meta.managed and not model._meta.proxy
    ]
    return tracked + [apps.get_model(label) for label in EXTRA_AUDIT_MODELS]


def audit_tables() -> list[tuple[str, str]]:
    """(table, primary key column) of every audit table, by table name."""
    return sorted(
        {(m._meta.db_table, m._meta.pk.column) for m in audit_models()},
    )
