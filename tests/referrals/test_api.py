"""The beneficiaries and consents API over HTTP: own organisation only, identity logged,
If-Match, Idempotency-Key, clear 400s, constant query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals.models import Beneficiary, Consent, IdentityAccessLog
from referrals.services import register_beneficiary
from tests.referrals.conftest import SENTINEL_NAME, identity

LIST = reverse("api:beneficiary-list")

BODY = {
    "full_name": "Moussa Traoré",
    "phone": "0611223344",
    "date_of_birth": "1990-02-03",
    "sex": "male",
    "nationality": "ML",
    "languages": ["bm", "fr"],
    "interpreter_needed": True,
    "region": "02",
    "household_size": 3,
    "vulnerabilities": ["stranded"],
    "wgss": {"seeing": "no_difficulty", "walking": "cannot_do_at_all"},
}


def detail(beneficiary) -> str:
    return reverse("api:beneficiary-detail", args=[beneficiary.code])


def consents(beneficiary) -> str:
    return reverse("api:consent-list", args=[beneficiary.code])


def test_a_partner_system_registers_a_person_with_its_token(api_as, token_b, org_b):
    response = api_as(token=token_b).post(LIST, BODY, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"].startswith("BNF-")
    assert body["organisation"] == org_b.pk
    assert body["full_name"] == "Moussa Traoré"
    assert body["birth_year"] == 1990
    assert body["age_band"] == "18-59"
    assert body["disability"] is True
    assert body["wgss"]["walking"] == "cannot_do_at_all"
    assert body["wgss"]["hearing"] == ""
    assert body["possible_duplicates"] == []
    beneficiary = Beneficiary.objects.get(code=body["code"])
    assert IdentityAccessLog.objects.filter(beneficiary=beneficiary).count() == 1


def test_a_second_registration_names_the_possible_duplicate(api_as, worker_a):
    first = api_as(worker_a).post(LIST, BODY, format="json").json()

    second = api_as(worker_a).post(
        LIST, {**BODY, "full_name": "TRAORE moussa", "phone": ""}, format="json"
    )

    assert second.json()["possible_duplicates"] == [first["code"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"wgss": {"seeing": "a_little"}}, "wgss.seeing"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"sex": "unknown"}, "sex"),
        ({"nationality": "XX"}, "nationality"),
        ({"vulnerabilities": ["bored"]}, "vulnerabilities"),
        ({"household_size": 0}, "household_size"),
        ({"date_of_birth": "yesterday"}, "date_of_birth"),
    ],
)
def test_bad_input_is_a_clear_400_and_nothing_is_stored(
    api_as, worker_a, changes, field
):
    response = api_as(worker_a).post(LIST, {**BODY, **changes}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Beneficiary.objects.exists()


def test_a_missing_sex_is_a_400(api_as, worker_a):
    body = {k: v for k, v in BODY.items() if k != "sex"}
    response = api_as(worker_a).post(LIST, body, format="json")
    assert response.status_code == 400
    assert "sex" in response.json()["errors"]


def test_the_list_shows_codes_without_identity(api_as, worker_a, beneficiary_a):
    response = api_as(worker_a).get(LIST)

    assert response.status_code == 200
    [row] = response.json()["results"]
    assert row["code"] == beneficiary_a.code
    assert "full_name" not in row
    assert SENTINEL_NAME not in response.content.decode()
    assert not IdentityAccessLog.objects.exists()


def test_the_owner_reads_identity_and_the_display_is_logged(
    api_as, worker_a, beneficiary_a, org_a
):
    response = api_as(worker_a).get(detail(beneficiary_a))

    assert response.status_code == 200
    assert response.json()["full_name"] == SENTINEL_NAME
    assert response["ETag"] == '"1"'
    [log] = IdentityAccessLog.objects.all()
    assert (log.user, log.organisation, log.beneficiary) == (
        worker_a,
        org_a,
        beneficiary_a,
    )
    assert log.purpose == "api:beneficiary-detail"


def test_the_list_filters_by_code_and_vulnerability(api_as, worker_a, beneficiary_a):
    other = register_beneficiary(
        actor=worker_a, **identity(vulnerabilities=["stranded"])
    )
    client = api_as(worker_a)

    by_code = client.get(LIST, {"code": beneficiary_a.code[4:]}).json()["results"]
    by_vulnerability = client.get(LIST, {"vulnerability": "stranded"}).json()["results"]

    assert [r["code"] for r in by_code] == [beneficiary_a.code]
    assert [r["code"] for r in by_vulnerability] == [other.code]


def test_the_list_makes_the_same_number_of_queries_for_1_and_30(
    api_as, worker_a, beneficiary_a
):
    client = api_as(worker_a)
    client.get(LIST)  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for index in range(29):
        register_beneficiary(
            actor=worker_a, **identity(full_name=f"Person {index % 5}")
        )
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(LIST)

    assert response.json()["count"] == 30
    assert len(thirty) == len(one)


def test_a_patch_needs_the_version_and_fails_when_stale(
    api_as, worker_a, beneficiary_a
):
    client = api_as(worker_a)

    missing = client.patch(detail(beneficiary_a), {"household_size": 2}, format="json")
    saved = client.patch(
        detail(beneficiary_a),
        {"household_size": 2, "wgss": {"hearing": "some_difficulty"}},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    stale = client.patch(
        detail(beneficiary_a), {"household_size": 5}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert missing.status_code == 428
    assert saved.status_code == 200, saved.json()
    assert saved.json()["version"] == 2
    assert saved.json()["wgss"]["hearing"] == "some_difficulty"
    assert saved.json()["wgss"]["walking"] == "a_lot_of_difficulty"  # kept
    assert stale.status_code == 412
    beneficiary_a.refresh_from_db()
    assert beneficiary_a.household_size == 2


def test_a_patch_with_a_future_birth_date_changes_nothing(
    api_as, worker_a, beneficiary_a
):
    future = (timezone.localdate() + timedelta(days=3)).isoformat()

    response = api_as(worker_a).patch(
        detail(beneficiary_a),
        {"date_of_birth": future},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 400
    assert "date_of_birth" in response.json()["errors"]
    beneficiary_a.refresh_from_db()
    assert beneficiary_a.version == 1


def test_a_repeated_registration_with_the_same_key_is_stored_once(api_as, worker_a):
    client = api_as(worker_a)

    first = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert first.status_code == again.status_code == 201
    assert first.json()["code"] == again.json()["code"]
    assert Beneficiary.objects.count() == 1


def test_consents_are_recorded_listed_and_withdrawn(
    api_as, worker_a, beneficiary_a, org_b
):
    client = api_as(worker_a)

    created = client.post(
        consents(beneficiary_a),
        {"organisation": org_b.pk, "given_by": "self", "scope": "Name, phone"},
        format="json",
    )
    listed = client.get(consents(beneficiary_a))
    consent_id = created.json()["id"]
    withdraw = reverse("api:consent-withdraw", args=[beneficiary_a.code, consent_id])
    withdrawn = client.post(withdraw, {"reason": "Asked to stop"}, format="json")
    twice = client.post(withdraw, {}, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["beneficiary"] == beneficiary_a.code
    assert [c["id"] for c in listed.json()] == [consent_id]
    assert withdrawn.status_code == 200
    assert withdrawn.json()["active"] is False
    assert twice.status_code == 409


def test_vital_interest_needs_a_focal_point_and_a_justification(
    api_as, worker_a, focal_a, beneficiary_a, org_b
):
    body = {
        "organisation": org_b.pk,
        "scope": "Name",
        "legal_basis": "vital_interest",
        "justification": "",
    }

    unjustified = api_as(focal_a).post(consents(beneficiary_a), body, format="json")
    by_worker = api_as(worker_a).post(
        consents(beneficiary_a), {**body, "justification": "Unconscious"}, format="json"
    )
    by_focal = api_as(focal_a).post(
        consents(beneficiary_a), {**body, "justification": "Unconscious"}, format="json"
    )

    assert unjustified.status_code == 400
    assert "justification" in unjustified.json()["errors"]
    assert by_worker.status_code == 403
    assert by_focal.status_code == 201
    assert Consent.objects.count() == 1


def test_consent_for_an_unknown_organisation_is_a_400(api_as, worker_a, beneficiary_a):
    response = api_as(worker_a).post(
        consents(beneficiary_a),
        {"organisation": 999999, "given_by": "self", "scope": "x"},
        format="json",
    )
    assert response.status_code == 400
    assert "organisation" in response.json()["errors"]


@pytest.mark.parametrize(
    "who", ["worker_b", "focal_b", "worker_c", "coordinator", "observer"]
)
def test_others_get_404_on_every_beneficiary_route(
    api_as, request, who, beneficiary_a, consent_a_to_b
):
    client = api_as(request.getfixturevalue(who))
    withdraw = reverse(
        "api:consent-withdraw", args=[beneficiary_a.code, consent_a_to_b.pk]
    )

    assert client.get(detail(beneficiary_a)).status_code == 404
    assert (
        client.patch(
            detail(beneficiary_a), {"sex": "male"}, format="json", HTTP_IF_MATCH='"1"'
        ).status_code
        == 404
    )
    assert client.get(consents(beneficiary_a)).status_code == 404
    assert (
        client.post(
            consents(beneficiary_a),
            {
                "organisation": consent_a_to_b.organisation_id,
                "given_by": "self",
                "scope": "x",
            },
            format="json",
        ).status_code
        == 404
    )
    assert client.post(withdraw, {}, format="json").status_code == 404
    assert client.get(LIST).json()["count"] == 0
    consent_a_to_b.refresh_from_db()
    assert consent_a_to_b.is_active
