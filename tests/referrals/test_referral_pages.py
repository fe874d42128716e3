"""Referral pages: the inbox and outgoing lists, the detail with its actions, the
create flow with the service finder, and the coordinators' pathway. Sender and
receiver only (404 for everyone else), identity only under consent and logged, no
identity (nor reason) in lists, the pathway or another organisation's responses."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination.models import Region, Sector
from notifications.models import Notification
from referrals import services
from referrals.models import Consent, IdentityAccessLog, Referral
from tests.referrals.conftest import SENTINEL_NAME, SENTINEL_PHONE, SENTINELS

INBOX = reverse("referrals:referral_inbox")
OUTGOING = reverse("referrals:referral_outgoing")
PATHWAY = reverse("referrals:pathway")
REASON = "REASON-SENTINEL needs a consultation"


@pytest.fixture
def health():
    return Sector.objects.get(code="health")


@pytest.fixture
def service_b(focal_b, health):
    """A health service of organisation B in the Oriental."""
    from organisations.services import create_service

    return create_service(
        actor=focal_b,
        name="Consultations B",
        sector=health,
        service_type=health.service_types.first(),
        regions=[Region.objects.get(code="02")],
        capacity=4,
    )


@pytest.fixture
def referral(beneficiary_a, worker_a, org_b, worker_b, consent_a_to_b, health):
    """A pending referral of A's person to B, under consent."""
    return services.send_referral(
        beneficiary_a,
        actor=worker_a,
        to_organisation=org_b,
        sector=health,
        reason=REASON,
        priority=Referral.Priority.URGENT,
        consent=consent_a_to_b,
    )


def detail(referral, action=None):
    if action is None:
        return reverse("referrals:referral_detail", args=[referral.code])
    return reverse(f"referrals:referral_{action}", args=[referral.code])


def _text(response) -> str:
    return response.content.decode()


def _assert_no_identity(response) -> None:
    page = _text(response)
    for sentinel in SENTINELS:
        assert sentinel not in page


# ---------------------------------------------------------------------------
# Who sees which page
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("worker_a", 200),
        ("worker_b", 200),
        ("worker_c", 404),
        ("coordinator", 404),
        ("observer", 404),
    ],
)
def test_the_detail_is_for_the_sender_and_the_receiver(
    client_as, request, referral, who, status
):
    response = client_as(request.getfixturevalue(who)).get(detail(referral))

    assert response.status_code == status
    if status == 404:
        _assert_no_identity(response)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("worker_a", 200),
        ("worker_b", 200),
        ("worker_c", 200),
        ("coordinator", 404),
        ("observer", 404),
    ],
)
@pytest.mark.parametrize("url", [INBOX, OUTGOING])
def test_the_lists_are_for_members_of_an_organisation(
    client_as, request, referral, who, status, url
):
    response = client_as(request.getfixturevalue(who)).get(url)

    assert response.status_code == status


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("worker_a", 404),
        ("worker_b", 404),
        ("worker_c", 404),
        ("coordinator", 200),
        ("observer", 404),
    ],
)
def test_the_pathway_is_for_coordinators(client_as, request, referral, who, status):
    response = client_as(request.getfixturevalue(who)).get(PATHWAY)

    assert response.status_code == status


@pytest.mark.parametrize("name", ["inbox", "outgoing", "pathway", "detail", "create"])
def test_anonymous_visitors_are_sent_to_log_in(client_as, referral, name):
    url = {
        "inbox": INBOX,
        "outgoing": OUTGOING,
        "pathway": PATHWAY,
        "detail": detail(referral),
        "create": reverse(
            "referrals:referral_create", args=[referral.beneficiary.code]
        ),
    }[name]

    response = client_as(None).get(url)

    assert response.status_code == 302
    assert "/accounts/login/" in response.url


# ---------------------------------------------------------------------------
# Lists
# ---------------------------------------------------------------------------
def test_the_inbox_lists_incoming_referrals_by_code_without_identity(
    client_as, worker_b, referral
):
    response = client_as(worker_b).get(INBOX)
    page = _text(response)

    assert referral.code in page
    assert referral.beneficiary.code in page
    assert "Association A" in page or "AA" in page
    _assert_no_identity(response)
    assert REASON not in page


