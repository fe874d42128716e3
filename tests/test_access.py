"""Who may do what: every API route, for each of the cast, with the expected status.

(Page routes are walked in tests/organisations/test_page_access.py.)"""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework import mixins

from coordination.api import router
from coordination.idempotency import IdempotentWritesMixin
from coordination.models import Province
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
    ("api:schema", "get", None, None, _everyone(200, anonymous=200)),
    ("api:docs", "get", None, None, _everyone(200, anonymous=200)),
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
