"""Services: the rules of an intervention, who may write, versions, progress reports."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from coordination.exceptions import PermissionDenied, ValidationError
from coordination.models import Province
from interventions.models import Intervention, InterventionUpdate
from interventions.services import (
    PreconditionFailed,
    create_intervention,
    record_progress,
    update_intervention,
)


def test_a_caseworker_logs_an_intervention_for_their_organisation(
    worker_a, org_a, valid_data
):
    intervention = create_intervention(actor=worker_a, **valid_data)

    assert intervention.organisation == org_a
    assert intervention.created_by == worker_a
    assert intervention.version == 1
    assert intervention.targeted == {
        "women": 40,
        "men": 30,
        "girls": 10,
        "boys": 10,
        "disabled": 5,
        "total": 90,
    }


def test_an_empty_total_is_the_sum_of_the_parts(worker_a, valid_data):
    intervention = create_intervention(
        actor=worker_a, **{**valid_data, "targeted_total": None}
    )

    assert intervention.targeted_total == 90


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"targeted_total": 80}, "targeted_total"),
        ({"targeted_disabled": 95}, "targeted_disabled"),
        ({"reached_women": 3, "reached_total": 2}, "reached_total"),
        ({"end_date": date(2024, 12, 31)}, "end_date"),
    ],
    ids=["parts-above-total", "disabled-above-total", "reached", "end-before-start"],
)
def test_rules_refuse_and_save_nothing(worker_a, valid_data, change, field):
    with pytest.raises(ValidationError) as refused:
        create_intervention(actor=worker_a, **{**valid_data, **change})

    assert field in refused.value.message_dict
    assert not Intervention.objects.exists()


def test_the_activity_must_belong_to_the_sector(worker_a, valid_data, hot_meals):
    with pytest.raises(ValidationError) as refused:
        create_intervention(actor=worker_a, **{**valid_data, "activity": hot_meals})

    assert "activity" in refused.value.message_dict


def test_the_province_must_lie_in_the_region(worker_a, valid_data, casablanca_region):
    with pytest.raises(ValidationError) as refused:
        create_intervention(
            actor=worker_a, **{**valid_data, "region": casablanca_region}
        )

    assert "province" in refused.value.message_dict


def test_the_organisation_cannot_be_its_own_partner(worker_a, org_a, valid_data):
    with pytest.raises(ValidationError) as refused:
        create_intervention(actor=worker_a, **valid_data, partners=[org_a])

    assert "partners" in refused.value.message_dict


def test_the_database_keeps_the_rules_too(intervention_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        Intervention.objects.filter(pk=intervention_a.pk).update(targeted_total=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Intervention.objects.filter(pk=intervention_a.pk).update(
            end_date=date(2020, 1, 1)
        )


def test_references_are_unique_within_an_organisation(worker_a, worker_b, valid_data):
    create_intervention(actor=worker_a, **valid_data, external_ref="R-1")
    create_intervention(actor=worker_b, **valid_data, external_ref="R-1")

    with pytest.raises(ValidationError) as refused:
        create_intervention(actor=worker_a, **valid_data, external_ref="R-1")

    assert "external_ref" in refused.value.message_dict


@pytest.mark.parametrize("who", ["coordinator", "observer"])
def test_people_without_an_organisation_cannot_log(request, who, valid_data):
    with pytest.raises(PermissionDenied):
        create_intervention(actor=request.getfixturevalue(who), **valid_data)


@pytest.mark.parametrize("who", ["worker_b", "focal_b", "coordinator", "observer"])
def test_only_the_owning_organisation_edits(request, who, intervention_a):
    with pytest.raises(PermissionDenied):
        update_intervention(
            intervention_a,
            actor=request.getfixturevalue(who),
            status=Intervention.Status.COMPLETED,
        )

    intervention_a.refresh_from_db()
    assert intervention_a.status == Intervention.Status.ONGOING


def test_an_edit_bumps_the_version_and_records_who(intervention_a, focal_a):
    edited = update_intervention(
        intervention_a,
        actor=focal_a,
        status=Intervention.Status.COMPLETED,
        version=1,
    )

    assert edited.version == 2
    assert edited.updated_by == focal_a


def test_a_stale_version_is_refused(intervention_a, worker_a, focal_a):
    update_intervention(intervention_a, actor=focal_a, commune="Lazaret")

    with pytest.raises(PreconditionFailed):
        update_intervention(
            intervention_a, actor=worker_a, commune="Sidi Yahya", version=1
        )

    intervention_a.refresh_from_db()
    assert intervention_a.commune == "Lazaret"


def test_an_edit_is_checked_against_the_saved_values(intervention_a, worker_a):
    other = Province.objects.get(code="06.141")

    with pytest.raises(ValidationError) as refused:
        update_intervention(intervention_a, actor=worker_a, province=other)

    assert "province" in refused.value.message_dict


def test_progress_adds_to_reached(intervention_a, worker_a):
    record_progress(
        intervention_a,
        actor=worker_a,
        reported_on=date(2025, 2, 1),
        counts={"women": 4, "men": 3, "girls": 2, "boys": 1, "disabled": 1},
    )
    record_progress(
        intervention_a,
        actor=worker_a,
        reported_on=date(2025, 3, 1),
        counts={"women": 1, "total": 5},
    )

    intervention_a.refresh_from_db()
    assert intervention_a.reached == {
        "women": 5,
        "men": 3,
        "girls": 2,
        "boys": 1,
        "disabled": 1,
        "total": 15,
    }
    assert intervention_a.version == 3
    assert InterventionUpdate.objects.filter(intervention=intervention_a).count() == 2


@pytest.mark.parametrize(
    ("counts", "on", "field"),
    [
        ({"women": 3, "total": 2}, date(2025, 2, 1), "total"),
        ({}, date(2025, 2, 1), "total"),
        ({"women": 1}, date(2024, 12, 1), "reported_on"),
        ({"women": 1}, None, "reported_on"),
    ],
    ids=["parts-above-total", "nobody", "before-start", "future"],
)
def test_bad_progress_reports_change_nothing(
    intervention_a, worker_a, counts, on, field
):
    on = on or timezone.localdate() + timedelta(days=2)

    with pytest.raises(ValidationError) as refused:
        record_progress(intervention_a, actor=worker_a, reported_on=on, counts=counts)

    assert field in refused.value.message_dict
    intervention_a.refresh_from_db()
    assert intervention_a.reached_total == 0
    assert not InterventionUpdate.objects.exists()


def test_another_organisation_cannot_report_progress(intervention_a, worker_b):
    with pytest.raises(PermissionDenied):
        record_progress(
            intervention_a,
            actor=worker_b,
            reported_on=date(2025, 2, 1),
            counts={"women": 1},
        )


def test_every_member_and_observer_reads_the_4w(
    intervention_a, worker_b, worker_c, observer, coordinator
):
    for user in (worker_b, worker_c, observer, coordinator):
        assert list(Intervention.objects.visible_to(user)) == [intervention_a]
