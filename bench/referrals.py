"""`make bench`, the referral pathway: the inbox, the referrals API and the finder.

Loads 100,000 beneficiaries (BENCH_REFERRAL_BENEFICIARIES) and 200,000 referrals
(BENCH_REFERRALS) of 60 throwaway organisations, with a consent each and about two
timeline events per referral, by COPY with precomputed values (one pre-encrypted
identity value reused; audit triggers off for the filler when the database allows it).
The first organisation receives about 2% of the referrals (4,000 of 200,000). Then, as
a member of that organisation, times (median of 20 warm calls) and counts the queries
of: the incoming inbox page `/referrals/incoming/`, `GET /api/v1/referrals/?page_size=50`
(token, as a partner system calls it; also with `direction=incoming`), the service finder
`rank_services()` and `GET /api/v1/services/match/` on the catalogue already in the
database; and one raw SQL statement returning the inbox's first page, as a baseline.
Query counts are taken at 1,000 referrals and again at 200,000: they must not grow.

`load_referral_dataset()` is reusable (the dashboards benchmark loads the same data).
Everything happens in one transaction rolled back at the end. Figures, never
assertions."""

from __future__ import annotations

import os
import random
import time
import warnings
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bench.__main__ import RUNS, Rollback, median_ms

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from organisations.models import Organisation, User

BENEFICIARIES = int(os.environ.get("BENCH_REFERRAL_BENEFICIARIES", 100_000))
REFERRALS = int(os.environ.get("BENCH_REFERRALS", 200_000))
ORGANISATIONS = 60
SMALL_BENEFICIARIES, SMALL_REFERRALS = 500, 1_000
# organisations[0] receives this share of the referrals: 4,000 of 200,000.
FOCUS_SHARE = 0.02
PAGE_SIZE = 50

# The inbox's first page in one statement, as one would write it by hand: the page's
# rows in `Referral.objects.inbox_order()` order picked from the referrals alone, then
# joined for the fields the page shows, and the total for the paginator.
INBOX_SQL = """
SELECT r.id, r.code, r.status, r.priority, r.sent_at, r.due_at, r.responded_at,
       r.closed_at, f.name AS from_organisation, s.code AS sector,
       t.code AS service_type, b.code AS beneficiary, p.code AS province,
       r.assigned_to_id,
       (SELECT count(*) FROM referrals_referral WHERE to_organisation_id = %(org)s)
FROM (
    SELECT *, CASE WHEN status = 'pending' AND due_at < now() THEN 0
                   WHEN status IN ('pending', 'accepted') THEN 1 ELSE 2 END AS rank
    FROM referrals_referral
    WHERE to_organisation_id = %(org)s
    ORDER BY rank, due_at, id DESC
    LIMIT %(limit)s
) r
JOIN organisations_organisation f ON f.id = r.from_organisation_id
JOIN coordination_sector s ON s.id = r.sector_id
LEFT JOIN coordination_servicetype t ON t.id = r.service_type_id
JOIN referrals_beneficiary b ON b.id = r.beneficiary_id
LEFT JOIN coordination_province p ON p.id = r.province_id
ORDER BY r.rank, r.due_at, r.id DESC
"""


# ---------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------
class _Rows:
    """COPY rows of one model: every concrete column, the constant ones prepared once
    (so an encrypted value is encrypted once), the varying ones given per row."""

    def __init__(
        self, model, *, fixed: dict[str, Any], varying: list[str], pk: bool = True
    ):
        from django.db import connection

        fields = [f for f in model._meta.concrete_fields if pk or not f.primary_key]
        names = [f.attname for f in fields]
        self.table = model._meta.db_table
        self.columns = [f.column for f in fields]
        self.positions = [names.index(name) for name in varying]
        self.base: list[Any] = []
        for f in fields:
            if f.attname in varying:
                self.base.append(None)
                continue
            value = fixed[f.attname] if f.attname in fixed else f.get_default()
            self.base.append(f.get_db_prep_save(value, connection))

    def row(self, *values) -> list[Any]:
        row = self.base.copy()
        for position, value in zip(self.positions, values, strict=True):
            row[position] = value
        return row

    def copy(self, cursor, rows: Iterable[Sequence[Any]]) -> None:
        sql = f"COPY {self.table} ({', '.join(self.columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)