def test_the_senders_inbox_is_empty_and_its_outgoing_list_has_the_referral(
    client_as, worker_a, referral
):
    client = client_as(worker_a)

    assert referral.code not in _text(client.get(INBOX))
    outgoing = client.get(OUTGOING)
    assert referral.code in _text(outgoing)
    _assert_no_identity(outgoing)


def test_a_third_organisation_sees_nothing_of_the_referral(
    client_as, worker_c, referral
):
    client = client_as(worker_c)

    for url in (INBOX, OUTGOING):
        response = client.get(url)
        assert referral.code not in _text(response)
        _assert_no_identity(response)


def test_the_inbox_puts_overdue_first_and_counts_by_status(
    client_as, worker_b, referral, beneficiary_a, worker_a, org_b, health
):
    consent = services.record_consent(
        beneficiary_a, actor=worker_a, organisation=org_b, given_by="self", scope="x"
    )
    late = services.send_referral(
        beneficiary_a,
        actor=worker_a,
        to_organisation=org_b,
        sector=health,
        reason="Late",
        priority=Referral.Priority.NORMAL,
        consent=consent,
        now=timezone.now() - timedelta(days=20),
    )

    response = client_as(worker_b).get(INBOX)
    page = _text(response)

    assert page.index(late.code) < page.index(referral.code)
    assert response.context["totals"]["pending"] == 2
    assert response.context["totals"]["overdue"] == 1
    overdue_only = client_as(worker_b).get(INBOX, {"overdue": "true"})
    assert late.code in _text(overdue_only)
    assert referral.code not in _text(overdue_only)


def test_the_inbox_filters_by_status(client_as, worker_b, referral):
    services.accept_referral(referral, actor=worker_b)
    client = client_as(worker_b)

    assert referral.code not in _text(client.get(INBOX, {"status": "pending"}))
    assert referral.code in _text(client.get(INBOX, {"status": "accepted"}))


def test_the_inbox_makes_the_same_number_of_queries_for_1_and_20(
    client_as, worker_b, referral, beneficiary_a, worker_a, org_b, health
):
    client = client_as(worker_b)
    client.get(INBOX)  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        client.get(INBOX)
    for _ in range(19):
        services.send_referral(
            beneficiary_a,
            actor=worker_a,
            to_organisation=org_b,
            sector=health,
            reason="More",
            consent=referral.consent,
        )
    services.assign_referral(
        Referral.objects.exclude(pk=referral.pk).first(),
        actor=worker_b,
        assignee=worker_b,
    )
    with CaptureQueriesContext(connection) as twenty:
        response = client.get(INBOX)

    assert response.context["paginator"].count == 20
    assert len(twenty) == len(one)


# ---------------------------------------------------------------------------
# Detail and identity
# ---------------------------------------------------------------------------
def test_the_receiver_sees_the_identity_under_consent_and_it_is_logged(
    client_as, worker_b, referral
):
    response = client_as(worker_b).get(detail(referral))
    page = _text(response)

    assert SENTINEL_NAME in page
    assert SENTINEL_PHONE in page
    log = IdentityAccessLog.objects.get(user=worker_b)
    assert log.beneficiary == referral.beneficiary
    assert log.purpose == detail(referral)
    assert REASON in page  # the receiver reads why
    assert 'name="assign_to"' in page  # accept, with an optional assignee


def test_after_consent_withdrawal_the_receiver_no_longer_sees_the_identity(
    client_as, worker_a, worker_b, referral
):
    services.withdraw_consent(referral.consent, actor=worker_a, reason="Asked")

    response = client_as(worker_b).get(detail(referral))

    assert response.status_code == 200
    _assert_no_identity(response)
    assert not IdentityAccessLog.objects.filter(user=worker_b).exists()
    assert referral.beneficiary.code in _text(response)


