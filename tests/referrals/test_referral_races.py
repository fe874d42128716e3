"""Two people answering the same referral at once: the row lock gives one winner; the
other gets a Conflict (409 over the API), and the timeline holds one answer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.urls import reverse

from coordination.exceptions import Conflict
from coordination.models import Sector
from referrals import services
from referrals.models import Referral, ReferralEvent

pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ANSWERS = (ReferralEvent.Kind.ACCEPTED, ReferralEvent.Kind.DECLINED)


@pytest.fixture
def referral(beneficiary_a, worker_a, org_b, worker_b, focal_b, consent_a_to_b):
    return services.send_referral(
        beneficiary_a,
        actor=worker_a,
        to_organisation=org_b,
        sector=Sector.objects.get(code="health"),
        reason="Needs a doctor",
        consent=consent_a_to_b,
    )


def _race(*actions) -> list:
    """Run the actions at once, each in its own thread and connection; returns each
    one's result: "ok", or the exception class it raised."""
    start = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index, action):
        try:
            start.wait()
            outcomes[index] = action()
        except Conflict as error:
            outcomes[index] = type(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(index, action))
        for index, action in enumerate(actions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_accept_against_decline_gives_one_answer(referral, worker_b, focal_b):
    outcomes = _race(
        lambda: services.accept_referral(referral, actor=worker_b).status,
        lambda: (
            services.decline_referral(referral, actor=focal_b, reason="Full").status
        ),
    )

    final = Referral.objects.get(pk=referral.pk)
    winners = [o for o in outcomes if o in ("accepted", "declined")]
    assert len(winners) == 1, outcomes
    assert outcomes.count(Conflict) == 1
    assert final.status == winners[0]
    assert final.version == 2
    assert final.events.filter(kind__in=ANSWERS).count() == 1
    assert final.events.get(kind__in=ANSWERS).kind == final.status
    if final.status == "declined":
        assert final.decline_reason == "Full"
        assert final.closed_at is not None
    else:
        assert final.decline_reason == ""
        assert final.closed_at is None


def test_two_acceptances_give_one_winner(referral, worker_b, focal_b):
    outcomes = _race(
        lambda: (
            services.accept_referral(
                referral, actor=worker_b, assign_to=worker_b
            ).status
        ),
        lambda: (
            services.accept_referral(referral, actor=focal_b, assign_to=focal_b).status
        ),
    )

    final = Referral.objects.get(pk=referral.pk)
    assert sorted(outcomes, key=str) == sorted(["accepted", Conflict], key=str)
    assert final.status == "accepted"
    assert final.version == 2
    assert final.events.filter(kind=ReferralEvent.Kind.ACCEPTED).count() == 1
    assert final.events.filter(kind=ReferralEvent.Kind.ASSIGNED).count() == 1
    winner = final.events.get(kind=ReferralEvent.Kind.ACCEPTED).actor
    assert final.assigned_to == winner


def test_over_the_api_the_loser_gets_a_409(referral, api_as, worker_b, focal_b):
    url = reverse("api:referral-accept", args=[referral.code])
    decline = reverse("api:referral-decline", args=[referral.code])
    first, second = api_as(worker_b), api_as(focal_b)

    statuses = _race(
        lambda: first.post(url, {}, format="json").status_code,
        lambda: second.post(decline, {"reason": "Full"}, format="json").status_code,
    )

    assert sorted(statuses) == [200, 409]
    final = Referral.objects.get(pk=referral.pk)
    assert final.status in ("accepted", "declined")
    assert final.events.filter(kind__in=ANSWERS).count() == 1
