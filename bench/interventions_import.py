"""`make bench`, the 4W part: the spreadsheet import against PostgreSQL COPY, and the
interventions list at a million rows.

1. Writes a 100,000-row CSV (HXL hashtags, codes and names mixed as organisations write
   them) and imports it through the real path (`start_import` + `import_interventions`:
   upload kept in pieces, every row checked, COPY into a temporary table, one INSERT …
   ON CONFLICT). Prints rows per second and the process's peak memory.
2. Loads the same 100,000 rows, already resolved to ids, with one `COPY` into the
   interventions table (same audit triggers and foreign keys), and prints rows per
   second and the ratio; then once more with every trigger off (the floor).
3. Fills the table up to 1,000,000 interventions with COPY (audit triggers off for the
   filler only) and times `GET /api/v1/interventions/?page_size=100` with a token,
   median of 10 warm calls.

Everything happens in one transaction that is rolled back: the database is left as it
was. Figures, never assertions."""

from __future__ import annotations

import csv
import os
import random
import resource
import statistics
import tempfile
import time
import warnings
from datetime import date, timedelta

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", 100_000))
LIST_ROWS = int(os.environ.get("BENCH_LIST_ROWS", 1_000_000))
HEADER = [
    "#meta+id", "#sector", "#activity", "#adm1+code", "#adm2+code", "#date+start",
    "#date+end", "#status", "#modality", "#targeted+f+adults", "#targeted+m+adults",
    "#targeted+total", "#reached+f+adults", "#reached+m+adults", "#reached+total",
    "#org+funder",
]  # fmt: skip
COLUMNS = [
    "external_ref", "sector_id", "activity_id", "region_id", "province_id", "start_date",
    "end_date", "status", "modality", "targeted_women", "targeted_men", "targeted_total",
    "reached_women", "reached_men", "reached_total", "funding_source",
]  # fmt: skip


class Rollback(Exception):
    """Raised to roll the benchmark's data back."""


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(path: str, activities, provinces) -> list[tuple]:
    """Write the CSV; return the same rows resolved to ids (for COPY)."""
    rng = random.Random(100)
    resolved = []
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(ROWS):
            activity = activities[n % len(activities)]
            province = provinces[rng.randrange(len(provinces))]
            start = date(2024, 1, 1) + timedelta(days=rng.randrange(500))
            end = start + timedelta(days=rng.randrange(10, 200))
            women, men = rng.randrange(200), rng.randrange(200)
            reached_women, reached_men = women // 2, men // 2
            status = ("ongoing", "completed", "planned")[n % 3]
            # Half the rows name their sector and region as people do.
            sector = activity.sector.name_fr if n % 2 else activity.sector.code
            region = province.region.name_fr if n % 2 else province.region.code
            writer.writerow([
                f"B-{n:06d}", sector, activity.code, region, province.code, start.isoformat(),
                end.isoformat(), status, "service", women, men, women + men,
                reached_women, reached_men, reached_women + reached_men, "Bailleur",
            ])  # fmt: skip
            resolved.append((
                f"C-{n:06d}", activity.sector_id, activity.pk, province.region_id, province.pk,
                start, end, status, "service", women, men, women + men, reached_women,
                reached_men, reached_women + reached_men, "Bailleur",
            ))  # fmt: skip
    return resolved


