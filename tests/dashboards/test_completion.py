"""Follow-through on the dashboards and the stats API: per receiving organisation,
accepted, completed, completion rate and "accepted, not completed after 30 days", equal
to the base tables under every filter and with a fixed clock, in a constant number of
queries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dashboards import stats
from dashboards.from_base_tables import assert_matches
from referrals.models import Referral
from referrals.services import accept_referral, complete_referral, decline_referral

from .conftest import refer


def _aged(referral, days):
    """The referral's whole timeline `days` days earlier."""
    back = timedelta(days=days)
    Referral.objects.filter(pk=referral.pk).update(
        sent_at=referral.sent_at - back,
        due_at=referral.due_at - back,
        responded_at=Referral.objects.get(pk=referral.pk).responded_at - back,
    )


@pytest.fixture
def followed(world):
    """To B: accepted 40 days ago, accepted 20 days ago, completed, declined.
    To C: accepted 35 days ago."""
    b, c = world["orgs"][1], world["orgs"][2]
    worker_b, worker_c = world["workers"][1], world["workers"][2]
    old = accept_referral(refer(world, b, hours_ago=2), actor=worker_b)
    _aged(old, 40)
    recent = accept_referral(refer(world, b, hours_ago=2), actor=worker_b)
    _aged(recent, 20)
    done = accept_referral(refer(world, b, hours_ago=5), actor=worker_b)
    complete_referral(done, actor=worker_b, outcome="Vu")
    decline_referral(refer(world, b, hours_ago=1), actor=worker_b, reason="Complet")
    other = accept_referral(refer(world, c, hours_ago=3), actor=worker_c)
    _aged(other, 35)
    return world


def _fixed_clock(monkeypatch, at):
    monkeypatch.setattr(timezone, "now", lambda: at)


def test_completion_figures_per_receiver(followed, monkeypatch):
    _fixed_clock(monkeypatch, timezone.now())
    data = stats.referrals({})

    receivers = {r["organisation_name"]: r for r in data["by_receiver"]}
    b, c = receivers["Organisation B"], receivers["Organisation C"]
    assert (b["accepted"], b["completed"], b["stale_accepted"]) == (3, 1, 1)
    assert b["completion_rate"] == round(1 / 3, 3)
    assert (c["accepted"], c["completed"], c["stale_accepted"]) == (1, 0, 1)
    assert c["completion_rate"] == 0
    assert data["stale_accepted"] == 2
    assert data["stale_accepted_days"] == 30


@pytest.mark.parametrize("days_later", [0, 9, 11, 400])
def test_stale_accepted_follows_the_clock_and_equals_the_base_tables(
    followed, monkeypatch, days_later
):
    now = timezone.now() + timedelta(days=days_later)
    _fixed_clock(monkeypatch, now)
    oriental = followed["regions"][0]

    for filters in (
        {},
        {"organisation": followed["orgs"][1]},
        {"region": oriental},
        {"sector": followed["activities"][0].sector},
        {"period_start": date(2000, 1, 1), "period_end": now.date()},
    ):
        assert_matches(filters, now)
    b = next(r for r in stats.referrals({})["by_receiver"] if r["received"] == 4)
    # The one accepted 20 days ago crosses the 30-day line 10 days later.
    assert b["stale_accepted"] == (1 if days_later < 10 else 2)


def test_the_setting_changes_the_delay(followed, settings):
    settings.REFERRAL_STALE_ACCEPTED_DAYS = 10

    data = stats.referrals({})

    assert data["stale_accepted"] == 3
    assert data["stale_accepted_days"] == 10
    assert_matches({})


def test_the_stats_api_shows_completion_beside_answer_rates_in_constant_queries(
    followed, api_as, coordinator
):
    client = api_as(coordinator)
    client.get("/api/v1/stats/referrals/", secure=True)
    with CaptureQueriesContext(connection) as before:
        response = client.get("/api/v1/stats/referrals/", secure=True)
    row = next(
        r
        for r in response.json()["by_receiver"]
        if r["organisation_name"] == "Organisation B"
    )
    assert {"acceptance_rate", "completion_rate", "stale_accepted"} <= set(row)
    for hours in (1, 2, 3, 4):
        accept_referral(
            refer(followed, followed["orgs"][2], hours_ago=hours),
            actor=followed["workers"][2],
        )
    with CaptureQueriesContext(connection) as after:
        assert client.get("/api/v1/stats/referrals/", secure=True).status_code == 200

    assert len(after) == len(before)


def test_the_dashboard_shows_completion_beside_answer_rates(
    followed, client_as, coordinator
):
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])

    response = client_as(coordinator).get("/dashboard/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Accepted, not completed after 30 days" in page
    (b,) = [r for r in response.context["receivers"] if r["received"] == 4]
    assert b["completion_pct"] == 33
    assert "Aminata" not in page
