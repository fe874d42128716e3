"""Organisations off the platform ("unconnected": nobody is a member yet): who lists
them and their services (pages, API), the mark in the finder and the directories,
referrals sent to them, and how an invitation connects them with their history."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coordination.exceptions import PermissionDenied
from coordination.models import Province, Region, Sector, ServiceType
from notifications.models import Notification, OutboxMessage
from organisations.models import Invitation, Membership, Organisation, Service
from organisations.services import (
    accept_invitation,
    create_organisation,
    create_service,
    invite_user,
    rank_services,
    update_organisation,
    update_service,
)
from referrals.models import Referral
from referrals.services import ConsentTerms, register_beneficiary, send_referral
from tests.factories import MembershipFactory, OrganisationFactory

OUJDA = "02.411"
SENTINEL_NAME = "SENTINEL-NAME-UNCONNECTED-4T"
SENTINEL_PHONE = "+212600000444"
CONTACTS = {
    "contact_person": "Mme Benali, assistante sociale",
    "phone": "+212536000111",
    "email": "social@chr-oujda.example.org",
    "address": "Boulevard Allal Ben Abdellah, Oujda",
    "opening_hours": "Lun.-ven. 8h30-16h30",
    "languages": ["ar", "fr"],
}
ORGS = reverse("api:organisation-list")
SERVICES = reverse("api:service-list")
MATCH = reverse("api:service-match")


def _in_english(user):
    if user is not None and user.language != "en":
        user.language = "en"
        user.save(update_fields=["language"])
    return user


# Page and API texts are compared in English: whoever signs in reads English.
@pytest.fixture
def client_as(client_as):
    return lambda user=None, *args, **kwargs: client_as(
        _in_english(user), *args, **kwargs
    )


@pytest.fixture
def api_as(api_as):
    return lambda user=None, *args, **kwargs: api_as(_in_english(user), *args, **kwargs)


def service_values(**overrides) -> dict:
    values = {
        "name": "Service social hospitalier",
        "sector": Sector.objects.get(code="health"),
        "service_type": ServiceType.objects.get(code="primary_care"),
        "regions": [Region.objects.get(code="02")],
        "provinces": [Province.objects.get(code=OUJDA)],
        "response_delay_days": 5,
    }
    values.update(overrides)
    return values


def service_form(**overrides) -> dict:
    values = service_values()
    data = {
        "name": values["name"],
        "sector": values["sector"].pk,
        "service_type": values["service_type"].pk,
        "regions": [r.pk for r in values["regions"]],
        "provinces": [p.pk for p in values["provinces"]],
        "response_delay_days": 5,
        "cost": "free",
        "status": "available",
        "open_to_all": "on",
        "public": "on",
    }
    data.update(overrides)
    return data


def service_body(**overrides) -> dict:
    body = {
        "name": "Service social hospitalier",
        "sector": "health",
        "service_type": "primary_care",
        "regions": ["02"],
        "provinces": [OUJDA],
    }
    body.update(overrides)
    return body


@pytest.fixture
def hospital(focal_a):
    """A public hospital's social service that A's caseworkers refer to, listed by
    A's focal point: nobody from it uses Tansiq."""
    org = create_organisation(
        actor=focal_a,
        name="CHR Al Farabi — service social",
        kind=Organisation.Kind.PUBLIC_SERVICE,
        regions=[Region.objects.get(code="02")],
        **CONTACTS,
    )
    return Organisation.objects.get(pk=org.pk)


@pytest.fixture
def hospital_service(focal_a, hospital):
    return create_service(actor=focal_a, organisation=hospital, **service_values())


# ---------------------------------------------------------------------------
# The model: derived from memberships, constant queries
# ---------------------------------------------------------------------------
def test_an_organisation_without_members_is_unconnected(hospital, org_a, focal_a):
    assert not hospital.is_connected
    assert Organisation.objects.get(pk=org_a.pk).is_connected
    rows = {o.code: o.is_connected for o in Organisation.objects.with_connected()}
    assert rows == {hospital.code: False, org_a.code: True}
    assert list(Organisation.objects.unconnected()) == [hospital]


