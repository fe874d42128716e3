"""Gaps and overlaps on a constructed case (service level and over HTTP)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from coordination.models import Province, Region, Sector, ServiceType
from emergencies.models import Emergency, Need
from interventions.analysis import analyse
from interventions.models import Intervention
from interventions.services import create_intervention
from tests.factories import MembershipFactory, OrganisationFactory


@pytest.fixture
def cold_wave(coordinator, oriental):
    """A cold wave in the Oriental (January to March 2025) with three declared needs."""
    emergency = Emergency.objects.create(
        title="Vague de froid", kind="cold_wave", started_on=date(2025, 1, 1),
        ended_on=date(2025, 3, 31), created_by=coordinator,
    )  # fmt: skip
    emergency.regions.add(oriental)
    for sector, region, people in [
        ("shelter_nfi", "02", 300),
        ("health", "02", 100),
        ("food_security", "02", 50),
    ]:
        Need.objects.create(
            emergency=emergency, sector=Sector.objects.get(code=sector),
            region=Region.objects.get(code=region), people_in_need=people,
        )  # fmt: skip
    return emergency


def _member_of_new_org(n):
    org = OrganisationFactory(code=f"extra-{n}", name=f"Extra {n}")
    return MembershipFactory(organisation=org).user


def _log(user, activity, province, start, end, status="ongoing"):
    activity = ServiceType.objects.get(code=activity)
    province = Province.objects.get(code=province)
    return create_intervention(
        actor=user,
        sector=activity.sector, activity=activity, region=province.region,
        province=province, start_date=start, end_date=end, status=status,
    )  # fmt: skip


@pytest.fixture
def case(worker_a, worker_b, worker_c):
    """Health is covered in the Oriental; shelter only by a suspended intervention; food
    not at all. Three organisations run winterisation kits in Oujda in February; a
    fourth only in April; two others do emergency shelter in Nador (not an overlap)."""
    d = _member_of_new_org(1)
    _log(worker_a, "primary_care", "02.411", date(2025, 1, 10), None)
    _log(
        worker_a,
        "emergency_shelter",
        "02.381",
        date(2025, 1, 10),
        date(2025, 3, 1),
        "suspended",
    )
    _log(worker_a, "winterisation_kit", "02.411", date(2025, 1, 15), date(2025, 2, 28))
    _log(worker_b, "winterisation_kit", "02.411", date(2025, 2, 1), date(2025, 3, 15))
    _log(worker_c, "winterisation_kit", "02.411", date(2025, 2, 10), None)
    _log(d, "winterisation_kit", "02.411", date(2025, 4, 1), date(2025, 4, 30))
    _log(worker_b, "nfi_kit", "02.381", date(2025, 1, 1), None)
    _log(worker_c, "nfi_kit", "02.381", date(2025, 1, 1), None)


def test_gaps_are_needs_without_an_active_intervention(cold_wave, case):
    result = analyse(emergency=cold_wave)

    gaps = [(g.region.code, g.sector.code, g.people_in_need) for g in result.gaps]
    assert gaps == [("02", "food_security", 50)]
    assert (result.start, result.end) == (date(2025, 1, 1), date(2025, 3, 31))


def test_overlaps_are_three_organisations_on_the_same_days(
    cold_wave, case, org_a, org_b, org_c
):
    result = analyse(emergency=cold_wave)

    assert len(result.overlaps) == 1
    overlap = result.overlaps[0]
    assert (overlap.province.code, overlap.activity.code) == (
        "02.411",
        "winterisation_kit",
    )
    assert set(overlap.organisations) == {org_a, org_b, org_c}
    assert (overlap.start, overlap.end) == (date(2025, 2, 10), date(2025, 2, 28))


def test_outside_the_period_nothing_overlaps(case):
    result = analyse(start=date(2025, 3, 20), end=date(2025, 4, 30))

    assert result.overlaps == []


def test_the_gaps_endpoint(api_as, observer, cold_wave, case):
    response = api_as(observer).get(
        reverse("api:intervention-gaps"), {"emergency": cold_wave.pk}
    )

    assert response.status_code == 200
    body = response.json()
    assert [(g["region"], g["sector"]) for g in body["gaps"]] == [
        ("02", "food_security")
    ]
    assert [
        (o["province"], o["activity"], len(o["organisations"]))
        for o in body["overlaps"]
    ] == [("02.411", "winterisation_kit", 3)]


def test_the_gaps_page(client_as, observer, cold_wave, case):
    response = client_as(observer).get(
        reverse("interventions:gaps"), {"emergency": cold_wave.pk}
    )

    assert response.status_code == 200
    assert len(response.context["result"].gaps) == 1
    assert Intervention.objects.count() == 8


def test_alerts_also_reach_organisations_running_interventions_there(
    worker_c, org_c, oriental, health
):
    from emergencies.services import alert_recipients

    assert org_c not in alert_recipients(regions=[oriental], sectors=[health])
    _log(worker_c, "primary_care", "02.411", date(2025, 1, 1), None)

    assert org_c in alert_recipients(regions=[oriental], sectors=[health])
