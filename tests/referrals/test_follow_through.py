"""Follow-through (issue 16): an accepted referral gets a follow-up date by priority; on
that date the sender is asked "was the person served?" and the receiver reminded (once
each, again after "not yet"); the sender answers on the page or through the API; and
the person's own feedback, typed with the code on their slip on a public page, reaches
the sender and the receiver only — a wrong code is answered like a right one."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from coordination.exceptions import ValidationError
from coordination.models import Sector
from notifications.models import Notification, OutboxMessage
from referrals import services
from referrals.models import Referral, ReferralEvent, ReferralFeedback
from referrals.views import follow_through

Served = Referral.Served
FOLLOW_UP = Notification.Kind.REFERRAL_FOLLOW_UP
FEEDBACK_URL = reverse("referral_feedback:form")
THANKS_URL = reverse("referral_feedback:thanks")
PATHWAY = reverse("referrals:pathway")
SENTINEL_WORDS = "FEEDBACK-SENTINEL-4Z8 the doctor was kind"
SENTINEL_WHY = "WHY-SENTINEL-3M1 nobody answered the door"


def _send(beneficiary, actor, org, consent, priority=Referral.Priority.NORMAL):
    return services.send_referral(
        beneficiary,
        actor=actor,
        to_organisation=org,
        sector=Sector.objects.get(code="health"),
        reason="Needs a medical consultation",
        priority=priority,
        consent=consent,
    )


@pytest.fixture
def referral(beneficiary_a, worker_a, org_b, worker_b, focal_b, consent_a_to_b):
    """A pending referral of A's person to B (B has two members)."""
    return _send(beneficiary_a, worker_a, org_b, consent_a_to_b)


@pytest.fixture
def accepted(referral, worker_b):
    return services.accept_referral(referral, actor=worker_b)


def _reload(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def _kinds(referral: Referral) -> list[str]:
    return list(referral.events.values_list("kind", flat=True))


def _follow_ups(**context) -> list[Notification]:
    rows = Notification.objects.filter(kind=FOLLOW_UP).order_by("pk")
    return [n for n in rows if all(n.context.get(k) == v for k, v in context.items())]


def _in_english(*users):
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])


def _api(referral) -> str:
    return reverse("api:referral-follow-up", args=[referral.code])


def _page(referral) -> str:
    return reverse("referrals:referral_follow_up", args=[referral.code])


# ---------------------------------------------------------------------------
# The follow-up date
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("priority", "days"),
    [("emergency", 3), ("urgent", 7), ("normal", 30)],
)
def test_accepting_sets_the_follow_up_date_by_priority(
    beneficiary_a, worker_a, org_b, worker_b, consent_a_to_b, priority, days
):
    referral = _send(beneficiary_a, worker_a, org_b, consent_a_to_b, priority)
    assert referral.follow_up_at is None

    referral = services.accept_referral(referral, actor=worker_b)

    assert referral.follow_up_at == referral.responded_at + timedelta(days=days)
    assert _reload(referral).follow_up_at == referral.follow_up_at


def test_the_delays_come_from_the_setting(settings, referral, worker_b):
    settings.REFERRAL_FOLLOW_UP_DAYS = {"normal": 10}

    referral = services.accept_referral(referral, actor=worker_b)

    assert referral.follow_up_at - referral.responded_at == timedelta(days=10)
    assert services.follow_up_delay("urgent") == timedelta(days=7)  # default kept


def test_accepting_through_the_api_sets_it_too(api_as, worker_b, referral):
    response = api_as(worker_b).post(
        reverse("api:referral-accept", args=[referral.code]), {}, format="json"
    )

    assert response.status_code == 200
    body = response.json()
    assert body["follow_up_at"]
    assert body["served"] == ""
    assert _reload(referral).follow_up_at is not None


# ---------------------------------------------------------------------------
# The periodic task
# ---------------------------------------------------------------------------
def test_on_the_date_the_sender_is_asked_and_the_receiver_reminded_once(
    accepted, worker_a, focal_a, worker_b, focal_b
):
    due = accepted.follow_up_at

    assert services.ask_due_follow_ups(now=due - timedelta(minutes=1)) == 0
    assert services.ask_due_follow_ups(now=due + timedelta(minutes=1)) == 1
    assert services.ask_due_follow_ups(now=due + timedelta(hours=1)) == 0
    assert services.ask_due_follow_ups(now=due + timedelta(days=60)) == 0

    asked = _follow_ups(step="ask")
    reminded = _follow_ups(step="remind")
    assert {n.recipient_id for n in asked} == {worker_a.pk, focal_a.pk}
    assert {n.recipient_id for n in reminded} == {worker_b.pk, focal_b.pk}
    assert len(asked) == 2
    assert len(reminded) == 2
    for notification in asked + reminded:
        assert notification.url == accepted.get_absolute_url()
        assert notification.context["code"] == accepted.code
    fresh = _reload(accepted)
    assert fresh.follow_up_asked_at == due + timedelta(minutes=1)
    assert _kinds(fresh).count(ReferralEvent.Kind.FOLLOW_UP_DUE) == 1
    # E-mails through the outbox, in the same transaction.
    assert OutboxMessage.objects.filter(
        notification__kind=FOLLOW_UP, channel=OutboxMessage.Channel.EMAIL
    ).exists()