def _ids(cursor, table: str, count: int) -> list[int]:
    """`count` ids drawn from the table's own sequence (so later inserts never clash)."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _codes(cursor, table: str, prefix: str, count: int, rng: random.Random) -> list:
    """`count` new codes in the models' format, none already taken."""
    from referrals.models import CODE_ALPHABET, CODE_LENGTH

    codes: set[str] = set()
    while len(codes) < count + 100:
        codes.add(prefix + "".join(rng.choices(CODE_ALPHABET, k=CODE_LENGTH)))
    cursor.execute(f"SELECT code FROM {table} WHERE code = ANY(%s)", [list(codes)])
    codes -= {row[0] for row in cursor.fetchall()}
    return sorted(codes)[:count]


def bench_user(email: str = "bench.referrals@example.org") -> User:
    from organisations.models import User

    user = User.objects.filter(email=email).first()
    return user or User.objects.create_user(email, None, name="Banc d'essai")


def make_organisations(count: int = ORGANISATIONS) -> list[Organisation]:
    """`count` throwaway verified organisations over the reference regions and
    sectors (the first ones in the Oriental)."""
    from coordination.models import Province, Sector
    from organisations.models import Organisation

    provinces = list(Province.objects.select_related("region").order_by("code"))
    oriental = [p for p in provinces if p.region.code == "02"] or provinces
    sectors = list(Sector.objects.order_by("code"))
    tag = f"{random.randrange(16**6):06x}"
    orgs = Organisation.objects.bulk_create(
        Organisation(
            code=f"bench-ref-{tag}-{n:03d}",
            name=f"Association de banc d'essai des orientations {n}",
            acronym=f"BEO{n}",
            kind=Organisation.Kind.LOCAL_ASSOCIATION,
            languages=["ar", "fr"],
            verified=True,
        )
        for n in range(count)
    )
    through = Organisation.provinces.through, Organisation.regions.through
    rows_p, rows_r, rows_s = [], [], []
    for n, org in enumerate(orgs):
        pool = oriental if n % 3 == 0 else provinces
        province = pool[n % len(pool)]
        rows_p.append(through[0](organisation=org, province=province))
        rows_r.append(through[1](organisation=org, region=province.region))
        rows_s += [
            Organisation.sectors.through(
                organisation=org, sector=sectors[(n + k) % len(sectors)]
            )
            for k in range(2)
        ]
    through[0].objects.bulk_create(rows_p)
    through[1].objects.bulk_create(rows_r)
    Organisation.sectors.through.objects.bulk_create(rows_s)
    return orgs


