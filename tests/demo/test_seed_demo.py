from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.core.management.base import CommandError

from demo.organisations import ACCOUNTS
from demo.scenario import DEMO_PASSWORD
from organisations.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    User,
)

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            User,
            EmailAddress,
            Organisation,
            Membership,
            Invitation,
            JoinRequest,
        )
    }


def test_seed_demo_loads_the_scenario_of_the_product_description(settings):
    settings.TANSIQ_REQUIRE_MFA = False

    call_command("seed_demo")

    kinds = set(Organisation.objects.values_list("kind", flat=True))
    assert kinds == set(Organisation.Kind.values)
    assert 18 <= Organisation.objects.count() <= 24
    assert Organisation.objects.filter(verified=False).count() == 2
    assert not Organisation.objects.filter(verified=True, verified_by__isnull=True)
    assert JoinRequest.objects.filter(status=JoinRequest.Status.PENDING).count() == 1
    assert Invitation.objects.usable().count() >= 2
    for code in ("org-a", "org-b", "org-c"):
        org = Organisation.objects.get(code=code)
        assert set(org.regions.values_list("code", flat=True)) == {"02"}
        assert {"02.411", "02.381"} <= set(org.provinces.values_list("code", flat=True))
    coordinator = User.objects.get(email="coordinator@example.org")
    assert coordinator.is_coordinator
    observer = User.objects.get(email="observer@example.org")
    assert observer.is_observer
    assert observer.observer_body.kind == Organisation.Kind.PUBLIC_SERVICE
    assert User.objects.get(email="focal.a@example.org").is_focal_point
    worker_b = User.objects.get(email="worker.b@example.org")
    assert worker_b.acting_organisation.code == "org-b"
    assert not worker_b.is_focal_point
    assert User.objects.get(email="worker.c@example.org").acting_organisation.code == (
        "org-c"
    )


def test_every_demo_account_signs_in_with_the_demo_password(settings):
    settings.TANSIQ_REQUIRE_MFA = False
    call_command("seed_demo")

    for email, name, *_ in ACCOUNTS:
        user = authenticate(email=email, password=DEMO_PASSWORD)
        assert user is not None, email
        assert user.name == name
        assert EmailAddress.objects.filter(
            user=user, email=email, verified=True, primary=True
        ).exists()


def test_a_second_run_creates_nothing_and_keeps_what_users_changed(settings, capsys):
    settings.TANSIQ_REQUIRE_MFA = False
    call_command("seed_demo")
    org_a = Organisation.objects.get(code="org-a")
    org_a.description = "Edited by its focal point"
    org_a.save(update_fields=["description"])
    org_a.sectors.clear()
    focal_a = User.objects.get(email="focal.a@example.org")
    focal_a.name = "Renamed"
    focal_a.set_password("a-new-secret-pass")
    focal_a.save()
    Membership.objects.filter(user__email="worker.a@example.org").update(
        role=Membership.Role.FOCAL_POINT
    )
    before = _counts()
    capsys.readouterr()

    call_command("seed_demo")

    assert _counts() == before
    assert "nothing to create" in capsys.readouterr().out
    org_a.refresh_from_db()
    assert org_a.description == "Edited by its focal point"
    assert not org_a.sectors.exists()
    focal_a.refresh_from_db()
    assert focal_a.name == "Renamed"
    assert focal_a.check_password("a-new-secret-pass")
    assert Membership.objects.get(user__email="worker.a@example.org").role == (
        Membership.Role.FOCAL_POINT
    )


def test_seed_demo_refuses_a_production_configuration_unless_forced(settings):
    settings.DEBUG = False
    settings.TANSIQ_REQUIRE_MFA = True

    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()

    call_command("seed_demo", force=True)
    assert User.objects.filter(email="coordinator@example.org").exists()
