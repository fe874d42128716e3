"""`make bench`, the notification part: one alert to 5,000 recipients.

Creates a throwaway organisation with 5,000 members (audit triggers off for the filler),
then, in one transaction, calls `queue_notification()` for the organisation as an alert
does, and commits. Prints the queries that call made (against the same call for one
recipient: they must not grow), the time from commit to the last in-app notification
(they are written in the transaction, so they appear at commit) and to the last e-mail
handed to the mail backend (locmem) by a real Celery worker on Redis (REDIS_URL; the
worker runs in this process on a queue of its own). Without REDIS_URL the e-mails are
delivered in this process by the same service, and the figure says so.

Everything it created is deleted at the end. Figures, never assertions."""

from __future__ import annotations

import os
import time
import uuid
import warnings

RECIPIENTS = int(os.environ.get("BENCH_FANOUT_RECIPIENTS", 5_000))
WORKER_THREADS = int(os.environ.get("BENCH_FANOUT_THREADS", 4))
TIMEOUT = 600


def _make_members(count: int):
    from organisations.models import Membership, Organisation, User

    organisation = Organisation.objects.create(
        code=f"bench-fanout-{uuid.uuid4().hex[:8]}",
        name="Banc d'essai des alertes",
        kind=Organisation.Kind.LOCAL_ASSOCIATION,
    )
    tag = uuid.uuid4().hex[:8]
    users = User.objects.bulk_create(
        User(
            email=f"bench-{tag}-{n}@example.org",
            password="!",  # unusable
            language=("fr", "ar", "en")[n % 3],
        )
        for n in range(count)
    )
    Membership.objects.bulk_create(
        Membership(user=user, organisation=organisation) for user in users
    )
    return organisation, users


def _count_queries(call) -> int:
    from django.db import connection

    queries = []
    with connection.execute_wrapper(
        lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
    ):
        call()
    return len(queries)


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    import pgtrigger
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun
    from django.conf import settings
    from django.core import mail
    from django.db import connections, transaction

    from coordination.celery import app as celery_app
    from notifications.models import Notification, OutboxMessage
    from notifications.services import deliver_outbox_messages, queue_notification
    from organisations.models import Membership, Organisation, User

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0  # worker threads close theirs
    mail.outbox = []
    redis_url = os.environ.get("REDIS_URL", "")

    with pgtrigger.ignore():  # the filler stays out of the audit trail
        organisation, users = _make_members(RECIPIENTS)
        lone_org, _lone = _make_members(1)
    coordinator = users[0]  # the actor: not notified
    context = {"emergency_title": "Vague de froid (banc d'essai)", "message": "Test"}

    def notify(to):
        return queue_notification(
            organisation,
            kind=Notification.Kind.ALERT_RECEIVED,
            to=to,
            actor=coordinator,
            context=context,
        )

    queue = f"tansiq-bench-{uuid.uuid4().hex}"
    try:
        # Queries for one recipient and for all (delivery not enqueued: rolled back),
        # after a first call that warms the content-type cache.
        with transaction.atomic():
            notify(lone_org)
            transaction.set_rollback(True)
        with transaction.atomic():
            one = _count_queries(lambda: notify(lone_org))
            transaction.set_rollback(True)
        with transaction.atomic():
            many = _count_queries(lambda: notify(organisation))
            transaction.set_rollback(True)

        def close_connections(**kwargs):
            connections.close_all()

        worker = None
        if redis_url:
            celery_app.conf.task_default_queue = queue
            celery_app.conf.task_always_eager = False
            task_postrun.connect(close_connections)
            worker = start_worker(
                celery_app,
                pool="threads",
                concurrency=WORKER_THREADS,
                perform_ping_check=False,
                queues=[queue],
                shutdown_timeout=60,
            )
            worker.__enter__()
        try:
            started = time.perf_counter()
            with transaction.atomic():
                notifications = notify(organisation)
            committed = time.perf_counter()
            in_app = Notification.objects.filter(organisation=organisation).count()
            in_app_at = time.perf_counter()
            if not redis_url:
                ids = list(
                    OutboxMessage.objects.filter(
                        notification__organisation=organisation
                    ).values_list("pk", flat=True)
                )
                deliver_outbox_messages(ids)
            deadline = time.monotonic() + TIMEOUT
            while len(mail.outbox) < len(notifications) and time.monotonic() < deadline:
                time.sleep(0.05)
            mailed_at = time.perf_counter()
        finally:
            if worker is not None:
                worker.__exit__(None, None, None)
                task_postrun.disconnect(close_connections)
        delivered = len(mail.outbox)
    finally:
        with pgtrigger.ignore():
            orgs = [organisation, lone_org]
            OutboxMessage.objects.filter(organisation__in=orgs).delete()
            Notification.objects.filter(organisation__in=orgs).delete()
            member_ids = list(
                Membership.objects.filter(organisation__in=orgs).values_list(
                    "user_id", flat=True
                )
            )
            Membership.objects.filter(organisation__in=orgs).delete()
            User.objects.filter(pk__in=member_ids).delete()
            Organisation.objects.filter(pk__in=[o.pk for o in orgs]).delete()
        if redis_url:
            try:
                with celery_app.connection_for_write() as conn:
                    conn.default_channel.queue_delete(queue)
            except Exception:  # best effort: the queue name is unique
                pass

    how = (
        f"a real Celery worker ({WORKER_THREADS} threads) on Redis"
        if redis_url
        else "this process (no REDIS_URL: no worker)"
    )
    print(f"Alert to {len(notifications)} recipients (one organisation's members)")
    print(
        f"  queue_notification queries: {many} for {len(notifications)} recipients, "
        f"{one} for 1 ({(many - one) / max(len(notifications) - 1, 1):.4f} per extra recipient)"
    )
    print(f"  write + commit                       : {committed - started:8.2f} s")
    print(
        f"  commit -> last in-app notification   : {in_app_at - committed:8.2f} s "
        f"({in_app} rows, visible at commit)"
    )
    print(
        f"  commit -> last e-mail to the backend : {mailed_at - committed:8.2f} s "
        f"({delivered} e-mails by {how})"
    )


if __name__ == "__main__":
    main()
