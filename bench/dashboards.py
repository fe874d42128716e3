"""`make bench`, the dashboards part: every stats endpoint at national scale against
the raw SQL GROUP BY over the base tables that gives the same figures.

Loads 1,000,000 interventions, 100,000 beneficiaries (with a consent each) and 200,000
referrals with COPY (audit and foreign-key triggers off for the load, through
session_replication_role = replica; the dashboards' aggregate triggers are ENABLE ALWAYS,
so they still count every row), with skewed distributions: 150 organisations working in
one to three regions (most in the Oriental, Casablanca-Settat, Rabat-Salé-Kénitra,
Tanger-Tétouan-Al Hoceima and Souss-Massa) and two to four sectors, three years of
start dates growing over time, 10% of interventions tied to one of three emergencies;
referrals between organisations sharing a region, every priority and status, answers
mostly within the deadline. Then, per endpoint, with and without filters, the median
of 20 warm API calls (token authentication) against the median of 20 runs of the base
tables' GROUP BY (dashboards/from_base_tables.py, same definitions), and the
ratio. Everything happens in one transaction that is rolled back. Figures, never
assertions.
"""

from __future__ import annotations

import os
import random
import time
import warnings
from datetime import UTC, date, datetime, timedelta

from bench.__main__ import RUNS, Rollback
from bench.__main__ import median_ms as median_and_best

INTERVENTIONS = int(os.environ.get("BENCH_DASH_INTERVENTIONS", 1_000_000))
REFERRALS = int(os.environ.get("BENCH_DASH_REFERRALS", 200_000))
BENEFICIARIES = int(os.environ.get("BENCH_DASH_BENEFICIARIES", 100_000))
ORGANISATIONS = 150
BUSY_REGIONS = ("02", "06", "04", "01", "09")
HOURS = {"emergency": 24, "urgent": 72, "normal": 336}


def median_ms(call) -> float:
    """The median of bench/__main__'s warm timed calls, in ms."""
    return median_and_best(call)[0]


def _copy(cursor, table: str, columns: list[str], rows) -> None:
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _raw_recommendations(cursor, filters: dict):
    """Recommendations by status: the base table is the only table (a few hundred
    rows at most), so the ratio shows the API's own cost."""
    where, params = ["TRUE"], []
    if filters.get("organisation"):
        where.append("owner_id = %s")
        params.append(filters["organisation"])
    cursor.execute(
        f"""SELECT status, count(*) FROM coordination_recommendation
        WHERE {" AND ".join(where)} GROUP BY 1""",
        params,
    )
    return cursor.fetchall()