def test_the_receiver_is_told_it_may_already_know_the_person(
    client_as, worker_b, referral
):
    from tests.referrals.conftest import identity

    own = services.register_beneficiary(
        actor=worker_b,
        **identity(full_name=SENTINEL_NAME, phone=SENTINEL_PHONE),
    )

    response = client_as(worker_b).get(detail(referral))

    assert own.code in _text(response)


def test_the_sender_sees_the_forms_it_may_use_only(client_as, worker_a, referral):
    page = _text(client_as(worker_a).get(detail(referral)))

    assert detail(referral, "cancel") in page
    assert detail(referral, "accept") not in page
    assert detail(referral, "decline") not in page


# ---------------------------------------------------------------------------
# Actions
# ---------------------------------------------------------------------------
def test_the_receiver_accepts_with_an_assignee_then_completes(
    client_as, worker_a, worker_b, referral
):
    client = client_as(worker_b)

    response = client.post(
        detail(referral, "accept"),
        {"version": referral.version, "assign_to": worker_b.pk},
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED
    assert referral.assigned_to == worker_b
    response = client.post(
        detail(referral, "complete"),
        {"version": referral.version, "outcome": "Seen by a doctor", "feedback": ""},
        follow=True,
    )
    referral.refresh_from_db()
    assert referral.status == Referral.Status.COMPLETED
    assert "Seen by a doctor" in _text(response)
    sender_page = _text(client_as(worker_a).get(detail(referral)))
    assert "Seen by a doctor" in sender_page
    assert Notification.objects.filter(
        recipient=worker_a, kind=Notification.Kind.REFERRAL_COMPLETED
    ).exists()


def test_declining_needs_a_reason(client_as, worker_b, referral):
    response = client_as(worker_b).post(
        detail(referral, "decline"), {"version": referral.version, "reason": ""}
    )

    assert response.status_code == 400
    assert 'id="id_reason_error"' in _text(response)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_the_receiver_declines_with_a_reason(client_as, worker_b, referral):
    response = client_as(worker_b).post(
        detail(referral, "decline"), {"version": referral.version, "reason": "No bed"}
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED
    assert referral.decline_reason == "No bed"


def test_completing_needs_an_outcome(client_as, worker_b, referral):
    services.accept_referral(referral, actor=worker_b)
    referral.refresh_from_db()

    response = client_as(worker_b).post(
        detail(referral, "complete"), {"version": referral.version, "outcome": " "}
    )

    assert response.status_code == 400
    referral.refresh_from_db()
    assert referral.status == Referral.Status.ACCEPTED


def test_the_receiver_assigns_to_a_member_only(
    client_as, worker_b, focal_b, worker_c, referral
):
    client = client_as(worker_b)

    refused = client.post(
        detail(referral, "assign"),
        {"version": referral.version, "assignee": worker_c.pk},
    )
    assert refused.status_code == 400
    response = client.post(
        detail(referral, "assign"),
        {"version": referral.version, "assignee": focal_b.pk},
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.assigned_to == focal_b


def test_the_sender_cancels(client_as, worker_a, referral):
    response = client_as(worker_a).post(
        detail(referral, "cancel"), {"version": referral.version, "reason": "Moved"}
    )

    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CANCELLED


@pytest.mark.parametrize(
    ("who", "action", "status"),
    [
        ("worker_a", "accept", 403),
        ("worker_a", "decline", 403),
        ("worker_b", "cancel", 403),
        ("worker_c", "accept", 404),
        ("worker_c", "cancel", 404),
        ("coordinator", "accept", 404),
        ("observer", "decline", 404),
    ],
)
def test_actions_are_refused_to_the_wrong_side_and_to_others(
    client_as, request, referral, who, action, status
):
    response = client_as(request.getfixturevalue(who)).post(
        detail(referral, action), {"version": referral.version, "reason": "x"}
    )

    assert response.status_code == status
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_actions_refuse_get(client_as, worker_b, referral):
    assert client_as(worker_b).get(detail(referral, "accept")).status_code == 405


def _in_english(user):
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def test_a_stale_form_gets_the_precondition_message(client_as, worker_b, referral):
    _in_english(worker_b)
    stale = referral.version
    services.assign_referral(referral, actor=worker_b, assignee=worker_b)

    response = client_as(worker_b).post(
        detail(referral, "accept"), {"version": stale}, follow=True
    )

    assert "Someone else changed this referral" in _text(response)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.PENDING


def test_the_loser_of_a_race_is_told_someone_else_answered_first(
    client_as, worker_b, focal_b, referral
):
    _in_english(worker_b)
    services.decline_referral(referral, actor=focal_b, reason="No bed")

    response = client_as(worker_b).post(detail(referral, "accept"), {}, follow=True)

    assert response.redirect_chain[-1][0] == detail(referral)
    assert response.context["messages"]
    message = next(iter(response.context["messages"]))
    assert message.level_tag == "error"
    assert "Someone else answered this referral first" in str(message)
    referral.refresh_from_db()
    assert referral.status == Referral.Status.DECLINED


# ---------------------------------------------------------------------------
# The create flow
# ---------------------------------------------------------------------------
def _need(health, **overrides):
    return {
        "step": "need",
        "sector": health.pk,
        "service_type": health.service_types.first().pk,
        "priority": "urgent",
        "reason": REASON,
        "emergency": "",
        **overrides,
    }


def test_a_caseworker_refers_a_person_step_by_step(
    client_as, worker_a, beneficiary_a, service_b, org_b, health
):
    client = client_as(worker_a)
    url = reverse("referrals:referral_create", args=[beneficiary_a.code])

    first = client.get(url)
    assert first.status_code == 200
    assert 'name="sector"' in _text(first)

    finder = client.post(url, _need(health))
    assert finder.status_code == 200
    assert finder.context["step"] == "choose"
    assert "Consultations B" in _text(finder)
    assert [m.service for m in finder.context["matches"]] == [service_b]

    consent_step = client.post(
        url, {**_need(health), "step": "consent", "service": service_b.pk}
    )
    assert consent_step.status_code == 200
    assert consent_step.context["step"] == "consent"
    assert org_b.name in _text(consent_step)
    assert 'name="justification"' not in _text(consent_step)  # focal points only

    sent = client.post(
        url,
        {
            **_need(health),
            "step": "send",
            "service": service_b.pk,
            "legal_basis": "consent",
            "given_by": "self",
            "scope": "Name and phone",
        },
    )

    referral = Referral.objects.get()
    assert sent.status_code == 302
    assert sent.url == detail(referral)
    assert referral.to_organisation == org_b
    assert referral.service == service_b
    assert referral.priority == "urgent"
    assert referral.consent.organisation == org_b
    assert beneficiary_a.code in url
    assert SENTINEL_NAME not in sent.url


def test_a_person_may_be_referred_to_an_organisation_without_a_service(
    client_as, worker_a, beneficiary_a, org_b, health
):
    client = client_as(worker_a)
    url = reverse("referrals:referral_create", args=[beneficiary_a.code])

    response = client.post(
        url,
        {
            **_need(health),
            "step": "send",
            "to_organisation": org_b.pk,
            "legal_basis": "consent",
            "given_by": "caregiver",
            "scope": "Name",
        },
    )

    assert response.status_code == 302
    referral = Referral.objects.get()
    assert referral.service is None
    assert referral.to_organisation == org_b


def test_a_need_without_a_reason_stays_on_step_one(
    client_as, worker_a, beneficiary_a, health
):
    url = reverse("referrals:referral_create", args=[beneficiary_a.code])

    response = client_as(worker_a).post(url, _need(health, reason=""))

    assert response.status_code == 400
    assert response.context["step"] == "need"
    assert 'id="id_reason_error"' in _text(response)


def test_sending_without_consent_is_refused(
    client_as, worker_a, beneficiary_a, org_b, health
):
    url = reverse("referrals:referral_create", args=[beneficiary_a.code])

    response = client_as(worker_a).post(
        url,
        {
            **_need(health),
            "step": "send",
            "to_organisation": org_b.pk,
            "legal_basis": "consent",
            "given_by": "",
            "scope": "",
        },
    )

    assert response.status_code == 400
    assert response.context["step"] == "consent"
    assert 'id="id_scope_error"' in _text(response)
    assert not Referral.objects.exists()
    assert not Consent.objects.exists()


def test_vital_interest_by_a_caseworker_is_refused(
    client_as, worker_a, beneficiary_a, org_b, health
):
    url = reverse("referrals:referral_create", args=[beneficiary_a.code])

    response = client_as(worker_a).post(
        url,
        {
            **_need(health),
            "step": "send",
            "to_organisation": org_b.pk,
            "legal_basis": "vital_interest",
            "scope": "Everything",
            "justification": "Unconscious",
        },
    )

    assert response.status_code == 400
    assert not Referral.objects.exists()
    assert not Consent.objects.exists()


def test_a_focal_point_may_send_under_vital_interest(
    client_as, focal_a, beneficiary_a, org_b, health
):
    url = reverse("referrals:referral_create", args=[beneficiary_a.code])
    client = client_as(focal_a)
    assert 'name="justification"' in _text(
        client.post(
            url, {**_need(health), "step": "consent", "to_organisation": org_b.pk}
        )
    )

    response = client.post(
        url,
        {
            **_need(health),
            "step": "send",
            "to_organisation": org_b.pk,
            "legal_basis": "vital_interest",
            "scope": "Everything",
            "justification": "Unconscious, alone",
        },
    )

    assert response.status_code == 302
    assert Referral.objects.get().consent.legal_basis == "vital_interest"


def test_referring_to_ones_own_organisation_is_refused(
    client_as, worker_a, beneficiary_a, org_a, health
):
    url = reverse("referrals:referral_create", args=[beneficiary_a.code])

    response = client_as(worker_a).post(
        url,
        {
            **_need(health),
            "step": "send",
            "to_organisation": org_a.pk,
            "legal_basis": "consent",
            "given_by": "self",
            "scope": "Name",
        },
    )

    assert response.status_code == 400
    assert response.context["step"] == "choose"
    assert not Referral.objects.exists()


def test_the_finder_leaves_out_the_own_organisations_services(
    client_as, focal_a, worker_a, beneficiary_a, service_b, health
):
    from organisations.services import create_service

    create_service(
        actor=focal_a,
        name="Our own clinic",
        sector=health,
        service_type=health.service_types.first(),
        regions=[Region.objects.get(code="02")],
    )
    url = reverse("referrals:referral_create", args=[beneficiary_a.code])

    response = client_as(worker_a).post(url, _need(health))

    assert "Our own clinic" not in _text(response)
    assert "Consultations B" in _text(response)


@pytest.mark.parametrize("who", ["worker_b", "worker_c", "coordinator", "observer"])
def test_only_the_owning_organisation_may_refer_its_person(
    client_as, request, beneficiary_a, who
):
    url = reverse("referrals:referral_create", args=[beneficiary_a.code])

    response = client_as(request.getfixturevalue(who)).get(url)

    assert response.status_code == 404


def test_the_beneficiary_page_offers_to_refer_and_lists_referrals(
    client_as, worker_a, referral
):
    page = _text(client_as(worker_a).get(referral.beneficiary.get_absolute_url()))

    assert (
        reverse("referrals:referral_create", args=[referral.beneficiary.code]) in page
    )
    assert referral.code in page


# ---------------------------------------------------------------------------
# The pathway
# ---------------------------------------------------------------------------
def test_the_pathway_shows_metadata_and_response_figures_without_identity(
    client_as, coordinator, worker_b, referral
):
    services.accept_referral(referral, actor=worker_b)

    response = client_as(coordinator).get(PATHWAY)
    page = _text(response)

    assert referral.code in page
    assert referral.beneficiary.code not in page
    assert REASON not in page
    _assert_no_identity(response)
    (row,) = response.context["per_organisation"]
    assert row["to_organisation__name"] == "Organisation B"
    assert row["received"] == 1
    assert row["acceptance_rate"] == 100
    assert row["on_time_share"] == 100
    assert row["median"] is not None


def test_the_pathway_filters_overdue_referrals(
    client_as, coordinator, referral, beneficiary_a, worker_a, org_b, health
):
    late = services.send_referral(
        beneficiary_a,
        actor=worker_a,
        to_organisation=org_b,
        sector=health,
        reason="Late",
        consent=referral.consent,
        now=timezone.now() - timedelta(days=20),
    )

    response = client_as(coordinator).get(PATHWAY, {"overdue": "true"})

    assert late.code in _text(response)
    assert referral.code not in _text(response)
    assert response.context["totals"]["overdue"] == 1


def test_the_pathway_flags_and_filters_vital_interest_referrals(
    client_as, coordinator, referral, beneficiary_a, focal_a, org_b, health
):
    urgent = services.send_referral(
        beneficiary_a,
        actor=focal_a,
        to_organisation=org_b,
        sector=health,
        reason="Unconscious, found at the station",
        new_consent=services.ConsentTerms(
            scope="Name and medical needs",
            legal_basis="vital_interest",
            justification="VITAL-SENTINEL-JUSTIFICATION unconscious",
        ),
    )
    client = client_as(coordinator)

    everything = client.get(PATHWAY)
    flagged = client.get(PATHWAY, {"legal_basis": "vital_interest"})

    rows = {r.code: r.vital_interest for r in everything.context["object_list"]}
    assert rows == {urgent.code: True, referral.code: False}
    assert [r.code for r in flagged.context["object_list"]] == [urgent.code]
    assert "VITAL-SENTINEL-JUSTIFICATION" not in _text(everything)
    _assert_no_identity(everything)


def test_the_pathway_makes_the_same_number_of_queries_for_1_and_20(
    client_as, coordinator, referral, beneficiary_a, worker_a, org_b, health
):
    client = client_as(coordinator)
    client.get(PATHWAY)
    with CaptureQueriesContext(connection) as one:
        client.get(PATHWAY)
    for _ in range(19):
        services.send_referral(
            beneficiary_a,
            actor=worker_a,
            to_organisation=org_b,
            sector=health,
            reason="More",
            consent=referral.consent,
        )
    with CaptureQueriesContext(connection) as twenty:
        client.get(PATHWAY)

    assert len(twenty) == len(one)


# ---------------------------------------------------------------------------
# Notifications
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("language", ["fr", "ar", "en"])
def test_referral_notifications_name_codes_and_organisations_never_identity(
    worker_a, worker_b, referral, language
):
    from django.utils import translation

    services.accept_referral(referral, actor=worker_b)
    services.complete_referral(referral, actor=worker_b, outcome="Seen")
    notifications = Notification.objects.filter(kind__startswith="referral_")
    assert {n.kind for n in notifications} >= {
        "referral_received",
        "referral_accepted",
        "referral_completed",
    }
    with translation.override(language):
        for notification in notifications:
            for part in ("subject", "body.txt", "body.html"):
                text = notification.render(part)
                assert referral.code in text
                for sentinel in SENTINELS:
                    assert sentinel not in text
                assert REASON not in text


def test_escalation_text_for_coordinators(coordinator, referral):
    services.escalate_overdue_referrals(now=referral.due_at + timedelta(minutes=1))

    notification = Notification.objects.get(recipient=coordinator)
    body = notification.render("body.txt")

    assert referral.code in body
    assert notification.url == PATHWAY + "?overdue=true"
    assert "Organisation B" in notification.subject


def test_a_service_suspended_meanwhile_is_refused_at_the_choice(
    client_as, focal_b, worker_a, beneficiary_a, service_b, health
):
    from organisations.models import Service

    Service.objects.filter(pk=service_b.pk).update(status=Service.Status.SUSPENDED)
    url = reverse("referrals:referral_create", args=[beneficiary_a.code])

    response = client_as(worker_a).post(
        url, {**_need(health), "step": "consent", "service": service_b.pk}
    )

    assert response.status_code == 400
    assert response.context["step"] == "choose"
    assert 'id="id_service_error"' in _text(response)
