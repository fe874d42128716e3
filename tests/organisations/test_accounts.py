"""Accounts: e-mail login with a verified address, no open sign-up, rate limits, reset."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from organisations.models import User
from tests.factories import PASSWORD


def test_login_by_email_lands_on_home(client, worker_a):
    response = client.post(
        reverse("account_login"), {"login": worker_a.email, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert client.get(reverse("home")).wsgi_request.user == worker_a


def test_login_with_unverified_address_is_held_until_verified(
    client, worker_a, eager_celery, django_capture_on_commit_callbacks
):
    EmailAddress.objects.filter(user=worker_a).update(verified=False)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_login"), {"login": worker_a.email, "password": PASSWORD}
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_open_sign_up_is_closed(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "stranger@example.org",
            "password1": "x-Very-long-pass-1",
            "password2": "x-Very-long-pass-1",
        },
    )

    assert not User.objects.filter(email="stranger@example.org").exists()
    assert response.status_code == 200
    assert "account/signup_closed.html" in {t.name for t in response.templates}


def test_repeated_failed_logins_are_rate_limited(client, worker_a):
    for _ in range(5):
        client.post(
            reverse("account_login"), {"login": worker_a.email, "password": "wrong"}
        )

    response = client.post(
        reverse("account_login"), {"login": worker_a.email, "password": PASSWORD}
    )

    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link(
    client, worker_a, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_reset_password"), {"email": worker_a.email}
        )

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert worker_a.email in mail.outbox[0].to


def test_user_language_is_applied_to_pages(client_as, worker_a):
    worker_a.language = "ar"
    worker_a.save()

    response = client_as(worker_a).get(reverse("home"))

    assert response.wsgi_request.LANGUAGE_CODE == "ar"
    assert b'dir="rtl"' in response.content
