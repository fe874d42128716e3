"""The referrals API over HTTP: sender and receiver only (everyone else 404), every
transition, clear 400s, 409 and 412, identity only where consented and logged, never in
lists, notifications, webhooks or logs; constant query counts."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coordination.models import Region, Sector
from notifications.models import Notification, OutboxMessage
from referrals import services
from referrals.models import IdentityAccessLog, Referral, ReferralEvent
from tests.referrals.conftest import SENTINEL_NAME, SENTINELS, identity

LIST = reverse("api:referral-list")
IDENTITY = ("full_name", "phone", "date_of_birth", "document_numbers", "address")
OUTSIDERS = ["worker_c", "coordinator", "observer"]


def detail(referral) -> str:
    return reverse("api:referral-detail", args=[referral.code])


def action(referral, name) -> str:
    return reverse(f"api:referral-{name}", args=[referral.code])


@pytest.fixture
def referral(beneficiary_a, worker_a, org_b, worker_b, focal_b, consent_a_to_b):
    """A pending referral of A's person (sentinel identity) to B, under consent."""
    return services.send_referral(
        beneficiary_a,
        actor=worker_a,
        to_organisation=org_b,
        sector=Sector.objects.get(code="health"),
        reason="Needs a medical consultation",
        consent=consent_a_to_b,
    )


def _clean(response) -> None:
    body = response.content.decode()
    for sentinel in SENTINELS:
        assert sentinel not in body
        assert sentinel not in response.get("Location", "")


def _body(person, org, **overrides) -> dict:
    return {
        "beneficiary": person.code,
        "to_organisation": org.pk,
        "sector": "health",
        "reason": "Needs a medical consultation",
        "priority": "urgent",
        **overrides,
    }


