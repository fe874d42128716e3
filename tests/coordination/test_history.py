"""The one audit-history renderer: who, when, what changed, with field labels and related
rows' names, in a number of queries that does not grow with the events it renders."""

from __future__ import annotations

import pghistory
import pytest
from django.utils import translation

from coordination.history import HistoryRenderer
from coordination.models import Region, ServiceType
from organisations.models import Membership, Service
from organisations.services import create_service, set_service_status, update_service
from tests.factories import MembershipFactory

SERVICES = HistoryRenderer((Service,), hidden={"organisation"})


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _types() -> list[ServiceType]:
    """Service types of as many different sectors as there are."""
    types: dict[int, ServiceType] = {}
    for row in ServiceType.objects.select_related("sector").order_by("code"):
        types.setdefault(row.sector_id, row)
    return list(types.values())


def _add(focal, service_type: ServiceType, name: str) -> Service:
    with pghistory.context(user=focal.pk):
        return create_service(
            actor=focal,
            name=name,
            sector=service_type.sector,
            service_type=service_type,
            regions=[Region.objects.get(code="02")],
        )


@pytest.mark.parametrize("count", [1, 8])
def test_the_query_count_does_not_grow_with_events_and_foreign_keys(
    django_assert_num_queries, org_b, focal_b, count
):
    # Each service: a different focal point, sector and type, then moved to another
    # sector and type by another person: 2 events, 5 foreign keys to users and rows.
    types = _types()
    assert len(types) >= 3
    for n in range(count):
        focal = MembershipFactory(organisation=org_b, role="focal_point").user
        service = _add(focal, types[n % len(types)], f"Service {n}")
        moved = types[(n + 1) % len(types)]
        with pghistory.context(user=focal_b.pk):
            update_service(
                service, actor=focal_b, sector=moved.sector, service_type=moved
            )
    events = list(SERVICES.events(org_b))
    assert len(events) == 2 * count

    # One query each for the users, the sectors and the service types.
    with django_assert_num_queries(3):
        entries = SERVICES.render(events)

    assert len(entries) == 2 * count


def test_rows_say_who_changed_what_with_labels_and_names(org_b, focal_b):
    first, second = _types()[:2]
    service = _add(focal_b, first, "Consultations")
    with pghistory.context(user=focal_b.pk):
        update_service(
            service,
            actor=focal_b,
            sector=second.sector,
            service_type=second,
            sexes=["female"],
            accessible=True,
        )

    update, insert = SERVICES.render(SERVICES.events(service))

    assert (update["kind"], update["actor"], str(update["model"])) == (
        "update",
        focal_b,
        "service",
    )
    changes = {
        str(c["field"]): (str(c["old"]), str(c["new"])) for c in update["changes"]
    }
    assert changes["sector"] == (first.sector.name, second.sector.name)
    assert changes["service type"] == (first.name, second.name)
    assert changes["for"] == ("—", "women and girls")
    assert changes["accessible to persons with disabilities"] == ("no", "yes")
    assert changes["updated by"] == ("—", focal_b.email)
    assert "organisation" not in changes  # hidden: the page's subject
    assert insert["is_insert"]
    assert {str(c["field"]) for c in insert["changes"]} >= {"name", "created by"}
    assert not {"id", "created_at", "updated_at"} & {
        str(c["field"]) for c in insert["changes"]
    }


def test_without_a_user_in_context_the_row_names_the_actor(org_b, focal_b):
    # Created outside a request (no pghistory context), as imports and workers do.
    service = create_service(
        actor=focal_b,
        name="Sans contexte",
        sector=_types()[0].sector,
        service_type=_types()[0],
        regions=[Region.objects.get(code="02")],
    )
    events = list(SERVICES.events(service))
    by_row = HistoryRenderer((Service,), actor_fields={"insert": ("created_by",)})

    assert SERVICES.render(events)[0]["actor"] is None
    assert by_row.render(events)[0]["actor"] == focal_b


def test_an_update_of_hidden_fields_only_is_left_out(org_b, focal_b):
    service = _add(focal_b, _types()[0], "Consultations")
    with pghistory.context(user=focal_b.pk):
        set_service_status(service, actor=focal_b, status=Service.Status.FULL)
    renderer = HistoryRenderer((Service,), hidden={"status", "version", "updated_by"})

    entries = renderer.render(renderer.events(service))

    assert [e["kind"] for e in entries] == ["insert"]


def test_a_missing_related_row_shows_its_id_and_other_models_are_left_out(
    org_b, focal_b
):
    member = Membership.objects.get(user=focal_b, organisation=org_b)
    renderer = HistoryRenderer((Membership,), hidden={"organisation"})
    events = list(renderer.events(org_b))
    for event in events:  # as if the person's row had gone
        event.pgh_data = {**event.pgh_data, "user_id": 987654}

    (entry,) = renderer.render(events)
    only_services = SERVICES.render(events)

    assert {"field": "user", "old": "—", "new": "#987654"} in [
        {k: str(v) for k, v in c.items()} for c in entry["changes"]
    ]
    assert str(entry["model"]) == str(member._meta.verbose_name)
    assert only_services == []
