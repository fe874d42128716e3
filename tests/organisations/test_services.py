"""The organisation services, exhaustively: each rule and each refusal, and the audit
trail they leave."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.models import Sector
from organisations.models import (
    ApiToken,
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    User,
    hash_secret,
)
from organisations.services import (
    accept_invitation,
    approve_join_request,
    change_member_role,
    create_api_token,
    create_organisation,
    find_invitation,
    invite_user,
    reject_join_request,
    remove_member,
    revoke_api_token,
    revoke_invitation,
    set_acting_organisation,
    set_organisation_active,
    submit_join_request,
    update_organisation,
    update_profile,
    verify_organisation,
)
from tests.factories import MembershipFactory

CASEWORKER = Invitation.Role.CASEWORKER
FOCAL_POINT = Invitation.Role.FOCAL_POINT
OBSERVER = Invitation.Role.OBSERVER
COORDINATOR = Invitation.Role.COORDINATOR


@pytest.fixture(autouse=True)
def _english():
    # Some tests match the services' messages, which are translated.
    with translation.override("en"):
        yield


def fresh(user: User) -> User:
    """The user as a new request would load them (no cached memberships)."""
    return User.objects.get(pk=user.pk)


# ---------------------------------------------------------------------------
# invite_user
# ---------------------------------------------------------------------------
def test_a_focal_point_invites_a_caseworker_to_their_organisation(
    focal_a, org_a, mailoutbox, django_capture_on_commit_callbacks, eager_celery
):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, key = invite_user(
            actor=focal_a,
            email=" New.Person@Example.org ",
            role=CASEWORKER,
            organisation=org_a,
        )

    assert invitation.email == "new.person@example.org"
    assert (invitation.role, invitation.organisation, invitation.invited_by) == (
        CASEWORKER,
        org_a,
        focal_a,
    )
    assert invitation.state == "pending"
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    assert invitation.key_hash == hash_secret(key) != key
    assert [m.to for m in mailoutbox] == [["new.person@example.org"]]
    assert key in mailoutbox[0].body


def test_a_focal_point_may_invite_another_focal_point(focal_a, org_a):
    invitation, _ = invite_user(
        actor=focal_a, email="second@example.org", role=FOCAL_POINT, organisation=org_a
    )

    assert invitation.role == FOCAL_POINT


def test_a_caseworker_cannot_invite(worker_a, org_a):
    with pytest.raises(PermissionDenied):
        invite_user(
            actor=worker_a, email="x@example.org", role=CASEWORKER, organisation=org_a
        )

    assert not Invitation.objects.exists()


def test_a_focal_point_cannot_invite_to_another_organisation(focal_b, org_a):
    with pytest.raises(PermissionDenied):
        invite_user(
            actor=focal_b, email="x@example.org", role=CASEWORKER, organisation=org_a
        )


@pytest.mark.parametrize("role", [OBSERVER, COORDINATOR])
def test_a_focal_point_cannot_invite_platform_roles(focal_a, public_body, role):
    with pytest.raises(PermissionDenied):
        invite_user(
            actor=focal_a, email="x@example.org", role=role, organisation=public_body
        )


def test_a_coordinator_invites_a_focal_point_to_any_organisation(coordinator, org_c):
    invitation, _ = invite_user(
        actor=coordinator,
        email="lead@c.example.org",
        role=FOCAL_POINT,
        organisation=org_c,
    )

    assert (invitation.organisation, invitation.role) == (org_c, FOCAL_POINT)


def test_a_coordinator_does_not_invite_caseworkers(coordinator, org_c):
    # Members are their focal point's business (PRODUCT.md).
    with pytest.raises(PermissionDenied):
        invite_user(
            actor=coordinator,
            email="x@example.org",
            role=CASEWORKER,
            organisation=org_c,
        )


def test_a_coordinator_invites_an_observer_of_a_public_service(
    coordinator, public_body
):
    invitation, _ = invite_user(
        actor=coordinator,
        email="obs@gov.example",
        role=OBSERVER,
        organisation=public_body,
    )

    assert invitation.organisation == public_body


@pytest.mark.parametrize("body", [None, "org_a"])
def test_an_observer_must_be_attached_to_a_public_service(coordinator, request, body):
    organisation = request.getfixturevalue(body) if body else None

    with pytest.raises(ValidationError) as refused:
        invite_user(
            actor=coordinator,
            email="obs@x.example",
            role=OBSERVER,
            organisation=organisation,
        )

    assert "organisation" in refused.value.message_dict


def test_a_coordinator_invites_a_coordinator_without_organisation(coordinator, org_a):
    invitation, _ = invite_user(
        actor=coordinator,
        email="coord2@example.org",
        role=COORDINATOR,
        organisation=org_a,
    )

    assert invitation.organisation is None


def test_a_membership_invitation_needs_an_organisation(focal_a):
    with pytest.raises(ValidationError) as refused:
        invite_user(actor=focal_a, email="x@example.org", role=CASEWORKER)

    assert "organisation" in refused.value.message_dict


def test_an_unknown_role_is_refused(coordinator):
    with pytest.raises(ValidationError) as refused:
        invite_user(actor=coordinator, email="x@example.org", role="king")

    assert "role" in refused.value.message_dict


def test_a_second_pending_invitation_to_the_same_address_is_refused(focal_a, org_a):
    invite_user(
        actor=focal_a, email="dup@example.org", role=CASEWORKER, organisation=org_a
    )

    with pytest.raises(ValidationError) as refused:
        invite_user(
            actor=focal_a, email="DUP@example.org", role=CASEWORKER, organisation=org_a
        )

    assert "email" in refused.value.message_dict
    assert Invitation.objects.count() == 1


def test_a_new_invitation_is_allowed_once_the_old_one_expired_or_was_revoked(
    focal_a, org_a
):
    old, _ = invite_user(
        actor=focal_a, email="again@example.org", role=CASEWORKER, organisation=org_a
    )
    Invitation.objects.filter(pk=old.pk).update(expires_at=timezone.now())

    newer, _ = invite_user(
        actor=focal_a, email="again@example.org", role=CASEWORKER, organisation=org_a
    )
    revoke_invitation(newer, actor=focal_a)
    newest, _ = invite_user(
        actor=focal_a, email="again@example.org", role=CASEWORKER, organisation=org_a
    )

    assert Invitation.objects.count() == 3
    assert newest.state == "pending"


def test_an_existing_member_cannot_be_invited_again(focal_a, worker_a, org_a):
    with pytest.raises(ValidationError) as refused:
        invite_user(
            actor=focal_a,
            email="Worker.A@example.org",
            role=FOCAL_POINT,
            organisation=org_a,
        )

    assert "email" in refused.value.message_dict


def test_nobody_is_invited_to_a_deactivated_organisation(coordinator, org_c):
    Organisation.objects.filter(pk=org_c.pk).update(is_active=False)
    org_c.refresh_from_db()

    with pytest.raises(ValidationError):
        invite_user(
            actor=coordinator,
            email="x@example.org",
            role=FOCAL_POINT,
            organisation=org_c,
        )


# ---------------------------------------------------------------------------
# accept_invitation
# ---------------------------------------------------------------------------
@pytest.fixture
def invitation_key(focal_a, org_a) -> str:
    """A pending caseworker invitation to A for new@example.org; the raw key."""
    _, key = invite_user(
        actor=focal_a, email="new@example.org", role=CASEWORKER, organisation=org_a
    )
    return key


def test_accepting_creates_a_verified_account_and_the_membership(invitation_key, org_a):
    user = accept_invitation(invitation_key, name="Nadia", password="a-long-passphrase")

    assert user.email == "new@example.org"
    assert user.name == "Nadia"
    assert user.check_password("a-long-passphrase")
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == (
        "new@example.org",
        True,
        True,
    )
    assert Membership.objects.get(user=user).organisation == org_a
    assert fresh(user).acting_organisation == org_a
    invitation = Invitation.objects.get()
    assert invitation.state == "accepted"
    assert invitation.accepted_by == user


def test_a_signed_in_user_accepts_with_their_address(focal_b, org_a, focal_a):
    _, key = invite_user(
        actor=focal_a, email="focal.b@example.org", role=CASEWORKER, organisation=org_a
    )

    user = accept_invitation(key, user=focal_b)

    assert set(user.memberships.values_list("organisation__code", flat=True)) == {
        "org-a",
        "org-b",
    }
    assert fresh(focal_b).acting_organisation == org_a


def test_a_focal_point_invitation_makes_a_focal_point(coordinator, org_c):
    _, key = invite_user(
        actor=coordinator,
        email="lead@c.example.org",
        role=FOCAL_POINT,
        organisation=org_c,
    )

    user = accept_invitation(key, name="Lead", password="a-long-passphrase")

    assert fresh(user).is_focal_point


def test_an_observer_invitation_sets_the_platform_role_and_body(
    coordinator, public_body
):
    _, key = invite_user(
        actor=coordinator,
        email="obs@gov.example",
        role=OBSERVER,
        organisation=public_body,
    )

    user = accept_invitation(key, name="Obs", password="a-long-passphrase")

    assert user.is_observer
    assert user.observer_body == public_body
    assert not user.memberships.exists()


def test_a_coordinator_invitation_makes_a_coordinator(coordinator):
    _, key = invite_user(actor=coordinator, email="c2@example.org", role=COORDINATOR)

    assert accept_invitation(
        key, name="C2", password="a-long-passphrase"
    ).is_coordinator


def test_an_expired_invitation_is_refused(invitation_key):
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    with pytest.raises(ValidationError, match="expired"):
        accept_invitation(invitation_key, name="N", password="a-long-passphrase")

    assert not User.objects.filter(email="new@example.org").exists()


def test_an_invitation_is_single_use(invitation_key):
    accept_invitation(invitation_key, name="N", password="a-long-passphrase")

    with pytest.raises(ValidationError, match="already been used"):
        accept_invitation(invitation_key, name="N", password="a-long-passphrase")


def test_a_revoked_invitation_is_refused(invitation_key, focal_a):
    revoke_invitation(Invitation.objects.get(), actor=focal_a)

    with pytest.raises(ValidationError, match="withdrawn"):
        accept_invitation(invitation_key, name="N", password="a-long-passphrase")


def test_an_unknown_key_is_refused(db):
    with pytest.raises(ValidationError, match="not valid"):
        find_invitation("made-up")


def test_a_signed_in_user_with_another_address_cannot_accept(invitation_key, worker_b):
    with pytest.raises(PermissionDenied):
        accept_invitation(invitation_key, user=worker_b)

    assert Invitation.objects.get().state == "pending"
    assert not worker_b.memberships.filter(organisation__code="org-a").exists()


def test_a_new_account_is_refused_when_the_address_has_one(focal_a, worker_b, org_a):
    _, key = invite_user(
        actor=focal_a, email="worker.b@example.org", role=CASEWORKER, organisation=org_a
    )

    with pytest.raises(ValidationError, match="sign in"):
        accept_invitation(key, name="Impostor", password="a-long-passphrase")

    assert not worker_b.memberships.filter(organisation=org_a).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_simultaneous_acceptances_create_one_account(focal_a, org_a):
    _, key = invite_user(
        actor=focal_a, email="race@example.org", role=CASEWORKER, organisation=org_a
    )
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def accept():
        try:
            start.wait()
            accept_invitation(key, name="Racer", password="a-long-passphrase")
            outcomes.append("accepted")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["accepted", "refused"]
    assert User.objects.filter(email="race@example.org").count() == 1
    assert Membership.objects.filter(user__email="race@example.org").count() == 1


# ---------------------------------------------------------------------------
# revoke_invitation
# ---------------------------------------------------------------------------
def test_a_focal_point_revokes_their_organisations_invitation(invitation_key, focal_a):
    invitation = revoke_invitation(Invitation.objects.get(), actor=focal_a)

    assert invitation.state == "revoked"
    again = revoke_invitation(invitation, actor=focal_a)  # idempotent
    assert again.revoked_at == invitation.revoked_at


@pytest.mark.parametrize("who", ["worker_a", "focal_b", "observer"])
def test_others_cannot_revoke_an_invitation(invitation_key, request, who):
    with pytest.raises(PermissionDenied):
        revoke_invitation(Invitation.objects.get(), actor=request.getfixturevalue(who))

    assert Invitation.objects.get().state == "pending"


def test_a_coordinator_revokes_any_invitation(invitation_key, coordinator):
    assert revoke_invitation(Invitation.objects.get(), actor=coordinator).revoked_at


def test_only_coordinators_revoke_platform_invitations(coordinator, focal_a):
    invitation, _ = invite_user(
        actor=coordinator, email="c2@example.org", role=COORDINATOR
    )

    with pytest.raises(PermissionDenied):
        revoke_invitation(invitation, actor=focal_a)


def test_an_accepted_invitation_cannot_be_revoked(invitation_key, focal_a):
    accept_invitation(invitation_key, name="N", password="a-long-passphrase")

    with pytest.raises(Conflict):
        revoke_invitation(Invitation.objects.get(), actor=focal_a)


# ---------------------------------------------------------------------------
# change_member_role / remove_member
# ---------------------------------------------------------------------------
def _membership(user: User, org: Organisation) -> Membership:
    return Membership.objects.get(user=user, organisation=org)


def test_a_focal_point_promotes_a_caseworker(focal_a, worker_a, org_a):
    membership = change_member_role(
        _membership(worker_a, org_a), actor=focal_a, role=Membership.Role.FOCAL_POINT
    )

    assert membership.role == Membership.Role.FOCAL_POINT
    assert fresh(worker_a).is_focal_point


def test_a_focal_point_steps_down_once_there_is_another(focal_a, worker_a, org_a):
    change_member_role(
        _membership(worker_a, org_a), actor=focal_a, role=Membership.Role.FOCAL_POINT
    )

    change_member_role(
        _membership(focal_a, org_a), actor=focal_a, role=Membership.Role.CASEWORKER
    )

    assert _membership(focal_a, org_a).role == Membership.Role.CASEWORKER


def test_the_last_focal_point_cannot_step_down(focal_a, worker_a, org_a):
    with pytest.raises(Conflict):
        change_member_role(
            _membership(focal_a, org_a), actor=focal_a, role=Membership.Role.CASEWORKER
        )

    assert _membership(focal_a, org_a).role == Membership.Role.FOCAL_POINT


@pytest.mark.parametrize("who", ["worker_a", "focal_b"])
def test_only_a_focal_point_of_the_organisation_changes_roles(
    request, focal_a, worker_a, org_a, who
):
    with pytest.raises(PermissionDenied):
        change_member_role(
            _membership(worker_a, org_a),
            actor=request.getfixturevalue(who),
            role=Membership.Role.FOCAL_POINT,
        )


def test_an_unknown_member_role_is_refused(focal_a, worker_a, org_a):
    with pytest.raises(ValidationError):
        change_member_role(_membership(worker_a, org_a), actor=focal_a, role="boss")


def test_removing_a_member_revokes_their_tokens_for_that_organisation(
    focal_a, worker_a, org_a, org_c
):
    MembershipFactory(user=worker_a, organisation=org_c)
    for org in (org_a, org_c):
        create_api_token(
            actor=worker_a, organisation=org, name="script", check_authority=False
        )

    remove_member(_membership(worker_a, org_a), actor=focal_a)

    assert not Membership.objects.filter(user=worker_a, organisation=org_a).exists()
    revoked = ApiToken.objects.get(user=worker_a, organisation=org_a)
    assert (revoked.revoked_at is not None, revoked.revoked_by) == (True, focal_a)
    assert ApiToken.objects.get(user=worker_a, organisation=org_c).revoked_at is None
    assert _membership(focal_a, org_a).events.filter(pgh_label="insert").exists()
    assert Membership.pgh_event_model.objects.filter(
        pgh_label="delete", user=worker_a, organisation=org_a
    ).exists()


def test_the_last_focal_point_cannot_be_removed(focal_a, org_a):
    with pytest.raises(Conflict):
        remove_member(_membership(focal_a, org_a), actor=focal_a)

    assert Membership.objects.filter(user=focal_a).exists()


@pytest.mark.parametrize("who", ["worker_a", "focal_b", "coordinator"])
def test_only_a_focal_point_of_the_organisation_removes_members(
    request, focal_a, worker_a, org_a, who
):
    with pytest.raises(PermissionDenied):
        remove_member(_membership(worker_a, org_a), actor=request.getfixturevalue(who))

    assert Membership.objects.filter(user=worker_a).exists()


# ---------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------
def test_a_focal_point_updates_their_profile(focal_a, org_a):
    health = Sector.objects.get(code="health")

    org = update_organisation(
        org_a,
        actor=focal_a,
        description="Accueil",
        languages=["fr"],
        sectors=[health],
    )

    org.refresh_from_db()
    assert (org.description, org.languages) == ("Accueil", ["fr"])
    assert list(org.sectors.all()) == [health]
    assert org.name == "Association A"


def test_profile_updates_cannot_reach_fields_outside_the_profile(focal_a, org_a):
    # Verification and the code are not arguments of a profile update at all.
    with pytest.raises(TypeError):
        update_organisation(org_a, actor=focal_a, verified=False)
    with pytest.raises(TypeError):
        update_organisation(org_a, actor=focal_a, code="x")

    org_a.refresh_from_db()
    assert (org_a.verified, org_a.code) == (True, "org-a")


@pytest.mark.parametrize("who", ["worker_a", "focal_b", "observer"])
def test_others_cannot_update_a_profile(request, org_a, who):
    with pytest.raises(PermissionDenied):
        update_organisation(org_a, actor=request.getfixturevalue(who), name="Hijacked")


def test_a_coordinator_creates_an_organisation_with_a_unique_code(coordinator):
    first = create_organisation(
        actor=coordinator, name="Amal", kind="donor", acronym="AML"
    )
    second = create_organisation(
        actor=coordinator, name="Amal", kind="donor", acronym="AML"
    )

    assert (first.code, second.code) == ("aml", "aml-2")


def test_only_coordinators_and_focal_points_create_organisations(worker_a):
    # A focal point lists one off the platform (tests/organisations/test_unconnected.py).
    with pytest.raises(PermissionDenied):
        create_organisation(actor=worker_a, name="X", kind="donor")


def test_verification_records_who_and_when(coordinator, org_c):
    Organisation.objects.filter(pk=org_c.pk).update(verified=False)
    before = timezone.now()

    org = verify_organisation(org_c, actor=coordinator)

    assert org.verified is True
    assert org.verified_by == coordinator
    assert before <= org.verified_at <= timezone.now()
    unverified = verify_organisation(org, actor=coordinator, verified=False)
    assert (unverified.verified, unverified.verified_by, unverified.verified_at) == (
        False,
        None,
        None,
    )


@pytest.mark.parametrize("who", ["focal_a", "worker_a", "observer"])
def test_only_coordinators_verify(request, org_a, who):
    with pytest.raises(PermissionDenied):
        verify_organisation(org_a, actor=request.getfixturevalue(who))


def test_deactivation_revokes_tokens_and_hides_the_organisation_from_members(
    coordinator, focal_b, worker_b, org_b, token_b
):
    create_api_token(actor=focal_b, organisation=org_b, name="second")
    already = ApiToken.objects.order_by("created_at").first()
    earlier = timezone.now() - timedelta(days=1)
    ApiToken.objects.filter(pk=already.pk).update(revoked_at=earlier)

    set_organisation_active(org_b, actor=coordinator, active=False)

    assert not ApiToken.objects.active().exists()
    assert ApiToken.objects.get(pk=already.pk).revoked_at == earlier  # untouched
    assert ApiToken.objects.exclude(pk=already.pk).get().revoked_by == coordinator
    assert fresh(worker_b).acting_organisation is None
    assert not Organisation.objects.visible_to(fresh(worker_b)).filter(pk=org_b.pk)

    set_organisation_active(org_b, actor=coordinator, active=True)
    assert not ApiToken.objects.active().exists()  # revoked stays revoked
    assert fresh(worker_b).acting_organisation == org_b


def test_only_coordinators_deactivate(focal_a, org_a):
    with pytest.raises(PermissionDenied):
        set_organisation_active(org_a, actor=focal_a, active=False)


# ---------------------------------------------------------------------------
# Requests to join
# ---------------------------------------------------------------------------
@pytest.fixture
def join_request(oriental) -> JoinRequest:
    """A pending request from a new association in the Oriental."""
    return submit_join_request(
        organisation_name="Association Nouvelle",
        acronym="AN",
        kind=Organisation.Kind.MIGRANT_LED,
        description="Accueil des nouveaux arrivants.",
        contact_name="Awa",
        contact_email="awa@an.example.org",
        regions=[oriental],
        sectors=[Sector.objects.get(code="health")],
    )


def test_a_request_to_join_is_pending_with_its_places_and_sectors(join_request):
    assert join_request.status == JoinRequest.Status.PENDING
    assert list(join_request.regions.values_list("code", flat=True)) == ["02"]


def test_approval_creates_an_unverified_organisation_and_invites_its_contact(
    join_request,
    coordinator,
    mailoutbox,
    django_capture_on_commit_callbacks,
    eager_celery,
):
    with django_capture_on_commit_callbacks(execute=True):
        decided = approve_join_request(
            join_request, actor=coordinator, note="Bienvenue"
        )

    org = decided.organisation
    assert decided.status == JoinRequest.Status.APPROVED
    assert (decided.decided_by, decided.decision_note) == (coordinator, "Bienvenue")
    assert decided.decided_at is not None
    assert (org.name, org.code, org.kind) == (
        "Association Nouvelle",
        "an",
        "migrant_led",
    )
    assert org.verified is False
    assert list(org.regions.values_list("code", flat=True)) == ["02"]
    assert list(org.sectors.values_list("code", flat=True)) == ["health"]
    invitation = Invitation.objects.get(organisation=org)
    assert (invitation.email, invitation.role) == ("awa@an.example.org", FOCAL_POINT)
    assert [m.to for m in mailoutbox] == [["awa@an.example.org"]]


def test_rejection_needs_a_note_and_tells_the_contact(
    join_request,
    coordinator,
    mailoutbox,
    django_capture_on_commit_callbacks,
    eager_celery,
):
    with pytest.raises(ValidationError) as refused:
        reject_join_request(join_request, actor=coordinator, note="   ")
    assert "note" in refused.value.message_dict

    with django_capture_on_commit_callbacks(execute=True):
        decided = reject_join_request(
            join_request, actor=coordinator, note="Hors champ"
        )

    assert decided.status == JoinRequest.Status.REJECTED
    assert decided.decision_note == "Hors champ"
    assert not Organisation.objects.filter(name="Association Nouvelle").exists()
    assert [m.to for m in mailoutbox] == [["awa@an.example.org"]]


@pytest.mark.parametrize("first", ["approve", "reject"])
def test_a_request_is_decided_once(join_request, coordinator, first):
    if first == "approve":
        approve_join_request(join_request, actor=coordinator)
    else:
        reject_join_request(join_request, actor=coordinator, note="Non")

    with pytest.raises(Conflict):
        approve_join_request(join_request, actor=coordinator)
    with pytest.raises(Conflict):
        reject_join_request(join_request, actor=coordinator, note="Encore")

    assert Organisation.objects.filter(name="Association Nouvelle").count() == (
        1 if first == "approve" else 0
    )


@pytest.mark.parametrize("who", ["focal_a", "observer"])
def test_only_coordinators_decide_requests(join_request, request, who):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        approve_join_request(join_request, actor=actor)
    with pytest.raises(PermissionDenied):
        reject_join_request(join_request, actor=actor, note="Non")


# ---------------------------------------------------------------------------
# API tokens
# ---------------------------------------------------------------------------
def test_a_token_is_stored_hashed_and_its_key_returned_once(focal_a, org_a):
    token, key = create_api_token(
        actor=focal_a, organisation=org_a, name=" Case system "
    )

    assert key.startswith("tsq_")
    assert len(key) > 40
    assert token.key_hash == hash_secret(key)
    assert token.prefix == key[:10]
    assert token.name == "Case system"
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(v) for v in stored.values()}
    assert (token.user, token.organisation) == (focal_a, org_a)


@pytest.mark.parametrize("who", ["worker_a", "focal_b", "coordinator"])
def test_only_a_focal_point_of_the_organisation_creates_tokens(request, org_a, who):
    with pytest.raises(PermissionDenied):
        create_api_token(
            actor=request.getfixturevalue(who), organisation=org_a, name="x"
        )


def test_a_token_owner_must_be_a_member_even_for_ops(coordinator, org_a):
    with pytest.raises(ValidationError) as refused:
        create_api_token(
            actor=coordinator, organisation=org_a, name="ops", check_authority=False
        )

    assert "organisation" in refused.value.message_dict


def test_a_token_needs_a_name(focal_a, org_a):
    with pytest.raises(ValidationError) as refused:
        create_api_token(actor=focal_a, organisation=org_a, name="  ")

    assert "name" in refused.value.message_dict


def test_a_focal_point_revokes_a_token(focal_b, org_b, token_b):
    token = ApiToken.objects.get()

    revoked = revoke_api_token(token, actor=focal_b)

    assert revoked.revoked_at is not None
    assert revoked.revoked_by == focal_b
    assert revoke_api_token(revoked, actor=focal_b).revoked_at == revoked.revoked_at


@pytest.mark.parametrize("who", ["worker_b", "focal_a", "coordinator"])
def test_others_cannot_revoke_a_token(request, token_b, who):
    with pytest.raises(PermissionDenied):
        revoke_api_token(ApiToken.objects.get(), actor=request.getfixturevalue(who))

    assert ApiToken.objects.get().revoked_at is None


# ---------------------------------------------------------------------------
# The user's own settings
# ---------------------------------------------------------------------------
def test_a_member_of_several_organisations_chooses_which_to_act_for(
    worker_a, org_a, org_c
):
    MembershipFactory(user=worker_a, organisation=org_c)

    user = set_acting_organisation(worker_a, organisation=org_c)

    assert user.acting_organisation == org_c
    assert fresh(worker_a).acting_organisation == org_c


def test_one_cannot_act_for_an_organisation_one_is_not_a_member_of(worker_a, org_b):
    with pytest.raises(ValidationError) as refused:
        set_acting_organisation(worker_a, organisation=org_b)

    assert "organisation" in refused.value.message_dict


def test_one_cannot_act_for_a_deactivated_organisation(worker_a, org_c):
    MembershipFactory(user=worker_a, organisation=org_c)
    Organisation.objects.filter(pk=org_c.pk).update(is_active=False)

    with pytest.raises(ValidationError):
        set_acting_organisation(worker_a, organisation=org_c)


def test_profile_language_must_be_offered(worker_a):
    with pytest.raises(ValidationError):
        update_profile(worker_a, language="tlh")

    assert update_profile(worker_a, name="W", language="en").language == "en"


# ---------------------------------------------------------------------------
# Audit trail
# ---------------------------------------------------------------------------
@pytest.fixture
def _mfa_optional(settings):
    settings.TANSIQ_REQUIRE_MFA = False


@pytest.mark.usefixtures("_mfa_optional")
def test_a_change_through_the_api_records_who_made_it(api_as, focal_a, org_a):
    url = reverse("api:organisation-detail", args=[org_a.pk])

    api_as(focal_a).patch(url, {"acronym": "AUD"}, format="json")

    event = org_a.events.order_by("pgh_id").last()
    assert (event.pgh_label, event.acronym) == ("update", "AUD")
    assert event.pgh_context.metadata["user"] == focal_a.pk
    assert event.pgh_context.metadata["url"] == url


@pytest.mark.usefixtures("_mfa_optional")
def test_a_change_by_token_records_the_owner_and_the_token(
    api_as, focal_b, org_b, token_b
):
    url = reverse("api:organisation-detail", args=[org_b.pk])

    api_as(token=token_b).patch(url, {"acronym": "TOK"}, format="json")

    metadata = org_b.events.order_by("pgh_id").last().pgh_context.metadata
    assert metadata["user"] == focal_b.pk
    assert metadata["api_token"] == ApiToken.objects.get().pk


def test_memberships_invitations_and_tokens_are_audited(focal_a, org_a, worker_a):
    invitation, _ = invite_user(
        actor=focal_a, email="audit@example.org", role=CASEWORKER, organisation=org_a
    )
    token, _ = create_api_token(actor=focal_a, organisation=org_a, name="audit")
    revoke_api_token(token, actor=focal_a)
    change_member_role(
        _membership(worker_a, org_a), actor=focal_a, role=Membership.Role.FOCAL_POINT
    )

    assert invitation.events.filter(pgh_label="insert").exists()
    assert list(
        token.events.values_list("pgh_label", flat=True).order_by("pgh_id")
    ) == [
        "insert",
        "update",
    ]
    assert _membership(worker_a, org_a).events.filter(pgh_label="update").exists()
    assert "key_hash" not in {f.name for f in ApiToken.pgh_event_model._meta.fields}


def test_token_use_does_not_fill_the_audit_trail(api_as, token_b, settings):
    settings.TANSIQ_REQUIRE_MFA = False
    token = ApiToken.objects.get()
    ApiToken.objects.update(last_used_at=timezone.now() - timedelta(hours=1))

    api_as(token=token_b).get(reverse("api:me"))

    assert token.events.count() == 1  # the insert only


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE organisations_organisationevent SET name = 'rewritten'",
        "DELETE FROM organisations_organisationevent",
        "UPDATE organisations_membershipevent SET role = 'focal_point'",
        "DELETE FROM organisations_apitokenevent",
    ],
)
def test_the_audit_trail_is_append_only(focal_a, org_a, token_b, sql):
    update_organisation(org_a, actor=focal_a, acronym="AUD")

    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql)

    assert org_a.events.filter(name="Association A").exists()