# ---------------------------------------------------------------------------
# Creating
# ---------------------------------------------------------------------------
def test_the_sender_creates_a_referral_with_consent_data(
    api_as, worker_a, beneficiary_a, org_a, org_b, worker_b
):
    response = api_as(worker_a).post(
        LIST,
        _body(
            beneficiary_a,
            org_b,
            consent_data={"given_by": "self", "scope": "Name and phone"},
        ),
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    referral = Referral.objects.get(code=body["code"])
    assert body["from_organisation"] == org_a.pk
    assert body["to_organisation"] == org_b.pk
    assert body["beneficiary"] == beneficiary_a.code
    assert body["status"] == "pending"
    assert body["status_label"]
    assert body["priority"] == "urgent"
    assert body["sector"] == "health"
    assert body["consent"]["active"] is True
    assert body["consent"]["legal_basis"] == "consent"
    assert body["version"] == 1
    assert response["ETag"] == '"1"'
    assert [e["kind"] for e in body["events"]] == ["sent"]
    assert not set(IDENTITY) & set(body["person"])
    assert referral.consent.organisation == org_b
    assert Notification.objects.filter(
        kind="referral_received", recipient=worker_b
    ).exists()
    _clean(response)


def test_the_sender_creates_a_referral_with_a_consent_id(
    api_as, worker_a, beneficiary_a, org_b, consent_a_to_b
):
    response = api_as(worker_a).post(
        LIST,
        _body(beneficiary_a, org_b, consent=consent_a_to_b.pk),
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["consent"]["id"] == consent_a_to_b.pk


def test_a_partner_system_refers_with_its_token(api_as, token_b, worker_b, org_a):
    person = services.register_beneficiary(
        actor=worker_b, **identity(region=Region.objects.get(code="02"))
    )

    response = api_as(token=token_b).post(
        LIST,
        _body(person, org_a, consent_data={"given_by": "self", "scope": "Name"}),
        format="json",
    )

    assert response.status_code == 201, response.json()
    assert response.json()["to_organisation"] == org_a.pk


def test_a_service_is_enough_to_say_where_to(
    api_as, worker_a, focal_b, beneficiary_a, org_b, org_c
):
    from organisations.services import create_service

    health = Sector.objects.get(code="health")
    service = create_service(
        actor=focal_b,
        name="Consultations",
        sector=health,
        service_type=health.service_types.first(),
        regions=[Region.objects.get(code="02")],
    )
    client = api_as(worker_a)
    consent = {"given_by": "self", "scope": "Name"}

    wrong = client.post(
        LIST,
        {
            "beneficiary": beneficiary_a.code,
            "service": service.pk,
            "to_organisation": org_c.pk,
            "reason": "Needs a doctor",
            "consent_data": consent,
        },
        format="json",
    )
    right = client.post(
        LIST,
        {
            "beneficiary": beneficiary_a.code,
            "service": service.pk,
            "reason": "Needs a doctor",
            "consent_data": consent,
        },
        format="json",
    )

    assert wrong.status_code == 400
    assert wrong.json()["errors"]["service"]
    assert right.status_code == 201, right.json()
    body = right.json()
    assert body["to_organisation"] == org_b.pk
    assert body["service"] == service.pk
    assert body["service_name"] == "Consultations"
    assert body["sector"] == "health"
    assert body["service_type"] == service.service_type.code


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({}, "consent"),
        ({"reason": ""}, "reason"),
        ({"priority": "whenever"}, "priority"),
        ({"sector": "nothing"}, "sector"),
        ({"consent": 999999}, "consent"),
        ({"beneficiary": "BNF-ZZZZZZ"}, "beneficiary"),
        ({"consent_data": {"given_by": "self", "scope": ""}}, "consent_data.scope"),
    ],
)
def test_bad_input_is_a_400_with_field_messages(
    api_as, worker_a, beneficiary_a, org_b, overrides, field
):
    response = api_as(worker_a).post(
        LIST, _body(beneficiary_a, org_b, **overrides), format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"][field]
    assert not Referral.objects.exists()
    _clean(response)


def test_a_referral_to_ones_own_organisation_is_a_400(
    api_as, worker_a, beneficiary_a, org_a
):
    response = api_as(worker_a).post(
        LIST,
        _body(beneficiary_a, org_a, consent_data={"given_by": "self", "scope": "x"}),
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"]["to_organisation"]


def test_a_withdrawn_consent_is_a_400(
    api_as, worker_a, beneficiary_a, org_b, consent_a_to_b
):
    services.withdraw_consent(consent_a_to_b, actor=worker_a)

    response = api_as(worker_a).post(
        LIST, _body(beneficiary_a, org_b, consent=consent_a_to_b.pk), format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["consent"]


def test_another_organisations_person_cannot_be_referred(
    api_as, worker_c, beneficiary_a, org_b, consent_a_to_b
):
    response = api_as(worker_c).post(
        LIST, _body(beneficiary_a, org_b, consent=consent_a_to_b.pk), format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["beneficiary"]
    _clean(response)


@pytest.mark.parametrize("who", ["coordinator", "observer"])
def test_people_acting_for_no_organisation_cannot_refer(
    request, api_as, beneficiary_a, org_b, consent_a_to_b, who
):
    response = api_as(request.getfixturevalue(who)).post(
        LIST, _body(beneficiary_a, org_b, consent=consent_a_to_b.pk), format="json"
    )

    assert response.status_code == 403
    assert response.json()["errors"]
    assert not Referral.objects.exists()


# ---------------------------------------------------------------------------
# Transitions
# ---------------------------------------------------------------------------
def test_the_receiver_accepts_assigns_and_completes(
    api_as, referral, worker_b, focal_b, worker_a
):
    client = api_as(focal_b)

    accepted = client.post(
        action(referral, "accept"), {"assigned_to": worker_b.pk}, format="json"
    )
    assert accepted.status_code == 200, accepted.json()
    assert accepted.json()["status"] == "accepted"
    assert accepted.json()["assigned_to"] == {
        "id": worker_b.pk,
        "name": worker_b.display_name,
    }
    assert accepted["ETag"] == '"2"'

    assigned = client.post(
        action(referral, "assign"), {"assigned_to": focal_b.pk}, format="json"
    )
    assert assigned.status_code == 200
    assert assigned.json()["assigned_to"]["id"] == focal_b.pk

    completed = client.post(
        action(referral, "complete"),
        {"outcome": "Seen by a doctor", "feedback": "Follow-up in a month"},
        format="json",
        HTTP_IF_MATCH='"3"',
    )
    assert completed.status_code == 200, completed.json()
    body = completed.json()
    assert body["status"] == "completed"
    assert body["outcome"] == "Seen by a doctor"
    assert body["feedback"] == "Follow-up in a month"
    assert body["closed_at"]
    assert [e["kind"] for e in body["events"]] == [
        "sent",
        "accepted",
        "assigned",
        "assigned",
        "completed",
        "feedback",
    ]
    assert body["events"][1]["actor"] == focal_b.display_name
    assert body["events"][1]["organisation"] == "Organisation B"
    assert body["events"][1]["kind_label"]
    _clean(completed)


def test_the_receiver_declines_with_a_reason(api_as, referral, token_b):
    client = api_as(token=token_b)

    missing = client.post(action(referral, "decline"), {}, format="json")
    declined = client.post(
        action(referral, "decline"), {"reason": "No places"}, format="json"
    )

    assert missing.status_code == 400
    assert missing.json()["errors"]["reason"]
    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert declined.json()["decline_reason"] == "No places"


def test_completing_needs_an_outcome(api_as, referral, worker_b):
    client = api_as(worker_b)
    client.post(action(referral, "accept"), {}, format="json")

    response = client.post(action(referral, "complete"), {}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]["outcome"]


def test_the_sender_cancels(api_as, referral, worker_a):
    response = api_as(worker_a).post(
        action(referral, "cancel"), {"reason": "Moved to Rabat"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["cancel_reason"] == "Moved to Rabat"


def test_wrong_side_is_a_403(api_as, referral, worker_a, worker_b):
    assert (
        api_as(worker_a).post(action(referral, "accept"), {}, format="json").status_code
        == 403
    )
    assert (
        api_as(worker_b).post(action(referral, "cancel"), {}, format="json").status_code
        == 403
    )
    assert Referral.objects.get().status == "pending"


def test_assigning_to_a_non_member_is_a_400(api_as, referral, focal_b, worker_a):
    response = api_as(focal_b).post(
        action(referral, "assign"), {"assigned_to": worker_a.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["errors"]["assigned_to"]


def test_answering_twice_is_a_409(api_as, referral, worker_b, focal_b):
    api_as(worker_b).post(action(referral, "accept"), {}, format="json")

    again = api_as(focal_b).post(action(referral, "accept"), {}, format="json")
    decline = api_as(focal_b).post(
        action(referral, "decline"), {"reason": "x"}, format="json"
    )

    assert again.status_code == 409
    assert again.json()["errors"]["non_field_errors"]
    assert decline.status_code == 409
    assert Referral.objects.get().events.filter(kind="accepted").count() == 1


def test_a_stale_if_match_is_a_412(api_as, referral, worker_b, focal_b):
    api_as(worker_b).post(action(referral, "accept"), {}, format="json")

    stale = api_as(focal_b).post(
        action(referral, "complete"),
        {"outcome": "Done"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    garbage = api_as(focal_b).post(
        action(referral, "complete"),
        {"outcome": "Done"},
        format="json",
        HTTP_IF_MATCH="soon",
    )

    assert stale.status_code == 412
    assert stale.json()["errors"]
    assert garbage.status_code == 412
    assert Referral.objects.get().status == "accepted"


def test_an_idempotency_key_replays_a_transition(api_as, referral, worker_b):
    client = api_as(worker_b)

    first = client.post(
        action(referral, "accept"), {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )
    again = client.post(
        action(referral, "accept"), {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert first.status_code == again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert Referral.objects.get().events.filter(kind="accepted").count() == 1


# ---------------------------------------------------------------------------
# Who sees what
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", OUTSIDERS)
def test_outsiders_get_404_everywhere_and_see_nothing(
    request, api_as, referral, worker_b, who
):
    client = api_as(request.getfixturevalue(who))

    listing = client.get(LIST)
    assert listing.status_code == 200
    assert listing.json()["count"] == 0
    _clean(listing)
    assert client.get(detail(referral)).status_code == 404
    for name, body in (
        ("accept", {}),
        ("decline", {"reason": "x"}),
        ("complete", {"outcome": "x"}),
        ("cancel", {}),
        ("assign", {"assigned_to": worker_b.pk}),
    ):
        response = client.post(action(referral, name), body, format="json")
        assert response.status_code == 404, name
        _clean(response)
    assert Referral.objects.get().version == 1
    assert not IdentityAccessLog.objects.exists()


def test_anonymous_gets_401(api_as, referral):
    assert api_as().get(LIST).status_code == 401
    assert api_as().get(detail(referral)).status_code == 401


def test_the_receiver_sees_the_identity_under_consent_and_it_is_logged(
    api_as, referral, worker_b, org_b
):
    response = api_as(worker_b).get(detail(referral))

    assert response.status_code == 200
    person = response.json()["person"]
    assert person["full_name"] == SENTINEL_NAME
    assert person["sex"] == "female"
    assert person["languages"] == ["fr", "ff"]
    assert person["region"] == "02"
    assert response["ETag"] == '"1"'
    log = IdentityAccessLog.objects.get()
    assert (log.user, log.organisation) == (worker_b, org_b)
    assert log.purpose == "api:referral-detail"


def test_the_sender_sees_the_identity_and_it_is_logged(api_as, referral, worker_a):
    response = api_as(worker_a).get(detail(referral))

    assert response.json()["person"]["full_name"] == SENTINEL_NAME
    assert IdentityAccessLog.objects.filter(user=worker_a).count() == 1


def test_after_withdrawal_the_receiver_sees_no_identity(
    api_as, referral, worker_a, worker_b, consent_a_to_b
):
    services.withdraw_consent(consent_a_to_b, actor=worker_a, reason="Asked")

    response = api_as(worker_b).get(detail(referral))

    assert response.status_code == 200
    assert not set(IDENTITY) & set(response.json()["person"])
    assert response.json()["consent"]["active"] is False
    _clean(response)
    assert not IdentityAccessLog.objects.exists()


def test_the_list_shows_no_identity(api_as, referral, worker_a, worker_b):
    for user in (worker_a, worker_b):
        response = api_as(user).get(LIST)
        assert response.json()["count"] == 1
        assert not set(IDENTITY) & set(response.json()["results"][0]["person"])
        assert "events" not in response.json()["results"][0]
        _clean(response)
    assert not IdentityAccessLog.objects.exists()


def test_the_receiver_learns_its_own_codes_for_the_person(
    api_as, referral, worker_b, worker_a
):
    from tests.referrals.conftest import SENTINEL_PHONE

    own = services.register_beneficiary(
        actor=worker_b, **identity(full_name=SENTINEL_NAME, phone=SENTINEL_PHONE)
    )

    received = api_as(worker_b).get(LIST).json()["results"][0]
    one = api_as(worker_b).get(detail(referral)).json()
    sent = api_as(worker_a).get(LIST).json()["results"][0]

    assert received["known_as"] == [own.code]
    assert one["known_as"] == [own.code]
    assert sent["known_as"] == []


def test_filters(api_as, referral, worker_a, worker_b, org_b, beneficiary_a):
    other = services.send_referral(
        beneficiary_a,
        actor=worker_a,
        to_organisation=org_b,
        sector=Sector.objects.get(code="protection"),
        reason="Needs advice",
        priority="emergency",
        consent=referral.consent,
    )
    services.accept_referral(other, actor=worker_b, assign_to=worker_b)
    receiver, sender = api_as(worker_b), api_as(worker_a)

    def codes(client, **params):
        return {r["code"] for r in client.get(LIST, params).json()["results"]}

    both = {referral.code, other.code}
    assert codes(receiver, direction="incoming") == both
    assert codes(receiver, direction="outgoing") == set()
    assert codes(sender, direction="outgoing") == both
    assert codes(receiver, status="accepted") == {other.code}
    assert codes(receiver, status=["accepted", "pending"]) == both
    assert codes(receiver, priority="emergency") == {other.code}
    assert codes(receiver, sector="protection") == {other.code}
    assert codes(receiver, assigned_to_me="true") == {other.code}
    assert codes(receiver, code=referral.code[4:]) == {referral.code}
    assert codes(receiver, overdue="false") == both
    assert codes(receiver, to_organisation=org_b.pk) == both
    assert codes(receiver, updated_since="2999-01-01T00:00:00Z") == set()
    assert receiver.get(LIST, {"status": "lost"}).status_code == 400


def test_the_list_is_ordered_for_sync(api_as, referral, worker_a, worker_b, org_b):
    other = services.send_referral(
        referral.beneficiary,
        actor=worker_a,
        to_organisation=org_b,
        sector=referral.sector,
        reason="Second",
        consent=referral.consent,
    )
    services.accept_referral(referral, actor=worker_b)  # now updated last

    codes = [r["code"] for r in api_as(worker_b).get(LIST).json()["results"]]

    assert codes == [other.code, referral.code]


def test_the_list_makes_the_same_number_of_queries_for_1_and_30(
    api_as, referral, worker_a, worker_b, org_b
):
    client = api_as(worker_b)
    client.get(LIST)  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert client.get(LIST).json()["count"] == 1
    for index in range(29):
        person = services.register_beneficiary(
            actor=worker_a,
            **identity(full_name=f"Person {index % 5}", region=referral.region),
        )
        sent = services.send_referral(
            person,
            actor=worker_a,
            to_organisation=org_b,
            sector=referral.sector,
            reason="Needs a doctor",
            new_consent=services.ConsentTerms(given_by="self", scope="Name"),
        )
        if index % 2:
            services.accept_referral(sent, actor=worker_b, assign_to=worker_b)
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(LIST)

    assert response.json()["count"] == 30
    assert len(thirty) == len(one)


# ---------------------------------------------------------------------------
# Identity never leaks: notifications, webhooks, logs
# ---------------------------------------------------------------------------
def test_identity_never_reaches_notifications_webhooks_or_logs(
    caplog, monkeypatch, api_as, worker_a, worker_b, focal_a, focal_b, org_a, org_b
):
    from notifications.services import create_webhook_subscription

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    monkeypatch.setattr(connections["default"], "force_debug_cursor", True)
    for focal, org in ((focal_a, org_a), (focal_b, org_b)):
        create_webhook_subscription(
            actor=focal,
            organisation=org,
            url="https://93.184.215.14/hook",
            events=[
                "referral.received",
                "referral.accepted",
                "referral.declined",
                "referral.completed",
                "referral.cancelled",
            ],
        )
    person = services.register_beneficiary(
        actor=worker_a,
        **identity(
            full_name=SENTINEL_NAME,
            phone=SENTINELS[1],
            document_numbers=SENTINELS[2],
            address=SENTINELS[3],
            region=Region.objects.get(code="02"),
        ),
    )
    sender, receiver = api_as(worker_a), api_as(worker_b)

    created = sender.post(
        LIST,
        _body(person, org_b, consent_data={"given_by": "self", "scope": "Name"}),
        format="json",
    )
    code = created.json()["code"]
    referral = Referral.objects.get(code=code)
    responses = [
        created,
        sender.get(LIST),
        receiver.get(LIST),
        receiver.post(action(referral, "accept"), {}, format="json"),
        receiver.post(action(referral, "complete"), {"outcome": "Seen"}, format="json"),
    ]
    second = sender.post(
        LIST,
        _body(person, org_b, consent=referral.consent_id),
        format="json",
    )
    second_referral = Referral.objects.get(code=second.json()["code"])
    responses += [
        second,
        receiver.post(
            action(second_referral, "decline"), {"reason": "Full"}, format="json"
        ),
    ]
    third = sender.post(
        LIST, _body(person, org_b, consent=referral.consent_id), format="json"
    )
    third_referral = Referral.objects.get(code=third.json()["code"])
    responses += [
        third,
        sender.post(action(third_referral, "cancel"), {}, format="json"),
    ]
    services.escalate_overdue_referrals()  # nothing due; runs anyway
    receiver.get(detail(referral))  # identity shown: in the body, never in a log

    for response in responses:
        assert response.status_code in (200, 201), response.content
        _clean(response)
    notifications = Notification.objects.filter(kind__startswith="referral_")
    assert notifications.count() >= 6
    for notification in notifications:
        text = json.dumps(notification.context) + notification.url
        for sentinel in SENTINELS:
            assert sentinel not in text
    hooks = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.WEBHOOK)
    assert hooks.count() == 7  # 3 received + cancelled (B); accepted, ... (A)
    for message in OutboxMessage.objects.all():
        text = json.dumps(message.payload, default=str)
        for sentinel in SENTINELS:
            assert sentinel not in text
    for event in ReferralEvent.objects.all():
        for sentinel in SENTINELS:
            assert sentinel not in event.note
    assert any(r.name == "django.db.backends" for r in caplog.records)
    for record in caplog.records:
        line = record.getMessage() + repr(record.__dict__.get("params", ""))
        for sentinel in SENTINELS:
            assert sentinel not in line, record.name
