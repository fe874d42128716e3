"""`make bench`, the 4W uploads: peak memory of checking and importing a file, whatever
the file (the bound is 300 MB).

Writes three files and, for each, runs the real path (`start_import`, the worker's row
count, the check, then the import when the check passes) in a child process of its own,
which prints its peak resident memory (VmHWM): a 300,000-row CSV, a large
legitimate XLSX (50,000 rows, written by openpyxl) and a zip bomb (an
XLSX of about 200 KB whose shared strings expand to 200 MB: refused before reading).
Each is compared with a bare Python process reading the same file (csv module, or the
zip's directory) in the same run. The children's data is created in a transaction they
roll back: the database is left as it was. Figures, never assertions.

`python -m bench.import_memory --child KIND PATH` is one child (tests call it too).
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import warnings
import zipfile

CSV_ROWS = int(os.environ.get("BENCH_MEMORY_CSV_ROWS", 300_000))
XLSX_ROWS = int(os.environ.get("BENCH_MEMORY_XLSX_ROWS", 50_000))
BOMB_MB = 200
BOUND_MB = 300
HEADER = [
    "#meta+id", "#sector", "#activity", "#adm1+code", "#adm2+code", "#date+start",
    "#targeted+total", "#reached+total", "#org+funder",
]  # fmt: skip


def _row(n: int) -> list:
    return [
        f"M-{n:07d}", "health", "primary_care", "02", "02.411", "2025-01-01",
        100 + n % 50, n % 80, ("UNICEF", "WFP", "ECHO")[n % 3],
    ]  # fmt: skip


def write_csv(path: str, rows: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(_row(n) for n in range(rows))


def write_xlsx(path: str, rows: int) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for n in range(rows):
        sheet.append(_row(n))
    workbook.save(path)


SST_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
SST_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
)


def write_zip_bomb(path: str, expanded_mb: int = BOMB_MB) -> None:
    """A one-row workbook whose shared-strings part (wired in, as Excel writes it)
    holds one string of expanded_mb MB: a few hundred KB on disk."""
    from openpyxl import Workbook

    buffer = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.save(buffer)
    source = zipfile.ZipFile(buffer)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            data = source.read(member)
            if member.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    f'<Override PartName="/xl/sharedStrings.xml" '
                    f'ContentType="{SST_TYPE}"/></Types>'.encode(),
                )
            elif member.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rIdSst" Type="{SST_REL}" '
                    f'Target="sharedStrings.xml"/></Relationships>'.encode(),
                )
            target.writestr(member, data)
        with target.open("xl/sharedStrings.xml", "w", force_zip64=True) as stream:
            stream.write(
                b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main" count="1" '
                b'uniqueCount="1"><si><t>'
            )
            block = b"A" * 2**20
            for _ in range(expanded_mb):
                stream.write(block)
            stream.write(b"</t></si></sst>")


def _peak_mb() -> float:
    """This process's peak resident memory. VmHWM belongs to the process image, so it
    starts afresh at exec; ru_maxrss does not (a child started by a large process, as
    the test suite is, would report its parent's size)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def baseline(path: str) -> dict:
    """A bare Python process reading the file: every CSV row with the csv module, or
    the zip's directory (what any check of an XLSX starts with)."""
    start = time.perf_counter()
    rows = 0
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            rows = len(archive.infolist())
    else:
        with open(path, newline="", encoding="utf-8") as handle:
            for _ in csv.reader(handle):
                rows += 1
    return {"peak_mb": _peak_mb(), "seconds": time.perf_counter() - start}


def child(path: str, *, import_too: bool) -> dict:
    """The real path on one file, in a transaction rolled back; what it did and its
    peak memory."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
    warnings.filterwarnings("ignore", "No directory at", UserWarning)
    import django

    django.setup()
    from django.core.files import File
    from django.db import transaction
    from django.utils import translation

    from coordination.exceptions import ValidationError
    from coordination.models import Region
    from interventions.services import (
        count_import_rows,
        import_interventions,
        start_import,
    )
    from organisations.models import Membership, Organisation, User

    class Rollback(Exception):
        pass

    translation.activate("en")  # the refusals, as printed and as tests read them
    result: dict = {"refused": "", "status": "", "rows": 0}
    start = time.perf_counter()
    try:
        with transaction.atomic():
            if not Region.objects.exists():  # a test database may have been flushed
                from coordination.services import load_reference_data

                load_reference_data()
            org = Organisation.objects.create(
                code="bench-memory", name="Banc mémoire", kind="local_association"
            )
            user = User.objects.create_user("bench.memory@example.org", None)
            Membership.objects.create(
                user=user, organisation=org, role=Membership.Role.FOCAL_POINT
            )
            user = User.objects.get(pk=user.pk)
            try:
                with open(path, "rb") as raw:
                    record = start_import(
                        actor=user, upload=File(raw, name=os.path.basename(path))
                    )
            except ValidationError as refused:
                result["refused"] = " ".join(refused.message_dict["file"])
                raise Rollback from None
            record = count_import_rows(record)  # as the worker does
            record = import_interventions(record, actor=user, dry_run=True)
            if import_too and record.status == "checked":
                record = import_interventions(record, actor=user, dry_run=False)
            result["status"] = record.status
            result["rows"] = record.report.get("rows", 0)
            result["refused"] = record.report.get("file_error", "")
            raise Rollback
    except Rollback:
        pass
    result["seconds"] = time.perf_counter() - start
    result["peak_mb"] = _peak_mb()
    return result


def _run_child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "bench.import_memory", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1:], "peak_mb": 0}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    print("4W uploads: peak memory of checking and importing (bound 300 MB)")
    with tempfile.TemporaryDirectory(prefix="tansiq-bench-") as folder:
        files = {
            f"CSV, {CSV_ROWS:,} rows": (os.path.join(folder, "big.csv"), write_csv),
            f"XLSX, {XLSX_ROWS:,} rows": (os.path.join(folder, "big.xlsx"), write_xlsx),
            f"XLSX zip bomb ({BOMB_MB} MB of strings)": (
                os.path.join(folder, "bomb.xlsx"),
                None,
            ),
        }
        for label, (path, write) in files.items():
            if write is None:
                write_zip_bomb(path)
            else:
                write(path, CSV_ROWS if path.endswith(".csv") else XLSX_ROWS)
            size = os.path.getsize(path) / 2**20
            bare = _run_child("--baseline", path)
            real = _run_child("--child", "import", path)
            if "error" in real:
                print(f"  {label}: the child failed: {real['error']}")
                continue
            outcome = (
                f"refused: {real['refused'][:70]}…"
                if real["refused"]
                else f"{real['status']}, {real['rows']:,} rows"
            )
            verdict = "within" if real["peak_mb"] <= BOUND_MB else "OVER"
            print(f"  {label} ({size:.1f} MB on disk): {outcome}")
            print(
                f"    check + import: peak {real['peak_mb']:6.0f} MB in "
                f"{real['seconds']:.1f} s ({verdict} the bound); bare Python reading "
                f"it: peak {bare['peak_mb']:.0f} MB"
            )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--baseline"]:
        print(json.dumps(baseline(sys.argv[2])))
    elif sys.argv[1:2] == ["--child"]:
        print(json.dumps(child(sys.argv[3], import_too=sys.argv[2] == "import")))
    else:
        main()
