"""One link of the audit trail's hash chains: written only by the database (the
`audit_chain_append` trigger of audit/migrations/0001_initial.py), never by the app."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _


class ChainLink(models.Model):
    """Row `row_pk` of `table_name` is the `seq`-th of its table's chain: `digest` is
    sha256(previous link's digest ‖ the row as canonical JSON, restricted to `columns`,
    the columns it had when chained, so adding a column later breaks nothing)."""

    table_name = models.CharField(_("table"), max_length=63)
    row_pk = models.BigIntegerField(_("row"))
    seq = models.BigIntegerField(_("position"))
    columns = ArrayField(models.CharField(max_length=63))
    digest = models.BinaryField(_("digest"))
    chained_at = models.DateTimeField(_("chained"), db_default=Now())

    class Meta:
        db_table = "audit_chain"
        constraints = [
            models.UniqueConstraint(
                fields=["table_name", "seq"], name="audit_chain_position"
            )
        ]
        indexes = [
            models.Index(fields=["table_name", "row_pk"], name="audit_chain_row")
        ]
        verbose_name = _("audit chain link")
        verbose_name_plural = _("audit chain links")

    def __str__(self) -> str:
        return f"{self.table_name}#{self.row_pk}"
