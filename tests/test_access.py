"""Who may do what: every API route, for each of the cast, with the expected status.

(Page routes are walked in tests/organisations/test_page_access.py.)"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework import mixins

from coordination.api import router
from coordination.idempotency import IdempotentWritesMixin
from coordination.models import Province, Region, Sector
from organisations.models import Organisation

CAST = [
    "anonymous",
    "worker_a",
    "focal_a",
    "focal_b",
    "coordinator",
    "observer",
    "token_b",
]


@pytest.fixture(autouse=True)
def _mfa_optional(settings):
    # MFA for focal points and coordinators is tested in tests/organisations/test_api.py.
    settings.TANSIQ_REQUIRE_MFA = False


@pytest.fixture
def inactive_org(db):
    """A deactivated organisation: only coordinators still see it."""
    return Organisation.objects.create(
        code="gone", name="Closed association", kind="donor", is_active=False
    )


def _everyone(status: int, anonymous: int = 401) -> dict[str, int]:
    return {who: (anonymous if who == "anonymous" else status) for who in CAST}


def _only(allowed: dict[str, int], others: int, anonymous: int = 401) -> dict[str, int]:
    return {
        who: allowed.get(who, anonymous if who == "anonymous" else others)
        for who in CAST
    }


def _org(name):
    return lambda get: [get(name).pk]


def _pk(name):
    return lambda get: [get(name).pk]


EMERGENCY_BODY = {
    "title": "Vague de froid",
    "kind": "cold_wave",
    "regions": ["02"],
    "started_on": "2025-01-10",
}
NEED_BODY = {"sector": "shelter_nfi", "region": "02", "people_in_need": 40}
CAPACITY_BODY = {
    "sector": "shelter_nfi",
    "description": "Kits d'hiver",
    "quantity": 300,
    "region": "02",
}


@pytest.fixture
def emergency(coordinator):
    """A cold wave in the Oriental, declared by the coordinator."""
    from datetime import date

    from emergencies.services import create_emergency

    return create_emergency(
        actor=coordinator,
        title="Vague de froid",
        kind="cold_wave",
        started_on=date(2025, 1, 10),
        regions=list(Region.objects.filter(code="02")),
    )


@pytest.fixture
def need(emergency, coordinator):
    from emergencies.services import add_need

    return add_need(
        emergency,
        actor=coordinator,
        sector=Sector.objects.get(code="shelter_nfi"),
        region=Region.objects.get(code="02"),
        people_in_need=40,
    )


@pytest.fixture
def capacity_b(focal_b):
    """A capacity organisation B declared."""
    from emergencies.services import declare_capacity

    return declare_capacity(
        actor=focal_b,
        sector=Sector.objects.get(code="shelter_nfi"),
        description="Places",
        quantity=40,
        region=Region.objects.get(code="02"),
    )


@pytest.fixture
def alert_to_b(emergency, coordinator, org_b):
    """An alert sent to organisation B only."""
    from emergencies.services import send_alert

    return send_alert(
        actor=coordinator, emergency=emergency, message="Alerte", recipients=[org_b]
    )


@pytest.fixture
def notification_of_worker_a(worker_a, org_a):
    """An in-app notification to A's caseworker."""
    from notifications.services import queue_notification

    [notification] = queue_notification(org_a, kind="mention", to=worker_a)
    return notification


@pytest.fixture
def api_token_b(token_b):
    """The ApiToken row of token_b."""
    from organisations.models import ApiToken

    return ApiToken.objects.get()


@pytest.fixture
def webhook_b(focal_b, org_b):
    """A webhook subscription of organisation B (a public address: no network used)."""
    from notifications.services import create_webhook_subscription

    subscription, _secret = create_webhook_subscription(
        actor=focal_b,
        organisation=org_b,
        url="https://93.184.215.14/hook",
        events=["alert.created"],
    )
    return subscription


