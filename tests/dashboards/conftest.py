"""A small world for the dashboards: two regions, two sectors, three organisations,
an emergency, a person of A's that A refers to B or C."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from coordination.models import Province, Region, ServiceType
from emergencies.models import Emergency
from interventions.services import create_intervention
from referrals.services import ConsentTerms, register_beneficiary, send_referral
from tests.referrals.conftest import identity


@pytest.fixture
def world(org_a, org_b, org_c, worker_a, worker_b, worker_c, coordinator):
    oriental = Region.objects.get(code="02")
    souss = Region.objects.get(code="09")
    activities = {}
    for activity in ServiceType.objects.select_related("sector").order_by("code"):
        activities.setdefault(activity.sector.code, activity)
    health, shelter = activities["health"], activities["shelter_nfi"]
    emergency = Emergency.objects.create(
        title="Vague de froid",
        kind=Emergency.Kind.COLD_WAVE,
        started_on=date(2026, 1, 5),
        status=Emergency.Status.ACTIVE,
        created_by=coordinator,
    )
    emergency.regions.add(oriental)
    person = register_beneficiary(
        actor=worker_a,
        **identity(province=Province.objects.filter(region=oriental).first()),
    )
    # Someone whose place is not known yet: their referrals have no region.
    nowhere = register_beneficiary(
        actor=worker_a, **identity(full_name="Awa Ndiaye", phone="0611111111")
    )
    return {
        "nowhere": nowhere,
        "regions": [oriental, souss],
        "activities": [health, shelter],
        "orgs": [org_a, org_b, org_c],
        "workers": [worker_a, worker_b, worker_c],
        "emergency": emergency,
        "person": person,
    }


def intervention(worker, *, activity, region, start, emergency=None, **reached):
    data = {
        "sector": activity.sector,
        "activity": activity,
        "region": region,
        "start_date": start,
        "emergency": emergency,
        "status": "ongoing",
        "modality": "service",
    }
    total = sum(reached.get(p, 0) for p in ("women", "men", "girls", "boys"))
    data |= {
        f"reached_{p}": reached.get(p, 0) for p in ("women", "men", "girls", "boys")
    }
    data["reached_disabled"] = reached.get("disabled", 0)
    data["reached_total"] = reached.get("total", total)
    return create_intervention(actor=worker, **data)


def refer(
    world,
    to,
    *,
    priority="normal",
    hours_ago=0,
    emergency=None,
    sector=None,
    person=None,
):
    return send_referral(
        person or world["person"],
        actor=world["workers"][0],
        to_organisation=to,
        sector=sector or world["activities"][0].sector,
        reason="Consultation",
        priority=priority,
        new_consent=ConsentTerms(given_by="self", scope="Nom, téléphone"),
        emergency=emergency,
        now=timezone.now() - timedelta(hours=hours_ago),
    )
