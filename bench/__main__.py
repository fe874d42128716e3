"""`make bench`: what the REST API costs over the database it reads.

Times `GET /api/v1/organisations/?page_size=50` (token authentication, as a partner system
calls it) against one raw SQL statement returning the same 50 rows and fields, median of
20 warm calls each, and prints both and their ratio. Its data (200 organisations with
regions, provinces and sectors, a focal point and a token) is created inside a
transaction that is rolled back at the end, so the database is left as it was. Figures,
never assertions.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

WARMUP, RUNS, ROWS, PAGE_SIZE = 5, 20, 200, 50

SQL = """
SELECT o.id, o.code, o.name, o.acronym, o.kind, o.description, o.email, o.phone,
       o.website, o.address, o.languages, o.verified, o.verified_at, o.is_active,
       o.created_at, o.updated_at,
       ARRAY(SELECT r.code FROM organisations_organisation_regions x
             JOIN coordination_region r ON r.id = x.region_id
             WHERE x.organisation_id = o.id ORDER BY r.code) AS regions,
       ARRAY(SELECT p.code FROM organisations_organisation_provinces x
             JOIN coordination_province p ON p.id = x.province_id
             WHERE x.organisation_id = o.id ORDER BY p.code) AS provinces,
       ARRAY(SELECT s.code FROM organisations_organisation_sectors x
             JOIN coordination_sector s ON s.id = x.sector_id
             WHERE x.organisation_id = o.id ORDER BY s.code) AS sectors,
       count(*) OVER () AS total
FROM organisations_organisation o
WHERE o.is_active
ORDER BY o.updated_at, o.id
LIMIT %s
"""


class Rollback(Exception):
    """Raised to roll the benchmark's data back."""


def median_ms(call: Callable[[], object]) -> tuple[float, float]:
    """Median and best of RUNS timed calls after WARMUP untimed ones, in ms."""
    for _ in range(WARMUP):
        call()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, min(times) * 1000


def make_data():
    """200 organisations over the reference data, and a focal point with a token."""
    from coordination.models import Province, Sector
    from organisations.models import Membership, Organisation, User
    from organisations.services import create_api_token

    provinces = list(Province.objects.select_related("region"))
    sectors = list(Sector.objects.all())
    orgs = Organisation.objects.bulk_create(
        Organisation(
            code=f"bench-{n:04d}",
            name=f"Association de banc d'essai {n}",
            acronym=f"ABE{n}",
            kind=Organisation.Kind.LOCAL_ASSOCIATION,
            description="Organisation fictive créée par make bench. " * 5,
            email=f"bench{n}@example.org",
            phone="+212 500 00 00 00",
            languages=["ar", "fr", "en"],
            verified=True,
        )
        for n in range(ROWS)
    )
    through = Organisation.provinces.through, Organisation.regions.through
    rows_p, rows_r, rows_s = [], [], []
    for n, org in enumerate(orgs):
        chosen = [
            provinces[n % len(provinces)],
            provinces[(n * 7 + 3) % len(provinces)],
        ]
        rows_p += [through[0](organisation=org, province=p) for p in set(chosen)]
        rows_r += [
            through[1](organisation=org, region=r) for r in {p.region for p in chosen}
        ]
        rows_s += [
            Organisation.sectors.through(organisation=org, sector=sectors[(n + k) % 14])
            for k in range(3)
        ]
    through[0].objects.bulk_create(rows_p)
    through[1].objects.bulk_create(rows_r)
    Organisation.sectors.through.objects.bulk_create(rows_s)

    focal = User.objects.create_user("bench.focal@example.org", None)
    Membership.objects.create(
        user=focal, organisation=orgs[0], role=Membership.Role.FOCAL_POINT
    )
    _, key = create_api_token(actor=focal, organisation=orgs[0], name="make bench")
    return key


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
    # whitenoise warns when collectstatic has not run; the API serves no static file.
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment, teardown_test_environment
    from rest_framework.test import APIClient

    setup_test_environment()  # allows the test client's host
    try:
        with transaction.atomic():
            key = make_data()
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            url = f"/api/v1/organisations/?page_size={PAGE_SIZE}"

            def api():
                response = client.get(url, secure=True)
                assert response.status_code == 200, response.status_code
                return response.json()

            def raw():
                with connection.cursor() as cursor:
                    cursor.execute(SQL, [PAGE_SIZE])
                    return cursor.fetchall()

            api_codes = [row["code"] for row in api()["results"]]
            sql_codes = [row[1] for row in raw()]
            queries = []
            with connection.execute_wrapper(
                lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)
            ):
                api()
            (api_ms, api_best), (sql_ms, sql_best) = median_ms(api), median_ms(raw)
            raise Rollback
    except Rollback:
        pass
    finally:
        teardown_test_environment()

    print(
        f"Organisations list, {PAGE_SIZE} rows of {ROWS}+, median of {RUNS} warm calls"
    )
    print(f"  same rows in the same order: {'yes' if api_codes == sql_codes else 'NO'}")
    print(
        f"  API  GET /api/v1/organisations/ : {api_ms:8.2f} ms "
        f"(best {api_best:.2f}; {len(queries)} queries)"
    )
    print(f"  SQL  one SELECT, same fields    : {sql_ms:8.2f} ms (best {sql_best:.2f})")
    print(f"  ratio API / SQL                 : {api_ms / sql_ms:8.1f}x")


if __name__ == "__main__":
    main()
    # The 4W: spreadsheet import against COPY, and the list at a million rows.
    from bench import interventions_import

    interventions_import.main()
    # The 4W uploads: peak memory of a large CSV, a large XLSX and a zip bomb.
    from bench import import_memory

    import_memory.main()
    # Notifications: one alert to 5,000 recipients, delivered by a real worker.
    from bench import alert_fanout

    alert_fanout.main()
    # The service catalogue: the finder and the public directory over 5,000 services.
    from bench import service_finder

    service_finder.main()
    # Referrals: 200,000 of them; the inbox, the referrals API and the finder.
    from bench import referrals

    referrals.main()
    # Dashboards: every stats endpoint at national scale against the raw GROUP BY.
    from bench import dashboards

    dashboards.main()