WEBHOOK_BODY = {"url": "https://93.184.215.14/tansiq", "events": ["alert.answered"]}
# Webhooks are for focal points (tokens act with their owner's role): caseworkers,
# coordinators and observers get a 403 on every route, another organisation a 404.
WEBHOOK_OF_B = {"focal_b": 200, "token_b": 200, "focal_a": 404}


@pytest.fixture
def intervention_of_a(worker_a):
    """An intervention of organisation A: the 4W is read by all, written by A only."""
    from coordination.models import Province, ServiceType
    from interventions.services import create_intervention

    activity = ServiceType.objects.get(code="primary_care")
    province = Province.objects.get(code="02.411")
    return create_intervention(
        actor=worker_a,
        **{
            "sector": activity.sector,
            "activity": activity,
            "region": province.region,
            "province": province,
            "start_date": "2025-01-01",
        },
    )


INTERVENTION_BODY = {
    "sector": "health",
    "activity": "primary_care",
    "region": "02",
    "start_date": "2025-01-01",
}
_A_WRITES = ("worker_a", "focal_a")


@pytest.fixture
def meeting_rabat(coordinator, org_a, org_b):
    """A workshop A and B take part in (dialogue: read by all, run by coordinators)."""
    from datetime import UTC, datetime

    from dialogue.services import create_meeting

    return create_meeting(
        actor=coordinator,
        title="Atelier de Rabat",
        starts_at=datetime(2022, 12, 15, 9, tzinfo=UTC),
        place="Rabat",
        participants=[org_a, org_b],
    )


@pytest.fixture
def recommendation_to_b(coordinator, meeting_rabat, org_b):
    """A recommendation addressed to and owned by B: B follows it up."""
    from dialogue.services import create_recommendation

    return create_recommendation(
        actor=coordinator, text="Harmoniser", meeting=meeting_rabat, owner=org_b
    )


@pytest.fixture
def comment_of_worker_a(meeting_rabat, worker_a):
    """A comment A's caseworker posted on the workshop."""
    from dialogue.services import post_comment

    return post_comment(meeting_rabat, actor=worker_a, body="Merci")


# Recommendations: coordinators edit, B (owner) follows up; PATCH without If-Match is
# 428 for those who may, 403 for the others.
_FOLLOW_UP_B = ("coordinator", "focal_b", "token_b")


@pytest.fixture
def service_of_b(focal_b):
    """A public service of B in Oujda: read by all, edited by B's focal points."""
    from organisations.services import create_service

    return create_service(
        actor=focal_b,
        name="Consultations",
        sector=Sector.objects.get(code="health"),
        service_type=Sector.objects.get(code="health").service_types.first(),
        regions=[Region.objects.get(code="02")],
    )


SERVICE_BODY = {
    "name": "Repas",
    "sector": "food_security",
    "service_type": "hot_meals",
    "regions": ["02"],
}
# Services: focal points (and B's token, whose owner is one) add to their own catalogue.
_SERVICE_WRITERS = {"focal_a": 201, "focal_b": 201, "token_b": 201}


@pytest.fixture
def beneficiary_of_a(worker_a):
    """A person A registered: only A's members see them, everyone else gets 404."""
    from referrals.services import register_beneficiary

    return register_beneficiary(
        actor=worker_a, **{"full_name": "Awa Koné", "sex": "female"}
    )


@pytest.fixture
def consent_of_a(beneficiary_of_a, worker_a, org_b):
    """A's consent to share that person's identity with B."""
    from referrals.services import record_consent

    return record_consent(
        beneficiary_of_a,
        actor=worker_a,
        organisation=org_b,
        given_by="self",
        scope="Nom",
    )


def _beneficiary(get):
    return [get("beneficiary_of_a").code]


def _consent(get):
    return [get("beneficiary_of_a").code, get("consent_of_a").pk]