def test_the_task_is_registered_and_runs(settings, accepted, monkeypatch):
    from referrals.tasks import ask_due_follow_ups_task

    schedule = settings.CELERY_BEAT_SCHEDULE["ask-referral-follow-ups"]
    assert schedule["task"] == "referrals.tasks.ask_due_follow_ups_task"
    later = accepted.follow_up_at + timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert ask_due_follow_ups_task() == 1
    assert ask_due_follow_ups_task() == 0


def test_not_yet_asks_again_after_the_same_delay(accepted, worker_a):
    due = accepted.follow_up_at
    asked_at = due + timedelta(minutes=1)
    services.ask_due_follow_ups(now=asked_at)

    answered = services.answer_follow_up(
        _reload(accepted), actor=worker_a, served=Served.NOT_YET
    )

    assert answered.served == Served.NOT_YET
    assert answered.follow_up_asked_at is None
    again = answered.follow_up_at
    assert again - answered.served_answered_at == timedelta(days=30)
    assert services.ask_due_follow_ups(now=again - timedelta(minutes=1)) == 0
    assert services.ask_due_follow_ups(now=again + timedelta(minutes=1)) == 1
    assert services.ask_due_follow_ups(now=again + timedelta(hours=2)) == 0
    assert len(_follow_ups(step="ask")) == 2  # A's one member, once per date


def test_closed_or_answered_referrals_are_not_asked(
    accepted, referral, worker_a, worker_b
):
    services.answer_follow_up(accepted, actor=worker_a, served=Served.YES)
    assert services.ask_due_follow_ups(now=accepted.follow_up_at + timedelta(1)) == 0

    other = _reload(referral)
    Referral.objects.filter(pk=other.pk).update(served="")
    services.complete_referral(_reload(other), actor=worker_b, outcome="Seen")
    assert services.ask_due_follow_ups(now=accepted.follow_up_at + timedelta(2)) == 0


# ---------------------------------------------------------------------------
# The sender's answer: service, page and API
# ---------------------------------------------------------------------------
def test_yes_does_not_complete_and_tells_the_receiver(accepted, worker_a, worker_b):
    answered = services.answer_follow_up(accepted, actor=worker_a, served=Served.YES)

    assert answered.status == Referral.Status.ACCEPTED
    assert answered.served == Served.YES
    assert answered.served_answered_at is not None
    assert _kinds(answered)[-1] == ReferralEvent.Kind.FOLLOW_UP
    told = _follow_ups(step="answered")
    assert {n.context["served"] for n in told} == {"yes"}
    assert worker_b.pk in {n.recipient_id for n in told}
    assert worker_a.pk not in {n.recipient_id for n in told}


def test_no_needs_why_and_the_why_stays_out_of_notifications(accepted, worker_a):
    with pytest.raises(ValidationError):
        services.answer_follow_up(accepted, actor=worker_a, served=Served.NO)
    assert _reload(accepted).served == ""

    services.answer_follow_up(
        accepted, actor=worker_a, served=Served.NO, note=SENTINEL_WHY
    )

    assert _reload(accepted).served_note == SENTINEL_WHY
    for notification in Notification.objects.all():
        assert SENTINEL_WHY not in json.dumps(notification.context)
    for message in OutboxMessage.objects.all():
        assert SENTINEL_WHY not in json.dumps(message.payload, default=str)


def test_the_sender_answers_on_the_page(client_as, worker_a, worker_b, accepted):
    _in_english(worker_a, worker_b)
    page = client_as(worker_a).get(accepted.get_absolute_url())
    assert page.status_code == 200
    assert _page(accepted) in page.content.decode()
    receiver_page = client_as(worker_b).get(accepted.get_absolute_url())
    assert _page(accepted) not in receiver_page.content.decode()

    response = client_as(worker_a).post(
        _page(accepted), {"served": "no", "note": SENTINEL_WHY, "version": 2}
    )

    assert response.status_code == 302
    fresh = _reload(accepted)
    assert (fresh.served, fresh.served_note) == (Served.NO, SENTINEL_WHY)
    shown = client_as(worker_b).get(accepted.get_absolute_url()).content.decode()
    assert "No, not served" in shown
    assert SENTINEL_WHY in shown


