"""The public statistics (API and page) accept only the public filters: an
`organisation` in the query string is ignored, as the public page always did, so no
caller without login sees one organisation's referral figures."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.dashboards.conftest import refer

API = reverse("api:public-stats")
PAGE = reverse("public_stats:stats")


@pytest.fixture
def five_referrals_to_b(world):
    """Five referrals A to B: enough for the public figures to show them (not "<5")."""
    org_b = world["orgs"][1]
    for hours_ago in range(5):
        refer(world, org_b, hours_ago=hours_ago)
    return world


def test_the_public_api_ignores_an_organisation_filter(api_as, five_referrals_to_b):
    org_c = five_referrals_to_b["orgs"][2]  # received nothing: its figures are 0
    anonymous = api_as(None)

    everything = anonymous.get(API)
    one_organisation = anonymous.get(API, {"organisation": org_c.pk})

    assert everything.status_code == one_organisation.status_code == 200
    assert everything.json()["referrals"]["total"] == 5
    assert one_organisation.json() == everything.json()


def test_the_public_api_ignores_an_unknown_organisation(api_as, five_referrals_to_b):
    response = api_as(None).get(API, {"organisation": "999999"})

    assert response.status_code == 200  # not a 400 saying whether the id exists
    assert response.json()["referrals"]["total"] == 5


def test_the_public_api_still_refuses_a_bad_public_filter(api_as, world):
    response = api_as(None).get(API, {"period_start": "soon", "organisation": "x"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["period_start"]


def test_the_public_page_ignores_an_organisation_filter(client_as, five_referrals_to_b):
    org_c = five_referrals_to_b["orgs"][2]
    anonymous = client_as(None)

    everything = anonymous.get(PAGE)
    one_organisation = anonymous.get(PAGE, {"organisation": org_c.pk})

    assert everything.status_code == one_organisation.status_code == 200
    assert one_organisation.context["data"] == everything.context["data"]
    assert everything.context["data"]["referrals"]["total"] == 5


def test_the_public_schema_offers_no_organisation_filter(api_as, worker_a):
    schema = api_as(worker_a).get(reverse("api:schema"), {"format": "json"}).json()

    public = schema["paths"]["/api/v1/public/stats/"]["get"]["parameters"]
    private = schema["paths"]["/api/v1/stats/referrals/"]["get"]["parameters"]
    assert "organisation" not in {p["name"] for p in public}
    assert "organisation" in {p["name"] for p in private}
