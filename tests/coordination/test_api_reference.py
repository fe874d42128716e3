"""Reference data over the API (regions, provinces, sectors), and the API's own
reference: the OpenAPI schema and the browsable docs, served without any CDN."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination.models import Province, Region, Sector


@pytest.fixture(autouse=True)
def _mfa_optional(settings):
    settings.TANSIQ_REQUIRE_MFA = False


def test_regions_have_codes_and_names_in_each_language(api_as, worker_a):
    response = api_as(worker_a).get(reverse("api:region-detail", args=["02"]))

    assert response.status_code == 200
    body = response.json()
    assert body["code"] == "02"
    assert body["name_fr"] == "Oriental"
    assert body["name_ar"] == "الشرق"
    assert body["population"] > 0


def test_name_follows_the_active_language(api_as, worker_a, token_b):
    worker_a.language = "ar"
    worker_a.save()
    url = reverse("api:region-detail", args=["02"])

    by_session = api_as(worker_a).get(url).json()
    by_token_fr = api_as(token=token_b).get(url).json()
    by_token_ar = api_as(token=token_b).get(url, HTTP_ACCEPT_LANGUAGE="ar").json()

    assert by_session["name"] == "الشرق"
    assert by_token_fr["name"] == "Oriental"
    assert by_token_ar["name"] == "الشرق"


def test_provinces_name_their_region_by_code_and_filter_by_it(api_as, worker_a):
    response = api_as(worker_a).get(reverse("api:province-list"), {"region": "02"})

    body = response.json()
    assert body["count"] == Province.objects.filter(region__code="02").count() > 0
    assert {p["region"] for p in body["results"]} == {"02"}
    assert all(p["kind"] in ("province", "prefecture") for p in body["results"])


def test_a_province_is_found_by_its_code(api_as, worker_a):
    nador = Province.objects.get(name_fr="Nador")

    response = api_as(worker_a).get(reverse("api:province-detail", args=[nador.code]))

    assert response.json()["name_fr"] == "Nador"
    assert response.json()["region"] == "02"


def test_sectors_list_their_service_types(api_as, worker_a):
    response = api_as(worker_a).get(reverse("api:sector-detail", args=["health"]))

    body = response.json()
    assert body["sdgs"] == [3]
    assert body["service_types"]
    assert {"code", "name", "name_fr", "name_ar"} <= set(body["service_types"][0])


@pytest.mark.parametrize(
    ("route", "code"),
    [("region", "99"), ("province", "99.999"), ("sector", "astrology")],
)
def test_an_unknown_code_is_404(api_as, worker_a, route, code):
    response = api_as(worker_a).get(reverse(f"api:{route}-detail", args=[code]))

    assert response.status_code == 404
    assert response.json()["errors"]["non_field_errors"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/regions/0%002/", "/api/v1/sectors/x%00/", "/api/v1/provinces/%00/"],
)
def test_a_nul_byte_in_a_code_is_404_not_500(api_as, worker_a, path):
    assert api_as(worker_a).get(path).status_code == 404


@pytest.mark.parametrize("params", [{"region": "99"}, {"updated_since": "soon"}])
def test_bad_filters_are_400(api_as, worker_a, params):
    response = api_as(worker_a).get(reverse("api:province-list"), params)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == list(params)


@pytest.mark.parametrize(
    ("route", "model"), [("region", Region), ("province", Province), ("sector", Sector)]
)
def test_reference_lists_support_updated_since(api_as, worker_a, route, model):
    model.objects.update(updated_at=timezone.now() - timedelta(days=10))
    changed = model.objects.order_by("code").first()
    changed.save()  # touches updated_at

    response = api_as(worker_a).get(
        reverse(f"api:{route}-list"),
        {"updated_since": (timezone.now() - timedelta(days=1)).isoformat()},
    )

    assert [r["code"] for r in response.json()["results"]] == [changed.code]


def test_reference_lists_are_ordered_by_updated_at_then_id(api_as, worker_a):
    Region.objects.update(updated_at=timezone.now() - timedelta(days=10))
    newest = Region.objects.get(code="01")
    newest.save()

    codes = [
        r["code"]
        for r in api_as(worker_a).get(reverse("api:region-list")).json()["results"]
    ]

    assert codes[-1] == "01"
    ids = list(
        Region.objects.exclude(code="01").order_by("id").values_list("code", flat=True)
    )
    assert codes[:-1] == ids


def _queries(client, url, params) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"page_size": 1000, **params})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


@pytest.mark.parametrize("route", ["region", "province", "sector"])
def test_reference_lists_cost_the_same_queries_for_1_and_all_rows(
    api_as, worker_a, route
):
    client = api_as(worker_a)
    url = reverse(f"api:{route}-list")
    since = (timezone.now() - timedelta(days=1)).isoformat()
    model = {"region": Region, "province": Province, "sector": Sector}[route]
    model.objects.update(updated_at=timezone.now() - timedelta(days=10))
    model.objects.order_by("code").first().save()

    one, one_count = _queries(client, url, {"updated_since": since})
    many, many_count = _queries(client, url, {})

    assert one_count == 1
    assert many_count >= 12
    assert one == many


# ---------------------------------------------------------------------------
# Schema and docs
# ---------------------------------------------------------------------------
def test_the_schema_is_openapi_3_and_covers_the_routes(api_as, worker_a):
    response = api_as(worker_a).get(reverse("api:schema"), {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/me/",
        "/api/v1/regions/",
        "/api/v1/provinces/",
        "/api/v1/sectors/",
        "/api/v1/organisations/",
        "/api/v1/organisations/{id}/verify/",
    } <= set(schema["paths"])
    patch = schema["paths"]["/api/v1/organisations/{id}/"]["patch"]
    assert {"400", "403", "404", "422"} <= set(patch["responses"])
    assert "Idempotency-Key" in {p["name"] for p in patch["parameters"]}
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_docs_load_only_local_assets(api_as, settings, worker_a):
    # Plain static storage: the test does not depend on a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    client = api_as(worker_a)

    page = client.get(reverse("api:docs"))
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    script = client.get(reverse("api:docs"), {"script": ""})

    assert page.status_code == 200
    assert assets
    assert all(a.startswith("/") and not a.startswith("//") for a in assets), assets
    assert any(a.startswith("/static/drf_spectacular_sidecar/") for a in assets)
    assert "cdn" not in html.lower()
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
    assert "https://" not in script.content.decode()
