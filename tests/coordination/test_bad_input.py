"""Input that once broke the platform with a 500: timestamps PostgreSQL refuses, NUL
characters anywhere in a request, dates out of any plausible range (a birth before
1900, year 0001 or 9999); and the API's 500 itself, now JSON like its errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils.timezone import localdate
from rest_framework.test import APIClient

from coordination.validators import validate_date_of_birth, validate_plausible_date
from coordination.viewsets import RegionViewSet
from dialogue.models import Meeting
from emergencies.models import Emergency
from organisations.models import JoinRequest, Service
from referrals.models import Beneficiary
from referrals.services import register_beneficiary

BAD_TIMESTAMPS = [
    "2026-01-01T00:00:00+99:00",  # not an offset at all
    "0001-01-01T00:00:00+14:00",  # year 0 in UTC
    "9999-12-31T23:59:59-14:00",  # year 10000 in UTC
    "0000-01-01T00:00:00Z",
    "99999-01-01T00:00:00Z",
]
NUL_MESSAGE = "Null characters are not allowed."


@pytest.fixture
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.mark.parametrize("value", BAD_TIMESTAMPS)
def test_a_token_list_refuses_an_impossible_updated_since(api_as, token_b, value):
    response = api_as(token=token_b).get(
        reverse("api:region-list"), {"updated_since": value}
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["updated_since"]


@pytest.mark.parametrize("value", BAD_TIMESTAMPS)
def test_the_public_directory_refuses_an_impossible_updated_since(api_as, value):
    response = api_as(None).get(
        reverse("api:public-service-list"), {"updated_since": value}
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["updated_since"]


@pytest.mark.parametrize("offset", ["+23:59", "-16:00", "+14:00"])
def test_any_real_utc_offset_is_understood(api_as, token_b, offset):
    # PostgreSQL refuses offsets of 16 hours or more: the filter sends UTC.
    url = reverse("api:region-list")

    early = api_as(token=token_b).get(
        url, {"updated_since": f"2000-01-01T00:00{offset}"}
    )
    late = api_as(token=token_b).get(
        url, {"updated_since": f"2999-01-01T00:00{offset}"}
    )

    assert (early.status_code, late.status_code) == (200, 200)
    assert early.json()["count"] > 0
    assert late.json()["count"] == 0


def test_a_list_page_turns_an_impossible_updated_since_into_a_form_error(
    client_as, worker_a
):
    response = client_as(worker_a).get(
        reverse("interventions:list"), {"updated_since": "9999-12-31T23:59:59-14:00"}
    )

    assert response.status_code == 200
    assert "updated_since" in response.context["filter"].errors


def test_nul_in_an_api_query_string_is_a_400(api_as, token_b, english):
    response = api_as(token=token_b).get(
        reverse("api:province-list"), {"region": "02\x00"}
    )

    assert response.status_code == 400
    assert response.json() == {"errors": {"region": [NUL_MESSAGE]}}


def test_nul_in_a_page_query_string_is_a_400(client_as, worker_a, english):
    response = client_as(worker_a).get(
        reverse("interventions:list"), {"region": "\x00"}
    )

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert NUL_MESSAGE in response.content.decode()


def test_nul_in_a_path_is_no_such_object(client_as, api_as, worker_a, english):
    # No code or key holds a NUL: a 404 like any unknown one (never a 500).
    page = client_as(None).get("/organisations/invitations/a%00/")
    api = api_as(worker_a).get("/api/v1/referrals/REF-%00/")

    assert (page.status_code, api.status_code) == (404, 404)
    assert page["Content-Type"].startswith("text/html")
    assert api.json() == {"errors": {"non_field_errors": ["Not found."]}}


def test_nul_in_a_form_post_is_a_400_and_nothing_is_saved(client_as, oriental):
    response = client_as(None).post(
        reverse("organisations:join"),
        {
            "organisation_name": "Association Solidarité Nador",
            "kind": "local_association",
            "contact_name": "Youssef",
            "contact_email": "youssef@example.org",
            "regions": [f"{oriental.pk}\x00"],
        },
    )

    assert response.status_code == 400
    assert not JoinRequest.objects.exists()


def test_nul_in_a_json_post_is_a_400_and_nothing_is_saved(api_as, token_b, english):
    before = Service.objects.count()

    response = api_as(token=token_b).post(
        reverse("api:service-list"),
        {
            "name": "Consultations",
            "sector": "health\x00",
            "service_type": "primary_care",
            "regions": ["02"],
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"errors": {"sector": [NUL_MESSAGE]}}
    assert Service.objects.count() == before


def test_an_unexpected_api_error_is_a_json_500(monkeypatch, token_b, english):
    def broken(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(RegionViewSet, "list", broken)
    client = APIClient(HTTP_AUTHORIZATION=f"Token {token_b}")
    client.raise_request_exception = False

    response = client.get(reverse("api:region-list"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "errors": {"non_field_errors": ["A server error occurred."]},
        "error_id": response["X-Request-ID"],  # the reference to quote
    }
    assert "boom" not in response.content.decode()


def test_an_unexpected_page_error_is_still_the_html_page(monkeypatch, worker_a):
    from interventions.views import InterventionListView

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(InterventionListView, "get", broken)
    client = Client(raise_request_exception=False)
    client.force_login(worker_a)

    response = client.get(reverse("interventions:list"))

    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


# ---------------------------------------------------------------------------
# Dates out of any plausible range: a field error, never a 500
# ---------------------------------------------------------------------------
BENEFICIARY = {"sex": "female", "region": "02"}


@pytest.mark.parametrize(
    "value",
    [
        date(1900, 1, 1),
        date(2100, 12, 31),
        datetime(2026, 1, 1, 23, tzinfo=timezone(timedelta(hours=-14))),
    ],
)
def test_the_plausible_date_validator_accepts_its_bounds(value):
    validate_plausible_date(value)


@pytest.mark.parametrize(
    "value",
    [
        date(1899, 12, 31),
        date(2101, 1, 1),
        date(1, 1, 1),
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-14))),
    ],
)
def test_the_plausible_date_validator_refuses_beyond_them(value):
    with pytest.raises(ValidationError) as refused:
        validate_plausible_date(value)

    assert refused.value.code == "implausible_date"


def test_a_date_of_birth_is_never_in_the_future():
    validate_date_of_birth(localdate() - timedelta(days=1))
    with pytest.raises(ValidationError):
        validate_date_of_birth(localdate() + timedelta(days=2))


@pytest.mark.parametrize("born", ["1899-12-31", "1850-06-01", "0001-01-01"])
def test_the_api_refuses_a_date_of_birth_before_1900(api_as, worker_a, born):
    worker_a.language = "en"  # the API answers in the user's language
    worker_a.save(update_fields=["language"])
    response = api_as(worker_a).post(
        reverse("api:beneficiary-list"),
        {**BENEFICIARY, "date_of_birth": born},
        format="json",
    )

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == ["date_of_birth"]
    assert errors["date_of_birth"][0].startswith("Enter a date between ")
    assert "1900" in errors["date_of_birth"][0]
    assert not Beneficiary.objects.exists()


def test_a_date_of_birth_of_1900_is_accepted(api_as, worker_a):
    response = api_as(worker_a).post(
        reverse("api:beneficiary-list"),
        {**BENEFICIARY, "date_of_birth": "1900-01-01"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert Beneficiary.objects.get().birth_year == 1900


def test_the_registration_page_refuses_a_date_of_birth_before_1900(client_as, worker_a):
    response = client_as(worker_a).post(
        reverse("referrals:create"),
        {"sex": "male", "date_of_birth": "1899-12-31"},
    )

    assert response.status_code == 200
    assert "date_of_birth" in response.context["form"].errors
    assert not Beneficiary.objects.exists()


def test_the_service_refuses_a_date_of_birth_before_1900(worker_a):
    # Every way in (pages, API, imports, the demo) goes through the service.
    with pytest.raises(ValidationError) as refused:
        register_beneficiary(actor=worker_a, sex="male", date_of_birth=date(1899, 1, 1))

    assert list(refused.value.error_dict) == ["date_of_birth"]


@pytest.mark.parametrize(
    "starts_at",
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "1899-12-31T10:00Z"],
)
def test_a_meeting_at_an_impossible_time_is_a_400(
    api_as, coordinator, org_a, starts_at
):
    response = api_as(coordinator).post(
        reverse("api:meeting-list"),
        {
            "title": "Réunion de suivi",
            "kind": "meeting",
            "starts_at": starts_at,
            "place": "Rabat",
            "participants": [org_a.pk],
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["starts_at"]
    assert not Meeting.objects.exists()


@pytest.mark.parametrize("field", ["started_on", "ended_on"])
def test_an_emergency_in_year_one_is_a_400(api_as, coordinator, field):
    response = api_as(coordinator).post(
        reverse("api:emergency-list"),
        {
            "title": "Arrivées à Nador",
            "kind": "mass_arrival",
            "regions": ["02"],
            "started_on": "2025-02-01",
            "severity": "medium",
            field: "0001-01-01",
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Emergency.objects.exists()


def test_a_recommendation_due_in_year_9999_is_a_400(api_as, coordinator, org_b):
    response = api_as(coordinator).post(
        reverse("api:recommendation-list"),
        {
            "text": "Ouvrir un guichet",
            "addressed_to": [org_b.pk],
            "due_date": "9999-12-31",
        },
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["due_date"]


def test_the_4w_refuses_an_intervention_starting_in_year_one(api_as, worker_a):
    response = api_as(worker_a).post(
        reverse("api:intervention-list"),
        {"start_date": "0001-01-01"},
        format="json",
    )

    assert response.status_code == 400
    assert "start_date" in response.json()["errors"]


def test_the_gap_analysis_refuses_a_period_in_year_one(api_as, worker_a):
    response = api_as(worker_a).get(
        reverse("api:intervention-gaps"), {"period_start": "0001-01-01"}
    )

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["period_start"]
