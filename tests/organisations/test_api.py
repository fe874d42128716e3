"""The organisations API over HTTP: me/, organisations/, authentication, the error
format, idempotency, pagination, incremental sync and query counts."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from coordination.drf import exception_handler
from coordination.exceptions import Conflict
from coordination.models import IdempotencyKey, Province, Region, Sector
from organisations.models import ApiToken, Membership, Organisation
from organisations.services import set_acting_organisation, verify_organisation
from tests.factories import MembershipFactory, OrganisationFactory

ME = reverse("api:me")
ORGANISATIONS = reverse("api:organisation-list")


@pytest.fixture(autouse=True)
def _mfa_optional(settings):
    # MFA enforcement has its own test below; the cast logs in without an authenticator.
    settings.TANSIQ_REQUIRE_MFA = False


def detail(org: Organisation) -> str:
    return reverse("api:organisation-detail", args=[org.pk])


def errors(response) -> dict[str, list[str]]:
    body = response.json()
    assert list(body) == ["errors"]
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages)
        for messages in body["errors"].values()
    )
    return body["errors"]


# ---------------------------------------------------------------------------
# me/
# ---------------------------------------------------------------------------
def test_me_describes_a_caseworker_and_the_organisation_they_act_for(
    api_as, worker_a, org_a
):
    response = api_as(worker_a).get(ME)

    assert response.status_code == 200
    body = response.json()
    assert body == {
        "email": "worker.a@example.org",
        "name": worker_a.name,
        "language": "fr",
        "role": None,
        "organisations": [
            {
                "id": org_a.pk,
                "code": "org-a",
                "name": "Association A",
                "role": "caseworker",
                "role_label": body["organisations"][0]["role_label"],
            }
        ],
        "organisation": org_a.pk,
    }
    assert body["organisations"][0]["role_label"]


def test_me_gives_a_coordinator_their_platform_role_and_no_organisation(
    api_as, coordinator
):
    body = api_as(coordinator).get(ME).json()

    assert body["role"] == "coordinator"
    assert body["organisations"] == []
    assert body["organisation"] is None


def test_me_patch_changes_name_and_language(api_as, worker_a):
    response = api_as(worker_a).patch(
        ME, {"name": "Amal", "language": "ar"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["language"] == "ar"
    worker_a.refresh_from_db()
    assert (worker_a.name, worker_a.language) == ("Amal", "ar")


def test_me_patch_switches_the_acting_organisation(api_as, worker_a, org_a, org_c):
    MembershipFactory(user=worker_a, organisation=org_c)

    response = api_as(worker_a).patch(ME, {"organisation": org_c.pk}, format="json")

    assert response.status_code == 200
    assert response.json()["organisation"] == org_c.pk
    worker_a.refresh_from_db()
    assert worker_a.current_organisation == org_c


def test_me_patch_refuses_an_organisation_one_is_not_a_member_of(
    api_as, worker_a, org_a, org_b
):
    response = api_as(worker_a).patch(ME, {"organisation": org_b.pk}, format="json")

    assert response.status_code == 400
    assert errors(response)["organisation"]
    worker_a.refresh_from_db()
    assert worker_a.current_organisation in (None, org_a)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"organisation": 999999}, "organisation"),
        ({"organisation": "abc"}, "organisation"),
        ({"language": "xx"}, "language"),
        ({"name": "x" * 151}, "name"),
        ({"name": None}, "name"),
    ],
)
def test_me_patch_refuses_bad_input_per_field(api_as, worker_a, body, field):
    response = api_as(worker_a).patch(ME, body, format="json")

    assert response.status_code == 400
    assert list(errors(response)) == [field]


def test_me_patch_cannot_change_email(api_as, worker_a):
    api_as(worker_a).patch(ME, {"email": "other@example.org"}, format="json")

    worker_a.refresh_from_db()
    assert worker_a.email == "worker.a@example.org"


def test_a_token_acts_for_its_organisation_whatever_the_session_choice(
    api_as, focal_b, org_a, org_b, token_b
):
    MembershipFactory(user=focal_b, organisation=org_a)
    set_acting_organisation(focal_b, organisation=org_a)

    body = api_as(token=token_b).get(ME).json()

    assert body["organisation"] == org_b.pk
    assert {o["code"] for o in body["organisations"]} == {"org-a", "org-b"}


def test_a_token_cannot_switch_to_another_organisation(api_as, focal_b, org_a, token_b):
    MembershipFactory(user=focal_b, organisation=org_a)

    response = api_as(token=token_b).patch(ME, {"organisation": org_a.pk})

    assert response.status_code == 400
    assert errors(response)["organisation"]


def test_anonymous_calls_get_401_in_the_error_format(api_as):
    response = api_as().get(ME)

    assert response.status_code == 401
    assert errors(response)["non_field_errors"]
    assert response["WWW-Authenticate"] == "Token"


# ---------------------------------------------------------------------------
# Token authentication
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "header",
    ["Token tsq_not-a-real-token", "Token", "Token a b", "Token \u00e9t\u00e9"],
)
def test_an_invalid_token_gets_401(db, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.encode().decode("latin-1"))

    response = client.get(ME)

    assert response.status_code == 401
    assert errors(response)["non_field_errors"]


def test_a_revoked_token_gets_401(api_as, token_b):
    ApiToken.objects.update(revoked_at=timezone.now())

    assert api_as(token=token_b).get(ME).status_code == 401


def test_a_token_of_a_deactivated_organisation_gets_401(api_as, org_b, token_b):
    Organisation.objects.filter(pk=org_b.pk).update(is_active=False)

    assert api_as(token=token_b).get(ME).status_code == 401


def test_a_token_whose_owner_left_the_organisation_gets_401(api_as, focal_b, token_b):
    Membership.objects.filter(user=focal_b).delete()

    assert api_as(token=token_b).get(ME).status_code == 401


def test_a_token_of_a_deactivated_user_gets_401(api_as, focal_b, token_b):
    focal_b.is_active = False
    focal_b.save()

    assert api_as(token=token_b).get(ME).status_code == 401


def test_token_use_is_recorded_at_most_once_a_minute(api_as, token_b):
    token = ApiToken.objects.get()
    assert token.last_used_at is None

    api_as(token=token_b).get(ME)
    token.refresh_from_db()
    first = token.last_used_at
    api_as(token=token_b).get(ME)
    token.refresh_from_db()

    assert first is not None
    assert token.last_used_at == first

    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    api_as(token=token_b).get(ME)
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(seconds=1)


def test_session_writes_need_the_csrf_token_but_token_writes_do_not(
    focal_a, org_a, token_b, org_b
):
    session = APIClient(enforce_csrf_checks=True)
    session.force_login(focal_a)

    refused = session.patch(detail(org_a), {"acronym": "X"}, format="json")
    csrf = "a" * 32  # the browser's cookie, echoed in the header as the pages do
    session.cookies["csrftoken"] = csrf
    allowed = session.patch(
        detail(org_a), {"acronym": "X"}, format="json", HTTP_X_CSRFTOKEN=csrf
    )
    by_token = APIClient(enforce_csrf_checks=True)
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {token_b}")

    assert refused.status_code == 403
    assert errors(refused)["non_field_errors"]
    assert allowed.status_code == 200
    assert by_token.patch(detail(org_b), {"acronym": "Y"}).status_code == 200


def test_session_calls_need_mfa_for_focal_points_when_required(
    settings, api_as, focal_b, token_b
):
    settings.TANSIQ_REQUIRE_MFA = True

    by_session = api_as(focal_b).get(ME)
    by_token = api_as(token=token_b).get(ME)

    assert by_session.status_code == 403
    assert errors(by_session)["non_field_errors"]
    assert by_token.status_code == 200


# ---------------------------------------------------------------------------
# Error format, languages, throttling
# ---------------------------------------------------------------------------
def test_validation_messages_follow_accept_language_for_tokens(api_as, org_b, token_b):
    client = api_as(token=token_b)

    arabic = client.patch(detail(org_b), {"name": ""}, HTTP_ACCEPT_LANGUAGE="ar")
    english = client.patch(detail(org_b), {"name": ""}, HTTP_ACCEPT_LANGUAGE="en")
    default = client.patch(detail(org_b), {"name": ""})

    assert errors(arabic) == {"name": ["لا يمكن لهذا الحقل ان يكون فارغاً."]}
    assert errors(english) == {"name": ["This field may not be blank."]}
    assert errors(default) == {"name": ["Ce champ ne peut être vide."]}


def test_validation_messages_follow_the_users_language(api_as, focal_a, org_a):
    focal_a.language = "ar"
    focal_a.save()

    response = api_as(focal_a).patch(
        detail(org_a), {"name": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert errors(response) == {"name": ["لا يمكن لهذا الحقل ان يكون فارغاً."]}


def test_per_item_errors_of_a_list_stay_under_the_field(api_as, focal_a, org_a):
    focal_a.language = "en"
    focal_a.save()

    response = api_as(focal_a).patch(
        detail(org_a), {"languages": ["fr", "klingon"]}, format="json"
    )

    assert response.status_code == 400
    assert errors(response) == {"languages": ['"klingon" is not a valid choice.']}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [("{not json", "application/json"), ("[1, 2]", "application/json")],
)
def test_a_malformed_body_is_a_400_not_a_500(
    api_as, focal_a, org_a, body, content_type
):
    response = api_as(focal_a).generic(
        "PATCH", detail(org_a), body, content_type=content_type
    )

    assert response.status_code == 400
    assert errors(response)["non_field_errors"]


def test_an_unsupported_media_type_is_a_415(api_as, focal_a, org_a):
    response = api_as(focal_a).generic(
        "PATCH", detail(org_a), "name=x", content_type="text/plain"
    )

    assert response.status_code == 415
    assert errors(response)["non_field_errors"]


@pytest.mark.parametrize("method", ["put", "delete"])
def test_methods_outside_the_contract_are_405(api_as, focal_a, org_a, method):
    response = getattr(api_as(focal_a), method)(detail(org_a), {}, format="json")

    assert response.status_code == 405
    assert errors(response)["non_field_errors"]


def test_a_throttled_client_gets_429_with_retry_after(api_as, worker_a, monkeypatch):
    # DRF reads the rates once at import; patch them the way the settings would.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"user": "2/minute", "anon": "2/minute"}
    )
    client = api_as(worker_a)

    statuses = [client.get(ME).status_code for _ in range(3)]
    response = client.get(ME)

    assert statuses == [200, 200, 429]
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert errors(response)["non_field_errors"]


@pytest.mark.parametrize(
    ("exc", "status", "expected"),
    [
        (
            DRFValidationError(
                {"targeted": {"women": ["Too many."]}, "regions": {0: ["No."]}}
            ),
            400,
            {"targeted.women": ["Too many."], "regions": ["No."]},
        ),
        (
            DRFValidationError({"needs": [{}, {"sector": ["Unknown."]}]}),
            400,
            {"needs.1.sector": ["Unknown."]},
        ),
        (
            DRFValidationError("Whole request."),
            400,
            {"non_field_errors": ["Whole request."]},
        ),
        (
            DjangoValidationError({NON_FIELD_ERRORS: ["Both."], "note": ["Say why."]}),
            400,
            {"non_field_errors": ["Both."], "note": ["Say why."]},
        ),
        (DjangoValidationError("Plain."), 400, {"non_field_errors": ["Plain."]}),
        (Conflict("Already decided."), 409, {"non_field_errors": ["Already decided."]}),
        (
            DjangoPermissionDenied("Not yours."),
            403,
            {"non_field_errors": ["Not yours."]},
        ),
    ],
)
def test_every_error_has_the_same_shape(exc, status, expected):
    response = exception_handler(exc, {})

    assert response.status_code == status
    assert response.data == {"errors": expected}


def test_a_404_and_an_unexpected_error(db):
    assert exception_handler(Http404(), {}).status_code == 404
    assert exception_handler(RuntimeError("bug"), {}) is None  # a real 500


# ---------------------------------------------------------------------------
# organisations/: reading
# ---------------------------------------------------------------------------
def test_the_registry_lists_organisations_with_their_profile(
    api_as, worker_a, org_a, org_b, oriental
):
    org_a.sectors.add(Sector.objects.get(code="health"))
    Organisation.objects.filter(pk=org_a.pk).update(
        languages=["fr", "ar"], email="contact@a.example.org"
    )

    response = api_as(worker_a).get(ORGANISATIONS)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 2
    a = next(o for o in body["results"] if o["code"] == "org-a")
    assert a["id"] == org_a.pk
    assert a["regions"] == ["02"]
    assert a["sectors"] == ["health"]
    assert a["languages"] == ["fr", "ar"]
    assert a["email"] == "contact@a.example.org"
    assert a["verified"] is True
    assert a["kind"] == "local_association"
    assert a["kind_label"]


def test_the_registry_is_ordered_by_updated_at_then_id(api_as, worker_a, org_a, org_b):
    past = timezone.now() - timedelta(days=3)
    Organisation.objects.filter(pk=org_b.pk).update(updated_at=past)
    Organisation.objects.filter(pk=org_a.pk).update(updated_at=past)

    results = api_as(worker_a).get(ORGANISATIONS).json()["results"]

    assert [o["id"] for o in results] == sorted([org_a.pk, org_b.pk])


def test_updated_since_returns_only_what_changed(api_as, worker_a, org_a, org_b):
    Organisation.objects.filter(pk=org_b.pk).update(
        updated_at=timezone.now() - timedelta(days=3)
    )
    since = (timezone.now() - timedelta(days=1)).isoformat()

    response = api_as(worker_a).get(ORGANISATIONS, {"updated_since": since})

    assert [o["code"] for o in response.json()["results"]] == ["org-a"]


@pytest.mark.parametrize(
    ("params", "codes"),
    [
        ({"q": "associ"}, ["org-a"]),
        ({"kind": "national_ngo"}, ["org-b"]),
        ({"region": "02"}, ["org-a", "org-b"]),
        ({"sector": "health"}, ["org-b"]),
        ({"language": "wo"}, ["org-b"]),
        ({"verified": "false"}, ["org-c"]),
        ({"verified": "true", "region": "02", "kind": "local_association"}, ["org-a"]),
    ],
)
def test_the_registry_filters(api_as, worker_a, org_a, org_b, org_c, params, codes):
    org_b.sectors.add(Sector.objects.get(code="health"))
    Organisation.objects.filter(pk=org_b.pk).update(languages=["fr", "wo"])
    Organisation.objects.filter(pk=org_c.pk).update(verified=False)

    response = api_as(worker_a).get(ORGANISATIONS, params)

    assert response.status_code == 200
    assert sorted(o["code"] for o in response.json()["results"]) == codes


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "pirates"}, "kind"),
        ({"region": "99"}, "region"),
        ({"sector": "nope"}, "sector"),
        ({"language": "xx"}, "language"),
        ({"updated_since": "yesterday"}, "updated_since"),
    ],
)
def test_bad_filters_are_400_per_field(api_as, worker_a, params, field):
    response = api_as(worker_a).get(ORGANISATIONS, params)

    assert response.status_code == 400
    assert list(errors(response)) == [field]


def test_deactivated_organisations_are_invisible_except_to_coordinators(
    api_as, worker_a, coordinator, org_a, org_c
):
    Organisation.objects.filter(pk=org_c.pk).update(is_active=False)

    as_worker = api_as(worker_a)
    as_coordinator = api_as(coordinator)

    assert [o["code"] for o in as_worker.get(ORGANISATIONS).json()["results"]] == [
        "org-a"
    ]
    assert as_worker.get(detail(org_c)).status_code == 404
    assert errors(as_worker.get(detail(org_c)))["non_field_errors"]
    assert as_coordinator.get(ORGANISATIONS).json()["count"] == 2
    assert as_coordinator.get(detail(org_c)).json()["is_active"] is False


@pytest.mark.parametrize("pk", ["999999", "abc", "-1"])
def test_an_unknown_organisation_is_404(api_as, worker_a, pk):
    response = api_as(worker_a).get(f"{ORGANISATIONS}{pk}/")

    assert response.status_code == 404


def test_page_size_is_capped_at_1000(api_as, worker_a):
    Organisation.objects.bulk_create(
        Organisation(code=f"bulk-{n}", name=f"Bulk {n}", kind="donor")
        for n in range(1005)
    )
    client = api_as(worker_a)

    capped = client.get(ORGANISATIONS, {"page_size": 5000}).json()
    default = client.get(ORGANISATIONS).json()
    second = client.get(ORGANISATIONS, {"page_size": 1000, "page": 2}).json()

    assert capped["count"] == 1006  # with A
    assert len(capped["results"]) == 1000
    assert capped["next"] is not None
    assert len(default["results"]) == 50
    assert len(second["results"]) == 6
    assert second["next"] is None
    assert second["previous"] is not None


def test_a_page_past_the_end_is_404_not_500(api_as, worker_a, org_a):
    response = api_as(worker_a).get(ORGANISATIONS, {"page": 99})

    assert response.status_code == 404
    assert errors(response)["non_field_errors"]


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"page_size": 1000})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_registry_costs_the_same_queries_for_1_and_60_organisations(
    api_as, worker_a, org_a, oriental
):
    client = api_as(worker_a)
    health = Sector.objects.get(code="health")
    province = Province.objects.filter(region=oriental).first()
    org_a.sectors.add(health)
    org_a.provinces.add(province)
    one = _queries(client, ORGANISATIONS)

    for n in range(60):
        org = OrganisationFactory(code=f"many-{n}")
        org.regions.add(oriental)
        org.provinces.add(province)
        org.sectors.add(health)
    many = _queries(client, ORGANISATIONS)

    assert one == many


# ---------------------------------------------------------------------------
# organisations/: editing and verification
# ---------------------------------------------------------------------------
def test_a_focal_point_edits_their_organisation(api_as, focal_a, org_a, oriental):
    province = Province.objects.filter(region=oriental).order_by("code").first()

    response = api_as(focal_a).patch(
        detail(org_a),
        {
            "name": "Association A (Oujda)",
            "description": "Accueil et orientation.",
            "regions": ["02"],
            "provinces": [province.code],
            "sectors": ["health", "protection"],
            "languages": ["fr", "ar", "bm"],
            "phone": "+212 5 36 00 00 00",
            "website": "https://a.example.org",
        },
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Association A (Oujda)"
    assert body["provinces"] == [province.code]
    assert sorted(body["sectors"]) == ["health", "protection"]
    org_a.refresh_from_db()
    assert org_a.languages == ["fr", "ar", "bm"]
    assert set(org_a.sectors.values_list("code", flat=True)) == {"health", "protection"}


def test_a_patch_leaves_other_fields_alone(api_as, focal_a, org_a):
    api_as(focal_a).patch(detail(org_a), {"acronym": "AAO"}, format="json")

    org_a.refresh_from_db()
    assert (org_a.acronym, org_a.name) == ("AAO", "Association A")
    assert list(org_a.regions.values_list("code", flat=True)) == ["02"]


def test_read_only_fields_cannot_be_patched(api_as, focal_a, org_a):
    Organisation.objects.filter(pk=org_a.pk).update(verified=False)

    response = api_as(focal_a).patch(
        detail(org_a),
        {"verified": True, "is_active": False, "code": "hijack", "id": 1},
        format="json",
    )

    assert response.status_code == 200
    org_a.refresh_from_db()
    assert (org_a.verified, org_a.is_active, org_a.code) == (False, True, "org-a")


def test_a_coordinator_may_edit_any_organisation(api_as, coordinator, org_b):
    response = api_as(coordinator).patch(detail(org_b), {"acronym": "ONGB"})

    assert response.status_code == 200
    org_b.refresh_from_db()
    assert org_b.acronym == "ONGB"


def test_a_token_edits_its_own_organisation(api_as, org_b, token_b):
    response = api_as(token=token_b).patch(detail(org_b), {"acronym": "TB"})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [("worker_a", 403), ("focal_b", 403), ("observer", 403), ("token_b", 403)],
)
def test_only_its_focal_point_or_a_coordinator_edits_an_organisation(
    api_as, request, org_a, who, status
):
    client = (
        api_as(token=request.getfixturevalue("token_b"))
        if who == "token_b"
        else api_as(request.getfixturevalue(who))
    )

    response = client.patch(detail(org_a), {"name": "Hijacked"}, format="json")

    assert response.status_code == status
    assert errors(response)["non_field_errors"]
    org_a.refresh_from_db()
    assert org_a.name == "Association A"


def test_a_worker_of_a_token_cannot_edit_even_their_own_organisation(
    api_as, worker_b, org_b
):
    from organisations.services import create_api_token

    _, key = create_api_token(
        actor=worker_b, organisation=org_b, name="script", check_authority=False
    )

    assert api_as(token=key).patch(detail(org_b), {"acronym": "W"}).status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"regions": ["99"]}, "regions"),
        ({"sectors": ["astrology"]}, "sectors"),
        ({"provinces": ["99.999"]}, "provinces"),
        ({"regions": "02"}, "regions"),
        ({"name": "x" * 201}, "name"),
        ({"description": "x" * 4001}, "description"),
        ({"acronym": "x" * 31}, "acronym"),
        ({"email": "not-an-address"}, "email"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"kind": "pirates"}, "kind"),
        ({"languages": "fr"}, "languages"),
        ({"name": None}, "name"),
        ({"name": {"fr": "A"}}, "name"),
    ],
)
def test_bad_profile_input_is_a_400_per_field_and_changes_nothing(
    api_as, focal_a, org_a, body, field
):
    response = api_as(focal_a).patch(detail(org_a), body, format="json")

    assert response.status_code == 400
    assert list(errors(response)) == [field]
    org_a.refresh_from_db()
    assert org_a.name == "Association A"
    assert list(org_a.regions.values_list("code", flat=True)) == ["02"]


def test_provinces_outside_the_regions_are_refused(api_as, focal_a, org_a):
    elsewhere = Province.objects.exclude(region__code="02").order_by("code").first()

    response = api_as(focal_a).patch(
        detail(org_a), {"provinces": [elsewhere.code]}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 400
    assert elsewhere.code in errors(response)["provinces"][0]
    assert not org_a.provinces.exists()


def test_dropping_a_region_that_has_provinces_is_refused(api_as, focal_a, org_a):
    oriental_province = Province.objects.filter(region__code="02").first()
    org_a.provinces.add(oriental_province)
    other_region = Region.objects.exclude(code="02").first()

    response = api_as(focal_a).patch(detail(org_a), {"regions": [other_region.code]})

    assert response.status_code == 400
    assert list(errors(response)) == ["regions"]


def test_a_coordinator_verifies_an_organisation(api_as, coordinator, org_c):
    Organisation.objects.filter(pk=org_c.pk).update(verified=False)
    url = reverse("api:organisation-verify", args=[org_c.pk])

    response = api_as(coordinator).post(url)

    assert response.status_code == 200
    assert response.json()["verified"] is True
    assert response.json()["verified_at"]
    org_c.refresh_from_db()
    assert org_c.verified_by == coordinator


def test_a_coordinator_withdraws_a_verification(api_as, coordinator, org_a):
    verify_organisation(org_a, actor=coordinator)
    url = reverse("api:organisation-unverify", args=[org_a.pk])

    response = api_as(coordinator).post(url)

    assert response.status_code == 200
    assert response.json()["verified"] is False
    org_a.refresh_from_db()
    assert (org_a.verified, org_a.verified_by, org_a.verified_at) == (False, None, None)


@pytest.mark.parametrize("who", ["worker_a", "focal_a", "focal_b", "observer"])
def test_only_coordinators_verify(api_as, request, org_a, who):
    Organisation.objects.filter(pk=org_a.pk).update(verified=False)
    url = reverse("api:organisation-verify", args=[org_a.pk])

    response = api_as(request.getfixturevalue(who)).post(url)

    assert response.status_code == 403
    assert errors(response)["non_field_errors"]
    org_a.refresh_from_db()
    assert org_a.verified is False


def test_verifying_an_invisible_organisation_is_404(api_as, focal_a, org_c):
    Organisation.objects.filter(pk=org_c.pk).update(is_active=False)
    url = reverse("api:organisation-verify", args=[org_c.pk])

    assert api_as(focal_a).post(url).status_code == 404
    assert api_as(focal_a).patch(detail(org_c), {"acronym": "X"}).status_code == 404


# ---------------------------------------------------------------------------
# Idempotency-Key
# ---------------------------------------------------------------------------
def test_a_repeated_write_with_the_same_key_returns_the_first_response(
    api_as, focal_a, org_a
):
    client = api_as(focal_a)
    first = client.patch(
        detail(org_a), {"acronym": "ONE"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    Organisation.objects.filter(pk=org_a.pk).update(acronym="CHANGED")
    events = org_a.events.count()

    repeat = client.patch(
        detail(org_a), {"acronym": "ONE"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert first.status_code == repeat.status_code == 200
    assert repeat.json() == first.json()
    assert repeat["Idempotent-Replayed"] == "true"
    org_a.refresh_from_db()
    assert org_a.acronym == "CHANGED"  # not run again
    assert org_a.events.count() == events


def test_the_same_key_with_another_body_is_422(api_as, focal_a, org_a):
    client = api_as(focal_a)
    client.patch(detail(org_a), {"acronym": "ONE"}, HTTP_IDEMPOTENCY_KEY="k-2")

    response = client.patch(
        detail(org_a), {"acronym": "TWO"}, HTTP_IDEMPOTENCY_KEY="k-2"
    )

    assert response.status_code == 422
    assert errors(response)["idempotency_key"]
    org_a.refresh_from_db()
    assert org_a.acronym == "ONE"


def test_the_same_key_on_another_path_is_422(api_as, focal_a, org_a):
    client = api_as(focal_a)
    client.patch(ME, {"name": "A"}, HTTP_IDEMPOTENCY_KEY="k-3")

    response = client.patch(detail(org_a), {"name": "A"}, HTTP_IDEMPOTENCY_KEY="k-3")

    assert response.status_code == 422


def test_key_order_in_the_body_does_not_matter(api_as, focal_a, org_a):
    client = api_as(focal_a)
    client.patch(
        detail(org_a),
        {"acronym": "A1", "phone": "1"},
        HTTP_IDEMPOTENCY_KEY="k-4",
    )

    response = client.generic(
        "PATCH",
        detail(org_a),
        '{"phone": "1", "acronym": "A1"}',
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k-4",
    )

    assert response.status_code == 200
    assert response["Idempotent-Replayed"] == "true"


def test_keys_belong_to_their_user(api_as, focal_a, coordinator, org_a):
    api_as(focal_a).patch(detail(org_a), {"acronym": "F"}, HTTP_IDEMPOTENCY_KEY="k-5")

    response = api_as(coordinator).patch(
        detail(org_a), {"acronym": "C"}, HTTP_IDEMPOTENCY_KEY="k-5"
    )

    assert response.status_code == 200
    assert not response.has_header("Idempotent-Replayed")
    org_a.refresh_from_db()
    assert org_a.acronym == "C"


def test_a_refusal_is_replayed_too(api_as, worker_a, org_a):
    client = api_as(worker_a)
    first = client.patch(detail(org_a), {"acronym": "W"}, HTTP_IDEMPOTENCY_KEY="k-6")

    repeat = client.patch(detail(org_a), {"acronym": "W"}, HTTP_IDEMPOTENCY_KEY="k-6")

    assert first.status_code == repeat.status_code == 403
    assert repeat.json() == first.json()


def test_a_repeat_while_the_first_is_running_is_409(api_as, focal_a, org_a):
    client = api_as(focal_a)
    client.patch(detail(org_a), {"acronym": "R"}, HTTP_IDEMPOTENCY_KEY="k-7")
    IdempotencyKey.objects.update(response_status=None, response_body=None)

    response = client.patch(detail(org_a), {"acronym": "R"}, HTTP_IDEMPOTENCY_KEY="k-7")

    assert response.status_code == 409
    assert errors(response)["idempotency_key"]


def test_an_expired_key_runs_the_write_again(api_as, focal_a, org_a):
    client = api_as(focal_a)
    client.patch(detail(org_a), {"acronym": "E"}, HTTP_IDEMPOTENCY_KEY="k-8")
    IdempotencyKey.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    Organisation.objects.filter(pk=org_a.pk).update(acronym="CHANGED")

    response = client.patch(detail(org_a), {"acronym": "E"}, HTTP_IDEMPOTENCY_KEY="k-8")

    assert not response.has_header("Idempotent-Replayed")
    org_a.refresh_from_db()
    assert org_a.acronym == "E"
    assert IdempotencyKey.objects.count() == 1


def test_an_action_is_idempotent_too(api_as, coordinator, org_c):
    Organisation.objects.filter(pk=org_c.pk).update(verified=False)
    url = reverse("api:organisation-verify", args=[org_c.pk])
    client = api_as(coordinator)
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="verify-c")
    Organisation.objects.filter(pk=org_c.pk).update(verified=False)

    repeat = client.post(url, HTTP_IDEMPOTENCY_KEY="verify-c")

    assert repeat.json() == first.json()
    org_c.refresh_from_db()
    assert org_c.verified is False


@pytest.mark.parametrize("key", ["", "   ", "x" * 256])
def test_an_unusable_key_is_400(api_as, focal_a, org_a, key):
    response = api_as(focal_a).patch(
        detail(org_a), {"acronym": "K"}, HTTP_IDEMPOTENCY_KEY=key
    )

    assert response.status_code == 400
    assert errors(response)["idempotency_key"]


def test_reads_ignore_the_key(api_as, worker_a):
    client = api_as(worker_a)

    client.get(ME, HTTP_IDEMPOTENCY_KEY="read")
    response = client.get(ME, HTTP_IDEMPOTENCY_KEY="read")

    assert response.status_code == 200
    assert not IdempotencyKey.objects.exists()


# ---------------------------------------------------------------------------
# manage.py create_api_token
# ---------------------------------------------------------------------------
def _create_api_token(*args: str) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out)
    return out.getvalue().strip()


def test_the_command_prints_a_working_token_for_the_acting_organisation(
    api_as, worker_b, org_b
):
    key = _create_api_token("--email", "Worker.B@example.org", "--name", "ops")

    token = ApiToken.objects.get()
    assert (token.user, token.organisation, token.name) == (worker_b, org_b, "ops")
    assert api_as(token=key).get(ME).json()["organisation"] == org_b.pk


def test_the_command_takes_an_organisation_by_code(worker_a, org_c):
    MembershipFactory(user=worker_a, organisation=org_c)

    _create_api_token("--email", "worker.a@example.org", "--organisation", "org-c")

    assert ApiToken.objects.get().organisation == org_c


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "nobody@example.org"], "No user"),
        (
            ["--email", "worker.a@example.org", "--organisation", "nope"],
            "No organisation",
        ),
        (["--email", "worker.a@example.org", "--organisation", "org-b"], "member"),
        (["--email", "coordinator@example.org"], "not a member"),
        (["--email", "worker.a@example.org", "--name", " "], "name"),
    ],
)
def test_the_command_explains_what_is_wrong(
    worker_a, org_b, coordinator, args, message
):
    with translation.override("en"), pytest.raises(CommandError, match=message):
        _create_api_token(*args)

    assert not ApiToken.objects.exists()
