"""Large spreadsheet imports run in a worker while the page shows their progress."""

from __future__ import annotations

import pghistory
from celery import shared_task

from organisations.models import User

from .models import InterventionImport
from .services import count_import_rows, import_interventions


@shared_task
def import_interventions_task(import_id: int, actor_id: int, dry_run: bool) -> str:
    """Check or import a kept spreadsheet (idempotent: a finished one is left alone)."""
    record = (
        InterventionImport.objects.select_related("organisation")
        .filter(pk=import_id)
        .first()
    )
    if record is None or record.status in (
        InterventionImport.Status.DONE,
        InterventionImport.Status.FAILED,
    ):
        return "skipped"
    actor = User.objects.get(pk=actor_id)
    # A worker acts for the organisation the file was uploaded for.
    actor._token_organisation = record.organisation
    record = count_import_rows(record)
    with pghistory.context(user=actor.pk, import_id=record.pk):
        record = import_interventions(record, actor=actor, dry_run=dry_run)
    return record.status
