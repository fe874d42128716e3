"""Who may open which page: every page route, each of the cast, the expected status.

Anonymous visitors are sent to the sign-in page (302); another organisation's private
pages are a 404, a role's missing right a 403."""

from __future__ import annotations

import pytest
from django.urls import reverse

from organisations.models import Membership

CAST = ["anonymous", "worker_a", "focal_a", "focal_b", "coordinator", "observer"]


@pytest.fixture(autouse=True)
def _mfa_optional(settings):
    # Mandatory MFA is tested in tests/organisations/test_mfa.py.
    settings.TANSIQ_REQUIRE_MFA = False


def _all(status: int, anonymous: int = 302) -> dict[str, int]:
    return {who: anonymous if who == "anonymous" else status for who in CAST}


def _only(allowed: dict[str, int], others: int, anonymous: int = 302):
    return {
        who: allowed.get(who, anonymous if who == "anonymous" else others)
        for who in CAST
    }


def _org_a(get):
    return [get("org_a").pk]


def _membership_of_worker_a(get):
    return [Membership.objects.get(user=get("worker_a")).pk]


GET_PAGES = [
    ("home", None, _all(200, anonymous=200)),
    ("about", None, _all(200, anonymous=200)),
    ("sector_list", None, _all(200)),
    ("activity_add", lambda get: ["wash"], _only({"coordinator": 200}, 403)),
    ("organisations:join", None, _all(200, anonymous=200)),
    ("organisations:list", None, _all(200)),
    ("organisations:detail", _org_a, _all(200)),
    ("organisations:profile", None, _all(200)),
    (
        "organisations:edit",
        _org_a,
        _only({"focal_a": 200, "coordinator": 200}, 403),
    ),
    ("organisations:create", None, _only({"coordinator": 200}, 403)),
    (
        "organisations:members",
        _org_a,
        _only({"focal_a": 200, "coordinator": 200, "worker_a": 403}, 404),
    ),
    (
        "organisations:audit",
        _org_a,
        _only({"focal_a": 200, "coordinator": 200, "worker_a": 403}, 404),
    ),
    ("organisations:invite", None, _only({"coordinator": 200}, 403)),
    ("organisations:join_requests", None, _only({"coordinator": 200}, 403)),
    ("organisations:tokens", None, _only({"focal_a": 200, "focal_b": 200}, 403)),
]

POST_ACTIONS = [
    ("organisations:verify", _org_a, {}, _only({"coordinator": 302}, 403)),
    ("organisations:deactivate", _org_a, {}, _only({"coordinator": 302}, 403)),
    (
        "organisations:member_role",
        _membership_of_worker_a,
        {"role": "caseworker"},
        # Coordinators see every membership but only focal points change roles.
        _only({"focal_a": 302, "worker_a": 403, "coordinator": 403}, 404),
    ),
]


def _cases(table):
    return [
        pytest.param(row, who, status, id=f"{row[0]}-{who}")
        for row in table
        for who, status in row[-1].items()
    ]


@pytest.mark.parametrize(("row", "who", "status"), _cases(GET_PAGES))
def test_page_access(client_as, request, row, who, status, org_a, org_b):
    name, args, _expected = row
    request.getfixturevalue("worker_a")  # the cast exists whoever looks
    user = None if who == "anonymous" else request.getfixturevalue(who)
    url = reverse(name, args=args(request.getfixturevalue) if args else None)

    response = client_as(user).get(url)

    assert response.status_code == status
    if status == 302:
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(("row", "who", "status"), _cases(POST_ACTIONS))
def test_action_access(client_as, request, row, who, status, org_a, org_b):
    name, args, body, _expected = row
    request.getfixturevalue("worker_a")
    request.getfixturevalue("focal_a")
    user = None if who == "anonymous" else request.getfixturevalue(who)
    url = reverse(name, args=args(request.getfixturevalue))

    response = client_as(user).post(url, body)

    assert response.status_code == status


@pytest.mark.parametrize(
    "name",
    [
        "organisations:verify",
        "organisations:member_remove",
        "organisations:token_revoke",
    ],
)
def test_actions_refuse_get(client_as, coordinator, name):
    response = client_as(coordinator).get(reverse(name, args=[1]))

    assert response.status_code == 405


@pytest.mark.parametrize(
    ("who", "status"),
    [("focal_b", 302), ("focal_a", 404), ("coordinator", 404), ("worker_b", 404)],
)
def test_only_the_owners_focal_point_revokes_a_token(
    client_as, request, who, status, token_b, org_b
):
    from organisations.models import ApiToken

    token = ApiToken.objects.get(organisation=org_b)
    user = request.getfixturevalue(who)

    response = client_as(user).post(
        reverse("organisations:token_revoke", args=[token.pk])
    )

    assert response.status_code == status
    token.refresh_from_db()
    assert (token.revoked_at is not None) == (status == 302)
