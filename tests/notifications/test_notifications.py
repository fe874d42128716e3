"""The notification backbone's services: who is told, how (preferences, mandatory kinds),
delivery that never sends twice, retries with backoff, the sweep and the daily digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import kombu.pools
import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from coordination.celery import app as celery_app
from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from notifications.models import (
    Notification,
    NotificationPreference,
    OutboxMessage,
    WebhookSubscription,
)
from notifications.services import (
    deliver_outbox_message,
    mark_all_notifications_read,
    mark_notification_read,
    notification_modes,
    queue_digest,
    queue_notification,
    retry_delay,
    retry_outbox_message,
    send_due_digests,
    send_to_workers,
    set_notification_preferences,
    sweep_outbox,
)
from organisations.models import Membership
from tests.factories import MembershipFactory, UserFactory

KIND = Notification.Kind


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def notify(target=None, **kwargs):
    kwargs.setdefault("kind", KIND.MENTION)
    return queue_notification(target, **kwargs)


def emails_of(user):
    return OutboxMessage.objects.filter(
        channel=OutboxMessage.Channel.EMAIL, recipient=user
    )


# --- recipients -------------------------------------------------------------------
def test_an_organisation_means_its_active_members(
    org_a, focal_a, worker_a, worker_b, coordinator
):
    gone = MembershipFactory(organisation=org_a, user=UserFactory(is_active=False)).user

    notifications = notify(to=org_a, actor=coordinator)

    assert {n.recipient for n in notifications} == {focal_a, worker_a}
    assert {n.organisation for n in notifications} == {org_a}
    assert not Notification.objects.filter(recipient__in=[gone, worker_b]).exists()


def test_users_and_organisations_mix_and_each_user_is_told_once(
    org_a, org_b, focal_a, worker_a, focal_b, coordinator
):
    MembershipFactory(organisation=org_b, user=worker_a)

    notifications = notify(to=[focal_b, org_a, org_b, worker_a], actor=coordinator)

    assert sorted(n.recipient.email for n in notifications) == sorted(
        [focal_a.email, worker_a.email, focal_b.email]
    )
    by_user = {n.recipient: n.organisation for n in notifications}
    # Reached through the first organisation named; a user named alone through B.
    assert by_user[worker_a] == org_a
    assert by_user[focal_b] == org_b
    assert Notification.objects.count() == 3


def test_the_actor_is_never_told_of_their_own_action(org_a, focal_a, worker_a):
    notifications = notify(to=[org_a, focal_a], actor=focal_a)

    assert [n.recipient for n in notifications] == [worker_a]


def test_a_deactivated_organisation_is_not_told(org_a, focal_a):
    org_a.is_active = False
    org_a.save()

    assert notify(to=org_a) == []
    assert OutboxMessage.objects.count() == 0


def test_nobody_to_tell_writes_nothing(coordinator):
    assert notify(to=[], actor=coordinator) == []
    assert notify(to=coordinator, actor=coordinator) == []
    assert OutboxMessage.objects.count() == 0


def test_unknown_kinds_and_recipients_are_programming_errors(org_a, focal_a):
    with pytest.raises(ValueError, match="kind"):
        queue_notification(None, kind="nope", to=focal_a)
    with pytest.raises(TypeError):
        queue_notification(None, kind=KIND.MENTION, to=["someone"])


def test_the_row_links_to_its_target_and_keeps_the_context(org_a, focal_a):
    [notification] = notify(
        org_a, to=focal_a, kind=KIND.MENTION, context={"emergency_title": "Froid"}
    )

    notification.refresh_from_db()
    assert notification.target == org_a
    assert notification.url == ""  # an organisation has no get_absolute_url()
    assert notification.context == {"emergency_title": "Froid"}
    assert notification.read_at is None


def test_queries_do_not_grow_with_the_number_of_recipients(org_a, org_b, coordinator):
    org_a.memberships.all().delete()
    MembershipFactory(organisation=org_a)
    for _ in range(50):
        MembershipFactory(organisation=org_b)
    NotificationPreference.objects.create(
        user=org_b.memberships.first().user,
        kind=KIND.MENTION,
        mode=NotificationPreference.Mode.DIGEST,
    )
    WebhookSubscription.objects.create(
        organisation=org_b,
        url="https://example.org/hook",
        events=["alert.created"],
        secret="s",
        created_by=coordinator,
    )
    notify(org_a, to=org_a, event="alert.created")  # warm the content-type cache

    with CaptureQueriesContext(connection) as one:
        notify(org_a, to=org_a, actor=coordinator, event="alert.created")
    with CaptureQueriesContext(connection) as fifty:
        notify(org_a, to=org_b, actor=coordinator, event="alert.created")

    assert Notification.objects.filter(organisation=org_b).count() == 50
    assert len(one) == len(fifty)


# --- preferences ------------------------------------------------------------------
def test_each_preference_decides_the_emails(org_a, focal_a, worker_a, coordinator):
    third = MembershipFactory(organisation=org_a).user
    set_notification_preferences(
        worker_a, actor=worker_a, modes={KIND.MENTION: "digest"}
    )
    set_notification_preferences(third, actor=third, modes={KIND.MENTION: "off"})

    notifications = notify(to=org_a, actor=coordinator)

    assert len(notifications) == 3  # everyone has it in the inbox
    assert emails_of(focal_a).count() == 1  # immediately (the default)
    assert not emails_of(worker_a).exists()  # waits for the digest
    assert Notification.objects.get(recipient=worker_a).digest_pending
    assert not emails_of(third).exists()
    assert not Notification.objects.get(recipient=third).digest_pending


def test_mandatory_kinds_cannot_be_turned_off_or_delayed(worker_a):
    with pytest.raises(ValidationError) as refused:
        set_notification_preferences(
            worker_a,
            actor=worker_a,
            modes={KIND.ALERT_RECEIVED: "off", KIND.REFERRAL_RECEIVED: "digest"},
        )

    assert set(refused.value.message_dict) == {"alert_received", "referral_received"}
    assert "cannot be turned off" in refused.value.message_dict["alert_received"][0]
    assert not NotificationPreference.objects.exists()


def test_a_stored_opt_out_of_a_mandatory_kind_is_ignored(worker_a, coordinator):
    NotificationPreference.objects.create(
        user=worker_a, kind=KIND.ALERT_RECEIVED, mode="off"
    )

    notify(to=worker_a, kind=KIND.ALERT_RECEIVED, actor=coordinator)

    assert emails_of(worker_a).count() == 1
    assert notification_modes(worker_a)[KIND.ALERT_RECEIVED] == "immediate"


def test_preferences_are_changed_and_changed_again(worker_a):
    set_notification_preferences(worker_a, actor=worker_a, modes={KIND.MENTION: "off"})
    modes = set_notification_preferences(
        worker_a,
        actor=worker_a,
        modes={KIND.MENTION: "digest", KIND.MEETING_INVITATION: "off"},
    )

    assert modes[KIND.MENTION] == "digest"
    assert modes[KIND.MEETING_INVITATION] == "off"
    assert modes[KIND.REFERRAL_ACCEPTED] == "immediate"
    assert NotificationPreference.objects.filter(user=worker_a).count() == 2


def test_bad_preferences_are_refused_and_change_nothing(worker_a, focal_a):
    with pytest.raises(ValidationError) as refused:
        set_notification_preferences(
            worker_a, actor=worker_a, modes={"nope": "off", KIND.MENTION: "sometimes"}
        )
    assert set(refused.value.message_dict) == {"nope", KIND.MENTION}

    with pytest.raises(PermissionDenied):
        set_notification_preferences(
            worker_a, actor=focal_a, modes={KIND.MENTION: "off"}
        )
    assert not NotificationPreference.objects.exists()


# --- the inbox --------------------------------------------------------------------
def test_marking_read_is_for_the_recipient_only(focal_a, worker_a):
    [notification] = notify(to=worker_a)

    with pytest.raises(PermissionDenied):
        mark_notification_read(notification, actor=focal_a)
    notification.refresh_from_db()
    assert notification.read_at is None

    mark_notification_read(notification, actor=worker_a)
    first = notification.read_at
    mark_notification_read(notification, actor=worker_a)
    assert notification.read_at == first is not None


def test_mark_all_read_touches_only_the_actors_unread(focal_a, worker_a):
    notify(to=[worker_a, focal_a])
    notify(to=worker_a)

    assert mark_all_notifications_read(actor=worker_a) == 2
    assert mark_all_notifications_read(actor=worker_a) == 0
    assert Notification.objects.visible_to(focal_a).unread().count() == 1


def test_subjects_are_rendered_in_the_readers_language(worker_a, coordinator):
    [notification] = notify(
        to=worker_a,
        kind=KIND.ALERT_RECEIVED,
        actor=coordinator,
        context={"emergency_title": "Vague de froid & neige"},
    )

    assert notification.subject == "Alert: Vague de froid & neige"
    with translation.override("fr"):
        assert "Vague de froid & neige" in notification.subject
    # A kind without its own templates falls back to its label.
    [other] = notify(to=worker_a, kind=KIND.DELIVERY_FAILED)
    assert other.subject == "Delivery failed"


# --- delivery ---------------------------------------------------------------------
def test_an_email_goes_out_once_in_the_recipients_language(worker_a, coordinator):
    worker_a.language = "ar"
    worker_a.save()
    notify(
        to=worker_a,
        kind=KIND.ALERT_RECEIVED,
        actor=coordinator,
        context={"emergency_title": "Froid", "message": "Besoin de couvertures"},
    )
    [message] = emails_of(worker_a)

    deliver_outbox_message(message.pk)
    deliver_outbox_message(message.pk)  # a task run twice

    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [worker_a.email]
    with translation.override("ar"):
        from django.utils.translation import gettext

        assert gettext("Hello,") in sent.body
    assert "Besoin de couvertures" in sent.body
    html, mimetype = sent.alternatives[0]
    assert mimetype == "text/html"
    assert 'dir="rtl"' in html
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 1
    assert message.sent_at is not None


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_row_locked_by_another_worker_is_skipped(worker_a):
    import threading

    notify(to=worker_a)
    message = emails_of(worker_a).get()
    locked, release = threading.Event(), threading.Event()

    def hold_the_lock():
        from django.db import connection as thread_connection
        from django.db import transaction

        with transaction.atomic():
            OutboxMessage.objects.select_for_update().get(pk=message.pk)
            locked.set()
            release.wait(10)
        thread_connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    locked.wait(10)
    try:
        assert deliver_outbox_message(message.pk) is None
    finally:
        release.set()
        holder.join()
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING


def test_failures_back_off_then_give_up(settings, worker_a, mailoutbox):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    settings.EMAIL_BACKEND = "tests.notifications.test_notifications.BrokenBackend"
    notify(to=worker_a)
    message = emails_of(worker_a).get()
    now = timezone.now()

    deliver_outbox_message(message.pk, now=now)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == 1
    # Sanitised: what failed, not the driver's message (which may name an address).
    assert message.last_error == "Could not connect to the mail server."
    assert message.next_attempt_at == now + retry_delay(1)

    # Not due yet: a task arriving early does nothing.
    assert deliver_outbox_message(message.pk, now=now + timedelta(seconds=5)) is None

    later = now + retry_delay(1)
    deliver_outbox_message(message.pk, now=later)
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at == later + retry_delay(2)
    assert retry_delay(2) == 2 * retry_delay(1)

    deliver_outbox_message(message.pk, now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    assert message.attempts == 3
    assert message.next_attempt_at is None
    assert deliver_outbox_message(message.pk, now=later + timedelta(days=1)) is None


class BrokenBackend(BaseEmailBackend):
    """A mail server that does not answer: connecting and sending both fail."""

    def open(self):
        raise ConnectionError("SMTP is down")

    def send_messages(self, messages):
        raise ConnectionError("SMTP is down")


def test_an_inactive_recipient_is_given_up_at_once(worker_a):
    notify(to=worker_a)
    worker_a.is_active = False
    worker_a.save()
    message = emails_of(worker_a).get()

    deliver_outbox_message(message.pk)

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.DEAD
    assert mail.outbox == []


def test_coordinators_retry_failed_deliveries(worker_a, coordinator, focal_a):
    notify(to=worker_a)
    message = emails_of(worker_a).get()
    with pytest.raises(Conflict):
        retry_outbox_message(message, actor=coordinator)  # still pending
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=OutboxMessage.Status.DEAD, attempts=8, next_attempt_at=None
    )

    with pytest.raises(PermissionDenied):
        retry_outbox_message(message, actor=focal_a)
    retry_outbox_message(message, actor=coordinator)
    deliver_outbox_message(message.pk)

    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert len(mail.outbox) == 1


def test_delivery_starts_on_commit(
    worker_a, coordinator, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(to=worker_a, actor=coordinator)

    assert len(mail.outbox) == 1
    assert emails_of(worker_a).get().status == OutboxMessage.Status.SENT


def point_broker_at(url: str) -> str:
    """Switch the Celery app's broker (dropping its pooled connections); the old URL."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()  # kombu keeps producer pools per connection, globally
    return previous


