from __future__ import annotations

import pytest
from django.urls import reverse

from coordination.models import Province, Region, Sector, ServiceType
from coordination.services import load_reference_data


@pytest.mark.django_db
def test_reference_data_is_loaded_from_hcp_and_is_idempotent():
    before = (
        Region.objects.count(),
        Province.objects.count(),
        ServiceType.objects.count(),
    )

    counts = load_reference_data()

    assert before == (12, 83, counts["service_types"])
    assert counts["regions"] == 12
    assert Region.objects.get(code="02").name_fr == "Oriental"
    nador = Province.objects.get(name_fr="Nador")
    assert nador.region.code == "02"
    assert nador.population > 0
    assert Sector.objects.get(code="health").sdgs == [3]


@pytest.mark.django_db
def test_api_lists_regions_with_names_in_both_languages(api_as, worker_a):
    response = api_as(worker_a).get(reverse("api:region-list"))

    assert response.status_code == 200
    assert response.json()["count"] == 12
    oriental = next(r for r in response.json()["results"] if r["code"] == "02")
    assert oriental["name_ar"] == "الشرق"


@pytest.mark.django_db
def test_reference_data_needs_authentication(api_as):
    response = api_as().get(reverse("api:sector-list"))

    assert response.status_code == 401
    assert "errors" in response.json()
