"""Permission before validation: a role that may not do a write gets 403 (or 404 for an
object it cannot see) whatever body it sends, empty or nonsense, never a 400 about a
body it could not send anyway. Each row names who may not; the rule's holders get past
the check to the body's 400 (tested where the action is)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from coordination.models import Region, Sector
from dialogue import services as dialogue
from emergencies import services as emergencies
from referrals.services import register_beneficiary

BODIES = [{}, {"nonsense": [1, {"x": None}], "title": 7}]


@pytest.fixture
def objects(coordinator, worker_a, worker_b, focal_b, org_a, org_b):
    """One of each object a write acts on, of organisation B where it has an owner."""
    oriental = Region.objects.get(code="02")
    emergency = emergencies.create_emergency(
        actor=coordinator,
        title="Arrivées à Nador",
        kind="mass_arrival",
        started_on=date(2025, 2, 1),
        regions=[oriental],
    )
    capacity = emergencies.declare_capacity(
        actor=worker_b,
        sector=Sector.objects.get(code="shelter_nfi"),
        description="Places",
        quantity=4,
        region=oriental,
    )
    meeting = dialogue.create_meeting(
        actor=coordinator,
        title="Atelier",
        starts_at=datetime(2025, 3, 1, 9, tzinfo=UTC),
        place="Oujda",
        participants=[org_a, org_b],
    )
    recommendation = dialogue.create_recommendation(
        actor=coordinator, text="Ouvrir un guichet", addressed_to=[org_b]
    )
    comment = dialogue.post_comment(emergency, actor=worker_b, body="Vu.")
    beneficiary = register_beneficiary(actor=worker_b, sex="female")
    return {
        "emergency": emergency.pk,
        "capacity": capacity.pk,
        "meeting": meeting.pk,
        "recommendation": recommendation.pk,
        "comment": comment.pk,
        "beneficiary": beneficiary.code,
    }


# (method, route name, object, who may not) — who: fixtures of the cast.
WRITES = [
    ("post", "emergency-list", None, ["worker_a", "focal_b", "observer"]),
    ("patch", "emergency-detail", "emergency", ["worker_a", "observer"]),
    ("post", "emergency-needs", "emergency", ["worker_a", "focal_b", "observer"]),
    ("post", "capacity-list", None, ["coordinator", "observer"]),
    ("patch", "capacity-detail", "capacity", ["worker_a", "coordinator", "observer"]),
    ("delete", "capacity-detail", "capacity", ["worker_a", "coordinator"]),
    ("post", "alert-list", None, ["worker_a", "focal_b", "observer"]),
    ("post", "alert-preview", None, ["worker_a", "observer"]),
    ("post", "meeting-list", None, ["worker_a", "focal_b", "observer"]),
    ("patch", "meeting-detail", "meeting", ["worker_a", "observer"]),
    ("post", "meeting-attendance", "meeting", ["worker_a", "focal_b", "observer"]),
    ("post", "meeting-invite", "meeting", ["worker_a", "observer"]),
    ("post", "recommendation-list", None, ["worker_a", "focal_b", "observer"]),
    ("patch", "recommendation-detail", "recommendation", ["worker_a", "worker_c"]),
    ("post", "recommendation-updates", "recommendation", ["worker_a", "worker_c"]),
    ("patch", "comment-detail", "comment", ["worker_a", "focal_b", "coordinator"]),
    ("delete", "comment-detail", "comment", ["worker_a", "coordinator"]),
    ("post", "comment-hide", "comment", ["worker_a", "focal_b", "observer"]),
    ("post", "beneficiary-list", None, ["coordinator", "observer"]),
    ("patch", "beneficiary-detail", "beneficiary", ["worker_a", "coordinator"]),
    ("post", "consent-list", "beneficiary", ["worker_a", "coordinator"]),
    ("post", "intervention-list", None, ["coordinator", "observer"]),
    ("post", "referral-list", None, ["coordinator", "observer"]),
]


def _url(name: str, key: str | None, objects: dict) -> str:
    if key is None:
        return reverse(f"api:{name}")
    return reverse(f"api:{name}", args=[objects[key]])


@pytest.mark.parametrize("body", BODIES, ids=["empty", "nonsense"])
@pytest.mark.parametrize(
    ("method", "name", "key", "who"),
    [(m, n, k, who) for m, n, k, whos in WRITES for who in whos],
)
def test_a_role_that_may_not_write_is_refused_before_its_body_is_read(
    api_as, request, objects, method, name, key, who, body
):
    url = _url(name, key, objects)

    response = getattr(api_as(request.getfixturevalue(who)), method)(
        url, body, format="json"
    )

    assert response.status_code in (403, 404), response.content
    assert list(response.json()["errors"]) == ["non_field_errors"]


@pytest.mark.parametrize(
    ("method", "name", "key"), [(m, n, k) for m, n, k, _ in WRITES]
)
def test_anonymous_writes_are_401(api_as, objects, method, name, key):
    response = getattr(api_as(None), method)(
        _url(name, key, objects), {}, format="json"
    )

    assert response.status_code == 401


@pytest.mark.parametrize(
    ("who", "name", "key"),
    [
        ("coordinator", "emergency-list", None),
        ("coordinator", "meeting-attendance", "meeting"),
        ("worker_b", "capacity-detail", "capacity"),
        ("focal_b", "beneficiary-list", None),
    ],
)
def test_those_who_may_write_get_past_the_check_to_the_body(
    api_as, request, objects, who, name, key
):
    method = "patch" if name.endswith("-detail") else "post"

    response = getattr(api_as(request.getfixturevalue(who)), method)(
        _url(name, key, objects),
        {"nonsense": 1, "quantity": "x", "present": "x"},
        format="json",
    )

    assert response.status_code == 400