# Beneficiaries: A's own members only; others 404 (never 403), whatever the route.
_A_ONLY = ("worker_a", "focal_a")
_MEMBERS_REGISTER = {"worker_a": 201, "focal_a": 201, "focal_b": 201, "token_b": 201}


@pytest.fixture
def referred_person(worker_a):
    """A person A registered in the Oriental, whom A refers to B."""
    from referrals.services import register_beneficiary

    return register_beneficiary(
        actor=worker_a,
        **{
            "full_name": "Awa Koné",
            "sex": "female",
            "region": Region.objects.get(code="02"),
        },
    )


@pytest.fixture
def referral_a_to_b(referred_person, worker_a, org_b):
    """A pending referral from A to B: only A (sender) and B (receiver) see it."""
    from referrals.services import ConsentTerms, send_referral

    return send_referral(
        referred_person,
        actor=worker_a,
        to_organisation=org_b,
        sector=Sector.objects.get(code="health"),
        reason="Consultation",
        new_consent=ConsentTerms(given_by="self", scope="Nom"),
    )


def _referral(get):
    return [get("referral_a_to_b").code]


def _referral_body(get):
    return {
        "beneficiary": get("referred_person").code,
        "to_organisation": get("org_b").pk,
        "sector": "health",
        "reason": "Consultation",
        "consent_data": {"given_by": "self", "scope": "Nom"},
    }


# Referrals: sender (A) and receiver (B) only; coordinators and observers get 404 like
# any other outsider. The receiver answers, the sender cancels (the other side: 403).
_SENDER = ("worker_a", "focal_a")
_RECEIVER = ("focal_b", "token_b")
_REFERRAL_PARTIES = dict.fromkeys((*_SENDER, *_RECEIVER), 200)


def _receiver_acts(status: int = 200) -> dict[str, int]:
    return {**dict.fromkeys(_RECEIVER, status), **dict.fromkeys(_SENDER, 403)}


