"""Alerts: recipients computed from profiles (and the providers' hook), preview, sending
through the notification backbone, answers, the coordinator's per-organisation status;
the API and pages over HTTP, with constant query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.models import Province, Region, Sector
from emergencies.models import Alert, AlertRecipient, Emergency
from emergencies.services import (
    RECIPIENT_PROVIDERS,
    alert_recipient_status,
    alert_recipients,
    answer_alert,
    close_emergency,
    create_emergency,
    preview_alert,
    register_recipient_provider,
    send_alert,
)
from notifications.models import Notification, OutboxMessage, WebhookSubscription
from organisations.models import Organisation
from tests.factories import MembershipFactory, OrganisationFactory

OUJDA, FIGUIG, NADOR = "02.411", "02.251", "02.381"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def region(code):
    return Region.objects.get(code=code)


def province(code):
    return Province.objects.get(code=code)


def sector(code):
    return Sector.objects.get(code=code)


@pytest.fixture
def profiles(org_a, org_b, org_c):
    """A: shelter in the whole Oriental; B: health in the Oriental; C: shelter in
    Casablanca-Settat."""
    org_a.sectors.add(sector("shelter_nfi"))
    org_b.sectors.add(sector("health"))
    org_c.regions.add(region("06"))
    org_c.sectors.add(sector("shelter_nfi"))
    return {"a": org_a, "b": org_b, "c": org_c}


@pytest.fixture
def cold_wave(coordinator):
    return create_emergency(
        actor=coordinator,
        title="Vague de froid dans l'Oriental",
        kind=Emergency.Kind.COLD_WAVE,
        started_on=date(2025, 1, 10),
        regions=[region("02")],
        provinces=[province(OUJDA), province(FIGUIG)],
    )


@pytest.fixture
def alert(coordinator, cold_wave, profiles, worker_a, focal_a, worker_b, worker_c):
    """A shelter alert about the cold wave: it reaches A only."""
    return send_alert(
        actor=coordinator,
        emergency=cold_wave,
        message="Besoin urgent d'hébergement à Oujda.",
        sectors=[sector("shelter_nfi")],
    )


# ---------------------------------------------------------------------------
# Recipients
# ---------------------------------------------------------------------------
def test_recipients_are_active_verified_organisations_matching_places_and_sectors(
    profiles,
):
    oriental = [region("02")]

    assert list(alert_recipients(regions=oriental)) == [profiles["a"], profiles["b"]]
    shelter = alert_recipients(regions=oriental, sectors=[sector("shelter_nfi")])
    assert list(shelter) == [profiles["a"]]
    everywhere = alert_recipients(
        regions=[region("02"), region("06")], sectors=[sector("shelter_nfi")]
    )
    assert list(everywhere) == [profiles["a"], profiles["c"]]

    profiles["a"].verified = False
    profiles["a"].save()
    profiles["b"].is_active = False
    profiles["b"].save()
    assert list(alert_recipients(regions=oriental)) == []


def test_province_alerts_reach_organisations_of_those_provinces_and_region_wide_ones(
    profiles,
):
    nador_only = OrganisationFactory(code="nador", name="Nador Solidarité")
    nador_only.regions.add(region("02"))
    nador_only.provinces.add(province(NADOR))
    oujda_only = OrganisationFactory(code="oujda", name="Oujda Entraide")
    oujda_only.regions.add(region("02"))
    oujda_only.provinces.add(province(OUJDA))

    found = alert_recipients(regions=[region("02")], provinces=[province(OUJDA)])

    # A and B list the region without provinces: they work in the whole region.
    assert set(found) == {profiles["a"], profiles["b"], oujda_only}


def test_more_providers_add_organisations(profiles):
    def casablanca_partner(scope):
        return Organisation.objects.filter(code="org-c").values("pk")

    register_recipient_provider(casablanca_partner)
    try:
        found = alert_recipients(regions=[region("02")], sectors=[sector("health")])
    finally:
        RECIPIENT_PROVIDERS.remove(casablanca_partner)

    assert set(found) == {profiles["b"], profiles["c"]}


def test_preview_defaults_to_the_emergency_places_and_sends_nothing(
    coordinator, cold_wave, profiles
):
    found = preview_alert(actor=coordinator, emergency=cold_wave)

    assert set(found) == {profiles["a"], profiles["b"]}
    assert not Alert.objects.exists()
    assert not Notification.objects.exists()


def test_preview_refuses_places_outside_the_emergency(coordinator, cold_wave):
    with pytest.raises(ValidationError) as error:
        preview_alert(actor=coordinator, emergency=cold_wave, regions=[region("06")])
    assert list(error.value.message_dict) == ["regions"]

    with pytest.raises(ValidationError) as error:
        preview_alert(
            actor=coordinator, emergency=cold_wave, provinces=[province("06.141")]
        )
    assert list(error.value.message_dict) == ["provinces"]


@pytest.mark.parametrize("who", ["worker_a", "focal_b", "observer"])
def test_only_coordinators_preview_and_send(request, who, cold_wave, profiles):
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        preview_alert(actor=actor, emergency=cold_wave)
    with pytest.raises(PermissionDenied):
        send_alert(actor=actor, emergency=cold_wave, message="Hello")
    assert not Alert.objects.exists()


# ---------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------
def test_sending_tells_every_member_of_the_recipients(
    alert, org_a, worker_a, focal_a, worker_b, coordinator
):
    assert list(alert.recipients.values_list("organisation", flat=True)) == [org_a.pk]
    assert list(alert.sectors.values_list("code", flat=True)) == ["shelter_nfi"]
    # The emergency's places, by default.
    assert set(alert.provinces.values_list("code", flat=True)) == {OUJDA, FIGUIG}
    notifications = Notification.objects.filter(kind=Notification.Kind.ALERT_RECEIVED)
    assert {n.recipient for n in notifications} == {worker_a, focal_a}
    assert {n.organisation for n in notifications} == {org_a}
    first = notifications.first()
    assert first.target == alert
    assert first.url == reverse("emergencies:alert", args=[alert.pk])
    assert first.actor == coordinator
    assert first.context["emergency_title"] == "Vague de froid dans l'Oriental"
    assert (
        OutboxMessage.objects.filter(channel=OutboxMessage.Channel.EMAIL).count() == 2
    )


def test_an_alert_goes_to_subscribed_webhooks(
    coordinator, cold_wave, profiles, focal_a, org_a
):
    WebhookSubscription.objects.create(
        organisation=org_a,
        url="https://partner.example.org/hook",
        events=[WebhookSubscription.Event.ALERT_CREATED],
        secret="s",
        created_by=focal_a,
    )

    send_alert(
        actor=coordinator,
        emergency=cold_wave,
        message="Alerte",
        sectors=[sector("shelter_nfi")],
    )

    hook = OutboxMessage.objects.get(channel=OutboxMessage.Channel.WEBHOOK)
    assert hook.event == "alert.created"


def test_recipients_picked_by_hand_replace_the_computed_ones(
    coordinator, cold_wave, profiles, worker_c
):
    alert = send_alert(
        actor=coordinator,
        emergency=cold_wave,
        message="Alerte",
        recipients=[profiles["c"], profiles["c"]],
    )

    assert [r.organisation for r in alert.recipients.all()] == [profiles["c"]]
    assert Notification.objects.get().recipient == worker_c


def test_sending_refusals(coordinator, cold_wave, profiles, org_c):
    with pytest.raises(ValidationError) as error:
        send_alert(actor=coordinator, emergency=cold_wave, message="  ")
    assert list(error.value.message_dict) == ["message"]

    with pytest.raises(ValidationError) as error:
        send_alert(
            actor=coordinator,
            emergency=cold_wave,
            message="x",
            sectors=[sector("education")],
        )
    assert list(error.value.message_dict) == ["recipients"]

    with pytest.raises(ValidationError) as error:
        send_alert(actor=coordinator, emergency=cold_wave, message="x", recipients=[])
    assert list(error.value.message_dict) == ["recipients"]

    org_c.is_active = False
    org_c.save()
    with pytest.raises(ValidationError) as error:
        send_alert(
            actor=coordinator, emergency=cold_wave, message="x", recipients=[org_c]
        )
    assert list(error.value.message_dict) == ["recipients"]

    close_emergency(cold_wave, actor=coordinator)
    with pytest.raises(Conflict):
        send_alert(actor=coordinator, emergency=cold_wave, message="x")
    assert not Alert.objects.exists()
    assert not Notification.objects.exists()


def test_sending_queries_do_not_grow_with_recipients(coordinator, cold_wave, profiles):
    def send():
        with CaptureQueriesContext(connection) as queries:
            send_alert(
                actor=coordinator,
                emergency=cold_wave,
                message="x",
                sectors=[sector("shelter_nfi")],
            )
        return len(queries.captured_queries)

    MembershipFactory(organisation=profiles["a"])
    send()  # warm caches (content types)
    few = send()
    for _n in range(10):
        MembershipFactory(organisation=profiles["a"])
        profile = OrganisationFactory()
        profile.regions.add(region("02"))
        profile.sectors.add(sector("shelter_nfi"))
    assert send() == few


# ---------------------------------------------------------------------------
# Answers and status
# ---------------------------------------------------------------------------
def test_a_member_answers_and_the_coordinator_is_told(alert, worker_a, coordinator):
    recipient = answer_alert(
        alert, actor=worker_a, response="respond", note="40 places à Oujda"
    )

    assert (recipient.response, recipient.answered_by) == ("respond", worker_a)
    assert recipient.answered_at is not None
    told = Notification.objects.get(kind=Notification.Kind.ALERT_ANSWERED)
    assert told.recipient == coordinator
    assert told.context["response"] == "respond"


def test_answering_twice_changes_the_answer(alert, worker_a, focal_a):
    answer_alert(alert, actor=worker_a, response="respond")
    answer_alert(alert, actor=focal_a, response="cannot_respond", note="Plus de place")

    recipient = AlertRecipient.objects.get(alert=alert)
    assert (recipient.response, recipient.note, recipient.answered_by) == (
        "cannot_respond",
        "Plus de place",
        focal_a,
    )
    assert (
        Notification.objects.filter(kind=Notification.Kind.ALERT_ANSWERED).count() == 2
    )


def test_answer_refusals(alert, worker_b, coordinator, observer, worker_a):
    with pytest.raises(Http404):  # not sent to B
        answer_alert(alert, actor=worker_b, response="respond")
    with pytest.raises(PermissionDenied):
        answer_alert(alert, actor=coordinator, response="respond")
    with pytest.raises(PermissionDenied):
        answer_alert(alert, actor=observer, response="respond")
    with pytest.raises(ValidationError):
        answer_alert(alert, actor=worker_a, response="maybe")
    assert AlertRecipient.objects.get().answered_at is None


def test_status_shows_told_delivered_read_and_answered(
    coordinator, cold_wave, profiles, worker_a, worker_b, org_c
):
    alert = send_alert(
        actor=coordinator,
        emergency=cold_wave,
        message="x",
        recipients=[profiles["a"], profiles["b"], org_c],  # C has no member
    )
    Notification.objects.filter(recipient=worker_b).update(read_at=timezone.now())
    OutboxMessage.objects.filter(recipient=worker_a).update(
        status=OutboxMessage.Status.SENT
    )
    answer_alert(alert, actor=worker_b, response="cannot_respond", note="Pas de stock")

    rows = {row.organisation.code: row for row in alert_recipient_status(alert)}

    assert (rows["org-a"].delivered, rows["org-a"].emailed, rows["org-a"].read) == (
        True,
        True,
        False,
    )
    assert (rows["org-b"].read, rows["org-b"].response) == (True, "cannot_respond")
    assert (rows["org-c"].delivered, rows["org-c"].answered_at) == (False, None)


def test_status_queries_do_not_grow(coordinator, cold_wave, profiles):
    alert = send_alert(
        actor=coordinator, emergency=cold_wave, message="x", recipients=[profiles["a"]]
    )
    ContentType.objects.clear_cache()
    list(alert_recipient_status(alert))
    with CaptureQueriesContext(connection) as one:
        list(alert_recipient_status(alert))
    many_orgs = [OrganisationFactory() for _n in range(10)]
    alert = send_alert(
        actor=coordinator, emergency=cold_wave, message="x", recipients=many_orgs
    )
    with CaptureQueriesContext(connection) as many:
        rows = list(alert_recipient_status(alert))
    assert len(rows) == 10
    assert len(many.captured_queries) == len(one.captured_queries) == 1


# ---------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------
ALERTS = reverse("api:alert-list")


def test_api_preview_then_send(api_as, coordinator, cold_wave, profiles):
    client = api_as(coordinator)
    payload = {"emergency": cold_wave.pk, "message": "Alerte", "sectors": ["health"]}

    preview = client.post(ALERTS, {**payload, "preview": True}, format="json")
    assert preview.status_code == 200, preview.json()
    assert [o["code"] for o in preview.json()["recipients"]] == ["org-b"]
    same = client.post(reverse("api:alert-preview"), payload, format="json")
    assert same.json() == preview.json()
    assert not Alert.objects.exists()

    sent = client.post(ALERTS, payload, format="json")
    assert sent.status_code == 201, sent.json()
    assert sent.json()["recipients"] == [profiles["b"].pk]
    assert sent.json()["sectors"] == ["health"]


def test_api_send_by_hand_and_bad_input(api_as, coordinator, cold_wave, profiles):
    client = api_as(coordinator)

    sent = client.post(
        ALERTS,
        {"emergency": cold_wave.pk, "message": "x", "recipients": [profiles["c"].pk]},
        format="json",
    )
    assert sent.json()["recipients"] == [profiles["c"].pk]

    for bad, field in [
        ({"sectors": ["nope"]}, "sectors"),
        ({"regions": ["06"]}, "regions"),
        ({"emergency": 999999}, "emergency"),
        ({"message": ""}, "message"),
        ({"recipients": [999999]}, "recipients"),
    ]:
        response = client.post(
            ALERTS, {"emergency": cold_wave.pk, "message": "x", **bad}, format="json"
        )
        assert response.status_code == 400, bad
        assert list(response.json()["errors"]) == [field], bad
    assert Alert.objects.count() == 1


@pytest.mark.parametrize("who", ["worker_a", "observer"])
def test_api_only_coordinators_send(api_as, request, who, cold_wave, profiles):
    response = api_as(request.getfixturevalue(who)).post(
        ALERTS, {"emergency": cold_wave.pk, "message": "x"}, format="json"
    )
    assert response.status_code == 403
    assert not Alert.objects.exists()


def test_api_recipients_see_their_alerts_and_answer(
    api_as, alert, worker_a, worker_b, observer, coordinator, token_b
):
    assert [a["id"] for a in api_as(worker_a).get(ALERTS).json()["results"]] == [
        alert.pk
    ]
    assert api_as(worker_b).get(ALERTS).json()["count"] == 0
    assert api_as(token=token_b).get(ALERTS).json()["count"] == 0
    assert api_as(observer).get(ALERTS).json()["count"] == 0
    assert api_as(coordinator).get(ALERTS).json()["count"] == 1
    detail = reverse("api:alert-detail", args=[alert.pk])
    assert api_as(worker_b).get(detail).status_code == 404
    assert api_as(worker_a).get(detail).json()["my_answer"]["answered_at"] is None

    url = reverse("api:alert-answer", args=[alert.pk])
    assert api_as(worker_b).post(url, {"response": "respond"}).status_code == 404
    assert api_as(observer).post(url, {"response": "respond"}).status_code == 404
    assert api_as(coordinator).post(url, {"response": "respond"}).status_code == 403
    bad = api_as(worker_a).post(url, {"response": "maybe"}, format="json")
    assert list(bad.json()["errors"]) == ["response"]
    response = api_as(worker_a).post(
        url, {"response": "respond", "note": "40 places"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["response"] == "respond"
    assert api_as(worker_a).get(detail).json()["my_answer"]["note"] == "40 places"
    waiting = api_as(worker_a).get(ALERTS, {"answered": "false"}).json()
    assert waiting["count"] == 0

    status = reverse("api:alert-recipients", args=[alert.pk])
    assert api_as(worker_a).get(status).status_code == 403
    [row] = api_as(coordinator).get(status).json()
    assert (row["told"], row["delivered"], row["answered"], row["note"]) == (
        True,
        True,
        True,
        "40 places",
    )


def test_api_alert_list_queries_do_not_grow(api_as, coordinator, cold_wave, profiles):
    client = api_as(coordinator)
    send_alert(actor=coordinator, emergency=cold_wave, message="x")
    client.get(ALERTS)
    with CaptureQueriesContext(connection) as one:
        client.get(ALERTS)
    for _n in range(5):
        send_alert(actor=coordinator, emergency=cold_wave, message="x")
    with CaptureQueriesContext(connection) as many:
        assert client.get(ALERTS).json()["count"] == 6
    assert len(many.captured_queries) == len(one.captured_queries)


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------
def test_page_composer_previews_then_sends(client_as, coordinator, cold_wave, profiles):
    client = client_as(coordinator)
    url = reverse("emergencies:alert_create", args=[cold_wave.pk])
    form = {
        "message": "Besoin d'abris",
        "regions": [region("02").pk],
        "sectors": [sector("shelter_nfi").pk],
    }

    preview = client.post(url, {**form, "action": "preview"})
    assert preview.status_code == 200
    assert preview.context["matched"] == [profiles["a"]]
    assert profiles["c"] in preview.context["others"]
    assert not Alert.objects.exists()

    nobody = client.post(url, {**form, "action": "send"})
    assert "recipients" in nobody.context["form"].errors
    assert not Alert.objects.exists()

    sent = client.post(
        url,
        {**form, "action": "send", "recipients": [profiles["a"].pk, profiles["c"].pk]},
    )
    alert = Alert.objects.get()
    assert sent.status_code == 302
    assert sent.url == reverse("emergencies:alert", args=[alert.pk])
    assert {r.organisation for r in alert.recipients.all()} == {
        profiles["a"],
        profiles["c"],
    }


@pytest.mark.parametrize("recipients", [[], ["a"]])
def test_page_composer_on_a_closed_emergency_says_so_and_sends_nothing(
    client_as, coordinator, cold_wave, profiles, recipients
):
    close_emergency(cold_wave, actor=coordinator)
    url = reverse("emergencies:alert_create", args=[cold_wave.pk])
    form = {
        "message": "Besoin d'abris",
        "regions": [region("02").pk],
        "sectors": [sector("shelter_nfi").pk],
        "action": "send",
        "recipients": [profiles[key].pk for key in recipients],
    }

    response = client_as(coordinator).post(url, form, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [
        (reverse("emergencies:detail", args=[cold_wave.pk]), 302)
    ]
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Alert.objects.exists()


def test_page_answer(client_as, alert, worker_a, worker_b, coordinator, observer):
    url = reverse("emergencies:alert_answer", args=[alert.pk])
    page = reverse("emergencies:alert", args=[alert.pk])

    assert client_as(worker_b).get(page).status_code == 404
    assert client_as(worker_b).post(url, {"response": "respond"}).status_code == 404
    assert client_as(observer).post(url, {"response": "respond"}).status_code == 404
    assert client_as(coordinator).post(url, {"response": "respond"}).status_code == 403
    bad = client_as(worker_a).post(url, {"response": ""})
    assert bad.status_code == 400
    assert "response" in bad.context["form"].errors
    ok = client_as(worker_a).post(url, {"response": "cannot_respond", "note": "Non"})
    assert ok.status_code == 302
    assert AlertRecipient.objects.get().response == "cannot_respond"

    status_page = client_as(coordinator).get(page)
    assert status_page.status_code == 200
    [row] = status_page.context["statuses"]
    assert row.response == "cannot_respond"
    assert client_as(worker_a).get(reverse("emergencies:alerts")).status_code == 200
