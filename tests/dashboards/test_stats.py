"""Every dashboard figure on a constructed dataset, the filter form, and query counts
that do not grow with the data."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards import stats
from dashboards.filters import StatsFilterForm
from dashboards.from_base_tables import assert_matches
from dashboards.models import InterventionStat
from interventions.models import Intervention
from referrals.services import accept_referral, decline_referral

from .conftest import intervention, refer


@pytest.fixture
def dataset(world):
    (oriental, souss), (health, shelter) = world["regions"], world["activities"]
    worker_a, worker_b, worker_c = world["workers"]
    intervention(worker_a, activity=health, region=oriental, start=date(2026, 1, 10),
                 emergency=world["emergency"], women=10, men=5, girls=2, boys=1,
                 disabled=3)  # fmt: skip
    intervention(worker_b, activity=health, region=oriental, start=date(2026, 1, 20),
                 women=4, men=4)  # fmt: skip
    intervention(worker_b, activity=shelter, region=oriental, start=date(2026, 2, 1),
                 women=1, total=7)  # fmt: skip
    intervention(worker_c, activity=shelter, region=souss, start=date(2026, 3, 3),
                 boys=20, disabled=1)  # fmt: skip
    _org_a, org_b, org_c = world["orgs"]
    first = refer(world, org_b, priority="urgent", hours_ago=30)
    accept_referral(first, actor=worker_b)
    second = refer(world, org_b, priority="normal", hours_ago=10)
    decline_referral(second, actor=worker_b, reason="Complet")
    third = refer(world, org_b, priority="emergency", hours_ago=40)  # overdue
    accept_referral(third, actor=worker_b)  # answered late: 40 h for a 24 h deadline
    refer(world, org_c, priority="emergency", hours_ago=30)  # pending, overdue
    refer(world, org_c, priority="normal", hours_ago=1)  # pending, in time
    return world


def test_the_4w_matrix_counts_organisations_interventions_and_people(dataset):
    data = stats.four_w({})

    cells = {(r["region"], r["sector"]): r for r in data["rows"]}
    assert {k: (v["organisations"], v["interventions"], v["reached"]) for k, v in cells.items()} == {
        ("02", "health"): (2, 2, 26),
        ("02", "shelter_nfi"): (1, 1, 7),
        ("09", "shelter_nfi"): (1, 1, 20),
    }  # fmt: skip
    oriental = data["regions"][0]
    assert (oriental["region"], oriental["organisations"], oriental["reached"]) == (
        "02",
        2,
        33,
    )
    assert oriental["reached_per_10000"] == round(
        33 * 10000 / oriental["population"], 1
    )
    assert data["totals"] == {"organisations": 3, "interventions": 4, "reached": 53}


def test_filters_narrow_every_figure(dataset):
    (oriental, _souss), org_b = dataset["regions"], dataset["orgs"][1]
    assert stats.four_w({"region": oriental})["totals"]["reached"] == 33
    assert stats.four_w({"region": "02", "sector": "shelter_nfi"})["totals"] == {
        "organisations": 1,
        "interventions": 1,
        "reached": 7,
    }
    assert stats.four_w({"organisation": org_b})["totals"]["interventions"] == 2
    assert stats.four_w({"emergency": dataset["emergency"]})["totals"]["reached"] == 18
    # Whole months: 15 February to 10 March keeps February and March.
    period = {"period_start": date(2026, 2, 15), "period_end": date(2026, 3, 10)}
    assert stats.four_w(period)["totals"]["interventions"] == 2


def test_people_reached_by_month_sex_age_and_disability(dataset):
    data = stats.reached({})

    assert [row["month"] for row in data["by_month"]] == [
        "2026-01",
        "2026-02",
        "2026-03",
    ]
    january = data["by_month"][0]
    assert (
        january["women"],
        january["men"],
        january["disabled"],
        january["total"],
    ) == (14, 9, 3, 26)
    assert data["totals"]["boys"] == 21
    assert data["totals"]["total"] == 53


def test_referral_pathway_figures(dataset):
    data = stats.referrals({})

    assert {r["status"]: r["count"] for r in data["by_status"]} == {
        "pending": 2, "accepted": 2, "declined": 1, "completed": 0, "cancelled": 0,
    }  # fmt: skip
    priorities = {
        r["priority"]: (r["count"], r["overdue"]) for r in data["by_priority"]
    }
    assert priorities == {"emergency": (2, 1), "urgent": (1, 0), "normal": (2, 0)}
    assert data["overdue"] == 1
    receivers = {r["organisation_name"]: r for r in data["by_receiver"]}
    b = receivers["Organisation B"]
    assert (b["received"], b["answered"]) == (3, 3)
    assert b["median_hours_to_answer"] == 30  # 10, 30, 40 hours
    assert b["answered_within_deadline_share"] == round(2 / 3, 3)
    assert b["acceptance_rate"] == round(2 / 3, 3)
    c = receivers["Organisation C"]
    assert (c["received"], c["answered"], c["median_hours_to_answer"]) == (2, 0, None)
    # No identity anywhere in the figures.
    assert "Aminata" not in str(data)


def test_an_organisation_filter_counts_what_it_sent_and_received(dataset):
    org_a, org_c = dataset["orgs"][0], dataset["orgs"][2]
    assert (
        sum(r["count"] for r in stats.referrals({"organisation": org_a})["by_status"])
        == 5
    )
    data = stats.referrals({"organisation": org_c})
    assert sum(r["count"] for r in data["by_status"]) == 2
    assert [r["organisation"] for r in data["by_receiver"]] == [org_c.pk]


def test_emergencies_with_needs_gaps_and_figures(dataset):
    from coordination.models import Sector
    from emergencies.models import Need

    emergency = dataset["emergency"]
    oriental, souss = dataset["regions"]
    health = dataset["activities"][0]
    Need.objects.create(
        emergency=emergency, sector=health.sector, region=oriental, people_in_need=50
    )
    wash = Sector.objects.get(code="wash")
    Need.objects.create(
        emergency=emergency, sector=wash, region=souss, people_in_need=80
    )

    (row,) = stats.emergencies({})["rows"]

    assert (row["title"], row["interventions"], row["reached"]) == (
        "Vague de froid",
        1,
        18,
    )
    assert row["gaps"] == ["wash"]  # nobody works on water and sanitation in Souss
    assert [(g["region"], g["people_in_need"]) for g in row["gap_cells"]] == [
        ("09", 80)
    ]
    assert {n["sector"] for n in row["needs"]} == {"health", "wash"}


def test_the_figures_equal_the_base_tables_under_every_filter(dataset):
    oriental = dataset["regions"][0]
    for filters in (
        {},
        {"region": oriental},
        {"organisation": dataset["orgs"][1]},
        {"emergency": dataset["emergency"]},
        {"period_start": date(2026, 2, 1), "period_end": date(2026, 12, 31)},
    ):
        assert_matches(filters)


def test_deleting_and_bulk_updating_keep_the_aggregates_exact(dataset):
    Intervention.objects.filter(region__code="09").delete()
    Intervention.objects.filter(sector__code="health").update(reached_total=100)

    assert_matches({})
    assert not InterventionStat.objects.filter(
        region_id=dataset["regions"][1].pk
    ).exists()


def test_the_filter_form_validates_the_period_and_references():
    form = StatsFilterForm({"period_start": "2026-03-01", "period_end": "2026-01-01"})
    assert not form.is_valid()
    assert "period_end" in form.errors
    form = StatsFilterForm({"region": "nowhere", "period_start": "soon"})
    assert not form.is_valid()
    assert set(form.errors) == {"region", "period_start"}
    assert StatsFilterForm({}).is_valid()


def _queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def test_query_counts_do_not_grow_with_the_data(dataset):
    calls = [
        lambda: stats.four_w({}),
        lambda: stats.reached({}),
        lambda: stats.referrals({}),
        lambda: stats.recommendations({}),
        lambda: stats.emergencies({}),
        lambda: stats.public_stats({}),
    ]
    before = [_queries(call) for call in calls]
    souss, shelter = dataset["regions"][1], dataset["activities"][1]
    worker_b = dataset["workers"][1]
    for month in range(1, 10):
        intervention(
            worker_b, activity=shelter, region=souss, start=date(2025, month, 1), men=3
        )
    for hours in (2, 5, 50):
        accept_referral(
            refer(dataset, dataset["orgs"][2], hours_ago=hours),
            actor=dataset["workers"][2],
        )
    assert [_queries(call) for call in calls] == before


def test_a_referral_for_someone_whose_place_is_unknown_counts(world):
    refer(world, world["orgs"][1], person=world["nowhere"])

    assert stats.referrals({})["by_status"][0]["count"] == 1
    assert (
        stats.referrals({"region": world["regions"][0]})["by_status"][0]["count"] == 0
    )
    assert_matches({})


def test_the_aggregates_count_months_in_the_platform_time_zone(settings):
    from dashboards.stats import TIME_ZONE

    assert settings.TIME_ZONE == TIME_ZONE  # else a new trigger migration is needed


def test_each_emergency_reads_its_own_window_in_a_constant_number_of_queries(world):
    from coordination.models import Province
    from dashboards.from_base_tables import assert_emergencies_match
    from emergencies.models import Emergency, Need
    from interventions.services import create_intervention

    oriental, souss = world["regions"]
    province = Province.objects.filter(region=oriental).order_by("code").first()
    elsewhere = Province.objects.filter(region=souss).order_by("code").first()
    health = world["activities"][0]
    cold = world["emergency"]  # since 2026-01-05, open
    arrivals = Emergency.objects.create(
        title="Arrivées",
        kind=cold.kind,
        started_on=date(2026, 6, 1),
        status=Emergency.Status.ACTIVE,
        created_by=cold.created_by,
    )

    def run(worker, emergency, start, end=None, where=province):
        return create_intervention(
            actor=worker,
            **{
                "sector": health.sector,
                "activity": health,
                "region": where.region,
                "province": where,
                "emergency": emergency,
                "start_date": start,
                "end_date": end,
                "status": "ongoing",
                "modality": "service",
            },
        )

    for worker in world["workers"]:
        run(worker, cold, date(2026, 2, 1))  # three organisations at once
        # In Souss, and over before the emergency began.
        run(worker, arrivals, date(2026, 3, 1), date(2026, 4, 30), where=elsewhere)
    Need.objects.create(
        emergency=arrivals, sector=health.sector, region=souss, people_in_need=40
    )

    with CaptureQueriesContext(connection) as two:
        rows = {row["emergency"]: row for row in stats.emergencies({})["rows"]}

    assert [(o["province"], o["organisations"]) for o in rows[cold.pk]["overlaps"]] == [
        (province.code, 3)
    ]
    assert rows[arrivals.pk]["overlaps"] == []
    # Its interventions ended before it started: its need is a gap.
    assert rows[arrivals.pk]["gaps"] == [health.sector.code]
    assert rows[cold.pk]["gaps"] == []
    assert_emergencies_match({})
    # From March, the window includes them: three organisations, no gap.
    since_march = stats.emergencies({"period_start": date(2026, 3, 1)})["rows"]
    (arrived,) = [row for row in since_march if row["emergency"] == arrivals.pk]
    assert arrived["gaps"] == []
    assert [o["province"] for o in arrived["overlaps"]] == [elsewhere.code]
    assert_emergencies_match({"period_start": date(2026, 3, 1)})

    third = Emergency.objects.create(
        title="Inondations",
        kind=cold.kind,
        started_on=date(2026, 2, 1),
        status=Emergency.Status.ACTIVE,
        created_by=cold.created_by,
    )
    Need.objects.create(
        emergency=third, sector=health.sector, region=oriental, people_in_need=9
    )
    run(world["workers"][0], third, date(2026, 2, 2))
    with CaptureQueriesContext(connection) as three:
        stats.emergencies({})
    assert len(three) == len(two)