def test_the_contact_details_are_kept(hospital, focal_a, org_a):
    for field, value in CONTACTS.items():
        assert getattr(hospital, field) == value
    assert hospital.listed_by == org_a
    assert hospital.created_by == focal_a
    assert not hospital.verified


def test_a_coordinator_lists_one_without_a_listing_organisation(coordinator):
    org = create_organisation(
        actor=coordinator, name="Délégation Entraide", kind="public_service"
    )
    service = create_service(actor=coordinator, organisation=org, **service_values())

    assert org.listed_by is None
    assert org.created_by == coordinator
    assert service.organisation == org
    assert service.created_by == coordinator


# ---------------------------------------------------------------------------
# Who may list and keep them (services)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["worker_a", "observer"])
def test_caseworkers_and_observers_may_not_list_an_organisation(request, who):
    with pytest.raises(PermissionDenied):
        create_organisation(
            actor=request.getfixturevalue(who), name="X", kind="public_service"
        )

    assert not Organisation.objects.filter(name="X").exists()


@pytest.mark.parametrize("who", ["worker_a", "focal_b", "observer"])
def test_only_its_keepers_add_services_and_edit_it(request, who, hospital):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        create_service(actor=actor, organisation=hospital, **service_values())
    with pytest.raises(PermissionDenied):
        update_organisation(hospital, actor=actor, phone="000")

    assert not Service.objects.exists()
    hospital.refresh_from_db()
    assert hospital.phone == CONTACTS["phone"]


def test_its_keepers_edit_it_and_its_services(
    focal_a, coordinator, hospital, hospital_service
):
    update_organisation(hospital, actor=focal_a, opening_hours="24h/24")
    update_service(hospital_service, actor=coordinator, capacity=3)

    hospital.refresh_from_db()
    hospital_service.refresh_from_db()
    assert hospital.opening_hours == "24h/24"
    assert hospital_service.capacity == 3
    assert hospital_service.updated_by == coordinator


def test_a_focal_point_may_not_add_services_to_another_connected_organisation(
    focal_a, org_b, focal_b
):
    with pytest.raises(PermissionDenied):
        create_service(actor=focal_a, organisation=org_b, **service_values())


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["focal_a", "coordinator"])
def test_the_page_flow_lists_an_organisation_then_its_service(client_as, request, who):
    client = client_as(request.getfixturevalue(who))
    url = reverse("organisations:create_unconnected")

    assert client.get(url).status_code == 200
    created = client.post(
        url,
        {
            "name": "Association Amal Berkane",
            "kind": "local_association",
            "regions": [Region.objects.get(code="02").pk],
            **CONTACTS,
        },
    )
    org = Organisation.objects.get(name="Association Amal Berkane")
    assert created.status_code == 302
    assert created.url == reverse("organisations:detail", args=[org.pk])
    assert org.contact_person == CONTACTS["contact_person"]
    assert org.opening_hours == CONTACTS["opening_hours"]

    page = client.get(created.url).content.decode()
    assert "Off the platform" in page
    add = f"{reverse('services:create')}?organisation={org.pk}"
    assert add in page
    assert client.get(add).status_code == 200
    added = client.post(add, service_form())
    service = Service.objects.get()
    assert added.status_code == 302
    assert service.organisation == org


@pytest.mark.parametrize("who", ["worker_a", "observer"])
def test_other_roles_get_a_403_on_the_listing_page(client_as, request, who):
    client = client_as(request.getfixturevalue(who))
    url = reverse("organisations:create_unconnected")

    assert client.get(url).status_code == 403
    response = client.post(url, {"name": "X", "kind": "public_service"})

    assert response.status_code == 403
    assert not Organisation.objects.filter(name="X").exists()


def test_anonymous_visitors_are_sent_to_log_in(client_as):
    response = client_as().get(reverse("organisations:create_unconnected"))

    assert response.status_code == 302


@pytest.mark.parametrize("who", ["worker_a", "focal_b", "observer"])
def test_other_roles_may_not_add_its_services_or_edit_it(
    client_as, request, who, hospital
):
    client = client_as(request.getfixturevalue(who))
    add = f"{reverse('services:create')}?organisation={hospital.pk}"

    assert client.get(add).status_code == 403
    assert client.post(add, service_form()).status_code == 403
    edit = reverse("organisations:edit", args=[hospital.pk])
    assert client.get(edit).status_code == 403
    assert not Service.objects.exists()


