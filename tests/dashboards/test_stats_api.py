"""The stats API: who may read it, CSV, bad filters, and the public endpoint."""

from __future__ import annotations

from datetime import date

import pytest

from .conftest import intervention

ENDPOINTS = ["4w", "reached", "referrals", "emergencies", "recommendations"]


@pytest.fixture
def some_data(world):
    intervention(world["workers"][0], activity=world["activities"][0],
                 region=world["regions"][0], start=date(2026, 1, 2), women=12)  # fmt: skip
    return world


@pytest.mark.parametrize("name", ENDPOINTS)
def test_members_coordinators_and_observers_read_the_stats(
    name, some_data, api_as, worker_b, coordinator, observer
):
    for user in (worker_b, coordinator, observer):
        response = api_as(user).get(f"/api/v1/stats/{name}/", secure=True)
        assert response.status_code == 200, response.content
    assert api_as(None).get(f"/api/v1/stats/{name}/", secure=True).status_code == 401


def test_a_token_reads_the_figures_the_pages_read(some_data, api_as, token_b):
    from dashboards import stats

    response = api_as(token=token_b).get(
        "/api/v1/stats/4w/", {"region": "02"}, secure=True
    )
    assert response.status_code == 200
    assert response.json() == stats.four_w({"region": "02"})


def test_csv_export(some_data, api_as, coordinator):
    response = api_as(coordinator).get("/api/v1/stats/4w/?format=csv", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.getvalue().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("region,region_name,sector")
    assert "12" in text


def test_bad_filters_answer_400_with_messages(api_as, coordinator):
    response = api_as(coordinator).get(
        "/api/v1/stats/referrals/",
        {"period_start": "2026-05-01", "period_end": "2026-01-01", "region": "zz"},
        secure=True,
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"period_end", "region"}
    response = api_as(coordinator).get(
        "/api/v1/stats/4w/?format=csv&sector=nope", secure=True
    )
    assert response.status_code == 400


def test_the_public_figures_need_no_login_and_hide_organisations(some_data, api_as):
    response = api_as(None).get("/api/v1/public/stats/", secure=True)
    assert response.status_code == 200
    data = response.json()
    assert "by_receiver" not in data["referrals"]
    assert data["four_w"]["rows"][0]["reached"] == 12
    assert "Association A" not in response.content.decode()
