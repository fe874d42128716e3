"""Periodic housekeeping tasks (run eagerly here; scheduling is in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from coordination.models import IdempotencyKey
from coordination.tasks import (
    clear_expired_sessions_task,
    purge_expired_idempotency_keys_task,
)


def test_expired_sessions_are_cleared_and_live_ones_kept(db):
    live, old = SessionStore(), SessionStore()
    live.create()
    old.create()
    Session.objects.filter(session_key=old.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )

    deleted = clear_expired_sessions_task.apply().get()

    assert deleted == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [
        live.session_key
    ]


def test_expired_idempotency_keys_are_purged(worker_a):
    def key(name, expires_in):
        return IdempotencyKey.objects.create(
            user=worker_a,
            key=name,
            fingerprint="f",
            expires_at=timezone.now() + expires_in,
        )

    key("old", timedelta(hours=-1))
    fresh = key("fresh", timedelta(hours=1))

    assert purge_expired_idempotency_keys_task.apply().get() == 1
    assert list(IdempotencyKey.objects.all()) == [fresh]


def test_every_periodic_task_is_a_registered_task():
    from coordination.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