def test_page_refusals(client_as, worker_a, worker_b, worker_c, accepted):
    _in_english(worker_a)
    without_why = client_as(worker_a).post(_page(accepted), {"served": "no"})
    assert without_why.status_code == 400
    assert "Say why the person was not served." in without_why.content.decode()
    bad = client_as(worker_a).post(_page(accepted), {"served": "maybe"})
    assert bad.status_code == 400
    assert (
        client_as(worker_b).post(_page(accepted), {"served": "yes"}).status_code == 403
    )
    assert (
        client_as(worker_c).post(_page(accepted), {"served": "yes"}).status_code == 404
    )
    assert _reload(accepted).served == ""


def test_the_api_answer_with_if_match_and_idempotency(api_as, worker_a, accepted):
    client = api_as(worker_a)

    first = client.post(
        _api(accepted),
        {"served": "not_yet"},
        format="json",
        HTTP_IF_MATCH=f'"{accepted.version}"',
        HTTP_IDEMPOTENCY_KEY="follow-1",
    )
    again = client.post(
        _api(accepted),
        {"served": "not_yet"},
        format="json",
        HTTP_IF_MATCH=f'"{accepted.version}"',
        HTTP_IDEMPOTENCY_KEY="follow-1",
    )

    assert first.status_code == 200, first.json()
    assert first.json()["served"] == "not_yet"
    assert first.json()["events"][-1]["kind"] == "follow_up"
    assert again.status_code == 200
    assert _kinds(_reload(accepted)).count("follow_up") == 1  # replayed, not redone
    stale = client.post(
        _api(accepted),
        {"served": "yes"},
        format="json",
        HTTP_IF_MATCH=f'"{accepted.version}"',
    )
    assert stale.status_code == 412


@pytest.mark.parametrize(
    ("who", "status"),
    [("worker_b", 403), ("worker_c", 404), ("coordinator", 404), ("observer", 404)],
)
def test_the_api_refuses_everyone_but_the_sender(
    request, api_as, accepted, who, status
):
    user = request.getfixturevalue(who)

    response = api_as(user).post(_api(accepted), {"served": "yes"}, format="json")

    assert response.status_code == status
    assert _reload(accepted).served == ""


def test_the_api_explains_bad_answers(api_as, worker_a, referral, worker_b):
    client = api_as(worker_a)
    pending = client.post(_api(referral), {"served": "yes"}, format="json")
    assert pending.status_code == 409

    services.accept_referral(referral, actor=worker_b)
    bad = client.post(_api(referral), {"served": "maybe"}, format="json")
    assert bad.status_code == 400
    assert "served" in json.dumps(bad.json())
    no_why = client.post(_api(referral), {"served": "no"}, format="json")
    assert no_why.status_code == 400
    assert "note" in json.dumps(no_why.json())
    assert _reload(referral).served == ""


# ---------------------------------------------------------------------------
# The person's feedback
# ---------------------------------------------------------------------------
@pytest.fixture
def visitor():
    cache.clear()
    return Client(headers={"accept-language": "en"})


def _feedback(client, code, **extra):
    data = {"code": code, "kind": "helped", "text": SENTINEL_WORDS, **extra}
    return client.post(FEEDBACK_URL, data)


def test_the_public_page_is_noindex_and_in_the_visitors_language(visitor):
    response = visitor.get(FEEDBACK_URL)

    assert response.status_code == 200
    assert response["X-Robots-Tag"].startswith("noindex")
    assert 'name="robots" content="noindex' in response.content.decode()
    arabic = Client(headers={"accept-language": "ar"}).get(FEEDBACK_URL)
    assert 'dir="rtl"' in arabic.content.decode()


def test_a_right_code_links_the_feedback_for_sender_and_receiver_only(
    visitor, client_as, referral, worker_a, worker_b, focal_b, coordinator
):
    typed = referral.code.lower().replace("ref-", "ref ")  # as people type it

    response = _feedback(visitor, typed)

    assert response.status_code == 302
    assert response["Location"] == THANKS_URL
    feedback = ReferralFeedback.objects.get()
    assert feedback.referral == referral
    assert (feedback.kind, feedback.text, feedback.language) == (
        "helped",
        SENTINEL_WORDS,
        "en",
    )
    event = referral.events.get(kind=ReferralEvent.Kind.PERSON_FEEDBACK)
    assert event.note == ""
    assert event.actor is None
    for user in (worker_a, worker_b):
        page = client_as(user).get(referral.get_absolute_url())
        assert SENTINEL_WORDS in page.content.decode()
    told = _follow_ups(step="feedback")
    assert {n.recipient_id for n in told} >= {worker_a.pk, worker_b.pk, focal_b.pk}
    # Never the coordinators: the referral page is a 404, the pathway has no words.
    assert client_as(coordinator).get(referral.get_absolute_url()).status_code == 404
    pathway = client_as(coordinator).get(PATHWAY)
    assert pathway.status_code == 200
    assert SENTINEL_WORDS not in pathway.content.decode()
    assert coordinator.pk not in {n.recipient_id for n in told}