def test_an_unreachable_broker_does_not_raise(worker_a, caplog):
    previous = point_broker_at("redis://127.0.0.1:1/0")
    try:
        assert send_to_workers([1, 2], [3]) is False
    finally:
        point_broker_at(previous)
    assert "the sweep will retry" in caplog.text
    assert worker_a.email not in caplog.text


def test_the_sweep_re_enqueues_what_is_due(
    worker_a, focal_a, eager_celery, django_capture_on_commit_callbacks
):
    notify(to=worker_a)  # never enqueued: on_commit callbacks are not run here
    notify(to=focal_a)
    fresh = emails_of(focal_a).get()
    OutboxMessage.objects.filter(pk=fresh.pk).update(next_attempt_at=timezone.now())
    OutboxMessage.objects.filter(recipient=worker_a).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5)
    )

    assert sweep_outbox() == 1  # the fresh row is left to its own task
    assert [m.to for m in mail.outbox] == [[worker_a.email]]
    assert sweep_outbox() == 0
    assert sweep_outbox(grace=timedelta(0)) == 1
    assert len(mail.outbox) == 2


# --- daily digest -----------------------------------------------------------------
@pytest.fixture
def digest_reader(worker_a):
    worker_a.time_zone = "Africa/Casablanca"  # UTC+1
    worker_a.save()
    set_notification_preferences(
        worker_a,
        actor=worker_a,
        modes={KIND.MENTION: "digest", KIND.MEETING_INVITATION: "digest"},
    )
    return worker_a


