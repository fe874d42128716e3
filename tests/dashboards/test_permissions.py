"""Who may read the dashboards: one rule (dashboards/permissions.py) for the page, its
CSV downloads and the stats API, walked over HTTP for each of the cast."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import UserFactory

DASHBOARD = reverse("dashboards:dashboard")
STATS = "/api/v1/stats/4w/"

# Members acting for an organisation, coordinators and observers read; anonymous
# visitors are sent to sign in (page) or get 401 (API).
CAST = [
    ("coordinator", 200, 200),
    ("observer", 200, 200),
    ("focal_a", 200, 200),
    ("worker_a", 200, 200),
    ("anonymous", 302, 401),
]


@pytest.mark.parametrize(("who", "page", "api"), CAST)
def test_the_page_its_csv_and_the_api_follow_one_rule(
    request, client_as, api_as, who, page, api
):
    user = None if who == "anonymous" else request.getfixturevalue(who)

    html = client_as(user).get(DASHBOARD)
    download = client_as(user).get(DASHBOARD, {"format": "csv", "block": "4w"})
    json = api_as(user).get(STATS, secure=True)
    csv = api_as(user).get(STATS, {"format": "csv"}, secure=True)

    assert (html.status_code, download.status_code) == (page, page)
    assert (json.status_code, csv.status_code) == (api, api)
    if page == 302:
        assert reverse("account_login") in html["Location"]


def test_someone_of_no_organisation_is_refused_by_page_and_api(client_as, api_as, db):
    nobody = UserFactory(email="nobody@example.org")

    html = client_as(nobody).get(DASHBOARD)
    json = api_as(nobody).get(STATS, secure=True)

    assert html.status_code == 403
    assert json.status_code == 403


def test_an_organisations_token_reads_the_api(api_as, token_b):
    assert api_as(token=token_b).get(STATS, secure=True).status_code == 200


@pytest.mark.parametrize("how", ["page", "api"])
def test_the_public_figures_are_open_to_everyone(client_as, api_as, db, how):
    if how == "page":
        response = client_as(None).get(reverse("public_stats:stats"))
    else:
        response = api_as(None).get("/api/v1/public/stats/", secure=True)

    assert response.status_code == 200