def test_a_closed_referral_takes_feedback_too(visitor, referral, worker_a):
    services.cancel_referral(referral, actor=worker_a)

    _feedback(visitor, referral.code)

    assert ReferralFeedback.objects.get().referral == referral


def test_a_wrong_code_is_answered_like_a_right_one(visitor, referral):
    wrong = "REF-" + ("2" * 6 if referral.code != "REF-222222" else "3" * 6)

    right_response = _feedback(visitor, referral.code)
    wrong_response = _feedback(visitor, wrong)

    assert wrong_response.status_code == right_response.status_code == 302
    assert wrong_response["Location"] == right_response["Location"]
    assert ReferralFeedback.objects.count() == 1  # only the right one
    thanks_right = _without_tokens(visitor.get(right_response["Location"]))
    thanks_wrong = _without_tokens(visitor.get(wrong_response["Location"]))
    assert thanks_right == thanks_wrong


def _without_tokens(response) -> str:
    """The page without its per-request CSRF tokens."""
    return re.sub(r'value="[^"]{32,}"', "", response.content.decode())


def test_a_filled_honeypot_is_thanked_and_dropped(visitor, referral):
    response = _feedback(visitor, referral.code, website="http://spam.example")

    assert response.status_code == 302
    assert not ReferralFeedback.objects.exists()
    assert not referral.events.filter(kind="person_feedback").exists()


def test_bad_input_is_a_form_error_and_nothing_saved(visitor, referral):
    empty = _feedback(visitor, referral.code, text="")
    malformed = _feedback(visitor, "hello")
    too_long = _feedback(visitor, referral.code, text="x" * 2001)
    bad_kind = _feedback(visitor, referral.code, kind="great")

    for response in (empty, malformed, too_long, bad_kind):
        assert response.status_code == 400
    assert "e.g. REF-7K3Q9X" in malformed.content.decode()
    assert not ReferralFeedback.objects.exists()


def test_the_form_is_rate_limited_per_client_address(visitor, monkeypatch, referral):
    monkeypatch.setattr(follow_through, "FEEDBACK_LIMIT", 2)
    other = Client(headers={"accept-language": "en"}, REMOTE_ADDR="198.51.100.7")

    first, second = _feedback(visitor, referral.code), _feedback(visitor, "REF-222222")
    third = _feedback(visitor, referral.code)

    assert first.status_code == second.status_code == 302
    assert third.status_code == 429
    assert "Too many messages" in third.content.decode()
    assert ReferralFeedback.objects.count() == 1
    assert _feedback(other, referral.code).status_code == 302  # another address
    assert ReferralFeedback.objects.count() == 2


def test_the_words_stay_out_of_notifications_outbox_events_and_logs(
    caplog, visitor, referral, worker_a, worker_b
):
    caplog.set_level(logging.DEBUG)
    services.accept_referral(referral, actor=worker_b)

    _feedback(visitor, referral.code)

    assert ReferralFeedback.objects.filter(text=SENTINEL_WORDS).exists()
    for notification in Notification.objects.all():
        assert SENTINEL_WORDS not in json.dumps(notification.context)
        assert SENTINEL_WORDS not in notification.url
    for message in OutboxMessage.objects.all():
        assert SENTINEL_WORDS not in json.dumps(message.payload, default=str)
    for event in ReferralEvent.objects.all():
        assert SENTINEL_WORDS not in event.note
    for record in caplog.records:
        assert SENTINEL_WORDS not in record.getMessage()
        assert SENTINEL_WORDS not in repr(record.__dict__.get("params", ""))


def test_each_follow_up_message_renders_with_codes_only(
    accepted, visitor, worker_a, worker_b
):
    services.ask_due_follow_ups(now=accepted.follow_up_at)
    services.answer_follow_up(
        _reload(accepted), actor=worker_a, served=Served.NO, note=SENTINEL_WHY
    )
    _feedback(visitor, accepted.code)

    subjects = {}
    for notification in Notification.objects.filter(kind=FOLLOW_UP):
        with translation.override("en"):
            subjects[notification.context["step"]] = notification.subject
            body = notification.render("body.txt") + notification.render("body.html")
        assert accepted.code in notification.subject
        for secret in (SENTINEL_WHY, SENTINEL_WORDS):
            assert secret not in body
    assert subjects == {
        "ask": f"Was the person referred with {accepted.code} served?",
        "remind": f"Reminder: complete referral {accepted.code}",
        "answered": f"Follow-up of referral {accepted.code} answered",
        "feedback": f"Feedback received on {accepted.code}",
    }
