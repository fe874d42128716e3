"""A running import's progress: rows read so far, kept in the cache (outside the
import's transaction) so that the page can show it while the rows are checked."""

from __future__ import annotations

from django.core.cache import cache

from interventions.models import InterventionImport

PROGRESS_EVERY = 2000  # rows between progress updates


def _progress_key(record_id: int) -> str:
    return f"intervention-import-{record_id}-rows"


def note_progress(record_id: int, rows: int) -> None:
    """Say how many rows a running import has read (every PROGRESS_EVERY rows)."""
    if rows % PROGRESS_EVERY == 0:
        cache.set(_progress_key(record_id), rows, 3600)


def forget_progress(record_id: int) -> None:
    """The import is over: its figures are in its record now."""
    cache.delete(_progress_key(record_id))


def progress_of(record: InterventionImport) -> int:
    """Rows read so far by a running import (kept in the cache, outside its
    transaction, so the page can show it)."""
    return cache.get(_progress_key(record.pk), record.processed_rows)