def test_its_listing_focal_point_edits_the_profile_page(client_as, focal_a, hospital):
    client = client_as(focal_a)
    edit = reverse("organisations:edit", args=[hospital.pk])

    page = client.get(edit)
    response = client.post(
        edit,
        {
            "name": hospital.name,
            "kind": hospital.kind,
            "contact_person": "M. Idrissi",
            "languages": ["ar"],
        },
    )

    assert page.status_code == 200
    assert response.status_code == 302
    hospital.refresh_from_db()
    assert hospital.contact_person == "M. Idrissi"


def test_an_organisation_one_cannot_see_is_a_404(client_as, focal_a, coordinator):
    hidden = create_organisation(actor=coordinator, name="Fermée", kind="donor")
    Organisation.objects.filter(pk=hidden.pk).update(is_active=False)
    client = client_as(focal_a)

    for value in (hidden.pk, 999999, "x"):
        url = f"{reverse('services:create')}?organisation={value}"
        assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "public_service"}, "name"),
        ({"name": "X", "kind": "nope"}, "kind"),
        ({"name": "X", "kind": "public_service", "email": "not-an-address"}, "email"),
    ],
)
def test_bad_input_on_the_listing_page_saves_nothing(client_as, focal_a, data, field):
    response = client_as(focal_a).post(
        reverse("organisations:create_unconnected"), data
    )

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Organisation.objects.filter(name="X").exists()


def test_a_bad_service_saves_nothing(client_as, focal_a, hospital):
    add = f"{reverse('services:create')}?organisation={hospital.pk}"
    wrong_type = ServiceType.objects.exclude(sector__code="health").first()

    response = client_as(focal_a).post(add, service_form(service_type=wrong_type.pk))

    assert response.status_code == 200
    assert "service_type" in response.context["form"].errors
    assert not Service.objects.exists()


def test_the_lists_show_the_mark(client_as, worker_b, hospital, hospital_service):
    client = client_as(worker_b)

    organisations = client.get(reverse("organisations:list")).content.decode()
    services = client.get(reverse("services:list")).content.decode()
    detail = client.get(reverse("services:detail", args=[hospital_service.pk]))
    off_platform = client.get(reverse("organisations:list"), {"connected": "false"})

    assert "Off the platform" in organisations
    assert "Off the platform" in services
    assert "answers through the slip" in detail.content.decode()
    assert [o.pk for o in off_platform.context["object_list"]] == [hospital.pk]


def test_the_public_directory_marks_a_verified_one(
    client_as, coordinator, hospital, hospital_service
):
    from organisations.services import verify_organisation

    verify_organisation(hospital, actor=coordinator)

    page = client_as().get(reverse("public:services"), HTTP_ACCEPT_LANGUAGE="en")
    detail = client_as().get(
        reverse("public:service_detail", args=[hospital_service.pk]),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert hospital_service.name in page.content.decode()
    assert "Not on Tansiq" in page.content.decode()
    assert "does not use Tansiq" in detail.content.decode()


# ---------------------------------------------------------------------------
# API
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["focal_a", "coordinator"])
def test_the_api_lists_an_organisation_and_its_service(api_as, request, who, org_a):
    client = api_as(request.getfixturevalue(who))

    response = client.post(
        ORGS,
        {"name": "Commune de Bni Drar", "kind": "public_service", **CONTACTS},
        format="json",
    )
    created = response.json()
    service = client.post(
        SERVICES, service_body(organisation=created["id"]), format="json"
    )

    assert response.status_code == 201, created
    assert created["connected"] is False
    assert created["contact_person"] == CONTACTS["contact_person"]
    assert created["opening_hours"] == CONTACTS["opening_hours"]
    assert created["listed_by"] == (org_a.pk if who == "focal_a" else None)
    assert service.status_code == 201, service.json()
    assert service.json()["organisation"] == created["id"]
    assert service.json()["organisation_connected"] is False


