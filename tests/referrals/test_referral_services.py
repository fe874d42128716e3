"""The referral pathway's services: sending with consent, every transition and every
refusal, deadlines, the timeline, notifications and webhooks (never identity),
reminders and escalation, who sees the identity, and retention."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.models import Sector
from notifications.models import Notification, OutboxMessage, WebhookSubscription
from organisations.models import Membership
from referrals import services
from referrals.models import Beneficiary, Referral, ReferralEvent
from tests.factories import MembershipFactory, UserFactory
from tests.referrals.conftest import SENTINELS

Status = Referral.Status
Kind = Notification.Kind


@pytest.fixture
def health():
    return Sector.objects.get(code="health")


@pytest.fixture
def service_b(focal_b, health):
    """A health service of organisation B."""
    from coordination.models import Region
    from organisations.services import create_service

    return create_service(
        actor=focal_b,
        name="Consultations",
        sector=health,
        service_type=health.service_types.first(),
        regions=[Region.objects.get(code="02")],
    )


def send(beneficiary, actor, **overrides):
    values = {
        "reason": "Needs a medical consultation",
        "priority": Referral.Priority.NORMAL,
        **overrides,
    }
    if "sector" not in values and values.get("service") is None:
        values["sector"] = Sector.objects.get(code="health")
    return services.send_referral(beneficiary, actor=actor, **values)


@pytest.fixture
def referral(beneficiary_a, worker_a, org_b, worker_b, focal_b, consent_a_to_b):
    """A pending referral of A's person to B, under consent (B has two members)."""
    return send(beneficiary_a, worker_a, to_organisation=org_b, consent=consent_a_to_b)


