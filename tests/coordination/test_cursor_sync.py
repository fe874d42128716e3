"""The sync cursor (coordination/cursor.py, README "Incremental sync with a cursor"): on
the seven lists partners sync, a walk returns every row once when nothing changes; with
rows edited meanwhile (another thread, its own connection and transactions), every row's
latest version still comes, and a row comes again only in a newer version; a row saved
by a transaction that commits late is not overtaken; a constant number of queries per
page; a bad cursor is a 400; scoping is unchanged."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.dateparse import parse_datetime

from coordination.models import Region, Sector, ServiceType
from dialogue.models import Recommendation
from dialogue.services import create_recommendation
from emergencies.models import Emergency
from emergencies.services import create_emergency
from interventions.models import Intervention
from interventions.services import create_intervention
from notifications.models import Notification
from organisations.models import Organisation, Service
from organisations.services import create_service
from referrals.models import Referral
from referrals.services import record_consent, register_beneficiary, send_referral
from tests.factories import OrganisationFactory

LISTS = {
    "intervention": Intervention,
    "organisation": Organisation,
    "service": Service,
    "emergency": Emergency,
    "referral": Referral,
    "recommendation": Recommendation,
    "notification": Notification,
}


@pytest.fixture(autouse=True)
def _no_margin(settings):
    # One machine, one clock: no skew to allow for (a test that needs time to pass
    # sets its own margin).
    settings.SYNC_CURSOR_MARGIN_SECONDS = 0


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def key(name: str) -> str:
    return "code" if name == "referral" else "id"


def start(name: str, page_size: int = 2, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"sync": 1, **params}.items())
    return f"{reverse(f'api:{name}-list')}?{query}&page_size={page_size}"


def walk(client, url: str) -> tuple[list[tuple], str, int]:
    """Follow `next` from `url`: ([(key, updated_at)], the last `resume`, pages)."""
    name = next(n for n in LISTS if f"/{n}s/" in url or f"/{n[:-1]}ies/" in url)
    delivered: list[tuple] = []
    pages = 0
    resume = url
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert "count" not in body
        assert body["previous"] is None
        delivered += [
            (row[key(name)], parse_datetime(row["updated_at"]))
            for row in body["results"]
        ]
        url, resume = body["next"], body["resume"]
        pages += 1
    return delivered, resume, pages


def _referral(sender, to, name: str) -> Referral:
    person = register_beneficiary(
        actor=sender, full_name=name, sex="female", nationality="GN"
    )
    consent = record_consent(
        person, actor=sender, organisation=to, scope="health", given_by="self"
    )
    return send_referral(
        person,
        actor=sender,
        to_organisation=to,
        sector=Sector.objects.get(code="health"),
        reason="Needs a consultation",
        consent=consent,
    )


def _intervention(actor, n: int) -> Intervention:
    return create_intervention(
        actor=actor,
        sector=Sector.objects.get(code="health"),
        activity=ServiceType.objects.get(code="primary_care"),
        region=Region.objects.get(code="02"),
        start_date=date(2025, 1, 1 + n % 28),
        description=f"row {n}",
    )


@pytest.fixture
def rows(worker_a, focal_a, worker_b, org_a, org_b, org_c, worker_c, coordinator):
    """Five rows or more of each list for A's caseworker, and rows A must not see."""
    health = Sector.objects.get(code="health")
    oriental = Region.objects.get(code="02")
    for n in range(5):
        _intervention(worker_a, n)
        OrganisationFactory()
        create_service(
            actor=focal_a,
            name=f"Service {n}",
            sector=health,
            service_type=ServiceType.objects.get(code="primary_care"),
            regions=[oriental],
        )
        create_emergency(
            actor=coordinator,
            title=f"Emergency {n}",
            kind=Emergency.Kind.COLD_WAVE,
            started_on=date(2025, 1, 1 + n),
            regions=[oriental],
        )
        create_recommendation(actor=coordinator, text=f"Recommendation {n}")
        _referral(worker_a, org_b, f"Person A{n}")
        Notification.objects.create(recipient=worker_a, kind="referral_accepted")
    # Not A's: a referral between B and C, B's notifications, a deactivated org.
    _referral(worker_b, org_c, "Person B")
    Notification.objects.create(recipient=worker_b, kind="referral_accepted")
    OrganisationFactory(is_active=False)


