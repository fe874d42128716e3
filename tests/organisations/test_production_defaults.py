"""Production defaults (issue #12 item 12): `check --deploy` refuses MFA off, sessions
expire, HSTS preload is opt-in, API tokens expire and have a scope, webhooks are managed
from a session only, and the API docs are for signed-in users and tokens."""

from __future__ import annotations

import importlib
import os
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.core.checks import run_checks
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from organisations.middleware import LOGIN_AT, SEEN_AT
from organisations.models import ApiToken
from organisations.services import create_api_token
from tests.factories import PASSWORD

ME = reverse("api:me")
WEBHOOKS = reverse("api:webhook-list")
WEBHOOK_BODY = {"url": "https://93.184.215.14/tansiq", "events": ["alert.answered"]}


def _messages(response) -> list[str]:
    body = response.json()
    return [m for messages in body["errors"].values() for m in messages]


def _deploy_errors() -> set[str]:
    return {
        message.id
        for message in run_checks(include_deployment_checks=True)
        if message.id and message.id.startswith("organisations.")
    }


# ---------------------------------------------------------------------------
# check --deploy
# ---------------------------------------------------------------------------
def test_deploy_check_refuses_mfa_off_without_debug(settings):
    settings.DEBUG = False
    settings.TANSIQ_REQUIRE_MFA = False

    assert "organisations.E001" in _deploy_errors()

    settings.TANSIQ_REQUIRE_MFA = True
    assert "organisations.E001" not in _deploy_errors()


def test_deploy_check_lets_the_local_demo_relax_mfa(settings):
    settings.DEBUG = True
    settings.TANSIQ_REQUIRE_MFA = False

    assert "organisations.E001" not in _deploy_errors()


def test_deploy_check_refuses_empty_mfa_keys(settings):
    settings.MFA_KEYS = []
    assert "organisations.E002" in _deploy_errors()

    settings.MFA_KEYS = ["9y7zcGqM6kB3T0dQk1xJz8vYhPj4wR2aLsE5uN6oFtI="]
    assert "organisations.E002" not in _deploy_errors()


def test_hsts_preload_is_opt_in(settings):
    if os.environ.get("SECURE_HSTS_PRELOAD"):
        pytest.skip("SECURE_HSTS_PRELOAD is set in this environment")
    assert settings.SECURE_HSTS_PRELOAD is False


# ---------------------------------------------------------------------------
# Sessions: idle and absolute expiry
# ---------------------------------------------------------------------------
def _age_session(client, **ages: int) -> None:
    session = client.session
    now = int(time.time())
    for key, seconds in ages.items():
        session[key] = now - seconds
    session.save()


PROFILE = reverse("organisations:profile")


def test_sign_in_records_the_time_and_an_active_session_goes_on(client_as, worker_a):
    client = client_as(worker_a)
    assert client.session[LOGIN_AT] <= time.time()

    _age_session(client, **{SEEN_AT: 120})
    assert client.get(PROFILE).status_code == 200

    assert time.time() - client.session[SEEN_AT] < 5  # activity recorded


def test_a_session_idle_too_long_ends(settings, client_as, worker_a):
    settings.SESSION_IDLE_TIMEOUT = 3600
    client = client_as(worker_a)
    _age_session(client, **{SEEN_AT: 3601})

    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(ME).status_code in (401, 403)


def test_a_session_ends_after_the_absolute_time_even_when_active(
    settings, client_as, worker_a
):
    settings.SESSION_ABSOLUTE_TIMEOUT = 24 * 3600
    client = client_as(worker_a)
    _age_session(client, **{LOGIN_AT: 24 * 3600 + 1, SEEN_AT: 10})

    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_an_expired_session_is_told_why(settings, client, worker_a):
    settings.SESSION_IDLE_TIMEOUT = 60
    client.post(
        reverse("account_login"), {"login": worker_a.email, "password": PASSWORD}
    )
    _age_session(client, **{SEEN_AT: 61})
    client.get(PROFILE)

    page = client.get(reverse("account_login"))

    with translation.override(page.wsgi_request.LANGUAGE_CODE):
        expected = translation.gettext(
            "Your session has expired. Please sign in again."
        )
    assert expected in [str(m) for m in page.context["messages"]]
    assert client.get(ME).status_code in (401, 403)


def test_api_calls_with_an_expired_session_are_refused(settings, api_as, worker_a):
    settings.SESSION_IDLE_TIMEOUT = 60
    client = api_as(worker_a)
    _age_session(client, **{SEEN_AT: 61})

    assert client.get(ME).status_code in (401, 403)


# ---------------------------------------------------------------------------
# API tokens: expiry and renewal
# ---------------------------------------------------------------------------
def test_a_new_token_expires_after_the_configured_days(settings, focal_b, org_b):
    settings.API_TOKEN_TTL_DAYS = 30

    token, _key = create_api_token(actor=focal_b, organisation=org_b, name="x")

    expected = timezone.now() + timedelta(days=30)
    assert abs((token.expires_at - expected).total_seconds()) < 60
    assert token.scope == ApiToken.Scope.READ_WRITE


def test_an_expired_token_gets_a_clear_401(api_as, token_b):
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = api_as(token=token_b).get(ME, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 401
    assert any("expired" in m for m in _messages(response))


def test_a_focal_point_renews_a_token_on_the_page(client_as, api_as, focal_b, token_b):
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(days=1))
    token = ApiToken.objects.get()

    response = client_as(focal_b).post(
        reverse("organisations:token_renew", args=[token.pk])
    )

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.expires_at > timezone.now() + timedelta(days=300)
    assert api_as(token=token_b).get(ME).status_code == 200


def test_a_caseworker_cannot_renew_a_token(client_as, worker_b, token_b):
    token = ApiToken.objects.get()
    before = token.expires_at

    response = client_as(worker_b).post(
        reverse("organisations:token_renew", args=[token.pk])
    )

    assert response.status_code == 404  # not among the tokens they may see
    token.refresh_from_db()
    assert token.expires_at == before


def test_a_revoked_token_cannot_be_renewed(client_as, api_as, focal_b, token_b):
    token = ApiToken.objects.get()
    ApiToken.objects.update(revoked_at=timezone.now())

    client_as(focal_b).post(reverse("organisations:token_renew", args=[token.pk]))

    assert api_as(token=token_b).get(ME).status_code == 401


def test_a_focal_point_renews_a_token_through_the_api(api_as, focal_b, token_b):
    ApiToken.objects.update(expires_at=timezone.now() + timedelta(days=2))
    token = ApiToken.objects.get()

    response = api_as(focal_b).post(reverse("api:token-renew", args=[token.pk]))

    assert response.status_code == 200
    assert response.json()["is_expired"] is False
    token.refresh_from_db()
    assert token.expires_at > timezone.now() + timedelta(days=300)


def test_a_token_cannot_renew_or_revoke_tokens(api_as, token_b):
    token = ApiToken.objects.get()
    before = token.expires_at
    client = api_as(token=token_b)

    renew = client.post(
        reverse("api:token-renew", args=[token.pk]), HTTP_ACCEPT_LANGUAGE="en"
    )
    revoke = client.delete(reverse("api:token-detail", args=[token.pk]))

    assert (renew.status_code, revoke.status_code) == (403, 403)
    assert any("not an API token" in m for m in _messages(renew))
    token.refresh_from_db()
    assert (token.expires_at, token.revoked_at) == (before, None)
    listing = client.get(reverse("api:token-list"))
    assert listing.status_code == 200
    assert [t["prefix"] for t in listing.json()] == [token.prefix]


def test_the_token_api_is_for_focal_points_of_the_organisation(
    api_as, worker_b, focal_a, token_b
):
    token = ApiToken.objects.get()

    assert api_as(worker_b).get(reverse("api:token-list")).status_code == 403
    assert (
        api_as(focal_a).post(reverse("api:token-renew", args=[token.pk])).status_code
        == 404
    )


def test_a_focal_point_revokes_a_token_through_the_api(api_as, focal_b, token_b):
    token = ApiToken.objects.get()

    response = api_as(focal_b).delete(reverse("api:token-detail", args=[token.pk]))

    assert response.status_code == 204
    assert api_as(token=token_b).get(ME).status_code == 401


def test_the_migration_gives_existing_tokens_an_expiry(settings, focal_b, org_b):
    settings.API_TOKEN_TTL_DAYS = 365
    token, _key = create_api_token(actor=focal_b, organisation=org_b, name="old")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=None)
    migration = importlib.import_module(
        "organisations.migrations.0003_apitoken_scope_expiry"
    )

    migration.expire_existing_tokens(apps, None)

    token.refresh_from_db()
    assert token.expires_at == token.created_at + timedelta(days=365)
    assert token.scope == ApiToken.Scope.READ_WRITE


# ---------------------------------------------------------------------------
# API tokens: scope
# ---------------------------------------------------------------------------
@pytest.fixture
def read_token(focal_b, org_b) -> str:
    _token, key = create_api_token(
        actor=focal_b, organisation=org_b, name="reader", scope=ApiToken.Scope.READ
    )
    return key


def test_a_read_token_reads_but_cannot_write(api_as, read_token):
    client = api_as(token=read_token)

    assert client.get(ME).status_code == 200
    response = client.patch(
        ME, {"name": "Changed"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 403
    assert any("read only" in m for m in _messages(response))


def test_a_read_write_token_writes(api_as, token_b):
    response = api_as(token=token_b).patch(ME, {"name": "Changed"}, format="json")

    assert response.status_code == 200


def test_the_page_creates_a_token_with_the_chosen_scope(client_as, focal_b):
    response = client_as(focal_b).post(
        reverse("organisations:tokens"), {"name": "Reporting", "scope": "read"}
    )

    token = ApiToken.objects.get(name="Reporting")
    assert token.scope == ApiToken.Scope.READ
    assert token.expires_at.strftime("%Y") in response.content.decode()


def test_the_page_refuses_an_unknown_scope(client_as, focal_b):
    response = client_as(focal_b).post(
        reverse("organisations:tokens"), {"name": "Reporting", "scope": "admin"}
    )

    assert response.status_code == 200
    assert "scope" in response.context["form"].errors
    assert not ApiToken.objects.filter(name="Reporting").exists()


def test_the_command_takes_a_scope_and_reports_the_expiry(focal_b, org_b):
    out, err = StringIO(), StringIO()

    call_command(
        "create_api_token",
        "--email",
        focal_b.email,
        "--scope",
        "read",
        stdout=out,
        stderr=err,
    )

    token = ApiToken.objects.get()
    assert token.scope == ApiToken.Scope.READ
    assert out.getvalue().strip().startswith(ApiToken.PREFIX)
    assert token.expires_at.date().isoformat() in err.getvalue()


# ---------------------------------------------------------------------------
# Webhooks are managed from a focal point's session, not with a token
# ---------------------------------------------------------------------------
def test_a_token_cannot_create_change_or_delete_webhooks(api_as, focal_b, token_b):
    client = api_as(token=token_b)

    created = client.post(
        WEBHOOKS, WEBHOOK_BODY, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert created.status_code == 403
    assert any("not an API token" in m for m in _messages(created))
    assert client.get(WEBHOOKS).status_code == 200  # reading stays possible
    made = api_as(focal_b).post(WEBHOOKS, WEBHOOK_BODY, format="json")
    assert made.status_code == 201
    detail = reverse("api:webhook-detail", args=[made.json()["id"]])
    assert client.patch(detail, {"is_active": False}, format="json").status_code == 403
    assert client.delete(detail).status_code == 403
    assert api_as(focal_b).delete(detail).status_code == 204


# ---------------------------------------------------------------------------
# API docs
# ---------------------------------------------------------------------------
def test_the_schema_and_docs_need_a_session_or_a_token(
    api_as, client, worker_a, token_b
):
    refused = api_as().get(reverse("api:schema"), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code in (401, 403)
    assert refused["Content-Type"] == "application/json"  # the API's errors, not YAML
    assert _messages(refused)
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 302
    assert docs["Location"].startswith(reverse("account_login"))

    assert api_as(worker_a).get(reverse("api:schema")).status_code == 200
    assert api_as(token=token_b).get(reverse("api:schema")).status_code == 200
    assert api_as(worker_a).get(reverse("api:docs")).status_code == 200


def test_public_docs_can_be_turned_on(settings, api_as, client):
    settings.API_DOCS_PUBLIC = True

    assert api_as().get(reverse("api:schema")).status_code == 200
    assert client.get(reverse("api:docs")).status_code == 200