def _reload(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def _kinds(referral: Referral) -> list[str]:
    return list(referral.events.values_list("kind", flat=True))


def _assert_no_identity(value) -> None:
    text = json.dumps(value, default=str)
    for sentinel in SENTINELS:
        assert sentinel not in text


# ---------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------
def test_a_referral_is_sent_under_an_existing_consent(
    referral, beneficiary_a, worker_a, org_a, org_b, consent_a_to_b
):
    assert referral.code.startswith("REF-")
    assert len(referral.code) == 10
    assert str(referral) == referral.code
    assert referral.status == Status.PENDING
    assert referral.from_organisation == org_a
    assert referral.to_organisation == org_b
    assert referral.consent == consent_a_to_b
    assert referral.created_by == worker_a
    assert referral.province == beneficiary_a.province
    assert referral.version == 1
    assert _kinds(referral) == [ReferralEvent.Kind.SENT]
    event = referral.events.get()
    assert event.actor == worker_a
    assert event.organisation == org_a


def test_new_consent_terms_are_recorded_with_the_referral(
    beneficiary_a, worker_a, org_b
):
    referral = send(
        beneficiary_a,
        worker_a,
        to_organisation=org_b,
        new_consent=services.ConsentTerms(given_by="self", scope="Name and phone"),
    )

    assert referral.consent.organisation == org_b
    assert referral.consent.beneficiary == beneficiary_a
    assert referral.consent.is_active


def test_a_service_fills_in_the_organisation_and_the_need(
    beneficiary_a, worker_a, org_b, service_b
):
    referral = send(
        beneficiary_a,
        worker_a,
        service=service_b,
        new_consent=services.ConsentTerms(given_by="self", scope="Name"),
    )

    assert referral.to_organisation == org_b
    assert referral.sector == service_b.sector
    assert referral.service_type == service_b.service_type


def test_a_person_whose_place_is_unknown_can_be_referred(worker_a, org_b):
    from tests.referrals.conftest import identity

    person = services.register_beneficiary(actor=worker_a, **identity())
    assert person.region is None

    referral = send(
        person,
        worker_a,
        to_organisation=org_b,
        new_consent=services.ConsentTerms(given_by="self", scope="Name"),
    )

    assert referral.region is None
    assert referral.province is None


@pytest.mark.parametrize(
    ("priority", "delay"),
    [
        ("emergency", timedelta(hours=24)),
        ("urgent", timedelta(hours=72)),
        ("normal", timedelta(days=14)),
    ],
)
def test_the_deadline_follows_the_priority(
    beneficiary_a, worker_a, org_b, consent_a_to_b, priority, delay
):
    referral = send(
        beneficiary_a,
        worker_a,
        to_organisation=org_b,
        consent=consent_a_to_b,
        priority=priority,
    )

    assert referral.due_at - referral.sent_at == delay
    assert not referral.is_overdue


def test_sending_without_consent_is_refused(beneficiary_a, worker_a, org_b):
    with pytest.raises(ValidationError) as error:
        send(beneficiary_a, worker_a, to_organisation=org_b)

    assert "consent" in error.value.error_dict
    assert not Referral.objects.exists()


def test_sending_under_a_withdrawn_consent_is_refused(
    beneficiary_a, worker_a, org_b, consent_a_to_b
):
    withdrawn = services.withdraw_consent(
        consent_a_to_b, actor=worker_a, reason="Changed mind"
    )

    with translation.override("en"), pytest.raises(ValidationError) as error:
        send(beneficiary_a, worker_a, to_organisation=org_b, consent=withdrawn)

    assert "withdrawn" in error.value.error_dict["consent"][0].messages[0]
    assert not Referral.objects.exists()


def test_a_consent_withdrawn_meanwhile_is_refused(
    beneficiary_a, worker_a, org_b, consent_a_to_b
):
    from referrals.models import Consent

    Consent.objects.filter(pk=consent_a_to_b.pk).update(withdrawn_at=timezone.now())

    with pytest.raises(ValidationError):
        send(beneficiary_a, worker_a, to_organisation=org_b, consent=consent_a_to_b)


def test_a_consent_for_another_organisation_is_refused(
    beneficiary_a, worker_a, org_b, org_c
):
    consent_to_c = services.record_consent(
        beneficiary_a, actor=worker_a, organisation=org_c, given_by="self", scope="x"
    )

    with pytest.raises(ValidationError) as error:
        send(beneficiary_a, worker_a, to_organisation=org_b, consent=consent_to_c)

    assert "consent" in error.value.error_dict
    assert not Referral.objects.exists()


def test_a_referral_to_ones_own_organisation_is_refused(beneficiary_a, worker_a, org_a):
    with pytest.raises(ValidationError) as error:
        send(
            beneficiary_a,
            worker_a,
            to_organisation=org_a,
            new_consent=services.ConsentTerms(given_by="self", scope="x"),
        )

    assert "to_organisation" in error.value.error_dict
    assert not Referral.objects.exists()


def test_a_referral_to_an_inactive_organisation_is_refused(
    beneficiary_a, worker_a, org_b, consent_a_to_b
):
    org_b.is_active = False
    org_b.save(update_fields=["is_active"])

    with pytest.raises(ValidationError) as error:
        send(beneficiary_a, worker_a, to_organisation=org_b, consent=consent_a_to_b)

    assert "to_organisation" in error.value.error_dict
    assert not Referral.objects.exists()


def test_a_suspended_service_takes_no_referral(
    beneficiary_a, worker_a, service_b, consent_a_to_b
):
    service_b.status = service_b.Status.SUSPENDED
    service_b.save(update_fields=["status"])

    with pytest.raises(ValidationError) as error:
        send(beneficiary_a, worker_a, service=service_b, consent=consent_a_to_b)

    assert "service" in error.value.error_dict
    assert not Referral.objects.exists()


def test_the_service_must_belong_to_the_chosen_organisation(
    beneficiary_a, worker_a, service_b, org_c
):
    with pytest.raises(ValidationError) as error:
        send(
            beneficiary_a,
            worker_a,
            to_organisation=org_c,
            service=service_b,
            new_consent=services.ConsentTerms(given_by="self", scope="x"),
        )

    assert "service" in error.value.error_dict
    assert not Referral.objects.exists()


def test_a_reason_is_required(beneficiary_a, worker_a, org_b, consent_a_to_b):
    with pytest.raises(ValidationError) as error:
        send(
            beneficiary_a,
            worker_a,
            to_organisation=org_b,
            consent=consent_a_to_b,
            reason="  ",
        )

    assert "reason" in error.value.error_dict


@pytest.mark.parametrize("who", ["worker_b", "worker_c", "coordinator", "observer"])
def test_only_the_owning_organisation_refers_its_person(
    request, beneficiary_a, org_b, consent_a_to_b, who
):
    with pytest.raises(PermissionDenied):
        send(
            beneficiary_a,
            request.getfixturevalue(who),
            to_organisation=org_b,
            consent=consent_a_to_b,
        )
    assert not Referral.objects.exists()


# ---------------------------------------------------------------------------
# Transitions
# ---------------------------------------------------------------------------
def test_the_receiver_accepts_and_assigns(referral, worker_b, focal_b, org_b):
    accepted = services.accept_referral(referral, actor=focal_b, assign_to=worker_b)

    assert accepted.status == Status.ACCEPTED
    assert accepted.responded_at is not None
    assert accepted.closed_at is None
    assert accepted.assigned_to == worker_b
    assert accepted.version == 2
    assert accepted.updated_by == focal_b
    assert _kinds(accepted) == ["sent", "accepted", "assigned"]
    assert accepted.events.get(kind="assigned").note == worker_b.display_name


def test_the_receiver_declines_with_a_reason(referral, worker_b):
    declined = services.decline_referral(
        referral, actor=worker_b, reason="No places left"
    )

    assert declined.status == Status.DECLINED
    assert declined.decline_reason == "No places left"
    assert declined.closed_at is not None
    assert declined.responded_at is not None
    assert _kinds(declined) == ["sent", "declined"]
    assert declined.events.get(kind="declined").note == "No places left"


def test_declining_needs_a_reason(referral, worker_b):
    with pytest.raises(ValidationError) as error:
        services.decline_referral(referral, actor=worker_b, reason=" ")

    assert "reason" in error.value.error_dict
    assert _reload(referral).status == Status.PENDING


def test_the_receiver_completes_with_an_outcome_and_feedback(referral, worker_b):
    services.accept_referral(referral, actor=worker_b)

    completed = services.complete_referral(
        referral, actor=worker_b, outcome="Seen by a doctor", feedback="Come back"
    )

    assert completed.status == Status.COMPLETED
    assert completed.outcome == "Seen by a doctor"
    assert completed.feedback == "Come back"
    assert completed.closed_at is not None
    assert _kinds(completed) == ["sent", "accepted", "completed", "feedback"]
    assert completed.version == 3


def test_completing_needs_an_outcome(referral, worker_b):
    services.accept_referral(referral, actor=worker_b)

    with pytest.raises(ValidationError) as error:
        services.complete_referral(referral, actor=worker_b, outcome="")

    assert "outcome" in error.value.error_dict
    assert _reload(referral).status == Status.ACCEPTED


def test_a_pending_referral_cannot_be_completed(referral, worker_b):
    with pytest.raises(Conflict):
        services.complete_referral(referral, actor=worker_b, outcome="Done")


def test_the_sender_cancels_an_open_referral(referral, worker_a, worker_b):
    services.accept_referral(referral, actor=worker_b)

    cancelled = services.cancel_referral(referral, actor=worker_a, reason="Moved")

    assert cancelled.status == Status.CANCELLED
    assert cancelled.cancel_reason == "Moved"
    assert cancelled.closed_at is not None
    assert _kinds(cancelled) == ["sent", "accepted", "cancelled"]


@pytest.mark.parametrize("closing", ["cancel", "decline", "accept"])
def test_only_a_pending_referral_can_be_accepted(
    referral, worker_a, worker_b, focal_b, closing
):
    if closing == "cancel":
        services.cancel_referral(referral, actor=worker_a)
    elif closing == "decline":
        services.decline_referral(referral, actor=worker_b, reason="Full")
    else:
        services.accept_referral(referral, actor=worker_b)
    before = _reload(referral)

    with pytest.raises(Conflict):
        services.accept_referral(referral, actor=focal_b)

    after = _reload(referral)
    assert (after.status, after.version) == (before.status, before.version)
    assert after.events.filter(kind="accepted").count() == (
        1 if closing == "accept" else 0
    )


def test_a_closed_referral_cannot_be_cancelled_or_declined(
    referral, worker_a, worker_b
):
    services.decline_referral(referral, actor=worker_b, reason="Full")

    with pytest.raises(Conflict):
        services.cancel_referral(referral, actor=worker_a)
    with pytest.raises(Conflict):
        services.decline_referral(referral, actor=worker_b, reason="Again")


def test_the_sender_cannot_accept(referral, worker_a, focal_a):
    for actor in (worker_a, focal_a):
        with pytest.raises(PermissionDenied):
            services.accept_referral(referral, actor=actor)
        with pytest.raises(PermissionDenied):
            services.decline_referral(referral, actor=actor, reason="x")
    assert _reload(referral).status == Status.PENDING


def test_the_receiver_cannot_cancel(referral, worker_b):
    with pytest.raises(PermissionDenied):
        services.cancel_referral(referral, actor=worker_b, reason="x")
    assert _reload(referral).status == Status.PENDING


@pytest.mark.parametrize("who", ["worker_c", "coordinator", "observer"])
def test_nobody_else_moves_a_referral(request, referral, worker_b, who):
    actor = request.getfixturevalue(who)
    for transition, kwargs in (
        (services.accept_referral, {}),
        (services.decline_referral, {"reason": "x"}),
        (services.cancel_referral, {}),
        (services.assign_referral, {"assignee": worker_b}),
    ):
        with pytest.raises(PermissionDenied):
            transition(referral, actor=actor, **kwargs)
    assert _reload(referral).version == 1


def test_assigning_to_a_non_member_is_refused(referral, focal_b, worker_a, org_b):
    with pytest.raises(ValidationError) as error:
        services.assign_referral(referral, actor=focal_b, assignee=worker_a)
    assert "assigned_to" in error.value.error_dict
    inactive = MembershipFactory(
        organisation=org_b,
        user=UserFactory(email="gone.b@example.org", is_active=False),
        role=Membership.Role.CASEWORKER,
    ).user
    with pytest.raises(ValidationError):
        services.accept_referral(referral, actor=focal_b, assign_to=inactive)
    assert _reload(referral).assigned_to is None
    assert _reload(referral).status == Status.PENDING


def test_the_receiver_assigns_a_member(referral, focal_b, worker_b):
    assigned = services.assign_referral(referral, actor=focal_b, assignee=worker_b)

    assert assigned.assigned_to == worker_b
    assert assigned.status == Status.PENDING
    assert _kinds(assigned) == ["sent", "assigned"]


def test_a_stale_version_is_refused(referral, worker_b, focal_b):
    services.accept_referral(referral, actor=worker_b, version=1)

    with pytest.raises(services.ReferralPreconditionFailed):
        services.complete_referral(referral, actor=focal_b, outcome="Done", version=1)
    assert _reload(referral).status == Status.ACCEPTED


# ---------------------------------------------------------------------------
# Notifications and webhooks
# ---------------------------------------------------------------------------
def _recipients(kind: str) -> set:
    return set(
        Notification.objects.filter(kind=kind).values_list("recipient", flat=True)
    )


def test_each_step_notifies_the_other_organisation_but_never_the_actor(
    beneficiary_a, worker_a, focal_a, worker_b, focal_b, org_b, consent_a_to_b
):
    referral = send(
        beneficiary_a, worker_a, to_organisation=org_b, consent=consent_a_to_b
    )
    assert _recipients(Kind.REFERRAL_RECEIVED) == {worker_b.pk, focal_b.pk}

    services.accept_referral(referral, actor=worker_b)
    assert _recipients(Kind.REFERRAL_ACCEPTED) == {worker_a.pk, focal_a.pk}

    services.complete_referral(referral, actor=worker_b, outcome="Seen")
    assert _recipients(Kind.REFERRAL_COMPLETED) == {worker_a.pk, focal_a.pk}

    other = send(beneficiary_a, focal_a, to_organisation=org_b, consent=consent_a_to_b)
    services.decline_referral(other, actor=focal_b, reason="Full")
    assert _recipients(Kind.REFERRAL_DECLINED) == {worker_a.pk, focal_a.pk}

    third = send(beneficiary_a, focal_a, to_organisation=org_b, consent=consent_a_to_b)
    services.cancel_referral(third, actor=focal_a)
    assert _recipients(Kind.REFERRAL_CANCELLED) == {worker_b.pk, focal_b.pk}

    for notification in Notification.objects.filter(kind__startswith="referral_"):
        assert notification.actor_id not in (None, notification.recipient_id)
        assert set(notification.context) == {
            "code",
            "from_organisation",
            "to_organisation",
            "priority",
            "status",
            "due_at",
        }
        _assert_no_identity(notification.context)
        assert beneficiary_a.code not in json.dumps(notification.context)


def test_webhooks_go_to_subscribed_organisations_without_identity(
    beneficiary_a, worker_a, focal_a, org_a, worker_b, focal_b, org_b, consent_a_to_b
):
    from notifications.services import create_webhook_subscription

    create_webhook_subscription(
        actor=focal_b,
        organisation=org_b,
        url="https://93.184.215.14/hook",
        events=["referral.received", "referral.cancelled"],
    )
    create_webhook_subscription(
        actor=focal_a,
        organisation=org_a,
        url="https://93.184.215.14/hook-a",
        events=["referral.accepted"],
    )

    referral = send(
        beneficiary_a, worker_a, to_organisation=org_b, consent=consent_a_to_b
    )
    services.accept_referral(referral, actor=worker_b)
    services.complete_referral(referral, actor=worker_b, outcome="Seen")

    hooks = OutboxMessage.objects.filter(channel=OutboxMessage.Channel.WEBHOOK)
    assert sorted(hooks.values_list("event", "organisation_id")) == sorted(
        [
            (WebhookSubscription.Event.REFERRAL_RECEIVED, org_b.pk),
            (WebhookSubscription.Event.REFERRAL_ACCEPTED, org_a.pk),
        ]
    )
    for message in hooks:
        assert message.payload["data"]["context"]["code"] == referral.code
        _assert_no_identity(message.payload)
        assert beneficiary_a.code not in json.dumps(message.payload)


# ---------------------------------------------------------------------------
# Deadlines
# ---------------------------------------------------------------------------
def test_reminders_come_before_the_deadline_once(referral, worker_b, focal_b):
    lead = services.REMINDER_LEADS[referral.priority]
    early = referral.due_at - lead - timedelta(hours=1)
    near = referral.due_at - lead + timedelta(hours=1)

    assert services.remind_due_referrals(now=early) == 0
    assert services.remind_due_referrals(now=near) == 1
    assert services.remind_due_referrals(now=near + timedelta(minutes=5)) == 0

    assert _recipients(Kind.REFERRAL_REMINDER) == {worker_b.pk, focal_b.pk}
    assert Notification.objects.filter(kind=Kind.REFERRAL_REMINDER).count() == 2
    assert _kinds(_reload(referral)) == ["sent", "reminded"]
    assert _reload(referral).reminded_at == near


def test_an_answered_referral_is_not_reminded_nor_escalated(referral, worker_b):
    services.accept_referral(referral, actor=worker_b)
    later = referral.due_at + timedelta(days=1)

    assert services.remind_due_referrals(now=referral.due_at - timedelta(hours=1)) == 0
    assert services.escalate_overdue_referrals(now=later) == 0


def test_escalation_at_the_deadline_tells_receiver_and_coordinators_once(
    referral, worker_b, focal_b, coordinator, observer
):
    before = referral.due_at - timedelta(minutes=1)
    after = referral.due_at + timedelta(minutes=1)

    assert services.escalate_overdue_referrals(now=before) == 0
    assert services.escalate_overdue_referrals(now=after) == 1
    assert services.escalate_overdue_referrals(now=after + timedelta(hours=2)) == 0

    overdue = Notification.objects.filter(kind=Kind.REFERRAL_OVERDUE)
    assert {n.recipient_id for n in overdue} == {
        worker_b.pk,
        focal_b.pk,
        coordinator.pk,
    }
    assert overdue.count() == 3
    to_coordinator = overdue.get(recipient=coordinator)
    assert to_coordinator.url == reverse("referrals:pathway") + "?overdue=true"
    assert to_coordinator.context["escalation"] is True
    for notification in overdue:
        _assert_no_identity(notification.context)
    assert _kinds(_reload(referral)) == ["sent", "overdue"]
    assert _reload(referral).escalated_at == after
    assert Referral.objects.overdue(now=after).get() == referral


# ---------------------------------------------------------------------------
# Identity sight
# ---------------------------------------------------------------------------
def test_the_receiver_sees_the_identity_under_an_active_consent(
    referral, beneficiary_a, worker_b, worker_a, consent_a_to_b
):
    assert services.can_see_identity(worker_b, beneficiary_a)
    services.accept_referral(referral, actor=worker_b)
    assert services.can_see_identity(worker_b, beneficiary_a)

    services.withdraw_consent(consent_a_to_b, actor=worker_a, reason="Asked")

    assert not services.can_see_identity(worker_b, beneficiary_a)
    assert services.can_see_identity(worker_a, beneficiary_a)


def test_the_receiver_keeps_sight_after_completion(referral, beneficiary_a, worker_b):
    services.accept_referral(referral, actor=worker_b)
    services.complete_referral(referral, actor=worker_b, outcome="Seen")

    assert services.can_see_identity(worker_b, beneficiary_a)


@pytest.mark.parametrize("closing", ["decline", "cancel"])
def test_the_receiver_loses_sight_after_decline_or_cancel(
    referral, beneficiary_a, worker_a, worker_b, closing
):
    if closing == "decline":
        services.decline_referral(referral, actor=worker_b, reason="Full")
    else:
        services.cancel_referral(referral, actor=worker_a)

    assert not services.can_see_identity(worker_b, beneficiary_a)


@pytest.mark.parametrize("who", ["worker_c", "coordinator", "observer"])
def test_nobody_else_ever_sees_the_identity(request, referral, beneficiary_a, who):
    assert not services.can_see_identity(request.getfixturevalue(who), beneficiary_a)


def test_the_receiver_learns_the_codes_it_already_knows_the_person_by(
    referral, beneficiary_a, worker_b, org_b, org_c, worker_c
):
    from tests.referrals.conftest import SENTINEL_NAME, SENTINEL_PHONE, identity

    own = services.register_beneficiary(
        actor=worker_b,
        **identity(full_name=SENTINEL_NAME, phone=SENTINEL_PHONE),
    )
    services.register_beneficiary(
        actor=worker_c,
        **identity(full_name=SENTINEL_NAME, phone=SENTINEL_PHONE),
    )

    assert services.known_to(org_b, beneficiary_a) == [own.code]


# ---------------------------------------------------------------------------
# Retention
# ---------------------------------------------------------------------------
def test_retention_spares_a_person_with_an_open_referral(
    referral, beneficiary_a, settings
):
    settings.BENEFICIARY_RETENTION_MONTHS = 24
    much_later = timezone.now() + timedelta(days=800)

    assert services.erase_expired_identities(now=much_later) == 0
    beneficiary_a.refresh_from_db()
    assert not beneficiary_a.identity_erased


def test_retention_erases_a_person_whose_referrals_are_closed_and_old(
    referral, beneficiary_a, worker_b, settings
):
    settings.BENEFICIARY_RETENTION_MONTHS = 24
    services.decline_referral(referral, actor=worker_b, reason="Full")
    much_later = timezone.now() + timedelta(days=800)

    assert services.erase_expired_identities(now=much_later) == 1

    beneficiary_a.refresh_from_db()
    assert beneficiary_a.identity_erased
    assert beneficiary_a.full_name == ""
    assert Referral.objects.filter(beneficiary=beneficiary_a).count() == 1
    assert Beneficiary.objects.filter(pk=beneficiary_a.pk).exists()


def test_referral_activity_keeps_the_person_out_of_retention(
    referral, beneficiary_a, worker_b, settings
):
    settings.BENEFICIARY_RETENTION_MONTHS = 24
    Beneficiary.objects.filter(pk=beneficiary_a.pk).update(
        last_activity_at=timezone.now() - timedelta(days=1000)
    )

    services.decline_referral(referral, actor=worker_b, reason="Full")

    assert services.erase_expired_identities(now=timezone.now()) == 0