def load(cursor, rng: random.Random) -> dict:
    """The national-scale dataset; returns what the filters need."""
    from coordination.models import Province, Region, ServiceType
    from emergencies.models import Emergency
    from organisations.models import Membership, Organisation, User
    from organisations.services import create_api_token

    regions = {r.code: r for r in Region.objects.all()}
    provinces_of: dict[int, list] = {}
    for province in Province.objects.all():
        provinces_of.setdefault(province.region_id, []).append(province.pk)
    activities_of: dict[int, list] = {}
    for activity in ServiceType.objects.all():
        activities_of.setdefault(activity.sector_id, []).append(activity.pk)
    sectors = sorted(activities_of)
    weights = {r.pk: (8 if code in BUSY_REGIONS else 1) for code, r in regions.items()}
    region_ids = list(weights)

    orgs = Organisation.objects.bulk_create(
        Organisation(
            code=f"bench-dash-{n:03d}",
            name=f"Association de banc d'essai {n:03d}",
            kind="local_association",
        )
        for n in range(ORGANISATIONS)
    )
    user = User.objects.create_user("bench.dash@example.org", None)
    Membership.objects.create(user=user, organisation=orgs[0], role="focal_point")
    _, key = create_api_token(actor=user, organisation=orgs[0], name="bench")
    emergencies = [
        Emergency.objects.create(
            title=f"Urgence de banc d'essai {n}",
            kind="cold_wave" if n == 0 else "displacement",
            started_on=date(2025, 1 + 3 * n, 1),
            status="active",
            created_by=user,
        )
        for n in range(3)
    ]
    from emergencies.models import Need

    for n, emergency in enumerate(emergencies):
        places = [regions[BUSY_REGIONS[n]], regions[BUSY_REGIONS[n + 1]]]
        emergency.regions.set(places)
        Need.objects.bulk_create(
            Need(
                emergency=emergency,
                sector_id=sector,
                region=place,
                people_in_need=500 + 100 * k,
            )
            for place in places
            for k, sector in enumerate(sectors[:6])
        )
    profile = {}
    for org in orgs:
        home = set(rng.choices(region_ids, [weights[r] for r in region_ids], k=3))
        home = sorted(home)[: rng.randint(1, 3)]
        profile[org.pk] = (home, rng.sample(sectors, rng.randint(2, 4)))
    by_region: dict[int, list[int]] = {}
    for org_pk, (home, _s) in profile.items():
        for region in home:
            by_region.setdefault(region, []).append(org_pk)

    now = datetime.now(UTC).isoformat()
    start = time.perf_counter()
    org_ids = [org.pk for org in orgs]
    org_weights = [rng.paretovariate(1.2) for _ in org_ids]  # a few big ones

    leaders = rng.choices(org_ids, org_weights, k=INTERVENTIONS)

    def interventions():
        for n, org in enumerate(leaders):
            home, own = profile[org]
            region = rng.choice(home)
            sector = rng.choice(own)
            day = date(2023, 1, 1) + timedelta(days=int(1095 * rng.random() ** 0.7))
            emergency = rng.choice(emergencies).pk if rng.random() < 0.1 else None
            women, men = rng.randint(0, 40), rng.randint(0, 40)
            girls, boys = rng.randint(0, 20), rng.randint(0, 20)
            total = women + men + girls + boys + rng.randint(1, 5)
            yield (
                org, emergency, sector, rng.choice(activities_of[sector]), region,
                rng.choice(provinces_of[region]), day, None, "ongoing", "service",
                women, men, girls, boys, rng.randint(0, min(5, total)), total, f"B-{n:07d}",
                user.pk, now, now, "", "", "", 1,
                0, 0, 0, 0, 0, 0,
            )  # fmt: skip

    _copy(
        cursor,
        "interventions_intervention",
        [
            "organisation_id", "emergency_id", "sector_id", "activity_id", "region_id",
            "province_id", "start_date", "end_date", "status", "modality",
            "reached_women", "reached_men", "reached_girls", "reached_boys",
            "reached_disabled", "reached_total", "external_ref", "created_by_id",
            "created_at", "updated_at", "commune", "description", "funding_source",
            "version", "targeted_women", "targeted_men", "targeted_girls",
            "targeted_boys", "targeted_disabled", "targeted_total",
        ],
        interventions(),
    )  # fmt: skip
    loaded = {"interventions_s": time.perf_counter() - start}

    start = time.perf_counter()
    cursor.execute("SELECT coalesce(max(id), 0) FROM referrals_beneficiary")
    first_beneficiary = cursor.fetchone()[0] + 1
    owners = rng.choices(org_ids, org_weights, k=BENEFICIARIES)
    _copy(
        cursor,
        "referrals_beneficiary",
        [
            "id", "created_at", "updated_at", "code", "full_name", "phone",
            "document_numbers", "address", "sex", "nationality", "languages",
            "interpreter_needed", "vulnerabilities", "wg_seeing", "wg_hearing",
            "wg_walking", "wg_remembering", "wg_self_care", "wg_communicating",
            "duplicate_key", "duplicate_phone_key", "last_activity_at", "version",
            "created_by_id", "organisation_id",
        ],
        (
            (
                first_beneficiary + n, now, now, f"BNB{n:07d}"[:10], "", "", "", "",
                "female" if n % 2 else "male", "GN", ["fr"], False, [],
                "", "", "", "", "", "", f"bench-{n}", f"bench-{n}", now, 1,
                user.pk, owners[n],
            )
            for n in range(BENEFICIARIES)
        ),
    )  # fmt: skip
    cursor.execute("SELECT coalesce(max(id), 0) FROM referrals_consent")
    first_consent = cursor.fetchone()[0] + 1
    _copy(
        cursor,
        "referrals_consent",
        [
            "id", "created_at", "updated_at", "given_by", "scope", "legal_basis",
            "justification", "recorded_at", "withdrawal_reason", "beneficiary_id",
            "organisation_id", "recorded_by_id",
        ],
        (
            (
                first_consent + n, now, now, "self", "bench", "consent", "", now, "",
                first_beneficiary + n, owners[n], user.pk,
            )
            for n in range(BENEFICIARIES)
        ),
    )  # fmt: skip
    loaded["beneficiaries_s"] = time.perf_counter() - start

    start = time.perf_counter()
    clock = datetime.now(UTC)

    def referrals():
        for n in range(REFERRALS):
            person = rng.randrange(BENEFICIARIES)
            sender = owners[person]
            home, _own = profile[sender]
            region = rng.choice(home)
            receivers = [o for o in by_region[region] if o != sender] or [
                o for o in org_ids if o != sender
            ]
            receiver = rng.choice(receivers[:12])
            priority = rng.choices(list(HOURS), [1, 3, 6])[0]
            sent = clock - timedelta(days=1095 * rng.random() ** 0.8)
            due = sent + timedelta(hours=HOURS[priority])
            status = rng.choices(
                ["pending", "accepted", "declined", "completed", "cancelled"],
                [1, 2, 1, 5, 1],
            )[0]
            if status == "pending" or (status == "cancelled" and rng.random() < 0.5):
                responded = None
            else:
                late = rng.random() < 0.2
                hours = HOURS[priority] * (1 + rng.random() if late else rng.random())
                responded = sent + timedelta(hours=hours)
            if status == "pending" and rng.random() < 0.9:
                sent = clock - timedelta(hours=HOURS[priority] * rng.random())
                due = sent + timedelta(hours=HOURS[priority])
            yield (
                f"RB{n:07d}"[:10], "bench", priority, status, sent, due, responded,
                "done" if status == "completed" else "",
                "full" if status == "declined" else "", "", "", 1,
                first_beneficiary + person, first_consent + person, user.pk, sender,
                rng.choice(profile[receiver][1]), receiver, region,
                rng.choice(emergencies).pk if rng.random() < 0.1 else None,
                now, now,
            )  # fmt: skip

    _copy(
        cursor,
        "referrals_referral",
        [
            "code", "reason", "priority", "status", "sent_at", "due_at",
            "responded_at", "outcome", "decline_reason", "cancel_reason", "feedback",
            "version", "beneficiary_id", "consent_id", "created_by_id",
            "from_organisation_id", "sector_id", "to_organisation_id", "region_id",
            "emergency_id", "created_at", "updated_at",
        ],
        referrals(),
    )  # fmt: skip
    loaded["referrals_s"] = time.perf_counter() - start
    for table in (
        "interventions_intervention",
        "referrals_referral",
        "coordination_interventionstat",
        "coordination_referralstat",
        "coordination_referralanswerstat",
    ):
        cursor.execute(f"ANALYZE {table}")
    busiest = max(by_region, key=lambda r: len(by_region[r]))
    return {
        "key": key,
        "loaded": loaded,
        "filters": {
            "region": Region.objects.get(pk=busiest).code,
            "period_start": "2025-01-01",
            "period_end": "2025-06-30",
            "sector": sectors[0],
        },
        "organisation": max(org_ids, key=lambda o: org_weights[org_ids.index(o)]),
        "filter_objects": {
            "region": busiest,
            "period_start": date(2025, 1, 1),
            "period_end": date(2025, 6, 30),
            "sector": sectors[0],
        },
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment, teardown_test_environment
    from django.utils import timezone
    from rest_framework.test import APIClient

    from dashboards import from_base_tables

    setup_test_environment()
    lines: list[tuple[str, float, float]] = []
    counts = {}
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            started = time.perf_counter()
            data = load(cursor, random.Random(6))
            loaded_s = time.perf_counter() - started
            print(f"  loaded in {loaded_s:.0f} s: {data['loaded']}", flush=True)
            cursor.execute("SET LOCAL session_replication_role = origin")
            for table in ("interventionstat", "referralstat", "referralanswerstat"):
                cursor.execute(f"SELECT count(*) FROM coordination_{table}")
                counts[table] = cursor.fetchone()[0]
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {data['key']}")
            now = timezone.now()
            variants = {
                "no filter": ({}, {}),
                "period+region": (
                    {
                        k: data["filters"][k]
                        for k in ("period_start", "period_end", "region")
                    },
                    {
                        "period_start": data["filter_objects"]["period_start"],
                        "period_end": data["filter_objects"]["period_end"],
                        "region": data["filter_objects"]["region"],
                    },
                ),
                "organisation": (
                    {"organisation": data["organisation"]},
                    {"organisation": data["organisation"]},
                ),
            }
            raw = {
                "4w": lambda f: from_base_tables.four_w(f),
                "reached": lambda f: from_base_tables.reached(f),
                "referrals": lambda f: from_base_tables.referrals(f, now),
                "emergencies": lambda f: from_base_tables.emergencies(f),
                "recommendations": lambda f: _raw_recommendations(cursor, f),
            }
            for name in (
                "4w",
                "reached",
                "referrals",
                "emergencies",
                "recommendations",
            ):
                for label, (query, filters) in variants.items():
                    url = f"/api/v1/stats/{name}/"

                    def api(url=url, query=query):
                        response = client.get(url, query, secure=True)
                        assert response.status_code == 200, response.content[:300]

                    api_ms = median_ms(api)
                    sql_ms = (
                        median_ms(lambda f=filters, n=name: raw[n](f))
                        if raw[name]
                        else float("nan")
                    )
                    lines.append((f"{name} ({label})", api_ms, sql_ms))
                    print(
                        f"  {name} ({label}): {api_ms:.1f} / {sql_ms:.1f} ms",
                        flush=True,
                    )
            public = median_ms(
                lambda: APIClient().get("/api/v1/public/stats/", secure=True)
            )
            public_raw = median_ms(
                lambda: (
                    from_base_tables.four_w({}),
                    from_base_tables.reached({}),
                    from_base_tables.referrals({}, now),
                )
            )
            lines.append(("public/stats (no filter)", public, public_raw))
            pages = _page_timings()
            raise Rollback
    except Rollback:
        pass
    finally:
        teardown_test_environment()

    loaded = data["loaded"]
    print(
        f"Dashboards: {INTERVENTIONS:,} interventions, {BENEFICIARIES:,} beneficiaries, "
        f"{REFERRALS:,} referrals loaded in {loaded_s:.0f} s (interventions "
        f"{loaded['interventions_s']:.0f} s, beneficiaries {loaded['beneficiaries_s']:.0f}"
        f" s, referrals {loaded['referrals_s']:.0f} s, aggregate triggers included)"
    )
    print(
        "  aggregate rows: "
        + ", ".join(f"{table} {count:,}" for table, count in counts.items())
    )
    print(f"  median of {RUNS} warm calls; raw = GROUP BY over the base tables")
    print("  | endpoint | API ms | raw SQL ms | ratio |")
    print("  | --- | ---: | ---: | ---: |")
    for label, api_ms, sql_ms in lines:
        ratio = api_ms / sql_ms if sql_ms == sql_ms else float("nan")
        sql = f"{sql_ms:.1f}" if sql_ms == sql_ms else "-"
        rat = f"{ratio:.2f}" if ratio == ratio else "-"
        print(f"  | {label} | {api_ms:.1f} | {sql} | {rat} |")
    print("  whole pages, every figure they show (median of warm loads):")
    for label, (ms, queries) in pages.items():
        print(f"    {label}: {ms:.0f} ms, {queries} queries")


def _page_timings() -> dict[str, tuple[float, int]]:
    """The shared dashboard as a coordinator and the public statistics page: each
    page computes all its figures in its one request (no further requests)."""
    from django.db import connection
    from django.test import Client, override_settings

    from organisations.models import User

    coordinator = User.objects.create(
        email="bench-coordinator@example.org", platform_role="coordinator"
    )
    signed_in, anonymous = Client(), Client()
    signed_in.force_login(coordinator)
    timings = {}
    with override_settings(TANSIQ_REQUIRE_MFA=False):
        for label, client, url in (
            ("/dashboard/ (coordinator)", signed_in, "/dashboard/"),
            ("/public/stats/ (anyone)", anonymous, "/public/stats/"),
        ):

            def load(client=client, url=url):
                response = client.get(url, secure=True)
                assert response.status_code == 200, response.status_code

            queries: list[str] = []

            def count(execute, sql, *args, queries=queries):
                queries.append(sql)
                return execute(sql, *args)

            with connection.execute_wrapper(count):
                load()
            timings[label] = (median_ms(load), len(queries))
    return timings


if __name__ == "__main__":
    main()
