"""The coordinators' pathway map: completion figures per receiving organisation, the
graph of who refers to whom (one aggregated query, as JSON in the page), the gaps
(sector x province where nobody accepts), unconnected organisations marked, metadata
only, and a constant number of queries."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination.models import Province, Sector
from organisations.models import Organisation
from referrals import services
from referrals.models import Referral
from tests.referrals.conftest import SENTINEL_NAME, SENTINELS, identity

PATHWAY = reverse("referrals:pathway")


@pytest.fixture
def sectors(db):
    return Sector.objects.get(code="health"), Sector.objects.get(code="shelter_nfi")


def _send(person, actor, to, sector, *, days_ago=0):
    return services.send_referral(
        person,
        actor=actor,
        to_organisation=to,
        sector=sector,
        reason="REASON-SENTINEL",
        new_consent=services.ConsentTerms(given_by="self", scope="Nom"),
        now=timezone.now() - timedelta(days=days_ago),
    )


def _accept(referral, actor, *, days_ago):
    services.accept_referral(referral, actor=actor)
    # The answer came `days_ago` days ago (the triggers count the UPDATE too).
    Referral.objects.filter(pk=referral.pk).update(
        responded_at=timezone.now() - timedelta(days=days_ago)
    )


@pytest.fixture
def dataset(
    beneficiary_a, worker_a, worker_b, worker_c, org_b, org_c, sectors, coordinator
):
    """A → B: stale accepted, recently accepted, completed, declined (health).
    A → C: accepted 31 days ago (health), pending (shelter: a gap). C → B: pending."""
    health, shelter = sectors
    r1 = _send(beneficiary_a, worker_a, org_b, health, days_ago=45)
    _accept(r1, worker_b, days_ago=40)
    r2 = _send(beneficiary_a, worker_a, org_b, health, days_ago=6)
    _accept(r2, worker_b, days_ago=5)
    r3 = _send(beneficiary_a, worker_a, org_b, health, days_ago=3)
    services.accept_referral(r3, actor=worker_b)
    services.complete_referral(r3, actor=worker_b, outcome="Seen")
    r4 = _send(beneficiary_a, worker_a, org_b, health, days_ago=2)
    services.decline_referral(r4, actor=worker_b, reason="Full")
    r5 = _send(beneficiary_a, worker_a, org_c, shelter, days_ago=1)
    r6 = _send(beneficiary_a, worker_a, org_c, health, days_ago=35)
    _accept(r6, worker_c, days_ago=31)
    person_c = services.register_beneficiary(
        actor=worker_c,
        **identity(province=Province.objects.filter(region__code="02").first()),
    )
    r7 = _send(person_c, worker_c, org_b, health)
    return {"referrals": [r1, r2, r3, r4, r5, r6, r7], "person": beneficiary_a}


def _graph(response) -> dict:
    match = re.search(
        r'<script id="pathway-graph-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the graph's JSON is in the page"
    return json.loads(unescape(match.group(1)))


def _get(client_as, coordinator, **params):
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])
    response = client_as(coordinator).get(PATHWAY, params)
    assert response.status_code == 200
    return response


def test_completion_figures_per_receiver_equal_a_hand_count(
    client_as, coordinator, dataset, org_b, org_c
):
    response = _get(client_as, coordinator)

    rows = {r["to_organisation"]: r for r in response.context["per_organisation"]}
    b, c = rows[org_b.pk], rows[org_c.pk]
    assert (b["received"], b["accepted"], b["completed"], b["stale"]) == (5, 3, 1, 1)
    assert b["completion_rate"] == 33  # 1 of 3 accepted
    assert (c["received"], c["accepted"], c["completed"], c["stale"]) == (2, 1, 0, 1)
    assert c["completion_rate"] == 0
    page = response.content.decode()
    assert "Accepted, not completed after 30 days" in page


def test_the_graph_json_has_one_edge_per_pair_equal_to_a_hand_count(
    client_as, coordinator, dataset, org_a, org_b, org_c
):
    graph = _graph(_get(client_as, coordinator))

    edges = {
        (e["source"], e["target"]): (
            e["referrals"],
            e["accepted"],
            e["completed"],
            e["stale"],
            e["completion_rate"],
        )
        for e in graph["edges"]
    }
    a, b, c = (f"o{org.pk}" for org in (org_a, org_b, org_c))
    assert edges == {
        (a, b): (4, 3, 1, 1, 33),
        (a, c): (2, 1, 0, 1, 0),
        (c, b): (1, 0, 0, 0, None),
    }
    assert len(graph["edges"]) == 3  # one per pair, never one per referral
    ab = next(e for e in graph["edges"] if (e["source"], e["target"]) == (a, b))
    assert ab["median_hours"] is not None
    assert "4 referrals" in ab["title"]
    nodes = {n["id"]: (n["sent"], n["received"]) for n in graph["nodes"]}
    assert nodes == {a: (6, 0), b: (0, 5), c: (1, 2)}


def test_the_map_follows_the_sector_province_and_period_filters(
    client_as, coordinator, dataset, org_a, org_b, org_c
):
    province = dataset["referrals"][0].province
    by_sector = _graph(_get(client_as, coordinator, sector="shelter_nfi"))
    by_province = _graph(_get(client_as, coordinator, province=province.code))
    recent = _graph(
        _get(
            client_as,
            coordinator,
            sent_after=(timezone.localdate() - timedelta(days=10)).isoformat(),
        )
    )

    a, b, c = (f"o{org.pk}" for org in (org_a, org_b, org_c))
    assert [(e["source"], e["target"]) for e in by_sector["edges"]] == [(a, c)]
    assert sum(e["referrals"] for e in by_province["edges"]) == 7
    assert {(e["source"], e["target"]): e["referrals"] for e in recent["edges"]} == {
        (a, b): 3,
        (a, c): 1,
        (c, b): 1,
    }


def test_the_gaps_list_sectors_nobody_accepts_in_a_province(
    client_as, coordinator, dataset
):
    response = _get(client_as, coordinator)

    province = dataset["referrals"][4].province
    (gap,) = response.context["gaps"]  # shelter: one pending referral, no acceptance
    shelter = Sector.objects.get(code="shelter_nfi")
    assert gap["sector"] == (shelter.name_en or shelter.name_fr)
    assert gap["province"] == (province.name_en or province.name_fr)
    assert (gap["sent"], gap["declined"], gap["pending"]) == (1, 0, 1)
    assert "Sectors with referrals nobody accepts" in response.content.decode()


def test_unconnected_organisations_show_with_a_mark(
    client_as, coordinator, dataset, beneficiary_a, worker_a, sectors
):
    hospital = Organisation.objects.create(
        code="hopital-oujda",
        name="Hôpital Al Farabi, service social",
        kind=Organisation.Kind.PUBLIC_SERVICE,
    )
    _send(beneficiary_a, worker_a, hospital, sectors[0])

    response = _get(client_as, coordinator)

    graph = _graph(response)
    node = next(n for n in graph["nodes"] if n["id"] == f"o{hospital.pk}")
    assert node["connected"] is False
    assert "off the platform" in node["title"]
    rows = {r["to_organisation"]: r for r in response.context["per_organisation"]}
    assert rows[hospital.pk]["connected"] is False
    assert "badge--off-platform" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("worker_a", 404), ("worker_b", 404), ("observer", 404), ("coordinator", 200)],
)
def test_only_coordinators_see_the_map(client_as, request, dataset, who, status):
    response = client_as(request.getfixturevalue(who)).get(PATHWAY)

    assert response.status_code == status
    assert b"pathway-graph-data" not in response.content or who == "coordinator"


def test_no_identity_in_the_page_nor_the_graph(client_as, coordinator, dataset):
    response = _get(client_as, coordinator)

    page = response.content.decode()
    graph = json.dumps(_graph(response), ensure_ascii=False)
    for sentinel in (*SENTINELS, "Aminata", "REASON-SENTINEL"):
        assert sentinel not in page
        assert sentinel not in graph
    assert dataset["person"].code not in page
    assert SENTINEL_NAME not in graph


def _count(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PATHWAY, params).status_code == 200
    return len(queries)


def test_queries_are_constant_whatever_the_organisations_and_referrals(
    client_as, coordinator, dataset, beneficiary_a, worker_a, sectors
):
    client = client_as(coordinator)
    client.get(PATHWAY)
    before = _count(client)
    filtered = _count(client, sector="health")
    for n in range(6):
        other = Organisation.objects.create(
            code=f"other-{n}", name=f"Other {n}", kind=Organisation.Kind.NATIONAL_NGO
        )
        for days in (1, 40):
            _send(beneficiary_a, worker_a, other, sectors[n % 2], days_ago=days)

    assert _count(client) == before
    assert _count(client, sector="health") == filtered


def test_bad_place_or_period_filters_are_form_errors_never_a_500(
    client_as, coordinator, dataset
):
    response = _get(client_as, coordinator, sent_after="soon", province="nowhere")

    errors = response.context["filter"].form.errors
    assert {"sent_after", "province"} <= set(errors)
    assert response.context["pairs"] == []


def test_the_api_filters_referrals_by_province_and_period(api_as, worker_a, dataset):
    province = dataset["referrals"][0].province
    client = api_as(worker_a)
    today = timezone.localdate()

    by_place = client.get(
        "/api/v1/referrals/", {"province": province.code}, secure=True
    )
    recent = client.get(
        "/api/v1/referrals/",
        {"sent_after": (today - timedelta(days=10)).isoformat()},
        secure=True,
    )
    bad = client.get("/api/v1/referrals/", {"sent_before": "soon"}, secure=True)

    assert by_place.status_code == recent.status_code == 200
    assert len(by_place.json()["results"]) == 6  # A's six, all in that province
    assert len(recent.json()["results"]) == 4
    assert bad.status_code == 400
    assert "sent_before" in str(bad.json())