def test_the_digest_waits_for_the_local_morning(digest_reader):
    notify(to=digest_reader, kind=KIND.MENTION)
    notify(to=digest_reader, kind=KIND.MEETING_INVITATION)

    # 05:30 UTC is 06:30 in Casablanca: too early.
    assert send_due_digests(now=datetime(2025, 1, 10, 5, 30, tzinfo=UTC)) == 0
    assert send_due_digests(now=datetime(2025, 1, 10, 6, 5, tzinfo=UTC)) == 1

    digest = emails_of(digest_reader).get(event=OutboxMessage.DIGEST)
    assert digest.payload["local_date"] == "2025-01-10"
    assert len(digest.payload["notifications"]) == 2
    assert not Notification.objects.filter(digest_pending=True).exists()
    deliver_outbox_message(digest.pk)
    assert len(mail.outbox) == 1
    assert "2 notifications" in mail.outbox[0].subject
    assert mail.outbox[0].body.count("\n- ") == 2  # one line per notification


def test_one_digest_a_day_and_running_twice_sends_once(digest_reader):
    notify(to=digest_reader)
    morning = datetime(2025, 1, 10, 8, 0, tzinfo=UTC)

    assert send_due_digests(now=morning) == 1
    assert send_due_digests(now=morning) == 0
    notify(to=digest_reader)  # arrives later the same day
    assert send_due_digests(now=morning + timedelta(hours=3)) == 0
    assert queue_digest(digest_reader, local_date="2025-01-10") is None
    # The next morning it goes in the next digest.
    assert send_due_digests(now=morning + timedelta(days=1)) == 1
    assert emails_of(digest_reader).filter(event=OutboxMessage.DIGEST).count() == 2


def test_the_digest_follows_each_users_time_zone(digest_reader, focal_a):
    focal_a.time_zone = "America/New_York"  # UTC-5
    focal_a.save()
    set_notification_preferences(focal_a, actor=focal_a, modes={KIND.MENTION: "digest"})
    notify(to=[digest_reader, focal_a])

    assert send_due_digests(now=datetime(2025, 1, 10, 9, 0, tzinfo=UTC)) == 1
    assert emails_of(digest_reader).exists()
    assert not emails_of(focal_a).exists()
    assert send_due_digests(now=datetime(2025, 1, 10, 12, 0, tzinfo=UTC)) == 1
    assert emails_of(focal_a).exists()


def test_membership_role_names_stay_in_sync():
    # focal_points_of() filters on the role's value.
    assert Membership.Role.FOCAL_POINT == "focal_point"