@pytest.mark.parametrize("name", list(LISTS))
def test_a_walk_returns_every_visible_row_once(api_as, worker_a, rows, name):
    delivered, resume, pages = walk(api_as(worker_a), start(name, page_size=2))
    keys = [k for k, _moment in delivered]
    expected = set(
        LISTS[name].objects.visible_to(worker_a).values_list(key(name), flat=True)
    )
    assert len(keys) == len(set(keys)) == len(expected) >= 5
    assert set(keys) == expected
    assert pages == -(-len(expected) // 2)  # no empty last page
    # Nothing changed: the resume link brings nothing, and says so.
    again, _resume, _pages = walk(api_as(worker_a), resume)
    assert again == []


def test_other_organisations_rows_never_appear(api_as, worker_a, worker_b, rows):
    client = api_as(worker_a)
    codes = {k for k, _m in walk(client, start("referral", page_size=50))[0]}
    assert not Referral.objects.filter(code__in=codes).exclude(
        from_organisation__code="org-a"
    )
    ids = {k for k, _m in walk(client, start("notification", page_size=50))[0]}
    assert not Notification.objects.filter(pk__in=ids).exclude(recipient=worker_a)
    orgs = {k for k, _m in walk(client, start("organisation", page_size=50))[0]}
    assert not Organisation.objects.filter(pk__in=orgs, is_active=False)


def test_filters_and_updated_since_apply_to_the_walk(api_as, worker_a, rows):
    middle = Emergency.objects.order_by("updated_at", "id")[2]
    since = middle.updated_at.isoformat().replace("+00:00", "Z")
    delivered, _resume, _pages = walk(
        api_as(worker_a), start("emergency", updated_since=since)
    )
    expected = Emergency.objects.filter(updated_at__gte=middle.updated_at)
    assert {k for k, _m in delivered} == set(expected.values_list("id", flat=True))


def test_page_numbers_are_unchanged_without_a_cursor(api_as, worker_a, rows):
    body = (
        api_as(worker_a).get(reverse("api:intervention-list") + "?page_size=2").json()
    )
    assert body["count"] == 5
    assert "resume" not in body
    assert "page=2" in body["next"]


def test_queries_per_page_do_not_grow_with_the_page_size(api_as, worker_a, rows):
    client = api_as(worker_a)
    counts = {}
    for name in LISTS:
        for size in (1, 5):
            client.get(start(name, page_size=size))  # session and caches warm
            with CaptureQueriesContext(connection) as queries:
                response = client.get(start(name, page_size=size))
            assert response.status_code == 200
            assert len(response.json()["results"]) == size
            counts[name, size] = len(queries)
        assert counts[name, 1] == counts[name, 5], name


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "eyJsIjoiaW50ZXJ2ZW50aW9uIiwidSI6IjIwMjUtMDEtMDFUMDA6MDA6MDBaIiwiaSI6MX0",
        "%00%ff",
        "a" * 5000,
    ],
)
def test_a_garbled_cursor_is_a_400(api_as, worker_a, cursor):
    response = api_as(worker_a).get(
        f"{reverse('api:intervention-list')}?cursor={cursor}"
    )
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_a_forged_or_foreign_cursor_is_a_400(api_as, worker_a, rows):
    worker_a.language = "en"  # the API answers in its user's language
    worker_a.save(update_fields=["language"])
    client = api_as(worker_a)
    resume = client.get(start("intervention")).json()["next"]
    token = resume.split("cursor=")[1].split("&")[0]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    for bad, message in (
        (forged, "not valid"),
        (token, "another list"),  # an interventions cursor on referrals
    ):
        url = f"{reverse('api:intervention-list' if bad is forged else 'api:referral-list')}?cursor={bad}"
        response = client.get(url)
        assert response.status_code == 400
        assert message in response.json()["errors"]["cursor"][0]