def load_referral_dataset(
    n_beneficiaries: int,
    n_referrals: int,
    organisations: Sequence[Organisation],
    *,
    user: User | None = None,
    seed: int = 42,
    focus_share: float = FOCUS_SHARE,
) -> dict[str, Any]:
    """Load `n_beneficiaries` people owned by `organisations` (round robin) and
    `n_referrals` referrals between them, each with its consent and its timeline
    (sent, then accepted / declined / completed / cancelled: about two events per
    referral), by COPY. `organisations[0]` receives `focus_share` of the referrals.
    Statuses (pending 25%, a third of them overdue; accepted 20%; completed 35%;
    declined 12%; cancelled 8%), priorities (normal 60%, urgent 28%, emergency 12%),
    sectors, places and dates over the last year are spread. Identity fields reuse one
    encrypted value. Audit triggers are off for these rows when the database role may
    do it (superuser), else they fire. Call it inside a transaction to roll back;
    call it again to add more. Returns the counts and the seconds taken."""
    from django.db import connection, transaction
    from django.utils import timezone

    from coordination.models import Province, ServiceType
    from referrals.models import (
        PRIORITY_DELAYS,
        Beneficiary,
        Consent,
        Referral,
        ReferralEvent,
    )

    started = time.perf_counter()
    rng = random.Random(seed + n_referrals)
    user = user or bench_user()
    now = timezone.now()
    org_ids = [org.pk for org in organisations]
    focus = org_ids[0]
    others = org_ids[1:] or org_ids
    provinces = list(Province.objects.order_by("code").values_list("pk", "region_id"))
    types = list(ServiceType.objects.order_by("code").values_list("pk", "sector_id"))
    statuses = ["pending"] * 25 + ["accepted"] * 20 + ["completed"] * 35
    statuses += ["declined"] * 12 + ["cancelled"] * 8
    priorities = ["normal"] * 60 + ["urgent"] * 28 + ["emergency"] * 12
    sexes, nationalities = ["female", "male", "female", "male", "other"], [
        "GN", "CI", "ML", "SN", "CM", "NG", "SD", "CD", "BF", "ER"
    ]  # fmt: skip
    events: dict[str, int] = {}

    with transaction.atomic(), connection.cursor() as cursor:
        triggers_off = True
        try:
            with transaction.atomic():
                cursor.execute("SET LOCAL session_replication_role = replica")
        except Exception:  # not a superuser: the audit triggers fire
            triggers_off = False

        # People: owned round robin, spread over places, ages and sexes.
        bnf_ids = _ids(cursor, Beneficiary._meta.db_table, n_beneficiaries)
        bnf_codes = _codes(
            cursor, Beneficiary._meta.db_table, "BNF-", n_beneficiaries, rng
        )
        people = _Rows(
            Beneficiary,
            fixed={
                "full_name": "Personne fictive du banc d'essai",
                "phone": "+212600000000",
                "document_numbers": "BENCH-000000",
                "address": "Adresse fictive, Oujda",
                "languages": ["fr"],
                "created_by_id": user.pk,
                "version": 1,
            },
            varying=[
                "id", "code", "organisation_id", "sex", "birth_year", "nationality",
                "region_id", "province_id", "created_at", "updated_at", "last_activity_at",
            ],
        )  # fmt: skip
        owners, places = [], []
        rows = []
        for n, (pk, code) in enumerate(zip(bnf_ids, bnf_codes, strict=True)):
            owner = org_ids[n % len(org_ids)]
            province, region = provinces[rng.randrange(len(provinces))]
            created = now - timedelta(days=rng.uniform(30, 400))
            owners.append(owner)
            places.append((region, province))
            rows.append(
                people.row(
                    pk, code, owner, sexes[n % 5], 1950 + rng.randrange(70),
                    nationalities[n % 10], region, province, created, created, now,
                )
            )  # fmt: skip
        people.copy(cursor, rows)
        del rows

        # Referrals, their consents and their timelines.
        ref_ids = _ids(cursor, Referral._meta.db_table, n_referrals)
        consent_ids = _ids(cursor, Consent._meta.db_table, n_referrals)
        ref_codes = _codes(cursor, Referral._meta.db_table, "REF-", n_referrals, rng)
        consents = _Rows(
            Consent,
            fixed={
                "given_by": "self",
                "scope": "Nom, téléphone et besoins, pour l'orientation.",
                "legal_basis": "consent",
                "recorded_by_id": user.pk,
            },
            varying=[
                "id", "beneficiary_id", "organisation_id", "recorded_at", "created_at",
                "updated_at",
            ],
        )  # fmt: skip
        referrals = _Rows(
            Referral,
            fixed={
                "reason": "Besoin d'une consultation de soins primaires (banc d'essai).",
                "created_by_id": user.pk,
                "version": 1,
            },
            varying=[
                "id", "code", "from_organisation_id", "to_organisation_id",
                "beneficiary_id", "consent_id", "sector_id", "service_type_id",
                "region_id", "province_id", "priority", "status", "sent_at", "due_at",
                "responded_at", "closed_at", "outcome", "decline_reason",
                "assigned_to_id", "created_at", "updated_at",
            ],
        )  # fmt: skip
        timeline = _Rows(
            ReferralEvent,
            fixed={"note": ""},
            varying=["referral_id", "kind", "actor_id", "organisation_id", "at"],
            pk=False,
        )
        consent_rows, referral_rows, event_rows = [], [], []
        focus_incoming = 0
        for n in range(n_referrals):
            person = rng.randrange(n_beneficiaries)
            sender = owners[person]
            if sender != focus and rng.random() < focus_share:
                receiver = focus
            else:
                receiver = sender
                while receiver in (sender, focus) and len(others) > 1:
                    receiver = others[rng.randrange(len(others))]
            focus_incoming += receiver == focus
            priority = priorities[rng.randrange(100)]
            status = statuses[rng.randrange(100)]
            delay = PRIORITY_DELAYS[priority]
            if status == "pending":
                sent = now - delay * rng.uniform(0.05, 2.5)  # overdue past 1
            else:
                sent = now - timedelta(days=rng.uniform(1, 365))
            responded = closed = None
            if status in ("accepted", "completed", "declined"):
                responded = min(sent + delay * rng.uniform(0.05, 1.6), now)
            if status == "completed":
                closed = min(responded + timedelta(days=rng.uniform(1, 30)), now)
            elif status == "declined":
                closed = responded
            elif status == "cancelled":
                closed = min(sent + delay * rng.uniform(0.1, 1), now)
            service_type, sector = types[n % len(types)]
            region, province = places[person]
            last = closed or responded or sent
            consent_rows.append(
                consents.row(
                    consent_ids[n], bnf_ids[person], receiver, sent, sent, sent
                )
            )
            referral_rows.append(
                referrals.row(
                    ref_ids[n], ref_codes[n], sender, receiver, bnf_ids[person],
                    consent_ids[n], sector, service_type, region, province, priority,
                    status, sent, sent + delay, responded, closed,
                    "Prise en charge assurée." if status == "completed" else "",
                    "Plus de place cette semaine." if status == "declined" else "",
                    user.pk if status == "accepted" and n % 2 else None, sent, last,
                )
            )  # fmt: skip
            event_rows.append(timeline.row(ref_ids[n], "sent", user.pk, sender, sent))
            if status == "pending":
                continue
            answer = "accepted" if status == "completed" else status
            by = sender if status == "cancelled" else receiver
            event_rows.append(
                timeline.row(ref_ids[n], answer, user.pk, by, responded or closed)
            )
            if status == "completed":
                event_rows.append(
                    timeline.row(ref_ids[n], "completed", user.pk, receiver, closed)
                )
        consents.copy(cursor, consent_rows)
        referrals.copy(cursor, referral_rows)
        timeline.copy(cursor, event_rows)
        events = {
            "beneficiaries": n_beneficiaries,
            "referrals": n_referrals,
            "consents": len(consent_rows),
            "events": len(event_rows),
            "focus_incoming": focus_incoming,
        }
        del consent_rows, referral_rows, event_rows
        if triggers_off:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        for model in (Beneficiary, Consent, Referral, ReferralEvent):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    events["triggers_off"] = triggers_off
    events["seconds"] = time.perf_counter() - started
    return events


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------
def _count_queries(call) -> int:
    from django.db import connection

    queries: list[str] = []

    def count(execute, sql, *args):
        queries.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(count):
        call()
    return len(queries)


