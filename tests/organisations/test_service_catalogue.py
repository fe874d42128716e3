"""The service catalogue's rules: who manages services, the checks on a service, the
version check, statuses, visibility, the public directory's scope, the filters and the
service finder's ranking."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from pghistory.models import Events

from coordination.exceptions import PermissionDenied, ValidationError
from coordination.models import Province, Region, Sector, ServiceType
from organisations.filters import ServiceFilter
from organisations.models import VULNERABILITY_CHOICES, Service
from organisations.services import (
    ServicePreconditionFailed,
    create_service,
    rank_services,
    set_service_status,
    update_service,
)
from organisations.services import (
    verify_organisation as verify,
)

OUJDA, NADOR = "02.411", "02.381"


def service_data(**overrides) -> dict:
    """A valid primary-care service in Oujda (the Oriental)."""
    data = {
        "name": "Consultations",
        "sector": Sector.objects.get(code="health"),
        "service_type": ServiceType.objects.get(code="primary_care"),
        "regions": [Region.objects.get(code="02")],
        "provinces": [Province.objects.get(code=OUJDA)],
        "languages": ["fr", "ar"],
        "response_delay_days": 2,
    }
    data.update(overrides)
    return data


@pytest.fixture
def service_b(focal_b):
    """A public, available primary-care service of B in Oujda."""
    return create_service(actor=focal_b, **service_data())


# ---------------------------------------------------------------------------
# Creating and editing
# ---------------------------------------------------------------------------
def test_a_focal_point_adds_a_service_to_their_organisation(focal_b, org_b):
    service = create_service(actor=focal_b, **service_data(languages=["fr", "fr"]))

    assert service.organisation == org_b
    assert service.created_by == focal_b
    assert service.version == 1
    assert service.languages == ["fr"]  # each language once
    assert [p.code for p in service.provinces.all()] == [OUJDA]


@pytest.mark.parametrize("who", ["worker_b", "coordinator", "observer"])
def test_only_focal_points_add_services(request, who):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        create_service(actor=actor, **service_data())

    assert not Service.objects.exists()


@pytest.mark.parametrize("who", ["worker_b", "focal_a", "coordinator", "observer"])
def test_only_the_owning_focal_points_edit_a_service(request, who, service_b):
    with pytest.raises(PermissionDenied):
        update_service(service_b, actor=request.getfixturevalue(who), name="Autre")

    service_b.refresh_from_db()
    assert service_b.name == "Consultations"
    assert service_b.version == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"service_type": "emergency_shelter"}, "service_type"),
        ({"provinces": ["01.051"]}, "provinces"),
        ({"regions": []}, "regions"),
        ({"age_min": 18, "age_max": 12}, "age_max"),
        ({"age_max": 150}, "age_max"),
        ({"name": "  "}, "name"),
        ({"latitude": 34.68}, "longitude"),
        ({"response_delay_days": 900}, "response_delay_days"),
    ],
)
def test_bad_services_are_refused_with_a_message_on_the_field(
    focal_b, overrides, field
):
    data = service_data(**overrides)
    if "service_type" in overrides:
        data["service_type"] = ServiceType.objects.get(code=overrides["service_type"])
    if "provinces" in overrides:
        data["provinces"] = list(
            Province.objects.filter(code__in=overrides["provinces"])
        )

    with pytest.raises(ValidationError) as error:
        create_service(actor=focal_b, **data)

    assert field in error.value.message_dict
    assert not Service.objects.exists()


def test_an_edit_bumps_the_version_and_records_who(focal_b, service_b):
    service = update_service(service_b, actor=focal_b, capacity=4, version=1)

    assert service.version == 2
    assert service.capacity == 4
    assert service.updated_by == focal_b


def test_an_edit_of_a_stale_version_is_refused(focal_b, service_b):
    update_service(service_b, actor=focal_b, capacity=4, version=1)

    with pytest.raises(ServicePreconditionFailed):
        update_service(service_b, actor=focal_b, capacity=9, version=1)

    service_b.refresh_from_db()
    assert service_b.capacity == 4


def test_an_edit_is_checked_against_the_saved_values(focal_b, service_b):
    # Moving the service to another region leaves its Oujda province outside it.
    with pytest.raises(ValidationError) as error:
        update_service(
            service_b, actor=focal_b, regions=[Region.objects.get(code="01")]
        )

    assert "provinces" in error.value.message_dict


def test_status_changes_are_for_the_owning_focal_point(focal_b, worker_b, service_b):
    with pytest.raises(PermissionDenied):
        set_service_status(service_b, actor=worker_b, status="full")

    service = set_service_status(service_b, actor=focal_b, status="full")

    assert service.status == Service.Status.FULL
    assert service.version == 2
    with pytest.raises(ValidationError):
        set_service_status(service_b, actor=focal_b, status="closed")


def test_every_change_is_in_the_audit_trail(focal_b, service_b):
    update_service(service_b, actor=focal_b, name="Soins")

    labels = list(
        Events.objects.filter(pgh_model="organisations.ServiceEvent")
        .order_by("pgh_id")
        .values_list("pgh_label", flat=True)
    )
    assert labels == ["insert", "update"]


def test_vulnerabilities_are_the_product_list():
    assert len(VULNERABILITY_CHOICES) == 13
    assert "gbv_survivor" in dict(VULNERABILITY_CHOICES)


# ---------------------------------------------------------------------------
# Who sees what
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "who", ["worker_a", "focal_a", "worker_c", "coordinator", "observer"]
)
def test_every_signed_in_person_reads_the_catalogue(request, who, service_b):
    assert list(Service.objects.visible_to(request.getfixturevalue(who))) == [service_b]


def test_services_of_a_deactivated_organisation_are_hidden(
    worker_a, coordinator, service_b, org_b
):
    org_b.is_active = False
    org_b.save()

    assert not Service.objects.visible_to(worker_a).exists()
    assert Service.objects.visible_to(coordinator).exists()
    assert not Service.objects.public().exists()


def test_the_public_directory_shows_only_verified_public_services(
    focal_b, coordinator, org_b, service_b
):
    hidden = create_service(actor=focal_b, **service_data(name="Privé", public=False))
    suspended = create_service(actor=focal_b, **service_data(name="Fermé"))
    set_service_status(suspended, actor=focal_b, status="suspended")
    full = create_service(actor=focal_b, **service_data(name="Complet"))
    set_service_status(full, actor=focal_b, status="full")

    assert set(Service.objects.public()) == {service_b, full}
    assert hidden not in Service.objects.public()

    verify(org_b, actor=coordinator, verified=False)
    assert not Service.objects.public().exists()


# ---------------------------------------------------------------------------
# Filters
# ---------------------------------------------------------------------------
def _filtered(params: dict) -> set[Service]:
    return set(ServiceFilter(params, queryset=Service.objects.all()).qs)


def test_filters_find_services_by_place_sector_language_and_access(focal_b):
    oujda = create_service(actor=focal_b, **service_data(name="Oujda"))
    whole_region = create_service(
        actor=focal_b,
        **service_data(name="Partout", provinces=[], languages=["wo"], accessible=True),
    )
    nador = create_service(
        actor=focal_b,
        **service_data(name="Nador", provinces=[Province.objects.get(code=NADOR)]),
    )

    assert _filtered({"province": OUJDA}) == {oujda, whole_region}
    assert _filtered({"region": "02"}) == {oujda, whole_region, nador}
    assert _filtered({"language": "wo"}) == {whole_region}
    assert _filtered({"accessible": "true"}) == {whole_region}
    assert _filtered({"sector": "shelter_nfi"}) == set()
    assert _filtered({"q": "nador"}) == {nador}
    assert _filtered({"service_type": "primary_care", "status": "available"}) == {
        oujda,
        whole_region,
        nador,
    }


def test_a_filter_by_region_lists_each_service_once(focal_b):
    create_service(
        actor=focal_b,
        **service_data(
            provinces=[], regions=list(Region.objects.filter(code__in=["01", "02"]))
        ),
    )

    assert len(ServiceFilter({"region": "02"}, queryset=Service.objects.all()).qs) == 1


# ---------------------------------------------------------------------------
# The service finder
# ---------------------------------------------------------------------------
def _org_service(actor_org, **overrides) -> Service:
    """A service of another organisation, created directly (its focal point is not
    part of the cast)."""
    from organisations.models import User

    data = service_data(**overrides)
    regions, provinces = data.pop("regions"), data.pop("provinces")
    creator = User.objects.first()
    service = Service.objects.create(organisation=actor_org, created_by=creator, **data)
    service.regions.set(regions)
    service.provinces.set(provinces)
    return service


def test_the_finder_ranks_by_type_place_language_access_delay_and_capacity(
    focal_a, org_a, org_b, org_c
):
    health = Sector.objects.get(code="health")
    primary = ServiceType.objects.get(code="primary_care")
    oujda = Province.objects.get(code=OUJDA)
    nador = Province.objects.get(code=NADOR)
    best = _org_service(
        org_b, name="best", languages=["wo"], accessible=True, capacity=3
    )
    same_region = _org_service(
        org_b, name="region", provinces=[nador], languages=["wo"]
    )
    other_type = _org_service(
        org_c, name="type", service_type=ServiceType.objects.get(code="medication")
    )
    slow = _org_service(org_c, name="slow", response_delay_days=9)
    full = _org_service(org_c, name="full", status=Service.Status.FULL)
    _org_service(org_c, name="suspended", status=Service.Status.SUSPENDED)
    _org_service(org_a, name="own")  # the referring organisation's own service
    _org_service(org_c, name="shelter", sector=Sector.objects.get(code="shelter_nfi"),
                 service_type=ServiceType.objects.get(code="emergency_shelter"))  # fmt: skip

    with translation.override("en"):
        matches = rank_services(
            sector=health,
            service_type=primary,
            province=oujda,
            languages=["wo"],
            accessible=True,
            exclude_organisation=org_a,
        )

    assert [m.service for m in matches] == [best, same_region, slow, other_type, full]
    # The database's score (which picks the rows) is the one explained.
    assert all(m.score == m.service.finder_score for m in matches)
    top = matches[0]
    assert top.codes == [
        "service_type", "same_province", "language:wo", "accessible", "delay", "capacity"
    ]  # fmt: skip
    assert "Speaks Wolof" in top.reasons
    assert "Same province" in top.reasons
    assert "Responds in 2 days" in top.reasons
    assert "same_region" in matches[1].codes
    assert "full" in matches[-1].codes


def test_the_finder_makes_the_same_queries_for_one_service_or_thirty(org_b, focal_b):
    health = Sector.objects.get(code="health")
    oujda = Province.objects.select_related("region").get(code=OUJDA)
    _org_service(org_b, name="first")
    with CaptureQueriesContext(connection) as one:
        assert len(rank_services(sector=health, province=oujda)) == 1
    for n in range(29):
        _org_service(org_b, name=f"s{n}")
    with CaptureQueriesContext(connection) as thirty:
        assert len(rank_services(sector=health, province=oujda)) == 30

    assert len(one) == len(thirty) == 3


# ---------------------------------------------------------------------------
# Demo
# ---------------------------------------------------------------------------
def test_the_demo_lists_services_for_every_organisation_once(db):
    from demo.scenario import (
        seed,
        seed_accounts,
        seed_coordinator,
        seed_organisations,
        seed_services,
    )
    from organisations.models import Organisation

    steps = [seed_coordinator, seed_organisations, seed_accounts, seed_services]
    first = seed(steps)
    second = seed(steps)

    assert first.created["services"] == Service.objects.count() >= 40
    assert "services" not in second.created
    assert (
        not Organisation.objects.filter(services__isnull=True)
        .exclude(sectors__isnull=True)
        .exists()
    )
    assert set(Service.objects.values_list("status", flat=True)) == {
        "available",
        "full",
        "suspended",
    }
    b = Service.objects.filter(organisation__code="org-b", public=True)
    assert b.filter(languages__contains=["wo", "bm"]).count() >= 2
    # A caseworker of A finds B's primary care first for a Wolof speaker in Oujda.
    matches = rank_services(
        sector=Sector.objects.get(code="health"),
        service_type=ServiceType.objects.get(code="primary_care"),
        province=Province.objects.get(code=OUJDA),
        languages=["wo"],
        exclude_organisation=Organisation.objects.get(code="org-a"),
    )
    assert matches[0].service.organisation.code == "org-b"


# ---------------------------------------------------------------------------
# The finder and the person's age and sex (eligibility)
# ---------------------------------------------------------------------------
def test_services_that_exclude_the_person_come_last_saying_why(focal_b, org_b, org_c):
    health = Sector.objects.get(code="health")
    oujda = Province.objects.get(code=OUJDA)
    # The best scores go to the services the person cannot use.
    adults = _org_service(
        org_b, name="adults", age_min=18, languages=["wo"], accessible=True
    )
    women = _org_service(org_b, name="women", sexes=["female"], languages=["wo"])
    minors = _org_service(org_c, name="minors", age_max=17, response_delay_days=8)
    anyone = _org_service(org_c, name="anyone", response_delay_days=9)

    with translation.override("en"):
        matches = rank_services(
            sector=health, province=oujda, languages=["wo"], age=15, sex="male"
        )

    assert [m.service for m in matches] == [minors, anyone, adults, women]
    assert [m.eligible for m in matches] == [True, True, False, False]
    assert matches[2].score > matches[0].score  # ranked last despite the points
    assert "Not eligible: age 15, service from 18" in matches[2].reasons
    assert "Not eligible: service for women and girls" in matches[3].reasons
    assert matches[2].codes.count("not_eligible") == 1
    assert "not_eligible" not in matches[0].codes + matches[1].codes
    assert all(m.score == m.service.finder_score for m in matches)
    assert all(len(m.reasons) == len(m.codes) for m in matches)


def test_an_age_above_the_range_and_the_limits_themselves(focal_b, org_b):
    health = Sector.objects.get(code="health")
    youth = _org_service(org_b, name="youth", age_min=12, age_max=17)
    adults = _org_service(org_b, name="adults", age_min=18, sexes=["female", "male"])

    with translation.override("en"):
        at_18 = rank_services(sector=health, age=18, sex="male")
        at_12 = rank_services(sector=health, age=12, sex="other")

    assert [(m.service, m.eligible) for m in at_18] == [(adults, True), (youth, False)]
    assert "Not eligible: age 18, service up to 17" in at_18[1].reasons
    assert [(m.service, m.eligible) for m in at_12] == [(youth, True), (adults, False)]
    assert at_12[1].codes.count("not_eligible") == 2  # too young, and not for "other"


def test_without_age_or_sex_no_service_is_set_aside(focal_b, org_b):
    health = Sector.objects.get(code="health")
    _org_service(org_b, name="adults", age_min=18, sexes=["female"])

    (match,) = rank_services(sector=health)
    (with_unknowns,) = rank_services(sector=health, age=None, sex="")

    assert match.eligible
    assert with_unknowns.eligible
    assert "not_eligible" not in match.codes + with_unknowns.codes


def test_the_database_picks_eligible_services_before_applying_the_limit(focal_b, org_b):
    health = Sector.objects.get(code="health")
    for n in range(3):
        _org_service(org_b, name=f"adults {n}", age_min=18, capacity=5)
    slow = _org_service(org_b, name="slow", response_delay_days=9)
    slower = _org_service(org_b, name="slower", response_delay_days=10)

    matches = rank_services(sector=health, age=10, limit=2)

    assert [m.service for m in matches] == [slow, slower]


def test_the_eligibility_check_adds_no_query(focal_b, org_b):
    health = Sector.objects.get(code="health")
    oujda = Province.objects.select_related("region").get(code=OUJDA)
    _org_service(org_b, name="first", age_min=18)
    with CaptureQueriesContext(connection) as one:
        assert len(rank_services(sector=health, province=oujda, age=9, sex="male")) == 1
    for n in range(29):
        _org_service(org_b, name=f"s{n}", age_max=n, sexes=["male"])
    with CaptureQueriesContext(connection) as thirty:
        matches = rank_services(sector=health, province=oujda, age=9, sex="female")
        assert len(matches) == 30

    assert len(one) == len(thirty) == 3