def copy_rows(cursor, rows, organisation_id: int, user_id: int) -> None:
    from interventions.models import Intervention

    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    columns = [
        *COLUMNS, "organisation_id", "created_by_id", "created_at", "updated_at",
        "commune", "description", "version", "targeted_girls", "targeted_boys",
        "targeted_disabled", "reached_girls", "reached_boys", "reached_disabled",
    ]  # fmt: skip
    sql = f"COPY {Intervention._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    with cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                (*row, organisation_id, user_id, now, now, "", "", 1, 0, 0, 0, 0, 0, 0)
            )


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    import pghistory
    from django.core.files import File
    from django.db import connection, transaction
    from django.test.utils import setup_test_environment, teardown_test_environment
    from rest_framework.test import APIClient

    from coordination.models import Province, ServiceType
    from interventions.services import import_interventions, start_import
    from organisations.models import Membership, Organisation, User
    from organisations.services import create_api_token

    setup_test_environment()
    results: dict = {}
    try:
        with transaction.atomic():
            org = Organisation.objects.create(
                code="bench-4w", name="Banc 4W", kind="local_association"
            )
            other = Organisation.objects.create(
                code="bench-copy", name="Banc COPY", kind="local_association"
            )
            user = User.objects.create_user("bench.4w@example.org", None)
            Membership.objects.create(
                user=user, organisation=org, role=Membership.Role.FOCAL_POINT
            )
            user = User.objects.get(pk=user.pk)
            activities = list(
                ServiceType.objects.select_related("sector").order_by("code")
            )
            provinces = list(Province.objects.select_related("region").order_by("code"))
            with tempfile.NamedTemporaryFile(suffix=".csv") as handle:
                resolved = generate(handle.name, activities, provinces)
                results["size_mb"] = os.path.getsize(handle.name) / 2**20
                memory_before = _peak_mb()
                start = time.perf_counter()
                with open(handle.name, "rb") as raw:
                    record = start_import(
                        actor=user, upload=File(raw, name="bench.csv")
                    )
                record = import_interventions(record, actor=user, dry_run=False)
                results["import_s"] = time.perf_counter() - start
                results["import_peak_mb"] = _peak_mb()
                results["memory_before_mb"] = memory_before
                results["report"] = record.report
            with connection.cursor() as cursor, pghistory.context(bench="copy"):
                # The same trigger settings as the import path (imports/writing.py).
                cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
                start = time.perf_counter()
                copy_rows(cursor, resolved, other.pk, user.pk)
                results["copy_s"] = time.perf_counter() - start
                # And COPY with no trigger at all (no audit trail, no foreign-key
                # checks): the floor no real path can reach.
                try:
                    with transaction.atomic():
                        cursor.execute("SET LOCAL session_replication_role = replica")
                        raw = [(f"R{row[0][1:]}", *row[1:]) for row in resolved]
                        start = time.perf_counter()
                        copy_rows(cursor, raw, other.pk, user.pk)
                        results["raw_copy_s"] = time.perf_counter() - start
                except Exception as error:  # not a superuser
                    results["raw_copy_error"] = str(error).splitlines()[0]
                del resolved
                # Fill up to LIST_ROWS with the audit triggers off (filler only).
                filler = LIST_ROWS - 2 * ROWS
                if filler > 0:
                    try:
                        with transaction.atomic():
                            cursor.execute(
                                "SET LOCAL session_replication_role = replica"
                            )
                            start = time.perf_counter()
                            rng = random.Random(7)
                            copy_rows(
                                cursor,
                                (
                                    (
                                        f"F-{n:07d}", a.sector_id, a.pk, p.region_id, p.pk,
                                        date(2023, 1, 1) + timedelta(days=n % 900), None,
                                        "ongoing", "service", 10, 10, 20, 5, 5, 10, "",
                                    )
                                    for n in range(filler)
                                    for a, p in [(activities[n % len(activities)], provinces[rng.randrange(len(provinces))])]
                                ),
                                other.pk,
                                user.pk,
                            )  # fmt: skip
                            results["filler_s"] = time.perf_counter() - start
                    except (
                        Exception
                    ) as error:  # not a superuser: keep the smaller table
                        results["filler_error"] = str(error).splitlines()[0]
                cursor.execute("ANALYZE interventions_intervention")
                cursor.execute("SELECT count(*) FROM interventions_intervention")
                results["table_rows"] = cursor.fetchone()[0]
            _, key = create_api_token(actor=user, organisation=org, name="bench")
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
            url = "/api/v1/interventions/?page_size=100"
            for _ in range(3):
                assert client.get(url, secure=True).status_code == 200
            times = []
            for _ in range(10):
                start = time.perf_counter()
                response = client.get(url, secure=True)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200
            results["list_ms"] = statistics.median(times) * 1000
            raise Rollback
    except Rollback:
        pass
    finally:
        teardown_test_environment()

    report = results["report"]
    import_rate = ROWS / results["import_s"]
    copy_rate = ROWS / results["copy_s"]
    print(f"\n4W import, {ROWS:,} rows ({results['size_mb']:.1f} MB CSV, HXL headers)")
    print(f"  imported: {report['created']:,} created, {report['error_count']} errors")
    print(
        f"  import (real path)  : {results['import_s']:7.2f} s  {import_rate:9,.0f} rows/s"
    )
    print(
        f"  COPY, same rows     : {results['copy_s']:7.2f} s  {copy_rate:9,.0f} rows/s"
    )
    print(f"  ratio import / COPY : {import_rate / copy_rate:7.2f}")
    if "raw_copy_s" in results:
        raw_rate = ROWS / results["raw_copy_s"]
        print(
            f"  COPY without triggers (no audit trail, no FK checks): "
            f"{results['raw_copy_s']:.2f} s  {raw_rate:,.0f} rows/s; "
            f"ratio import / that: {import_rate / raw_rate:.3f}"
        )
    print(
        f"  peak memory (process RSS): {results['import_peak_mb']:.0f} MB "
        f"(before the import: {results['memory_before_mb']:.0f} MB)"
    )
    if "filler_error" in results:
        print(f"  (table not filled to {LIST_ROWS:,}: {results['filler_error']})")
    print(
        f"4W list, GET /api/v1/interventions/?page_size=100 with "
        f"{results['table_rows']:,} interventions: median {results['list_ms']:.1f} ms (10 warm calls)"
    )


if __name__ == "__main__":
    main()
