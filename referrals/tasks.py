"""Retention: identities of people with no recent activity are erased (PRODUCT.md)."""

from __future__ import annotations

from celery import shared_task

from .services import erase_expired_identities


@shared_task
def erase_expired_identities_task() -> int:
    """Erase expired identities (idempotent: erased rows are no longer expired)."""
    return erase_expired_identities()