# (route name, method, args from fixtures, body, expected status per cast member)
ROUTES = [
    ("api:me", "get", None, None, _everyone(200)),
    ("api:me", "patch", None, {"name": "Renamed"}, _everyone(200)),
    ("api:region-list", "get", None, None, _everyone(200)),
    ("api:region-detail", "get", lambda get: ["02"], None, _everyone(200)),
    ("api:region-detail", "get", lambda get: ["99"], None, _everyone(404)),
    ("api:province-list", "get", None, None, _everyone(200)),
    (
        "api:province-detail",
        "get",
        lambda get: [Province.objects.filter(region__code="02").first().code],
        None,
        _everyone(200),
    ),
    ("api:sector-list", "get", None, None, _everyone(200)),
    ("api:sector-detail", "get", lambda get: ["health"], None, _everyone(200)),
    (
        "api:sector-activities",
        "post",
        lambda get: ["wash"],
        {"name_fr": "Latrines d'urgence"},
        _only({"coordinator": 201}, 403),
    ),
    (
        "api:sector-activities",
        "post",
        lambda get: ["cooking"],
        {"name_fr": "Latrines d'urgence"},
        _everyone(404),
    ),
    ("api:organisation-list", "get", None, None, _everyone(200)),
    ("api:organisation-detail", "get", _org("org_a"), None, _everyone(200)),
    (
        "api:organisation-detail",
        "get",
        _org("inactive_org"),
        None,
        _only({"coordinator": 200}, 404),
    ),
    (
        "api:organisation-detail",
        "patch",
        _org("org_a"),
        {"acronym": "NEW"},
        _only({"focal_a": 200, "coordinator": 200}, 403),
    ),
    (
        "api:organisation-detail",
        "patch",
        _org("org_b"),
        {"acronym": "NEW"},
        _only({"focal_b": 200, "coordinator": 200, "token_b": 200}, 403),
    ),
    (
        "api:organisation-detail",
        "patch",
        _org("inactive_org"),
        {"acronym": "NEW"},
        _only({"coordinator": 200}, 404),
    ),
    (
        "api:organisation-verify",
        "post",
        _org("org_a"),
        None,
        _only({"coordinator": 200}, 403),
    ),
    (
        "api:organisation-unverify",
        "post",
        _org("org_a"),
        None,
        _only({"coordinator": 200}, 403),
    ),
    (
        "api:organisation-verify",
        "post",
        _org("inactive_org"),
        None,
        _only({"coordinator": 200}, 404),
    ),
    # Emergencies (read by all; coordinators write), needs, capacities, alerts.
    ("api:emergency-list", "get", None, None, _everyone(200)),
    ("api:emergency-detail", "get", _pk("emergency"), None, _everyone(200)),
    ("api:emergency-detail", "get", lambda get: [999999], None, _everyone(404)),
    (
        "api:emergency-list",
        "post",
        None,
        EMERGENCY_BODY,
        _only({"coordinator": 201}, 403),
    ),
    (
        "api:emergency-detail",
        "patch",
        _pk("emergency"),
        {"severity": "high"},
        _only({"coordinator": 200}, 403),
    ),
    ("api:emergency-needs", "get", _pk("emergency"), None, _everyone(200)),
    (
        "api:emergency-needs",
        "post",
        _pk("emergency"),
        NEED_BODY,
        _only({"coordinator": 201}, 403),
    ),
    (
        "api:emergency-need",
        "patch",
        lambda get: [get("emergency").pk, get("need").pk],
        {"people_in_need": 7},
        _only({"coordinator": 200}, 403),
    ),
    (
        "api:emergency-need",
        "delete",
        lambda get: [get("emergency").pk, get("need").pk],
        None,
        _only({"coordinator": 204}, 403),
    ),
    ("api:capacity-list", "get", None, None, _everyone(200)),
    ("api:capacity-detail", "get", _pk("capacity_b"), None, _everyone(200)),
    (
        "api:capacity-list",
        "post",
        None,
        CAPACITY_BODY,
        _only({"coordinator": 403, "observer": 403}, 201),
    ),
    (
        "api:capacity-detail",
        "patch",
        _pk("capacity_b"),
        {"quantity": 30},
        _only({"focal_b": 200, "token_b": 200}, 403),
    ),
    (
        "api:capacity-detail",
        "delete",
        _pk("capacity_b"),
        None,
        _only({"focal_b": 204, "token_b": 204}, 403),
    ),
    ("api:alert-list", "get", None, None, _everyone(200)),
    (
        "api:alert-detail",
        "get",
        _pk("alert_to_b"),
        None,
        _only({"coordinator": 200, "focal_b": 200, "token_b": 200}, 404),
    ),
    (
        "api:alert-list",
        "post",
        None,
        lambda get: {"emergency": get("emergency").pk, "message": "Alerte"},
        _only({"coordinator": 201}, 403),
    ),
    (
        "api:alert-preview",
        "post",
        None,
        lambda get: {"emergency": get("emergency").pk, "message": "Alerte"},
        _only({"coordinator": 200}, 403),
    ),
    (
        "api:alert-answer",
        "post",
        _pk("alert_to_b"),
        {"response": "respond", "note": "OK"},
        _only({"focal_b": 200, "token_b": 200, "coordinator": 403}, 404),
    ),
    (
        "api:alert-recipients",
        "get",
        _pk("alert_to_b"),
        None,
        _only({"coordinator": 200, "focal_b": 403, "token_b": 403}, 404),
    ),
    # Notifications: one's own inbox only.
    ("api:notification-list", "get", None, None, _everyone(200)),
    (
        "api:notification-detail",
        "get",
        _pk("notification_of_worker_a"),
        None,
        _only({"worker_a": 200}, 404),
    ),
    (
        "api:notification-read",
        "post",
        _pk("notification_of_worker_a"),
        None,
        _only({"worker_a": 200}, 404),
    ),
    ("api:notification-read-all", "post", None, None, _everyone(200)),
    # Webhooks of the acting organisation, for its focal points.
    (
        "api:webhook-list",
        "get",
        None,
        None,
        _only({"focal_a": 200, "focal_b": 200, "token_b": 200}, 403),
    ),
    (
        "api:webhook-list",
        "post",
        None,
        WEBHOOK_BODY,
        _only({"focal_a": 201, "focal_b": 201}, 403),  # a token: 403
    ),
    ("api:webhook-detail", "get", _pk("webhook_b"), None, _only(WEBHOOK_OF_B, 403)),
    (
        "api:webhook-detail",
        "patch",
        _pk("webhook_b"),
        {"events": ["alert.created", "alert.answered"]},
        _only({"focal_b": 200, "focal_a": 404}, 403),  # a token: 403
    ),
    (
        "api:webhook-deliveries",
        "get",
        _pk("webhook_b"),
        None,
        _only(WEBHOOK_OF_B, 403),
    ),
    (
        "api:webhook-detail",
        "delete",
        _pk("webhook_b"),
        None,
        _only({"focal_b": 204, "focal_a": 404}, 403),  # a token: 403
    ),
    # The 4W: everyone signed in reads; the owning organisation writes (PATCH without
    # If-Match is 428 for it, 403 for the others, who may not edit at all).
    ("api:intervention-list", "get", None, None, _everyone(200)),
    (
        "api:intervention-list",
        "post",
        None,
        INTERVENTION_BODY,
        _only({"coordinator": 403, "observer": 403}, 201),
    ),
    ("api:intervention-detail", "get", _pk("intervention_of_a"), None, _everyone(200)),
    (
        "api:intervention-detail",
        "patch",
        _pk("intervention_of_a"),
        {"commune": "Lazaret"},
        _only(dict.fromkeys(_A_WRITES, 428), 403),
    ),
    (
        "api:intervention-progress",
        "post",
        _pk("intervention_of_a"),
        {"women": 1},
        _only(dict.fromkeys(_A_WRITES, 201), 403),
    ),
    ("api:intervention-export", "get", None, None, _everyone(200)),
    (
        "api:intervention-import-file",
        "post",
        None,
        {"dry_run": True},
        _only({"coordinator": 403, "observer": 403}, 415),
    ),
    ("api:intervention-gaps", "get", None, None, _everyone(400)),
    # Dialogue: meetings, recommendations (read by all), comments (own edits).
    ("api:meeting-list", "get", None, None, _everyone(200)),
    ("api:meeting-detail", "get", _pk("meeting_rabat"), None, _everyone(200)),
    ("api:meeting-detail", "get", lambda get: [999999], None, _everyone(404)),
    (
        "api:meeting-list",
        "post",
        None,
        {"title": "Suivi", "starts_at": "2023-06-20T10:00:00Z", "place": "Rabat"},
        _only({"coordinator": 201}, 403),
    ),
    (
        "api:meeting-detail",
        "patch",
        _pk("meeting_rabat"),
        {"minutes": "Compte rendu"},
        _only({"coordinator": 200}, 403),
    ),
    (
        "api:meeting-invite",
        "post",
        _pk("meeting_rabat"),
        None,
        _only({"coordinator": 200}, 403),
    ),
    (
        "api:meeting-attendance",
        "post",
        _pk("meeting_rabat"),
        {"present": []},
        _only({"coordinator": 200}, 403),
    ),
    ("api:recommendation-list", "get", None, None, _everyone(200)),
    (
        "api:recommendation-detail",
        "get",
        _pk("recommendation_to_b"),
        None,
        _everyone(200),
    ),
    (
        "api:recommendation-list",
        "post",
        None,
        {"text": "Former les intervenants"},
        _only({"coordinator": 201}, 403),
    ),
    (
        "api:recommendation-detail",
        "patch",
        _pk("recommendation_to_b"),
        {"status": "adopted"},
        _only(dict.fromkeys(_FOLLOW_UP_B, 428), 403),
    ),
    (
        "api:recommendation-updates",
        "get",
        _pk("recommendation_to_b"),
        None,
        _everyone(200),
    ),
    (
        "api:recommendation-updates",
        "post",
        _pk("recommendation_to_b"),
        {"text": "Modèle rédigé"},
        _only(dict.fromkeys(_FOLLOW_UP_B, 201), 403),
    ),
    ("api:comment-list", "get", None, None, _everyone(200)),
    ("api:comment-detail", "get", _pk("comment_of_worker_a"), None, _everyone(200)),
    (
        "api:comment-list",
        "post",
        None,
        lambda get: {"meeting": get("meeting_rabat").pk, "body": "Bonjour"},
        _everyone(201),
    ),
    (
        "api:comment-list",
        "post",
        None,
        {"recommendation": 999999, "body": "Bonjour"},
        _everyone(404),
    ),
    (
        "api:comment-detail",
        "patch",
        _pk("comment_of_worker_a"),
        {"body": "Merci beaucoup"},
        _only({"worker_a": 200}, 403),
    ),
    (
        "api:comment-hide",
        "post",
        _pk("comment_of_worker_a"),
        {"reason": "Hors sujet"},
        _only({"coordinator": 200}, 403),
    ),
    (
        "api:comment-detail",
        "delete",
        _pk("comment_of_worker_a"),
        None,
        _only({"worker_a": 204}, 403),
    ),
    # Services: the catalogue (all signed in), the finder, the public directory.
    ("api:service-list", "get", None, None, _everyone(200)),
    ("api:service-list", "post", None, SERVICE_BODY, _only(_SERVICE_WRITERS, 403)),
    ("api:service-detail", "get", _pk("service_of_b"), None, _everyone(200)),
    (
        "api:service-detail",
        "patch",
        _pk("service_of_b"),
        {"capacity": 3},
        _only({"focal_b": 428, "token_b": 428}, 403),
    ),
    ("api:service-match", "get", None, {"sector": "health"}, _everyone(200)),
    ("api:public-service-list", "get", None, None, _everyone(200, anonymous=200)),
    (
        "api:public-service-detail",
        "get",
        _pk("service_of_b"),
        None,
        _everyone(200, anonymous=200),
    ),
    # Beneficiaries and consents: the owning organisation only.
    ("api:beneficiary-list", "get", None, None, _everyone(200)),
    (
        "api:beneficiary-list",
        "post",
        None,
        {"sex": "female"},
        _only(_MEMBERS_REGISTER, 403),
    ),
    (
        "api:beneficiary-detail",
        "get",
        _beneficiary,
        None,
        _only(dict.fromkeys(_A_ONLY, 200), 404),
    ),
    (
        "api:beneficiary-detail",
        "patch",
        _beneficiary,
        {"household_size": 2},
        _only(dict.fromkeys(_A_ONLY, 428), 404),
    ),
    (
        "api:consent-list",
        "get",
        _beneficiary,
        None,
        _only(dict.fromkeys(_A_ONLY, 200), 404),
    ),
    (
        "api:consent-list",
        "post",
        _beneficiary,
        lambda get: {"organisation": get("org_c").pk, "given_by": "self", "scope": "x"},
        _only(dict.fromkeys(_A_ONLY, 201), 404),
    ),
    (
        "api:consent-detail",
        "get",
        _consent,
        None,
        _only(dict.fromkeys(_A_ONLY, 200), 404),
    ),
    (
        "api:consent-withdraw",
        "post",
        _consent,
        {"reason": "x"},
        _only(dict.fromkeys(_A_ONLY, 200), 404),
    ),
    # Referrals: the two organisations concerned only.
    ("api:referral-list", "get", None, None, _everyone(200)),
    (
        "api:referral-list",
        "post",
        None,
        _referral_body,
        # B names A's person: not one of B's (400); no organisation to act for: 403.
        _only(
            {
                **dict.fromkeys(_SENDER, 201),
                **dict.fromkeys(_RECEIVER, 400),
            },
            403,
        ),
    ),
    (
        "api:referral-detail",
        "get",
        _referral,
        None,
        _only(_REFERRAL_PARTIES, 404),
    ),
    (
        "api:referral-accept",
        "post",
        _referral,
        {},
        _only(_receiver_acts(), 404),
    ),
    (
        "api:referral-decline",
        "post",
        _referral,
        {"reason": "Complet"},
        _only(_receiver_acts(), 404),
    ),
    (
        "api:referral-complete",
        "post",
        _referral,
        {"outcome": "Vu"},
        _only(_receiver_acts(409), 404),  # still pending
    ),
    (
        "api:referral-assign",
        "post",
        _referral,
        lambda get: {"assigned_to": get("focal_b").pk},
        _only(_receiver_acts(), 404),
    ),
    (
        "api:referral-cancel",
        "post",
        _referral,
        {},
        _only({**dict.fromkeys(_SENDER, 200), **dict.fromkeys(_RECEIVER, 403)}, 404),
    ),
    ("api:schema", "get", None, None, _everyone(200, anonymous=401)),
    ("api:docs", "get", None, None, _everyone(200, anonymous=302)),
    # API tokens of the acting organisation, for its focal points; changes need a session.
    (
        "api:token-list",
        "get",
        None,
        None,
        _only({"focal_a": 200, "focal_b": 200, "token_b": 200}, 403),
    ),
    (
        "api:token-renew",
        "post",
        _pk("api_token_b"),
        None,
        _only({"focal_b": 200, "focal_a": 404}, 403),
    ),
    (
        "api:token-detail",
        "delete",
        _pk("api_token_b"),
        None,
        _only({"focal_b": 204, "focal_a": 404}, 403),
    ),
]

