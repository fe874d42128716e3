"""The sender's e-mail says when the receiving service answered through the slip's
link (it has no account to reply from); the referral form marks the organisations
that answer only through the slip."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from coordination.models import Sector
from notifications.models import Notification
from organisations.models import Organisation
from organisations.services import create_organisation
from referrals import services
from referrals.services import links

pytestmark = pytest.mark.django_db
SENTENCE = "answered through the confirmation link of the referral slip"


@pytest.fixture
def referral(beneficiary_a, worker_a, org_b, worker_b):
    consent = services.record_consent(
        beneficiary_a, actor=worker_a, organisation=org_b, given_by="self", scope="Name"
    )
    return services.send_referral(
        beneficiary_a,
        actor=worker_a,
        to_organisation=org_b,
        sector=Sector.objects.get(code="health"),
        reason="Needs a consultation",
        consent=consent,
    )


def _body(worker_a, kind: str) -> str:
    notification = Notification.objects.get(recipient=worker_a, kind=kind)
    with translation.override("en"):
        return notification.render("body.txt") + notification.render("body.html")


@pytest.mark.parametrize(
    ("action", "kinds"),
    [
        (links.RECEIVED, ["referral_accepted"]),
        (links.CANNOT_SERVE, ["referral_declined"]),
        (links.SERVED, ["referral_accepted", "referral_completed"]),
    ],
)
def test_an_answer_through_the_link_is_said_in_the_senders_mail(
    referral, worker_a, action, kinds
):
    links.answer_through_link(links.issue_link(referral), action=action, text="Seen.")

    for kind in kinds:
        assert SENTENCE in _body(worker_a, kind)


def test_a_members_answer_says_nothing_of_a_link(referral, worker_a, worker_b):
    services.accept_referral(referral, actor=worker_b)

    assert SENTENCE not in _body(worker_a, "referral_accepted")


def test_the_referral_form_marks_organisations_off_the_platform(
    client_as, worker_a, coordinator, beneficiary_a
):
    create_organisation(
        actor=coordinator,
        name="Commune de Bni Drar, bureau social",
        kind=Organisation.Kind.PUBLIC_SERVICE,
    )
    worker_a.language = "en"
    worker_a.save(update_fields=["language"])

    page = client_as(worker_a).post(
        reverse("referrals:referral_create", args=[beneficiary_a.code]),
        {
            "step": "need",
            "sector": Sector.objects.get(code="health").pk,
            "service_type": "",
            "priority": "normal",
            "reason": "Suivi médical",
            "emergency": "",
        },
    )

    text = page.content.decode()
    assert (
        "Commune de Bni Drar, bureau social (off the platform: answers through the "
        "referral slip)" in text
    )
    assert "Santé Migrations Maroc (off the platform" not in text
