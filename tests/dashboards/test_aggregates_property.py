"""The property: whatever sequence of creates, updates, deletes, 4W imports and
referral transitions, every aggregate-backed figure equals the same figure computed
straight from the base tables, under every filter."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboards.from_base_tables import assert_matches
from emergencies.models import Need
from interventions.models import Intervention
from interventions.services import (
    import_interventions,
    record_progress,
    start_import,
    update_intervention,
)
from referrals.models import Referral
from referrals.services import (
    accept_referral,
    cancel_referral,
    complete_referral,
    decline_referral,
)

from .conftest import intervention, refer

MONTHS = [date(2025, 11, 3), date(2025, 12, 20), date(2026, 1, 15)]
counts = st.integers(min_value=0, max_value=30)

create = st.tuples(
    st.just("create"),
    st.integers(0, 2),  # organisation
    st.integers(0, 1),  # activity (sector)
    st.integers(0, 1),  # region
    st.sampled_from(MONTHS),
    st.booleans(),  # emergency
    counts,
    counts,
)
update = st.tuples(st.just("update"), st.integers(0, 50), st.integers(0, 1), counts)
progress = st.tuples(st.just("progress"), st.integers(0, 50), counts)
delete = st.tuples(st.just("delete"), st.integers(0, 50))
bulk = st.tuples(st.just("bulk"), st.integers(0, 1), counts)
imported = st.tuples(
    st.just("import"),
    st.lists(st.tuples(st.integers(0, 3), counts), min_size=1, max_size=4),
)
send = st.tuples(
    st.just("send"),
    st.integers(1, 2),  # to B or C
    st.sampled_from(["emergency", "urgent", "normal"]),
    st.integers(0, 400),  # hours ago
    st.booleans(),
    st.booleans(),  # a person whose place is unknown (no region)
)
move = st.tuples(
    st.just("transition"),
    st.integers(0, 50),
    st.sampled_from(["accept", "decline", "complete", "cancel"]),
)
# A referral's whole timeline moved back by some days (one UPDATE): accepted ones
# cross the "accepted, not completed after 30 days" line.
age = st.tuples(st.just("age"), st.integers(0, 50), st.integers(1, 60))
operations = st.lists(
    st.one_of(create, update, progress, delete, bulk, imported, send, move, age),
    min_size=1,
    max_size=12,
)

HEADER = (
    "Référence,Secteur,Activité,Région,Date de début,Femmes atteintes,Total atteint"
)


def _pick(queryset, index):
    rows = list(queryset.order_by("pk"))
    return rows[index % len(rows)] if rows else None


def apply(world, op) -> None:
    (regions, activities, orgs, workers) = (
        world["regions"], world["activities"], world["orgs"], world["workers"],
    )  # fmt: skip
    kind = op[0]
    if kind == "create":
        _k, org, activity, region, start, in_emergency, women, men = op
        intervention(
            workers[org],
            activity=activities[activity],
            region=regions[region],
            start=start,
            emergency=world["emergency"] if in_emergency else None,
            women=women,
            men=men,
        )
    elif kind == "update":
        row = _pick(Intervention.objects.all(), op[1])
        if row is not None:
            owner = next(
                w
                for w, o in zip(workers, orgs, strict=True)
                if o.pk == row.organisation_id
            )
            update_intervention(
                row,
                actor=owner,
                **{"region": regions[op[2]], "reached_women": 0, "reached_men": op[3],
                      "reached_girls": 0, "reached_boys": 0, "reached_disabled": 0,
                      "reached_total": op[3]},
            )  # fmt: skip
    elif kind == "progress":
        row = _pick(Intervention.objects.all(), op[1])
        if row is not None and op[2]:
            owner = next(
                w
                for w, o in zip(workers, orgs, strict=True)
                if o.pk == row.organisation_id
            )
            record_progress(row, actor=owner, reported_on=row.start_date,
                            counts={"girls": op[2]})  # fmt: skip
    elif kind == "delete":
        row = _pick(Intervention.objects.filter(updates__isnull=True), op[1])
        if row is not None:
            Intervention.objects.filter(pk=row.pk).delete()
    elif kind == "bulk":  # one UPDATE over many rows
        parts = F("reached_women") + F("reached_men") + F("reached_girls")
        Intervention.objects.filter(region=regions[op[1]]).update(
            reached_boys=0, reached_total=parts + F("reached_disabled") + op[2]
        )
    elif kind == "import":
        lines = [HEADER] + [
            f"P-{ref},health,{activities[0].code},02,2025-12-0{ref + 1},{women},{women}"
            for ref, women in dict(op[1]).items()
        ]
        upload = SimpleUploadedFile("4w.csv", ("\n".join(lines) + "\n").encode())
        record = start_import(actor=workers[0], upload=upload)
        report = import_interventions(record, actor=workers[0], dry_run=False).report
        assert report["valid"], report["errors"]
    elif kind == "send":
        _k, to, priority, hours, in_emergency, nowhere = op
        refer(world, orgs[to], priority=priority, hours_ago=hours,
              emergency=world["emergency"] if in_emergency else None,
              person=world["nowhere"] if nowhere else None)  # fmt: skip
    elif kind == "age":
        referral = _pick(Referral.objects.all(), op[1])
        if referral is not None:
            back = timedelta(days=op[2])
            Referral.objects.filter(pk=referral.pk).update(
                sent_at=F("sent_at") - back,
                due_at=F("due_at") - back,
                responded_at=F("responded_at") - back,
            )
    elif kind == "transition":
        referral = _pick(Referral.objects.all(), op[1])
        if referral is None:
            return
        receiver = next(
            w
            for w, o in zip(workers, orgs, strict=True)
            if o.pk == referral.to_organisation_id
        )
        action, status = op[2], referral.status
        if action == "accept" and status == "pending":
            accept_referral(referral, actor=receiver)
        elif action == "decline" and status == "pending":
            decline_referral(referral, actor=receiver, reason="Complet")
        elif action == "complete" and status == "accepted":
            complete_referral(referral, actor=receiver, outcome="Vu")
        elif action == "cancel" and status in ("pending", "accepted"):
            cancel_referral(referral, actor=workers[0], reason="Parti")


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_every_figure_equals_the_base_tables(world, ops):
    oriental, souss = world["regions"]
    filters = [
        {},
        {"region": souss},
        {"organisation": world["orgs"][1]},
        {"organisation": world["orgs"][0], "region": oriental},
        {"emergency": world["emergency"]},
        {"sector": world["activities"][1].sector},
        {"period_start": date(2025, 12, 1), "period_end": date(2026, 1, 31)},
    ]
    try:
        with transaction.atomic():
            for region, activity in ((oriental, 0), (souss, 1)):
                Need.objects.create(
                    emergency=world["emergency"],
                    sector=world["activities"][activity].sector,
                    region=region,
                    people_in_need=40,
                )
            for op in ops:
                apply(world, op)
            for flt in filters:
                assert_matches(flt)
            raise _Undo
    except _Undo:
        pass


class _Undo(Exception):
    """Rolls one example back, so the next starts from the same world."""
