"""Emergencies, needs and capacities: the services with each rule and refusal, the pages
and the API over HTTP, and constant query counts for lists."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.models import Province, Region, Sector, ServiceType
from emergencies.models import Capacity, Emergency, Need
from emergencies.services import (
    add_need,
    close_emergency,
    create_emergency,
    declare_capacity,
    remove_need,
    update_capacity,
    update_emergency,
    update_need,
    withdraw_capacity,
)

OUJDA, FIGUIG, JERADA, NADOR = "02.411", "02.251", "02.275", "02.381"
CASABLANCA = "06.141"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def region(code):
    return Region.objects.get(code=code)


def province(code):
    return Province.objects.get(code=code)


def sector(code):
    return Sector.objects.get(code=code)


def service_type(code):
    return ServiceType.objects.get(code=code)


def cold_wave_data(**changes):
    data = {
        "title": "Vague de froid dans l'Oriental",
        "kind": Emergency.Kind.COLD_WAVE,
        "severity": Emergency.Severity.HIGH,
        "status": Emergency.Status.ACTIVE,
        "started_on": date(2025, 1, 10),
        "people_affected": 1200,
        "regions": [region("02")],
        "provinces": [province(OUJDA), province(FIGUIG), province(JERADA)],
    }
    return {**data, **changes}


@pytest.fixture
def cold_wave(coordinator):
    return create_emergency(actor=coordinator, **cold_wave_data())


@pytest.fixture
def shelter_need(cold_wave, coordinator):
    return add_need(
        cold_wave,
        actor=coordinator,
        sector=sector("shelter_nfi"),
        service_type=service_type("emergency_shelter"),
        region=region("02"),
        province=province(OUJDA),
        people_in_need=300,
        priority=Need.Priority.HIGH,
    )


def capacity_data(**changes):
    data = {
        "sector": sector("shelter_nfi"),
        "service_type": service_type("emergency_shelter"),
        "description": "Places d'hébergement d'urgence",
        "quantity": 40,
        "region": region("02"),
        "province": province(OUJDA),
        "as_of": date(2025, 1, 12),
    }
    return {**data, **changes}


# ---------------------------------------------------------------------------
# Emergencies
# ---------------------------------------------------------------------------
def test_a_coordinator_declares_an_emergency(coordinator):
    emergency = create_emergency(actor=coordinator, **cold_wave_data())

    assert emergency.created_by == coordinator
    assert set(emergency.regions.values_list("code", flat=True)) == {"02"}
    assert emergency.provinces.count() == 3
    assert emergency.status == Emergency.Status.ACTIVE


@pytest.mark.parametrize("who", ["worker_a", "focal_a", "observer"])
def test_only_coordinators_declare_emergencies(request, who):
    with pytest.raises(PermissionDenied):
        create_emergency(actor=request.getfixturevalue(who), **cold_wave_data())

    assert not Emergency.objects.exists()


def test_an_emergency_cannot_end_before_it_starts(coordinator):
    with pytest.raises(ValidationError) as error:
        create_emergency(actor=coordinator, **cold_wave_data(ended_on=date(2025, 1, 1)))

    assert error.value.message_dict == {
        "ended_on": ["The end date cannot be before the start date."]
    }
    assert not Emergency.objects.exists()


def test_provinces_must_lie_in_the_regions(coordinator):
    with pytest.raises(ValidationError) as error:
        create_emergency(
            actor=coordinator,
            **cold_wave_data(provinces=[province(OUJDA), province(CASABLANCA)]),
        )

    assert "provinces" in error.value.message_dict
    assert "Casablanca" in error.value.message_dict["provinces"][0]


def test_an_emergency_needs_a_region_and_a_title(coordinator):
    with pytest.raises(ValidationError) as error:
        create_emergency(actor=coordinator, **cold_wave_data(regions=[], provinces=[]))
    assert list(error.value.message_dict) == ["regions"]

    with pytest.raises(ValidationError) as error:
        create_emergency(actor=coordinator, **cold_wave_data(title="  "))
    assert list(error.value.message_dict) == ["title"]


def test_a_coordinator_edits_an_emergency(cold_wave, coordinator):
    update_emergency(
        cold_wave,
        actor=coordinator,
        severity=Emergency.Severity.CRITICAL,
        provinces=[province(NADOR)],
    )

    cold_wave.refresh_from_db()
    assert cold_wave.severity == Emergency.Severity.CRITICAL
    assert list(cold_wave.provinces.values_list("code", flat=True)) == [NADOR]


def test_editing_regions_reports_provinces_left_outside_on_regions(
    cold_wave, coordinator
):
    with pytest.raises(ValidationError) as error:
        update_emergency(cold_wave, actor=coordinator, regions=[region("06")])

    assert list(error.value.message_dict) == ["regions"]


def test_every_mistake_of_an_emergency_is_reported_at_once(coordinator):
    with pytest.raises(ValidationError) as error:
        create_emergency(
            actor=coordinator,
            **cold_wave_data(
                title=" ",
                ended_on=date(2025, 1, 1),
                provinces=[province(CASABLANCA)],
            ),
        )

    assert set(error.value.message_dict) == {"title", "provinces", "ended_on"}


def test_an_edit_changes_only_the_fields_given(cold_wave, coordinator):
    update_emergency(cold_wave, actor=coordinator, title="Vague de froid (suite)")

    cold_wave.refresh_from_db()
    assert cold_wave.title == "Vague de froid (suite)"
    assert cold_wave.severity == Emergency.Severity.HIGH
    assert cold_wave.people_affected == 1200
    assert cold_wave.provinces.count() == 3


def test_an_edit_checks_the_end_date_against_the_stored_start(cold_wave, coordinator):
    with pytest.raises(ValidationError) as error:
        update_emergency(cold_wave, actor=coordinator, ended_on=date(2025, 1, 9))

    assert error.value.message_dict == {
        "ended_on": ["The end date cannot be before the start date."]
    }
    cold_wave.refresh_from_db()
    assert cold_wave.ended_on is None


def test_closing_before_the_start_is_refused(cold_wave, coordinator):
    with pytest.raises(ValidationError) as error:
        close_emergency(cold_wave, actor=coordinator, ended_on=date(2025, 1, 1))

    assert list(error.value.message_dict) == ["ended_on"]
    cold_wave.refresh_from_db()
    assert cold_wave.status == Emergency.Status.ACTIVE


def test_a_caseworker_cannot_edit_an_emergency(cold_wave, worker_a):
    with pytest.raises(PermissionDenied):
        update_emergency(cold_wave, actor=worker_a, title="x")


def test_closing_sets_the_end_date_and_twice_is_a_conflict(cold_wave, coordinator):
    close_emergency(cold_wave, actor=coordinator)

    cold_wave.refresh_from_db()
    assert cold_wave.status == Emergency.Status.CLOSED
    assert cold_wave.ended_on is not None
    with pytest.raises(Conflict):
        close_emergency(cold_wave, actor=coordinator)


def test_closing_through_status_sets_the_end_date(cold_wave, coordinator):
    update_emergency(cold_wave, actor=coordinator, status=Emergency.Status.CLOSED)

    cold_wave.refresh_from_db()
    assert cold_wave.ended_on is not None


# ---------------------------------------------------------------------------
# Needs
# ---------------------------------------------------------------------------
def test_a_coordinator_records_changes_and_removes_a_need(shelter_need, coordinator):
    update_need(shelter_need, actor=coordinator, people_in_need=450)
    shelter_need.refresh_from_db()
    assert shelter_need.people_in_need == 450

    remove_need(shelter_need, actor=coordinator)
    assert not Need.objects.exists()


def test_a_need_lies_in_the_emergency_regions(cold_wave, coordinator):
    with pytest.raises(ValidationError) as error:
        add_need(
            cold_wave,
            actor=coordinator,
            sector=sector("health"),
            region=region("06"),
            people_in_need=5,
        )
    assert list(error.value.message_dict) == ["region"]

    with pytest.raises(ValidationError) as error:
        add_need(
            cold_wave,
            actor=coordinator,
            sector=sector("health"),
            region=region("02"),
            province=province(CASABLANCA),
            people_in_need=5,
        )
    assert list(error.value.message_dict) == ["province"]


def test_a_need_service_type_belongs_to_its_sector(cold_wave, coordinator):
    with pytest.raises(ValidationError) as error:
        add_need(
            cold_wave,
            actor=coordinator,
            sector=sector("health"),
            service_type=service_type("winterisation_kit"),
            region=region("02"),
            people_in_need=5,
        )

    assert list(error.value.message_dict) == ["service_type"]
    assert not Need.objects.exists()


def test_a_need_place_and_service_type_mistakes_are_reported_together(
    cold_wave, coordinator
):
    with pytest.raises(ValidationError) as error:
        add_need(
            cold_wave,
            actor=coordinator,
            sector=sector("health"),
            service_type=service_type("winterisation_kit"),
            region=region("02"),
            province=province(CASABLANCA),
            people_in_need=5,
        )

    assert set(error.value.message_dict) == {"province", "service_type"}


def test_a_need_edit_changes_only_the_fields_given(shelter_need, coordinator):
    update_need(shelter_need, actor=coordinator, note="Familles avec enfants")

    shelter_need.refresh_from_db()
    assert shelter_need.note == "Familles avec enfants"
    assert shelter_need.people_in_need == 300
    assert shelter_need.service_type == service_type("emergency_shelter")
    assert shelter_need.province == province(OUJDA)


def test_changing_a_need_sector_drops_a_service_type_of_the_old_one(
    shelter_need, coordinator
):
    update_need(shelter_need, actor=coordinator, sector=sector("health"))

    shelter_need.refresh_from_db()
    assert shelter_need.service_type is None


@pytest.mark.parametrize("who", ["worker_a", "focal_b", "observer"])
def test_only_coordinators_manage_needs(request, who, cold_wave, shelter_need):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        add_need(
            cold_wave,
            actor=actor,
            sector=sector("health"),
            region=region("02"),
            people_in_need=1,
        )
    with pytest.raises(PermissionDenied):
        update_need(shelter_need, actor=actor, people_in_need=1)
    with pytest.raises(PermissionDenied):
        remove_need(shelter_need, actor=actor)
    assert Need.objects.get().people_in_need == 300


# ---------------------------------------------------------------------------
# Capacities
# ---------------------------------------------------------------------------
def test_a_caseworker_declares_a_capacity_for_their_organisation(
    worker_a, org_a, cold_wave
):
    capacity = declare_capacity(actor=worker_a, **capacity_data(emergency=cold_wave))

    assert (capacity.organisation, capacity.created_by) == (org_a, worker_a)
    assert capacity.emergency == cold_wave


def test_as_of_defaults_to_today(worker_a):
    data = capacity_data()
    del data["as_of"]

    capacity = declare_capacity(actor=worker_a, **data)

    assert capacity.as_of is not None


@pytest.mark.parametrize("who", ["coordinator", "observer"])
def test_people_without_an_organisation_cannot_declare_capacities(request, who):
    with pytest.raises(PermissionDenied):
        declare_capacity(actor=request.getfixturevalue(who), **capacity_data())
    assert not Capacity.objects.exists()


def test_a_capacity_place_and_service_type_are_checked(worker_a):
    with pytest.raises(ValidationError) as error:
        declare_capacity(actor=worker_a, **capacity_data(province=province(CASABLANCA)))
    assert list(error.value.message_dict) == ["province"]

    with pytest.raises(ValidationError) as error:
        declare_capacity(
            actor=worker_a, **capacity_data(service_type=service_type("primary_care"))
        )
    assert list(error.value.message_dict) == ["service_type"]


def test_only_members_of_the_organisation_change_its_capacity(
    worker_a, focal_a, focal_b
):
    capacity = declare_capacity(actor=worker_a, **capacity_data())

    update_capacity(capacity, actor=focal_a, quantity=35)
    with pytest.raises(PermissionDenied):
        update_capacity(capacity, actor=focal_b, quantity=1)
    with pytest.raises(PermissionDenied):
        withdraw_capacity(capacity, actor=focal_b)
    assert Capacity.objects.get().quantity == 35

    withdraw_capacity(capacity, actor=worker_a)
    assert not Capacity.objects.exists()


# ---------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------
EMERGENCIES = reverse("api:emergency-list")
CAPACITIES = reverse("api:capacity-list")


def body(**changes):
    data = {
        "title": "Arrivées à Nador",
        "kind": "mass_arrival",
        "regions": ["02"],
        "provinces": [NADOR],
        "started_on": "2025-02-01",
        "severity": "medium",
        "people_affected": 350,
    }
    return {**data, **changes}


def test_api_a_coordinator_declares_an_emergency(api_as, coordinator):
    response = api_as(coordinator).post(EMERGENCIES, body(), format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["regions"] == ["02"]
    assert data["provinces"] == [NADOR]
    assert data["status"] == "active"
    with translation.override("fr"):  # the coordinator's language
        assert data["kind_label"] == str(Emergency.Kind.MASS_ARRIVAL.label)
    assert data["needs"] == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ended_on": "2025-01-01"}, "ended_on"),
        ({"regions": ["99"]}, "regions"),
        ({"provinces": [CASABLANCA]}, "provinces"),
        ({"kind": "tsunami"}, "kind"),
        ({"started_on": "yesterday"}, "started_on"),
    ],
    ids=["dates", "unknown-region", "province-outside", "kind", "date-format"],
)
def test_api_bad_emergency_input_is_a_400_per_field(
    api_as, coordinator, changes, field
):
    response = api_as(coordinator).post(EMERGENCIES, body(**changes), format="json")

    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert not Emergency.objects.exists()


def test_api_errors_are_in_the_user_language(api_as, coordinator):
    response = api_as(coordinator).post(
        EMERGENCIES, body(ended_on="2025-01-01"), format="json"
    )

    assert response.status_code == 400
    with translation.override("fr"):  # the coordinator's language
        expected = translation.gettext("The end date cannot be before the start date.")
    assert response.json()["errors"] == {"ended_on": [expected]}


def test_api_an_end_date_before_the_stored_start_is_a_400(
    api_as, coordinator, cold_wave
):
    url = reverse("api:emergency-detail", args=[cold_wave.pk])

    response = api_as(coordinator).patch(url, {"ended_on": "2025-01-09"}, format="json")

    assert response.status_code == 400
    with translation.override("fr"):  # the coordinator's language
        expected = translation.gettext("The end date cannot be before the start date.")
    assert response.json()["errors"] == {"ended_on": [expected]}
    cold_wave.refresh_from_db()
    assert cold_wave.ended_on is None


@pytest.mark.parametrize("who", ["worker_a", "observer"])
def test_api_only_coordinators_declare_and_edit(api_as, request, who, cold_wave):
    client = api_as(request.getfixturevalue(who))

    assert client.post(EMERGENCIES, body(), format="json").status_code == 403
    url = reverse("api:emergency-detail", args=[cold_wave.pk])
    assert client.patch(url, {"title": "x"}, format="json").status_code == 403
    cold_wave.refresh_from_db()
    assert cold_wave.title != "x"


def test_api_token_reads_emergencies_with_needs(api_as, token_b, shelter_need):
    response = api_as(token=token_b).get(EMERGENCIES)

    assert response.status_code == 200
    [emergency] = response.json()["results"]
    assert emergency["needs"][0]["sector"] == "shelter_nfi"
    assert emergency["needs"][0]["province"] == OUJDA


def test_api_filters_emergencies(api_as, worker_a, cold_wave, coordinator):
    create_emergency(
        actor=coordinator,
        **cold_wave_data(
            title="Incendie à Casablanca",
            kind=Emergency.Kind.FIRE,
            regions=[region("06")],
            provinces=[],
            status=Emergency.Status.MONITORING,
        ),
    )
    client = api_as(worker_a)

    def titles(**params):
        return [e["title"] for e in client.get(EMERGENCIES, params).json()["results"]]

    assert titles(region="06") == ["Incendie à Casablanca"]
    assert titles(province=FIGUIG) == [cold_wave.title]
    assert titles(status="monitoring") == ["Incendie à Casablanca"]
    assert titles(kind="cold_wave") == [cold_wave.title]
    assert titles(q="incendie") == ["Incendie à Casablanca"]
    assert titles(started_after="2025-01-11") == []
    assert len(titles(updated_since="2000-01-01T00:00:00Z")) == 2
    assert client.get(EMERGENCIES, {"region": "99"}).status_code == 400


def test_api_emergency_list_queries_do_not_grow(
    api_as, worker_a, coordinator, django_assert_num_queries
):
    client = api_as(worker_a)
    create_emergency(actor=coordinator, **cold_wave_data())
    client.get(EMERGENCIES)  # warm caches (content types, sessions)
    with django_assert_num_queries(7) as one:
        client.get(EMERGENCIES)
    for n in range(5):
        emergency = create_emergency(actor=coordinator, **cold_wave_data(title=f"E{n}"))
        add_need(
            emergency,
            actor=coordinator,
            sector=sector("health"),
            region=region("02"),
            people_in_need=3,
        )
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(EMERGENCIES)
    assert response.json()["count"] == 6


def test_api_nested_needs(api_as, coordinator, worker_a, cold_wave):
    url = reverse("api:emergency-needs", args=[cold_wave.pk])
    need = {
        "sector": "shelter_nfi",
        "service_type": "winterisation_kit",
        "region": "02",
        "province": JERADA,
        "people_in_need": 300,
        "priority": "high",
    }

    assert api_as(worker_a).post(url, need, format="json").status_code == 403
    response = api_as(coordinator).post(url, need, format="json")
    assert response.status_code == 201, response.json()
    need_id = response.json()["id"]
    with translation.override("fr"):
        assert response.json()["priority_label"] == str(Need.Priority.HIGH.label)

    bad = api_as(coordinator).post(
        url, {**need, "service_type": "primary_care"}, format="json"
    )
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["service_type"]
    unknown = api_as(coordinator).post(url, {**need, "sector": "nope"}, format="json")
    assert list(unknown.json()["errors"]) == ["sector"]

    assert [n["id"] for n in api_as(worker_a).get(url).json()] == [need_id]

    detail = reverse("api:emergency-need", args=[cold_wave.pk, need_id])
    assert (
        api_as(worker_a).patch(detail, {"people_in_need": 1}, format="json").status_code
        == 403
    )
    response = api_as(coordinator).patch(detail, {"people_in_need": 320}, format="json")
    assert response.json()["people_in_need"] == 320
    assert api_as(worker_a).delete(detail).status_code == 403
    assert api_as(coordinator).delete(detail).status_code == 204
    assert api_as(coordinator).delete(detail).status_code == 404


def test_api_capacities(api_as, worker_a, focal_b, token_b, org_b, coordinator):
    response = api_as(token=token_b).post(
        CAPACITIES,
        {
            "sector": "shelter_nfi",
            "service_type": "winterisation_kit",
            "description": "Kits d'hiver",
            "quantity": 300,
            "region": "02",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    capacity = response.json()
    assert capacity["organisation"] == org_b.pk
    url = reverse("api:capacity-detail", args=[capacity["id"]])

    assert (
        api_as(worker_a).patch(url, {"quantity": 1}, format="json").status_code == 403
    )
    assert (
        api_as(coordinator).patch(url, {"quantity": 1}, format="json").status_code
        == 403
    )
    assert (
        api_as(focal_b).patch(url, {"quantity": 250}, format="json").json()["quantity"]
        == 250
    )
    bad = api_as(focal_b).patch(url, {"province": CASABLANCA}, format="json")
    assert bad.status_code == 400
    assert list(bad.json()["errors"]) == ["province"]
    # A coordinator acts for no organisation: 403 whatever the body; a member: 400.
    assert api_as(coordinator).post(CAPACITIES, {}, format="json").status_code == 403
    assert api_as(worker_a).post(CAPACITIES, {}, format="json").status_code == 400
    assert (
        api_as(worker_a).get(CAPACITIES, {"organisation": org_b.pk}).json()["count"]
        == 1
    )
    assert api_as(worker_a).delete(url).status_code == 403
    assert api_as(focal_b).delete(url).status_code == 204


def test_api_capacity_list_queries_do_not_grow(
    api_as, worker_a, django_assert_num_queries
):
    client = api_as(worker_a)
    declare_capacity(actor=worker_a, **capacity_data())
    client.get(CAPACITIES)
    with django_assert_num_queries(4) as one:
        client.get(CAPACITIES)
    for _n in range(5):
        declare_capacity(actor=worker_a, **capacity_data())
    with django_assert_num_queries(len(one.captured_queries)):
        assert client.get(CAPACITIES).json()["count"] == 6


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------
def test_pages_list_and_detail_for_everyone_signed_in(
    client_as, worker_c, observer, shelter_need, cold_wave
):
    for user in (worker_c, observer):
        client = client_as(user)
        listing = client.get(reverse("emergencies:list"))
        assert listing.status_code == 200
        assert escape(cold_wave.title) in listing.content.decode()
        page = client.get(reverse("emergencies:detail", args=[cold_wave.pk]))
        assert page.status_code == 200
        assert "Oujda" in page.content.decode()
    assert client_as().get(reverse("emergencies:list")).status_code == 302
    assert (
        client_as(worker_c).get(reverse("emergencies:detail", args=[999])).status_code
        == 404
    )


def test_page_list_queries_do_not_grow(client_as, worker_a, coordinator):
    client = client_as(worker_a)
    create_emergency(actor=coordinator, **cold_wave_data())
    client.get(reverse("emergencies:list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("emergencies:list"))
    for n in range(5):
        create_emergency(actor=coordinator, **cold_wave_data(title=f"E{n}"))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("emergencies:list"))
    assert len(response.context["object_list"]) == 6
    assert len(many.captured_queries) == len(one.captured_queries)


def test_pages_a_coordinator_declares_an_emergency_with_errors_next_to_fields(
    client_as, coordinator
):
    client = client_as(coordinator)
    form = {
        "title": "Vague de froid",
        "kind": "cold_wave",
        "severity": "high",
        "status": "active",
        "started_on": "2025-01-10",
        "ended_on": "2025-01-01",
        "regions": [region("02").pk],
        "provinces": [province(CASABLANCA).pk],
    }

    response = client.post(reverse("emergencies:create"), form)

    assert response.status_code == 200
    assert not Emergency.objects.exists()
    errors = response.context["form"].errors
    assert set(errors) == {"ended_on", "provinces"}

    form.update(ended_on="", provinces=[province(OUJDA).pk])
    response = client.post(reverse("emergencies:create"), form)
    emergency = Emergency.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("emergencies:detail", args=[emergency.pk])


def test_pages_speak_of_unticking_provinces_the_api_of_removing_them(
    client_as, api_as, coordinator
):
    form = {
        "title": "Vague de froid",
        "kind": "cold_wave",
        "severity": "high",
        "status": "active",
        "started_on": "2025-01-10",
        "regions": [region("02").pk],
        "provinces": [province(CASABLANCA).pk],
    }

    page = client_as(coordinator).post(reverse("emergencies:create"), form)
    api = api_as(coordinator).post(
        EMERGENCIES, body(provinces=[CASABLANCA]), format="json"
    )

    with translation.override("fr"):  # the coordinator's language
        names = {"names": province(CASABLANCA).name}
        untick = translation.gettext(
            "These provinces are not in the regions chosen: %(names)s. "
            "Add their region or untick them."
        )
        remove = translation.gettext(
            "These provinces are not in the regions chosen: %(names)s. "
            "Add their region or remove them."
        )
    assert page.context["form"].errors["provinces"] == [untick % names]
    assert api.json()["errors"] == {"provinces": [remove % names]}
    assert not Emergency.objects.exists()


def test_pages_show_a_need_place_and_service_type_mistakes_together(
    client_as, coordinator, cold_wave
):
    response = client_as(coordinator).post(
        reverse("emergencies:needs", args=[cold_wave.pk]),
        {
            "sector": sector("health").pk,
            "service_type": service_type("winterisation_kit").pk,
            "region": region("02").pk,
            "province": province(CASABLANCA).pk,
            "people_in_need": 10,
            "priority": "high",
        },
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"province", "service_type"}
    assert not Need.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "emergencies:create",
        "emergencies:edit",
        "emergencies:needs",
        "emergencies:alert_create",
    ],
)
def test_coordinator_pages_refuse_others(
    client_as, worker_a, observer, cold_wave, name
):
    url = reverse(name, args=[] if name == "emergencies:create" else [cold_wave.pk])
    assert client_as(worker_a).get(url).status_code == 403
    assert client_as(observer).get(url).status_code == 403


def test_pages_needs_and_capacities(client_as, coordinator, worker_a, cold_wave):
    response = client_as(coordinator).post(
        reverse("emergencies:needs", args=[cold_wave.pk]),
        {
            "sector": sector("health").pk,
            "service_type": service_type("winterisation_kit").pk,
            "region": region("02").pk,
            "people_in_need": 10,
            "priority": "high",
        },
    )
    assert response.status_code == 200
    assert "service_type" in response.context["form"].errors
    assert not Need.objects.exists()

    response = client_as(worker_a).post(
        reverse("emergencies:capacity_create"),
        {
            "emergency": cold_wave.pk,
            "sector": sector("shelter_nfi").pk,
            "description": "Places d'hébergement",
            "quantity": 40,
            "region": region("02").pk,
            "province": province(OUJDA).pk,
            "as_of": "2025-01-12",
        },
    )
    assert response.status_code == 302
    capacity = Capacity.objects.get()
    assert capacity.quantity == 40
    detail = client_as(worker_a).get(reverse("emergencies:detail", args=[cold_wave.pk]))
    assert "Places d&#x27;hébergement" in detail.content.decode()
    assert (
        client_as(coordinator).get(reverse("emergencies:capacity_create")).status_code
        == 403
    )
    assert (
        client_as(coordinator)
        .get(reverse("emergencies:capacity_edit", args=[capacity.pk]))
        .status_code
        == 403
    )
    assert client_as(worker_a).get(reverse("emergencies:capacities")).status_code == 200
