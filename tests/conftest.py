"""The fixed cast, mirroring the demo accounts (PRODUCT.md "Demo")."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from coordination.celery import app as celery_app
from coordination.models import Region
from organisations.models import Membership, Organisation, User
from organisations.services import create_api_token
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Give every non-transactional test the `django_db` marker.

    pytest-django runs transactional tests (which flush the tables, reference data
    included) after the others, but it only knows a test uses the database from its
    marker or its static fixtures; a test that reaches the cast through
    `request.getfixturevalue` would otherwise be sorted after the flush.
    (Runs before pytest-django's own reordering: conftest hooks come first.)
    """
    for item in items:
        fixtures = getattr(item, "fixturenames", [])
        if item.get_closest_marker("django_db") or "transactional_db" in fixtures:
            continue
        if "live_server" in fixtures or item.get_closest_marker("browser"):
            continue
        item.add_marker(pytest.mark.django_db)


@pytest.fixture(autouse=True)
def _mfa_relaxed_unless_asked(settings):
    # The cast logs in with force_login; tests about MFA turn the requirement on
    # themselves (see tests/organisations/test_mfa.py), so no .env can change results.
    settings.TANSIQ_REQUIRE_MFA = False


@pytest.fixture(autouse=True)
def _clean_cache():
    # Rate-limit counters and throttles live in the cache; start each test clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _beneficiary_keys(settings):
    # Identity fields need encryption and hashing keys; an environment without them
    # (no .env) gets throwaway ones, so results never depend on a developer's .env.
    if not settings.BENEFICIARY_KEYS:
        settings.BENEFICIARY_KEYS = ["9y7zcGqM6kB3T0dQk1xJz8vYhPj4wR2aLsE5uN6oFtI="]
    if not settings.BENEFICIARY_HASH_KEY:
        settings.BENEFICIARY_HASH_KEY = "test-hash-key-not-secret"
    # MFA secrets are encrypted at rest with MFA_KEYS (organisations/mfa.py).
    if not settings.MFA_KEYS:
        settings.MFA_KEYS = ["Qm9vdHN0cmFwLXRlc3Qta2V5LW5vdC1zZWNyZXQtMTI="]


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The cast's passwords are hashed in every test; the real hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def oriental(db):
    return Region.objects.get(code="02")


@pytest.fixture
def org_a(oriental):
    """Organisation A: a verified local association in the Oriental."""
    org = OrganisationFactory(code="org-a", name="Association A", acronym="AA")
    org.regions.add(oriental)
    return org


@pytest.fixture
def org_b(oriental):
    """Organisation B: a verified national NGO in the same region as A."""
    org = OrganisationFactory(
        code="org-b",
        name="Organisation B",
        acronym="OB",
        kind=Organisation.Kind.NATIONAL_NGO,
    )
    org.regions.add(oriental)
    return org


@pytest.fixture
def org_c(db):
    """Organisation C: an international NGO elsewhere."""
    return OrganisationFactory(
        code="org-c",
        name="Organisation C",
        acronym="OC",
        kind=Organisation.Kind.INTERNATIONAL_NGO,
    )


@pytest.fixture
def public_body(db):
    """A public service (ministry delegation) that observers work for."""
    return OrganisationFactory(
        code="public-body",
        name="Délégation régionale",
        kind=Organisation.Kind.PUBLIC_SERVICE,
    )


def _member(org, email, role):
    return MembershipFactory(
        organisation=org, user=UserFactory(email=email), role=role
    ).user


@pytest.fixture
def focal_a(org_a) -> User:
    """Focal point of A: edits A's profile, invites and manages A's members, tokens, audit."""
    return _member(org_a, "focal.a@example.org", Membership.Role.FOCAL_POINT)


@pytest.fixture
def worker_a(org_a) -> User:
    """Caseworker of A: reads the registry; no focal-point actions."""
    return _member(org_a, "worker.a@example.org", Membership.Role.CASEWORKER)


@pytest.fixture
def focal_b(org_b) -> User:
    """Focal point of B: manages B only."""
    return _member(org_b, "focal.b@example.org", Membership.Role.FOCAL_POINT)


@pytest.fixture
def worker_b(org_b) -> User:
    """Caseworker of B."""
    return _member(org_b, "worker.b@example.org", Membership.Role.CASEWORKER)


@pytest.fixture
def worker_c(org_c) -> User:
    """Caseworker of C."""
    return _member(org_c, "worker.c@example.org", Membership.Role.CASEWORKER)


@pytest.fixture
def coordinator(db) -> User:
    """Coordinator: verifies organisations, invites focal points and observers, sees all."""
    return UserFactory(
        email="coordinator@example.org", platform_role=User.PlatformRole.COORDINATOR
    )


@pytest.fixture
def observer(public_body) -> User:
    """Public-actor observer: reads shared pages; no organisation actions, no personal data."""
    return UserFactory(
        email="observer@example.org",
        platform_role=User.PlatformRole.OBSERVER,
        observer_body=public_body,
    )


@pytest.fixture
def token_b(focal_b, org_b) -> str:
    """An API token of organisation B (created by its focal point); the raw key."""
    _, key = create_api_token(actor=focal_b, organisation=org_b, name="B's case system")
    return key


@pytest.fixture
def api_as(db):
    """An API client logged in as a user (session), or anonymous with None."""

    def make(user=None, token: str | None = None) -> APIClient:
        client = APIClient()
        if token:
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        elif user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def client_as(db):
    """A page client logged in as a user (None: anonymous)."""
    from django.test import Client

    def make(user=None) -> Client:
        c = Client()
        if user is not None:
            c.force_login(user)
        return c

    return make


@pytest.fixture
def eager_celery():
    """Tasks published on commit run at once, in this process (no broker)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous
