"""Failed logins are limited per client address and per account, separately, through the
real login form, behind the documented reverse proxy (TRUSTED_PROXY_COUNT=1): one
address guessing passwords does not lock out the people sharing the proxy, and an
account under attack is locked for everyone without locking the others."""

from __future__ import annotations

import pytest
from django.core.exceptions import NON_FIELD_ERRORS
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD

PROXY = "10.0.0.2"  # every request reaches Tansiq from the proxy
ATTACKER = "203.0.113.7"
NEIGHBOUR = "198.51.100.9"  # another person behind the same proxy
LOCKED = "too_many_login_attempts"


@pytest.fixture(autouse=True)
def _behind_one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXIES = []


def log_in(email: str, password: str, *, ip: str, forged: str = "", client=None):
    """POST the login form as the proxy forwards it: the proxy appends the address it
    received the request from to whatever X-Forwarded-For the client sent."""
    client = client or Client()
    forwarded = f"{forged}, {ip}" if forged else ip
    response = client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    return client, response


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def locked_out(response) -> bool:
    form = response.context and response.context.get("form")
    return bool(form) and form.has_error(NON_FIELD_ERRORS, LOCKED)


def test_ten_failures_from_one_address_do_not_lock_out_its_neighbours(
    worker_a, worker_b
):
    for attempt in range(10):
        # Made-up accounts, and a new forged X-Forwarded-For every time: the proxy's
        # entry is the one counted.
        _, response = log_in(
            f"nobody{attempt}@example.org",
            "guess",
            ip=ATTACKER,
            forged=f"192.0.2.{attempt}",
        )
        assert response.status_code == 200
        assert not locked_out(response)

    attacker, response = log_in(worker_a.email, PASSWORD, ip=ATTACKER, forged="1.1.1.1")
    assert locked_out(response)
    assert not signed_in(attacker)

    neighbour, response = log_in(worker_b.email, PASSWORD, ip=NEIGHBOUR)
    assert response.status_code == 302
    assert signed_in(neighbour)


def test_five_failures_on_one_account_lock_it_everywhere_but_not_other_accounts(
    worker_a, worker_b
):
    for attempt in range(5):
        _, response = log_in(worker_a.email, "wrong", ip=f"192.0.2.{attempt + 10}")
        assert not locked_out(response)

    # The right password, from an address that never failed: still locked.
    client, response = log_in(worker_a.email, PASSWORD, ip=NEIGHBOUR)
    assert locked_out(response)
    assert not signed_in(client)

    # Another account, from the address of the last failure: not locked.
    client, response = log_in(worker_b.email, PASSWORD, ip="192.0.2.14")
    assert response.status_code == 302
    assert signed_in(client)


def test_a_successful_login_does_not_use_up_the_address_budget(worker_a, worker_b):
    for _ in range(12):
        client, response = log_in(worker_b.email, PASSWORD, ip=NEIGHBOUR)
        assert response.status_code == 302
        assert signed_in(client)


def test_without_a_trusted_proxy_x_forwarded_for_is_ignored(settings, worker_b):
    settings.TRUSTED_PROXY_COUNT = 0
    for attempt in range(10):
        Client().post(
            reverse("account_login"),
            {"login": f"nobody{attempt}@example.org", "password": "guess"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{attempt}",  # a new "address" each time
        )

    client = Client()
    response = client.post(
        reverse("account_login"),
        {"login": worker_b.email, "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert locked_out(response)
    assert not signed_in(client)
