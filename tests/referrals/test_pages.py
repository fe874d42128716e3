"""Beneficiary pages: list by code, registration on a form with the WG-SS, detail with
logged identity and consents, edit; errors next to fields; others get 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from referrals.models import Beneficiary, Consent, IdentityAccessLog
from tests.referrals.conftest import SENTINEL_NAME

CREATE = reverse("referrals:create")
LIST = reverse("referrals:list")

FORM = {
    "full_name": "Awa Koné",
    "phone": "0655443322",
    "date_of_birth": "2001-07-19",
    "sex": "female",
    "nationality": "CI",
    "languages": ["fr"],
    "household_size": "2",
    "vulnerabilities": ["pregnant_lactating"],
    "wg_seeing": "no_difficulty",
    "wg_hearing": "no_difficulty",
    "wg_walking": "some_difficulty",
    "wg_remembering": "no_difficulty",
    "wg_self_care": "no_difficulty",
    "wg_communicating": "a_lot_of_difficulty",
}


def test_the_form_asks_the_six_wgss_questions_word_for_word(client_as, worker_a):
    worker_a.language = "en"  # the questions' reference wording
    worker_a.save(update_fields=["language"])
    response = client_as(worker_a).get(CREATE)
    page = response.content.decode()

    assert response.status_code == 200
    for question in (
        "Do you have difficulty seeing, even if wearing glasses?",
        "Do you have difficulty hearing, even if using a hearing aid?",
        "Do you have difficulty walking or climbing steps?",
        "Do you have difficulty remembering or concentrating?",
        "Do you have difficulty (with self-care such as) washing all over or dressing?",
        "Using your usual (customary) language, do you have difficulty communicating, "
        "for example understanding or being understood?",
    ):
        assert question in page
    assert 'name="disability"' not in page  # computed, never typed


def test_a_caseworker_registers_a_person(client_as, worker_a):
    response = client_as(worker_a).post(CREATE, FORM)

    beneficiary = Beneficiary.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("referrals:detail", args=[beneficiary.code])
    assert beneficiary.full_name == "Awa Koné"
    assert beneficiary.disability is True
    assert "Awa" not in response.url


def test_a_duplicate_is_announced_after_registration(client_as, worker_a):
    client = client_as(worker_a)
    client.post(CREATE, FORM)

    response = client.post(CREATE, {**FORM, "phone": ""}, follow=True)

    first = Beneficiary.objects.order_by("pk").first()
    assert first.code in response.content.decode()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"wg_seeing": "a_little"}, "wg_seeing"),
        ({"sex": ""}, "sex"),
    ],
)
def test_bad_input_shows_errors_next_to_fields(client_as, worker_a, changes, field):
    response = client_as(worker_a).post(CREATE, {**FORM, **changes})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert not Beneficiary.objects.exists()


def test_the_list_shows_codes_not_names(client_as, worker_a, beneficiary_a):
    response = client_as(worker_a).get(LIST, {"code": beneficiary_a.code})

    page = response.content.decode()
    assert beneficiary_a.code in page
    assert SENTINEL_NAME not in page
    assert not IdentityAccessLog.objects.exists()


def test_the_detail_shows_identity_to_the_owner_and_logs_it(
    client_as, worker_a, beneficiary_a
):
    response = client_as(worker_a).get(beneficiary_a.get_absolute_url())

    assert SENTINEL_NAME in response.content.decode()
    [log] = IdentityAccessLog.objects.all()
    assert log.purpose == "referrals:detail"


def test_the_edit_form_is_logged_and_saves(client_as, worker_a, beneficiary_a):
    url = reverse("referrals:edit", args=[beneficiary_a.code])
    client = client_as(worker_a)

    shown = client.get(url)
    saved = client.post(url, {**FORM, "version": "1", "household_size": "6"})

    assert SENTINEL_NAME in shown.content.decode()
    assert IdentityAccessLog.objects.filter(purpose="referrals:edit").count() == 1
    assert saved.status_code == 302
    beneficiary_a.refresh_from_db()
    assert beneficiary_a.household_size == 6
    assert beneficiary_a.version == 2


def test_a_stale_edit_is_refused_with_a_message(client_as, worker_a, beneficiary_a):
    url = reverse("referrals:edit", args=[beneficiary_a.code])
    client = client_as(worker_a)
    client.post(url, {**FORM, "version": "1"})

    response = client.post(url, {**FORM, "version": "1", "household_size": "9"})

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    beneficiary_a.refresh_from_db()
    assert beneficiary_a.household_size == 2


def test_consent_is_recorded_and_withdrawn_from_the_detail_page(
    client_as, worker_a, beneficiary_a, org_b
):
    client = client_as(worker_a)
    url = reverse("referrals:consent_record", args=[beneficiary_a.code])

    recorded = client.post(
        url,
        {
            "organisation": org_b.pk,
            "legal_basis": "consent",
            "given_by": "self",
            "scope": "Name",
        },
    )
    consent = Consent.objects.get()
    withdrawn = client.post(
        reverse("referrals:consent_withdraw", args=[beneficiary_a.code, consent.pk]),
        {"reason": "Changed their mind"},
    )

    assert recorded.status_code == withdrawn.status_code == 302
    consent.refresh_from_db()
    assert not consent.is_active


def test_a_consent_without_scope_shows_the_error(
    client_as, worker_a, beneficiary_a, org_b
):
    response = client_as(worker_a).post(
        reverse("referrals:consent_record", args=[beneficiary_a.code]),
        {"organisation": org_b.pk, "legal_basis": "consent", "given_by": "self"},
    )

    assert response.status_code == 400
    assert 'id="id_scope_error"' in response.content.decode()
    assert not Consent.objects.exists()


def test_a_caseworker_may_not_use_vital_interest(
    client_as, worker_a, beneficiary_a, org_b
):
    response = client_as(worker_a).post(
        reverse("referrals:consent_record", args=[beneficiary_a.code]),
        {
            "organisation": org_b.pk,
            "legal_basis": "vital_interest",
            "scope": "Name",
            "justification": "Unconscious",
        },
    )

    assert response.status_code == 403
    assert not Consent.objects.exists()


@pytest.mark.parametrize("who", ["coordinator", "observer"])
def test_people_without_an_organisation_have_no_beneficiary_pages(
    client_as, request, who
):
    client = client_as(request.getfixturevalue(who))

    assert client.get(LIST).status_code == 403
    assert client.get(CREATE).status_code == 403
    assert "/referrals/beneficiaries/" not in client.get("/").content.decode()


def test_members_see_the_navigation_link(client_as, worker_a):
    assert LIST in client_as(worker_a).get("/").content.decode()


def test_anonymous_visitors_are_sent_to_log_in(client_as, beneficiary_a):
    client = client_as(None)
    for url in (LIST, CREATE, beneficiary_a.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response.url


def test_coordinators_oversee_vital_interest_without_identity(
    client_as, coordinator, focal_a, beneficiary_a, org_b, worker_a
):
    from referrals.services import record_consent

    record_consent(
        beneficiary_a,
        actor=focal_a,
        organisation=org_b,
        scope="Name",
        legal_basis="vital_interest",
        justification="Unconscious, SENTINEL-ADDRESS-9K2",
    )
    url = reverse("referrals:vital_interest")

    page = client_as(coordinator).get(url).content.decode()

    assert org_b.name in page
    assert focal_a.display_name in page
    for secret in (SENTINEL_NAME, "SENTINEL-ADDRESS-9K2", beneficiary_a.code):
        assert secret not in page
    assert client_as(worker_a).get(url).status_code == 403
    assert url in client_as(coordinator).get("/").content.decode()


def test_the_list_page_makes_the_same_number_of_queries_for_1_and_30(
    client_as, worker_a, beneficiary_a
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from referrals.services import register_beneficiary
    from tests.referrals.conftest import identity

    client = client_as(worker_a)
    client.get(LIST)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for _index in range(29):
        register_beneficiary(actor=worker_a, **identity())
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(LIST)

    assert response.context["paginator"].count == 30
    assert len(thirty) == len(one)


def test_a_focal_point_sees_who_saw_the_identity_and_may_erase_it(
    client_as, focal_a, worker_a, beneficiary_a
):
    client_as(worker_a).get(beneficiary_a.get_absolute_url())
    client = client_as(focal_a)
    erase = reverse("referrals:erase", args=[beneficiary_a.code])

    page = client.get(beneficiary_a.get_absolute_url()).content.decode()
    unconfirmed = client.post(erase, {})
    by_worker = client_as(worker_a).post(erase, {"confirm": "yes"})
    beneficiary_a.refresh_from_db()
    assert not beneficiary_a.identity_erased
    erased = client.post(erase, {"confirm": "yes"})

    assert worker_a.display_name in page
    assert unconfirmed.status_code == 302
    assert by_worker.status_code == 403
    assert erased.status_code == 302
    beneficiary_a.refresh_from_db()
    assert beneficiary_a.identity_erased
    after = client.get(beneficiary_a.get_absolute_url()).content.decode()
    assert SENTINEL_NAME not in after
    assert (
        client.get(reverse("referrals:edit", args=[beneficiary_a.code])).status_code
        == 200
    )
    assert IdentityAccessLog.objects.filter(beneficiary=beneficiary_a).count() == 2


def test_another_organisation_cannot_erase(client_as, focal_b, beneficiary_a):
    response = client_as(focal_b).post(
        reverse("referrals:erase", args=[beneficiary_a.code]), {"confirm": "yes"}
    )

    assert response.status_code == 404
    beneficiary_a.refresh_from_db()
    assert not beneficiary_a.identity_erased