def _calls(focus, caseworker, token: str) -> list[tuple[str, Any]]:
    """(label, call) for every measured path; a path that cannot run says why."""
    from django.test import Client
    from django.urls import NoReverseMatch, reverse
    from rest_framework.test import APIClient

    from coordination.models import Province, Sector, ServiceType
    from organisations.services import rank_services

    calls: list[tuple[str, Any]] = []
    try:
        inbox = reverse("referrals:referral_inbox")
    except NoReverseMatch:
        inbox = None
    if inbox is not None:
        page = Client()
        page.force_login(caseworker)

        def inbox_page():
            response = page.get(inbox, secure=True)
            assert response.status_code == 200, response.status_code
            return response

        calls.append(("page  GET /referrals/incoming/", inbox_page))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    for label, url in [
        ("API   GET referrals/?page_size=50", f"/api/v1/referrals/?page_size={PAGE_SIZE}"),
        ("API   … &direction=incoming", f"/api/v1/referrals/?page_size={PAGE_SIZE}&direction=incoming"),
    ]:  # fmt: skip

        def get(url=url):
            response = api.get(url, secure=True)
            assert response.status_code == 200, response.status_code
            return response

        calls.append((label, get))
    health = Sector.objects.filter(code="health").first()
    oujda = Province.objects.select_related("region").filter(code="02.411").first()
    primary = ServiceType.objects.filter(code="primary_care").first()

    def finder():
        return rank_services(
            sector=health,
            service_type=primary,
            province=oujda,
            languages=["fr", "wo"],
            accessible=True,
            exclude_organisation=focus,
            age=30,
            sex="female",
        )

    calls.append(("rank_services(), age and sex", finder))
    match = (
        "/api/v1/services/match/?sector=health&service_type=primary_care"
        "&province=02.411&language=fr&language=wo&accessible=true&age=30&sex=female"
    )

    def match_api():
        response = api.get(match, secure=True)
        assert response.status_code == 200, response.status_code
        return response

    calls.append(("API   GET services/match/", match_api))
    return calls


