"""Services over HTTP: the catalogue API (reads for all, writes for the owning focal
points, If-Match, Idempotency-Key), the service finder, the public directory (API and
pages, no login, no private fields) and the members' pages; constant query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coordination.models import Province, Region, Sector, ServiceType
from organisations.models import Service
from organisations.services import create_service, set_service_status

LIST = reverse("api:service-list")
MATCH = reverse("api:service-match")
PUBLIC = reverse("api:public-service-list")
OUJDA, NADOR = "02.411", "02.381"

BODY = {
    "name": "Consultations",
    "sector": "health",
    "service_type": "primary_care",
    "regions": ["02"],
    "provinces": [OUJDA],
    "eligibility": {"open_to_all": False, "age_min": 18, "sexes": ["female"]},
    "languages": ["fr", "wo"],
    "accessible": True,
    "how_to_refer": ["tansiq_referral", "phone"],
    "response_delay_days": 2,
    "capacity": 5,
}


def data(**overrides) -> dict:
    values = {
        "name": "Consultations",
        "sector": Sector.objects.get(code="health"),
        "service_type": ServiceType.objects.get(code="primary_care"),
        "regions": [Region.objects.get(code="02")],
        "provinces": [Province.objects.get(code=OUJDA)],
        "languages": ["fr", "wo"],
        "phone": "+212 536 00 00 00",
    }
    values.update(overrides)
    return values


@pytest.fixture
def service_b(focal_b):
    """A public, available primary-care service of B in Oujda."""
    return create_service(actor=focal_b, **data())


def detail(service) -> str:
    return reverse("api:service-detail", args=[service.pk])


# ---------------------------------------------------------------------------
# services/
# ---------------------------------------------------------------------------
def test_a_focal_point_adds_a_service_through_the_api(api_as, focal_b, org_b):
    response = api_as(focal_b).post(LIST, BODY, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["organisation"] == org_b.pk
    assert body["eligibility"]["age_min"] == 18
    assert body["eligibility"]["sexes"] == ["female"]
    assert body["version"] == 1
    assert body["status"] == "available"
    assert body["status_label"]


def test_a_partner_system_adds_a_service_with_its_token(api_as, token_b, org_b):
    response = api_as(token=token_b).post(LIST, BODY, format="json")

    assert response.status_code == 201
    assert Service.objects.get().organisation == org_b


@pytest.mark.parametrize("who", ["worker_b", "coordinator", "observer"])
def test_others_may_not_add_services(api_as, request, who):
    response = api_as(request.getfixturevalue(who)).post(LIST, BODY, format="json")

    assert response.status_code == 403
    assert response.json()["errors"]
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"service_type": "emergency_shelter"}, "service_type"),
        ({"provinces": ["01.051"]}, "provinces"),
        ({"eligibility": {"age_min": 30, "age_max": 10}}, "eligibility.age_max"),
        ({"eligibility": {"age_min": -1}}, "eligibility.age_min"),
        ({"languages": ["xx"]}, "languages"),
        ({"sector": "nope"}, "sector"),
        ({"regions": []}, "regions"),
    ],
)
def test_bad_input_is_a_400_with_a_message_per_field(api_as, focal_b, change, field):
    response = api_as(focal_b).post(LIST, {**BODY, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Service.objects.exists()


@pytest.mark.parametrize("who", ["worker_a", "worker_c", "coordinator", "observer"])
def test_every_signed_in_person_reads_services(api_as, request, who, service_b):
    response = api_as(request.getfixturevalue(who)).get(LIST)

    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [service_b.pk]


def test_anonymous_calls_are_refused(api_as, service_b):
    assert api_as().get(LIST).status_code == 401
    assert api_as().get(detail(service_b)).status_code == 401


def test_the_detail_carries_the_version_as_etag(api_as, worker_a, service_b):
    response = api_as(worker_a).get(detail(service_b))

    assert response.status_code == 200
    assert response["ETag"] == '"1"'


@pytest.mark.parametrize(
    ("who", "status"),
    [("focal_a", 403), ("worker_b", 403), ("coordinator", 403), ("observer", 403)],
)
def test_only_the_owning_focal_points_edit(api_as, request, who, status, service_b):
    response = api_as(request.getfixturevalue(who)).patch(
        detail(service_b), {"capacity": 1}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == status
    service_b.refresh_from_db()
    assert service_b.capacity is None


def test_an_edit_needs_if_match_and_a_current_version(api_as, focal_b, service_b):
    client = api_as(focal_b)

    missing = client.patch(detail(service_b), {"capacity": 1}, format="json")
    ok = client.patch(
        detail(service_b), {"capacity": 1}, format="json", HTTP_IF_MATCH='"1"'
    )
    stale = client.patch(
        detail(service_b), {"capacity": 2}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert missing.status_code == 428
    assert ok.status_code == 200
    assert ok["ETag"] == '"2"'
    assert stale.status_code == 412
    assert stale.json()["errors"]
    service_b.refresh_from_db()
    assert service_b.capacity == 1


def test_a_repeated_write_with_the_same_key_creates_once(api_as, focal_b):
    client = api_as(focal_b)

    first = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert Service.objects.count() == 1


def test_an_invisible_service_is_a_404(api_as, worker_a, service_b, org_b):
    org_b.is_active = False
    org_b.save()

    assert api_as(worker_a).get(detail(service_b)).status_code == 404


def test_filters_work_through_the_api(api_as, worker_a, focal_b, service_b):
    create_service(
        actor=focal_b,
        **data(name="Nador", provinces=[Province.objects.get(code=NADOR)]),
    )

    response = api_as(worker_a).get(LIST, {"province": OUJDA, "language": "wo"})

    assert [row["id"] for row in response.json()["results"]] == [service_b.pk]
    bad = api_as(worker_a).get(LIST, {"province": "99.999"})
    assert bad.status_code == 400
    assert "province" in bad.json()["errors"]


def _many(focal_b, n: int) -> None:
    for i in range(n):
        create_service(actor=focal_b, **data(name=f"Service {i}"))


@pytest.mark.parametrize(
    "url", [LIST, PUBLIC, f"{MATCH}?sector=health&province={OUJDA}"]
)
def test_lists_make_the_same_queries_for_one_row_or_thirty(
    api_as, worker_a, focal_b, url
):
    client = api_as(worker_a)
    _many(focal_b, 1)
    client.get(url)  # warm the session and reference caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    _many(focal_b, 29)
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(url)

    body = response.json()
    assert len(body["results"] if isinstance(body, dict) else body) == 30
    assert len(one) == len(thirty)


# ---------------------------------------------------------------------------
# services/match/
# ---------------------------------------------------------------------------
def test_the_finder_ranks_matches_and_says_why(api_as, worker_a, focal_b, service_b):
    nador = create_service(
        actor=focal_b,
        **data(name="Nador", provinces=[Province.objects.get(code=NADOR)]),
    )
    full = create_service(actor=focal_b, **data(name="Complet"))
    set_service_status(full, actor=focal_b, status="full")
    suspended = create_service(actor=focal_b, **data(name="Fermé"))
    set_service_status(suspended, actor=focal_b, status="suspended")

    response = api_as(worker_a).get(
        MATCH,
        {
            "sector": "health",
            "service_type": "primary_care",
            "province": OUJDA,
            "language": ["wo"],
        },
    )

    assert response.status_code == 200, response.json()
    rows = response.json()
    assert [row["service"]["id"] for row in rows] == [service_b.pk, nador.pk, full.pk]
    assert "same_province" in rows[0]["codes"]
    assert "language:wo" in rows[0]["codes"]
    assert len(rows[0]["reasons"]) == len(rows[0]["codes"])  # one sentence per code
    assert "same_region" in rows[1]["codes"]
    assert "full" in rows[2]["codes"]


def test_the_finder_leaves_out_the_callers_own_organisation(api_as, focal_b, service_b):
    response = api_as(focal_b).get(MATCH, {"sector": "health"})

    assert response.json() == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "sector"),
        ({"sector": "nope"}, "sector"),
        ({"sector": "health", "service_type": "emergency_shelter"}, "service_type"),
        ({"sector": "health", "language": "xx"}, "language"),
    ],
)
def test_the_finder_refuses_bad_queries(api_as, worker_a, params, field):
    response = api_as(worker_a).get(MATCH, params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_the_finder_needs_a_login(api_as):
    assert api_as().get(MATCH, {"sector": "health"}).status_code == 401


# ---------------------------------------------------------------------------
# public/services/
# ---------------------------------------------------------------------------
PRIVATE_KEYS = {"version", "public", "created_by", "updated_by", "capacity"}


def test_the_public_directory_needs_no_login_and_shows_only_public_fields(
    api_as, focal_b, service_b
):
    create_service(actor=focal_b, **data(name="Interne", public=False))

    response = api_as().get(PUBLIC)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["name"] for row in rows] == ["Consultations"]
    assert not PRIVATE_KEYS & set(rows[0])
    assert rows[0]["phone"] == "+212 536 00 00 00"
    assert "focal.b@example.org" not in response.content.decode()


def test_the_public_directory_ignores_unverified_organisations(
    api_as, coordinator, org_b, service_b
):
    from organisations.services import verify_organisation

    verify_organisation(org_b, actor=coordinator, verified=False)

    assert api_as().get(PUBLIC).json()["count"] == 0
    url = reverse("api:public-service-detail", args=[service_b.pk])
    assert api_as().get(url).status_code == 404


def test_the_public_directory_filters_and_refuses_writes(api_as, service_b):
    assert api_as().get(PUBLIC, {"language": "wo"}).json()["count"] == 1
    assert api_as().get(PUBLIC, {"language": "bm"}).json()["count"] == 0
    assert api_as().get(PUBLIC, {"sector": "nope"}).status_code == 400
    assert api_as().post(PUBLIC, BODY, format="json").status_code == 405


def test_the_public_directory_answers_even_with_a_bad_token(api_as, service_b):
    assert api_as(token="tsq_wrong").get(PUBLIC).status_code == 200


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------
def test_members_see_the_catalogue_page(client_as, worker_a, service_b):
    response = client_as(worker_a).get(reverse("services:list"))

    assert response.status_code == 200
    assert "Consultations" in response.content.decode()
    assert client_as().get(reverse("services:list")).status_code == 302


def test_the_catalogue_page_makes_the_same_queries_for_one_row_or_twenty(
    client_as, worker_a, focal_b
):
    client = client_as(worker_a)
    url = reverse("services:list")
    _many(focal_b, 1)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    _many(focal_b, 19)
    with CaptureQueriesContext(connection) as twenty:
        client.get(url)

    assert len(one) == len(twenty)


def test_the_detail_page_shows_how_to_refer(client_as, worker_a, service_b):
    response = client_as(worker_a).get(reverse("services:detail", args=[service_b.pk]))

    assert response.status_code == 200
    assert "+212 536 00 00 00" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("focal_b", 200), ("worker_b", 403), ("focal_a", 403), ("coordinator", 403)],
)
def test_the_edit_page_is_for_the_owning_focal_points(
    client_as, request, who, status, service_b
):
    url = reverse("services:edit", args=[service_b.pk])

    assert client_as(request.getfixturevalue(who)).get(url).status_code == status


@pytest.mark.parametrize(
    ("who", "status"), [("focal_b", 200), ("worker_b", 403), ("observer", 403)]
)
def test_the_add_page_is_for_focal_points(client_as, request, who, status):
    response = client_as(request.getfixturevalue(who)).get(reverse("services:create"))

    assert response.status_code == status


def _form(**overrides) -> dict:
    sector = Sector.objects.get(code="health")
    values = {
        "name": "Soins",
        "sector": sector.pk,
        "service_type": ServiceType.objects.get(code="primary_care").pk,
        "regions": [Region.objects.get(code="02").pk],
        "provinces": [Province.objects.get(code=OUJDA).pk],
        "open_to_all": "on",
        "languages": ["fr", "bm"],
        "how_to_refer": ["tansiq_referral"],
        "cost": "free",
        "response_delay_days": "2",
        "status": "available",
        "public": "on",
    }
    values.update(overrides)
    return values


def test_a_focal_point_adds_a_service_with_the_form(client_as, focal_b, org_b):
    response = client_as(focal_b).post(reverse("services:create"), _form())

    service = Service.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("services:detail", args=[service.pk])
    assert service.organisation == org_b
    assert service.languages == ["fr", "bm"]


def test_a_bad_form_shows_errors_next_to_fields_and_saves_nothing(client_as, focal_b):
    response = client_as(focal_b).post(
        reverse("services:create"),
        _form(
            service_type=ServiceType.objects.get(code="emergency_shelter").pk,
            age_min="40",
            age_max="20",
            provinces=[Province.objects.get(code="01.051").pk],
        ),
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert {"service_type", "age_max", "provinces"} <= set(form.errors)
    assert not Service.objects.exists()


def test_the_edit_form_refuses_a_stale_version(client_as, focal_b, service_b):
    set_service_status(service_b, actor=focal_b, status="full")  # now version 2

    response = client_as(focal_b).post(
        reverse("services:edit", args=[service_b.pk]), _form(version="1")
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    service_b.refresh_from_db()
    assert service_b.name == "Consultations"


def test_status_actions(client_as, focal_b, worker_b, focal_a, service_b):
    url = reverse("services:status", args=[service_b.pk])

    assert client_as(worker_b).post(url, {"status": "full"}).status_code == 403
    assert client_as(focal_a).post(url, {"status": "full"}).status_code == 403
    assert client_as(focal_b).post(url, {"status": "full"}).status_code == 302
    service_b.refresh_from_db()
    assert service_b.status == "full"
    assert client_as(focal_b).post(url, {"status": "closed"}).status_code == 302
    service_b.refresh_from_db()
    assert service_b.status == "full"


def test_the_organisation_page_lists_its_services(
    client_as, worker_a, org_b, service_b
):
    response = client_as(worker_a).get(reverse("organisations:detail", args=[org_b.pk]))

    assert "Consultations" in response.content.decode()


def test_the_public_pages_need_no_login_and_show_only_public_services(
    client_as, focal_b, service_b
):
    hidden = create_service(actor=focal_b, **data(name="Interne", public=False))

    listing = client_as().get(reverse("public:services"), {"province": OUJDA})
    page = client_as().get(reverse("public:service_detail", args=[service_b.pk]))
    missing = client_as().get(reverse("public:service_detail", args=[hidden.pk]))

    assert listing.status_code == 200
    text = listing.content.decode()
    assert "Consultations" in text
    assert "Interne" not in text
    assert "focal.b@example.org" not in text
    assert page.status_code == 200
    assert "+212 536 00 00 00" in page.content.decode()
    assert missing.status_code == 404


def test_the_public_page_refuses_bad_filters_without_an_error_page(client_as):
    response = client_as().get(reverse("public:services"), {"province": "nowhere"})

    assert response.status_code == 200
    assert response.context["filter"].errors


def test_service_changes_show_on_the_organisation_audit_page(
    client_as, focal_b, org_b, service_b
):
    from organisations.services import update_service

    update_service(service_b, actor=focal_b, opening_hours="9 h - 12 h")

    response = client_as(focal_b).get(reverse("organisations:audit", args=[org_b.pk]))

    assert response.status_code == 200
    assert "9 h - 12 h" in response.content.decode()


# ---------------------------------------------------------------------------
# services/match/ with the person's age and sex
# ---------------------------------------------------------------------------
def test_the_finder_ranks_services_that_exclude_the_person_last(
    api_as, worker_a, focal_b
):
    adults = create_service(actor=focal_b, **data(name="Adultes", age_min=18))
    women = create_service(actor=focal_b, **data(name="Femmes", sexes=["female"]))
    anyone = create_service(
        actor=focal_b, **data(name="Tous", response_delay_days=9, languages=[])
    )
    worker_a.language = "en"  # the API speaks the user's language
    worker_a.save(update_fields=["language"])

    response = api_as(worker_a).get(
        MATCH,
        {"sector": "health", "language": ["wo"], "age": "16", "sex": "male"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200, response.json()
    rows = response.json()
    assert [row["service"]["id"] for row in rows] == [anyone.pk, adults.pk, women.pk]
    assert "not_eligible" not in rows[0]["codes"]
    assert "not_eligible" in rows[1]["codes"]
    assert "Not eligible: age 16, service from 18" in rows[1]["reasons"]
    assert "not_eligible" in rows[2]["codes"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"age": "-1"}, "age"),
        ({"age": "121"}, "age"),
        ({"age": "douze"}, "age"),
        ({"sex": "unknown"}, "sex"),
    ],
)
def test_the_finder_refuses_a_bad_age_or_sex(api_as, worker_a, params, field):
    response = api_as(worker_a).get(MATCH, {"sector": "health", **params})

    assert response.status_code == 400
    assert field in response.json()["errors"]