CASES = [
    pytest.param(
        name,
        method,
        args,
        body,
        who,
        expected[who],
        id=f"{method}-{name.split(':')[1]}-{index}-{who}",
    )
    for index, (name, method, args, body, expected) in enumerate(ROUTES)
    for who in CAST
]


@pytest.mark.parametrize(("name", "method", "args", "body", "who", "status"), CASES)
def test_access(
    api_as,
    request,
    org_a,
    org_b,
    focal_a,
    focal_b,
    worker_a,
    name,
    method,
    args,
    body,
    who,
    status,
):
    if who == "anonymous":
        client = api_as()
    elif who.startswith("token_"):
        client = api_as(token=request.getfixturevalue(who))
    else:
        client = api_as(request.getfixturevalue(who))
    url = reverse(name, args=args(request.getfixturevalue) if args else None)
    if callable(body):  # a body that names fixtures' rows
        body = body(request.getfixturevalue)

    response = getattr(client, method)(url, body, format="json")

    assert response.status_code == status
    if status >= 400:
        assert response.json()["errors"]


def test_every_route_is_in_the_matrix():
    covered = {name.split(":")[1] for name, *_ in ROUTES}
    for prefix, _viewset, basename in router.registry:
        assert f"{basename}-list" in covered, prefix
    assert {"me", "schema", "docs"} <= covered


def test_every_writable_viewset_honours_idempotency_keys():
    # Later viewsets must keep API.md's promise about Idempotency-Key on writes.
    for prefix, viewset, _basename in router.registry:
        writes = issubclass(
            viewset, (mixins.CreateModelMixin, mixins.UpdateModelMixin)
        ) or any(
            {"post", "put", "patch"} & set(extra.mapping)
            for extra in viewset.get_extra_actions()
        )
        if writes:
            assert issubclass(viewset, IdempotentWritesMixin), prefix
