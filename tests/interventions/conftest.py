"""The 4W's fixtures: reference rows by code and an intervention of organisation A."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from coordination.models import Province, Region, Sector, ServiceType
from interventions.services import create_intervention


@pytest.fixture(autouse=True)
def _english_messages():
    # Assertions read messages in English, whatever the catalogues hold.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _reference_data(db):
    """Regions, provinces and sectors come from a migration; a transactional test
    elsewhere may have flushed them."""
    if not Region.objects.exists():
        from coordination.services import load_reference_data

        load_reference_data()


@pytest.fixture
def health(db):
    return Sector.objects.get(code="health")


@pytest.fixture
def primary_care(db):
    return ServiceType.objects.get(code="primary_care")


@pytest.fixture
def hot_meals(db):
    """An activity of another sector (food security)."""
    return ServiceType.objects.get(code="hot_meals")


@pytest.fixture
def oujda(db):
    return Province.objects.get(code="02.411")


@pytest.fixture
def casablanca_region(db):
    return Region.objects.get(code="06")


@pytest.fixture
def valid_data(health, primary_care, oriental, oujda):
    """What a caseworker logs: primary care in Oujda since 1 January 2025."""
    return {
        "sector": health,
        "activity": primary_care,
        "region": oriental,
        "province": oujda,
        "start_date": date(2025, 1, 1),
        "end_date": date(2025, 6, 30),
        "targeted_women": 40,
        "targeted_men": 30,
        "targeted_girls": 10,
        "targeted_boys": 10,
        "targeted_disabled": 5,
        "targeted_total": 90,
    }


@pytest.fixture
def intervention_a(worker_a, valid_data):
    """An intervention of organisation A, logged by its caseworker."""
    return create_intervention(actor=worker_a, **valid_data)