@pytest.mark.parametrize("body", [{}, {"nonsense": [1], "name": 7}])
@pytest.mark.parametrize("who", ["worker_a", "observer"])
def test_the_api_refuses_other_roles_before_reading_the_body(
    api_as, request, who, body
):
    response = api_as(request.getfixturevalue(who)).post(ORGS, body, format="json")

    assert response.status_code == 403
    assert list(response.json()["errors"]) == ["non_field_errors"]
    assert api_as().post(ORGS, body, format="json").status_code == 401


def test_the_api_refuses_outsiders_on_its_services_and_profile(
    api_as, focal_b, worker_a, hospital, hospital_service
):
    for who in (focal_b, worker_a):
        client = api_as(who)
        added = client.post(
            SERVICES, service_body(organisation=hospital.pk), format="json"
        )
        edited = client.patch(
            reverse("api:organisation-detail", args=[hospital.pk]),
            {"phone": "000"},
            format="json",
        )
        assert added.status_code == 403
        assert edited.status_code == 403
    assert Service.objects.count() == 1


def test_the_api_keeps_a_service_with_its_organisation(
    api_as, focal_a, org_a, hospital_service
):
    url = reverse("api:service-detail", args=[hospital_service.pk])

    response = api_as(focal_a).patch(
        url,
        {"organisation": org_a.pk},
        format="json",
        HTTP_IF_MATCH=f'"{hospital_service.version}"',
    )

    assert response.status_code == 400
    assert "organisation" in response.json()["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "public_service"}, "name"),
        ({"name": "X", "kind": "nope"}, "kind"),
        ({"name": "X", "kind": "public_service", "email": "nope"}, "email"),
        ({"name": "X", "kind": "public_service", "languages": ["xx"]}, "languages"),
    ],
)
def test_bad_input_through_the_api_is_a_400_saving_nothing(
    api_as, focal_a, body, field
):
    response = api_as(focal_a).post(ORGS, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Organisation.objects.filter(name="X").exists()


def test_the_api_exposes_connected_and_filters_on_it(
    api_as, worker_b, org_a, focal_a, hospital
):
    client = api_as(worker_b)

    rows = {o["code"]: o["connected"] for o in client.get(ORGS).json()["results"]}
    off = client.get(ORGS, {"connected": "false"}).json()["results"]

    assert rows[hospital.code] is False
    assert rows[org_a.code] is True
    assert [o["id"] for o in off] == [hospital.pk]


def test_the_organisation_list_has_constant_queries(
    api_as, client_as, worker_b, hospital
):
    def count(n_more):
        for i in range(n_more):
            OrganisationFactory(code=f"extra-{n_more}-{i}")
            if i % 2:
                MembershipFactory(organisation=Organisation.objects.last())
        api, page = api_as(worker_b), client_as(worker_b)
        with CaptureQueriesContext(connection) as api_queries:
            assert api.get(ORGS).status_code == 200
        with CaptureQueriesContext(connection) as page_queries:
            assert page.get(reverse("organisations:list")).status_code == 200
        return len(api_queries), len(page_queries)

    assert count(1) == count(6)


# ---------------------------------------------------------------------------
# The finder and referrals
# ---------------------------------------------------------------------------
@pytest.fixture
def person(worker_a):
    return register_beneficiary(
        actor=worker_a,
        sex="female",
        full_name=SENTINEL_NAME,
        phone=SENTINEL_PHONE,
        province=Province.objects.get(code=OUJDA),
    )


def test_the_finder_proposes_it_with_the_mark(hospital_service):
    health = Sector.objects.get(code="health")

    matches = rank_services(sector=health, province=Province.objects.get(code=OUJDA))

    assert [m.service for m in matches] == [hospital_service]
    assert matches[0].service.is_off_platform


def test_the_match_api_says_it_is_off_the_platform(api_as, worker_a, hospital_service):
    found = api_as(worker_a).get(MATCH, {"sector": "health"}).json()

    assert found[0]["service"]["organisation_connected"] is False


def test_the_referral_flow_shows_the_mark(
    client_as, worker_a, person, hospital_service
):
    health = Sector.objects.get(code="health")
    url = reverse("referrals:referral_create", args=[person.code])

    finder = client_as(worker_a).post(
        url,
        {
            "step": "need",
            "sector": health.pk,
            "service_type": "",
            "priority": "normal",
            "reason": "Suivi médical",
            "emergency": "",
        },
    )

    page = finder.content.decode()
    assert finder.context["step"] == "choose"
    assert hospital_service.name in page
    assert "Off the platform" in page
    assert "Answers through the referral slip" in page


def test_a_referral_reaches_it_and_notifying_nobody_is_no_error(
    worker_a, person, hospital, hospital_service
):
    notifications = Notification.objects.count()

    referral = send_referral(
        person,
        actor=worker_a,
        service=hospital_service,
        reason="Suivi médical",
        new_consent=ConsentTerms(scope="Name", given_by="self"),
    )

    assert referral.to_organisation == hospital
    assert referral.status == Referral.Status.PENDING
    assert Notification.objects.count() == notifications  # nobody to tell
    assert not OutboxMessage.objects.filter(organisation_id=hospital.pk).exists()


def test_its_pages_and_api_never_show_the_person(
    client_as, api_as, coordinator, focal_a, worker_a, person, hospital_service
):
    send_referral(
        person,
        actor=worker_a,
        service=hospital_service,
        reason="Suivi médical",
        new_consent=ConsentTerms(scope="Name", given_by="self"),
    )
    org = hospital_service.organisation
    for user in (coordinator, focal_a):
        texts = [
            client_as(user).get(reverse("organisations:detail", args=[org.pk])),
            client_as(user).get(reverse("services:detail", args=[hospital_service.pk])),
        ]
        payload = json.dumps(
            api_as(user).get(reverse("api:organisation-detail", args=[org.pk])).json()
        )
        for text in [t.content.decode() for t in texts] + [payload]:
            assert SENTINEL_NAME not in text
            assert SENTINEL_PHONE not in text


# ---------------------------------------------------------------------------
# Connecting it: a coordinator invites its focal point
# ---------------------------------------------------------------------------
def test_inviting_its_focal_point_connects_it_with_its_history(
    client_as, coordinator, focal_a, worker_a, person, hospital, hospital_service
):
    referral = send_referral(
        person,
        actor=worker_a,
        service=hospital_service,
        reason="Suivi médical",
        new_consent=ConsentTerms(scope="Name", given_by="self"),
    )
    _invitation, key = invite_user(
        actor=coordinator,
        email="social@chr-oujda.example.org",
        role="focal_point",
        organisation=hospital,
    )
    assert not Organisation.objects.get(pk=hospital.pk).is_connected  # not yet

    newcomer = accept_invitation(key, name="Mme Benali", password="x-Long-pass-42!")

    hospital = Organisation.objects.get(pk=hospital.pk)
    assert hospital.is_connected
    assert Membership.objects.get(user=newcomer).organisation == hospital
    assert list(hospital.services.all()) == [hospital_service]
    assert list(Referral.objects.filter(to_organisation=hospital)) == [referral]
    # The listing organisation no longer keeps it; its own focal point does.
    with pytest.raises(PermissionDenied):
        update_organisation(hospital, actor=focal_a, phone="000")
    with pytest.raises(PermissionDenied):
        create_service(actor=focal_a, organisation=hospital, **service_values())
    update_service(hospital_service, actor=newcomer, capacity=2)
    # The mark is gone from its page, the lists and the finder.
    for url in (
        reverse("organisations:detail", args=[hospital.pk]),
        reverse("services:detail", args=[hospital_service.pk]),
        reverse("services:list"),
    ):
        assert "Off the platform" not in client_as(worker_a).get(url).content.decode()
    health = Sector.objects.get(code="health")
    assert not rank_services(sector=health)[0].service.is_off_platform


def test_the_page_invitation_flow_connects_it(client_as, coordinator, hospital):
    client = client_as(coordinator)

    detail = client.get(reverse("organisations:detail", args=[hospital.pk]))
    invite = f"{reverse('organisations:invite')}?organisation={hospital.pk}"
    response = client.post(
        invite,
        {
            "role": "focal_point",
            "email": "new@chr.example.org",
            "organisation": hospital.pk,
        },
    )

    assert invite in detail.content.decode()
    assert client.get(invite).context["form"].initial["email"] == CONTACTS["email"]
    assert response.status_code == 302
    assert Invitation.objects.filter(
        organisation=hospital, email="new@chr.example.org"
    ).exists()
