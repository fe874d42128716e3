"""MFA is mandatory for coordinators and focal points (PRODUCT.md "Who uses it")."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.fixture
def mfa_required(settings):
    settings.TANSIQ_REQUIRE_MFA = True


def _with_totp(user):
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    return user


@pytest.mark.parametrize("who", ["focal_a", "coordinator"])
def test_roles_that_need_mfa_are_sent_to_set_it_up(
    mfa_required, client_as, request, who
):
    response = client_as(request.getfixturevalue(who)).get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_session_api_calls_are_refused_until_mfa_is_set_up(
    mfa_required, api_as, focal_a
):
    response = api_as(focal_a).get(reverse("api:me"))

    assert response.status_code == 403
    assert response.json()["errors"]["non_field_errors"]


@pytest.mark.parametrize("who", ["worker_a", "observer"])
def test_other_roles_may_use_the_platform_without_mfa(
    mfa_required, client_as, request, who
):
    response = client_as(request.getfixturevalue(who)).get(reverse("home"))

    assert response.status_code == 200


def test_a_focal_point_with_an_authenticator_gets_through(
    mfa_required, client_as, focal_a
):
    _with_totp(focal_a)

    response = client_as(focal_a).get(reverse("home"))

    assert response.status_code == 200


def test_after_password_login_the_mfa_setup_page_is_reachable(
    mfa_required, client, coordinator
):
    login = client.post(
        reverse("account_login"), {"login": coordinator.email, "password": PASSWORD}
    )
    assert login.status_code == 302

    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 200
    assert b'name="code"' in response.content


def test_relaxed_demo_setting_lets_focal_points_in(settings, client_as, focal_a):
    settings.TANSIQ_REQUIRE_MFA = False

    response = client_as(focal_a).get(reverse("home"))

    assert response.status_code == 200


def test_token_calls_are_not_blocked_by_the_mfa_requirement(
    mfa_required, api_as, token_b
):
    response = api_as(token=token_b).get(reverse("api:me"))

    assert response.status_code == 200
    assert response.json()["organisation"] is not None


def test_a_new_focal_point_sets_up_mfa_without_retyping_the_new_password(
    mfa_required, client, coordinator, org_c
):
    # The invitation page signs the new account in and records that password sign-in
    # with allauth, which the adapter reads back: no reauthentication on first set-up.
    from organisations.services import invite_user

    _, key = invite_user(
        actor=coordinator,
        email="new.focal@example.org",
        role="focal_point",
        organisation=org_c,
    )
    accepted = client.post(
        reverse("organisations:invitation_accept", args=[key]),
        {
            "name": "Nouveau",
            "password1": "Long-pass-2024!",
            "password2": "Long-pass-2024!",
        },
    )
    assert accepted.status_code == 302

    response = client.get(reverse("mfa_activate_totp"))

    assert response.status_code == 200
    assert b'name="code"' in response.content


def test_without_a_recent_sign_in_mfa_set_up_asks_for_the_password(
    mfa_required, client_as, focal_a
):
    response = client_as(focal_a).get(reverse("mfa_activate_totp"))  # no sign-in record

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