def test_the_schema_describes_the_cursor(api_as, worker_a):
    schema = api_as(worker_a).get(reverse("api:schema") + "?format=json").json()
    for name in ("interventions", "organisations", "services", "emergencies",
                 "referrals", "recommendations", "notifications"):  # fmt: skip
        operation = schema["paths"][f"/api/v1/{name}/"]["get"]
        assert {"cursor", "sync", "page"} <= {
            p["name"] for p in operation["parameters"]
        }
    page = schema["components"]["schemas"]["PaginatedInterventionList"]
    assert page["required"] == ["results"]
    assert "resume" in page["properties"]


# ---------------------------------------------------------------------------
# Concurrent edits: a writer thread with its own connection
# ---------------------------------------------------------------------------
def _edit(pk: int, text: str) -> None:
    intervention = Intervention.objects.get(pk=pk)
    intervention.description = text
    intervention.save(update_fields=["description", "updated_at"])


def _in_thread(target, *args) -> threading.Thread:
    def run():
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _check_guarantee(delivered: list[tuple]) -> None:
    """Every row's latest version came; a row came again only in a newer version."""
    assert len(delivered) == len(set(delivered)), "a version came twice"
    latest = dict(Intervention.objects.values_list("id", "updated_at"))
    last_seen: dict[int, object] = {}
    for pk, moment in delivered:
        if pk in last_seen:
            assert moment > last_seen[pk], "a row came again without changing"
        last_seen[pk] = moment
    assert last_seen == latest


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_edits_during_a_walk_skip_nothing(api_as, worker_a, settings):
    settings.SYNC_CURSOR_MARGIN_SECONDS = 0.2  # the writer's clock read to its write
    ids = [_intervention(worker_a, n).pk for n in range(30)]
    time.sleep(0.3)
    client = api_as(worker_a)
    stop = threading.Event()
    edits = []

    def writer():
        n = 0
        while not stop.is_set():
            pk = ids[(n * 7) % len(ids)]  # rows already delivered and rows ahead
            _edit(pk, f"edit {n}")
            edits.append(pk)
            n += 1
            time.sleep(0.01)

    thread = _in_thread(writer)
    delivered: list[tuple] = []
    url = start("intervention", page_size=3)
    try:
        while url and len(edits) < 40:  # walk, again and again, while it edits
            part, resume, _pages = walk(client, url)
            delivered += part
            url = resume
            time.sleep(0.02)
    finally:
        stop.set()
        thread.join(10)
    time.sleep(0.3)  # past the margin: the last edits are due
    part, _resume, _pages = walk(client, url)
    delivered += part
    assert len(edits) >= 40
    assert len(delivered) > len(ids)  # edited rows did come again
    _check_guarantee(delivered)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_late_commit_is_not_overtaken(api_as, worker_a):
    """Row X is saved in a transaction still open while row Y, saved after it, commits:
    the walk holds back at X's transaction; once X commits, both come."""
    slow, fast, *others = [_intervention(worker_a, n).pk for n in range(6)]
    client = api_as(worker_a)
    delivered, resume, _pages = walk(client, start("intervention", page_size=2))
    assert len(delivered) == 6
    saved, may_commit = threading.Event(), threading.Event()

    def slow_writer():
        with transaction.atomic():
            _edit(slow, "slow")
            saved.set()
            assert may_commit.wait(10)

    slow_thread = _in_thread(slow_writer)
    assert saved.wait(10)
    _in_thread(_edit, fast, "fast").join(10)
    assert Intervention.objects.get(pk=fast).description == "fast"  # committed
    part, resume, _pages = walk(client, resume)
    assert part == []  # Y waits behind X's open transaction: nothing overtakes X
    may_commit.set()
    slow_thread.join(10)
    part, resume, _pages = walk(client, resume)
    assert [pk for pk, _m in part] == [slow, fast]
    _check_guarantee(delivered + part)
    assert others