def _measure(calls) -> dict[str, tuple]:
    results = {}
    for label, call in calls:
        try:
            call()  # warm: the counts compare like with like
            queries = _count_queries(call)
            median, best = median_ms(call)
            results[label] = (median, best, queries)
        except Exception as error:  # a page still being built: say so, go on
            results[label] = (None, None, f"{type(error).__name__}: {error}"[:120])
    return results


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment, teardown_test_environment

    from organisations.models import Membership, Service
    from organisations.services import create_api_token

    setup_test_environment()
    out: dict[str, Any] = {}
    try:
        with transaction.atomic():
            orgs = make_organisations(ORGANISATIONS)
            focus = orgs[0]
            caseworker = bench_user("bench.referrals.worker@example.org")
            focal = bench_user("bench.referrals.focal@example.org")
            Membership.objects.create(
                user=caseworker, organisation=focus, role=Membership.Role.CASEWORKER
            )
            Membership.objects.create(
                user=focal, organisation=focus, role=Membership.Role.FOCAL_POINT
            )
            _, token = create_api_token(actor=focal, organisation=focus, name="bench")
            out["catalogue"] = Service.objects.referable().count()
            calls = _calls(focus, caseworker, token)

            out["small_load"] = load_referral_dataset(
                SMALL_BENEFICIARIES, SMALL_REFERRALS, orgs, user=caseworker
            )
            out["small"] = _measure(calls)
            out["big_load"] = load_referral_dataset(
                BENEFICIARIES - SMALL_BENEFICIARIES,
                REFERRALS - SMALL_REFERRALS,
                orgs,
                user=caseworker,
            )
            out["big"] = _measure(calls)

            def raw():
                with connection.cursor() as cursor:
                    cursor.execute(INBOX_SQL, {"org": focus.pk, "limit": PAGE_SIZE})
                    return cursor.fetchall()

            rows = raw()
            out["incoming"] = rows[0][-1] if rows else 0
            out["sql"] = median_ms(raw)
            raise Rollback
    except Rollback:
        pass
    finally:
        teardown_test_environment()

    small, big = out["small_load"], out["big_load"]
    total_referrals = small["referrals"] + big["referrals"]
    print(
        f"\nReferrals: {small['beneficiaries'] + big['beneficiaries']:,} beneficiaries, "
        f"{total_referrals:,} referrals, "
        f"{small['events'] + big['events']:,} timeline events of {ORGANISATIONS} "
        f"organisations, loaded in {small['seconds'] + big['seconds']:.1f} s by COPY "
        f"(audit triggers {'off' if big['triggers_off'] else 'on'})"
    )
    print(
        f"  one organisation's inbox: {out['incoming']:,} incoming; "
        f"catalogue: {out['catalogue']} referable services; median of {RUNS} warm calls"
    )
    sql_ms, sql_best = out["sql"]
    for label, (median, best, queries) in out["big"].items():
        small_queries = out["small"][label][2]
        if median is None:
            print(f"  {label:34}: not measured ({queries})")
            continue
        ratio = f"; {median / sql_ms:.1f}x the SQL" if "referrals" in label else ""
        print(
            f"  {label:34}: {median:8.2f} ms (best {best:.2f}; {queries} queries at "
            f"{total_referrals // 1000}k, {small_queries} at "
            f"{small['referrals'] // 1000}k{ratio})"
        )
    print(
        f"  {'SQL   the inbox page, one SELECT':34}: {sql_ms:8.2f} ms (best {sql_best:.2f})"
    )


if __name__ == "__main__":
    main()
