"""The limits an upload meets before it is read, and where a large one is read: too many
cells or a shared-strings table too large (XLSX), too many rows or a line or cell too
long (CSV), a file over the upload size; a large file is checked by the worker (counted
there, never parsed by the web process) while the page shows its progress."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from interventions.imports.progress import note_progress
from interventions.models import Intervention, InterventionImport

API_IMPORT = reverse("api:intervention-import-file")
PAGE_IMPORT = reverse("interventions:import")
HEADER = ["#meta+id", "#sector", "#activity", "#adm1+code", "#date+start"]
ROWS = [
    ["R-1", "health", "primary_care", "02", "2025-01-01"],
    ["R-2", "health", "primary_care", "02", "2025-02-01"],
    ["R-3", "health", "primary_care", "02", "2025-03-01"],
]
CSV = "\n".join(",".join(row) for row in [HEADER, *ROWS]) + "\n"
SST_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
SST_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
)


@pytest.fixture(autouse=True)
def _worker_a_reads_english(worker_a):
    worker_a.language = "en"
    worker_a.save(update_fields=["language"])


def _workbook() -> bytes:
    """Header and three rows: 20 cells, and a <dimension ref="A1:E4"/>."""
    workbook = Workbook()
    for row in [HEADER, *ROWS]:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewritten(parts: dict[str, bytes], edit=None) -> bytes:
    """The workbook with parts added or replaced, and edit(name, data) applied."""
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename in parts:
                continue
            data = source.read(member)
            target.writestr(member, edit(member.filename, data) if edit else data)
        for name, data in parts.items():
            target.writestr(name, data)
    return out.getvalue()


def _with_shared_strings(strings: int, declared: int) -> bytes:
    """The workbook wired to a shared-strings table of `strings` strings that says
    it holds `declared`."""
    table = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.'
        b'openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">'
        % (declared, declared)
        + b"".join(b"<si><t>text %d</t></si>" % n for n in range(strings))
        + b"</sst>"
    )

    def wire(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return data.replace(
                b"</Types>",
                f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/>'
                "</Types>".encode(),
            )
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(
                b"</Relationships>",
                f'<Relationship Id="rIdSst" Type="{SST_REL}" Target="sharedStrings.xml"/>'
                "</Relationships>".encode(),
            )
        return data

    return _rewritten({"xl/sharedStrings.xml": table}, wire)


def _without_dimension() -> bytes:
    """The workbook with its sheet's dimension understated (one cell)."""
    return _rewritten(
        {},
        lambda name, data: (
            re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1"', data)
            if name == "xl/worksheets/sheet1.xml"
            else data
        ),
    )


def _api_check(api_as, user, content: bytes, name: str = "4w.xlsx"):
    return api_as(user).post(
        API_IMPORT,
        {"file": SimpleUploadedFile(name, content), "dry_run": "1"},
        format="multipart",
    )


def _file_errors(response) -> str:
    assert response.status_code == 400, response.content
    return " ".join(response.json()["errors"]["file"])


def test_a_sheet_declaring_more_cells_than_the_limit_is_refused_unread(
    api_as, worker_a, settings
):
    settings.INTERVENTION_IMPORT_MAX_CELLS = 19  # the sheet declares A1:E4, 20 cells

    refused = _api_check(api_as, worker_a, _workbook())

    assert "more than 19 cells" in _file_errors(refused)
    assert not InterventionImport.objects.exists()
    settings.INTERVENTION_IMPORT_MAX_CELLS = 20
    assert _api_check(api_as, worker_a, _workbook()).json()["valid"]


def test_cells_are_counted_even_when_the_sheet_understates_them(
    api_as, worker_a, settings
):
    settings.INTERVENTION_IMPORT_MAX_CELLS = 19

    refused = _api_check(api_as, worker_a, _without_dimension())

    assert "more than 19 cells" in _file_errors(refused)
    assert not InterventionImport.objects.exists()


def test_a_string_table_declaring_too_many_strings_is_refused(
    api_as, worker_a, settings
):
    settings.INTERVENTION_IMPORT_MAX_SHARED_STRINGS = 5

    refused = _api_check(api_as, worker_a, _with_shared_strings(3, declared=6))
    accepted = _api_check(api_as, worker_a, _with_shared_strings(3, declared=3))

    assert "at most 5 different texts" in _file_errors(refused)
    assert accepted.status_code == 200
    assert accepted.json()["valid"]


def test_strings_are_counted_even_when_the_table_understates_them(
    api_as, worker_a, settings
):
    settings.INTERVENTION_IMPORT_MAX_SHARED_STRINGS = 5

    refused = _api_check(api_as, worker_a, _with_shared_strings(6, declared=1))

    assert "table of texts is larger" in _file_errors(refused)


def test_a_string_table_of_too_many_bytes_is_refused(api_as, worker_a, settings):
    settings.INTERVENTION_IMPORT_MAX_SHARED_STRINGS_BYTES = 2**20

    refused = _api_check(api_as, worker_a, _with_shared_strings(70_000, declared=1))

    assert "and 1 MB" in _file_errors(refused)


def test_a_csv_over_the_row_limit_is_refused_with_the_limit(api_as, worker_a, settings):
    settings.INTERVENTION_IMPORT_MAX_ROWS = 2

    refused = _api_check(api_as, worker_a, CSV.encode(), "4w.csv")
    settings.INTERVENTION_IMPORT_MAX_ROWS = 3
    accepted = _api_check(api_as, worker_a, CSV.encode(), "4w.csv")

    assert "more than 2 rows" in _file_errors(refused)
    assert accepted.json()["rows"] == 3


def test_an_xlsx_over_the_row_limit_is_refused_too(api_as, worker_a, settings):
    settings.INTERVENTION_IMPORT_MAX_ROWS = 2

    assert "more than 2 rows" in _file_errors(_api_check(api_as, worker_a, _workbook()))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        # No line break at all: refused at the limit, never read whole.
        ("x" * 5000, "Line 1 of the file is longer than 100 characters"),
        (CSV + "R-4," + "y" * 200 + "\n", "Line 5 of the file is longer than 100"),
        # A quote left open: the cell runs over many short lines.
        (CSV + 'R-4,"' + "z" * 50 + "\n" * 3 + "z" * 60 + "\n", "A cell near line"),
    ],
    ids=["no-line-break", "long-line", "quote-left-open"],
)
def test_a_csv_line_or_cell_too_long_is_refused(
    api_as, worker_a, settings, content, message
):
    settings.INTERVENTION_IMPORT_MAX_LINE_CHARS = 100

    refused = _api_check(api_as, worker_a, content.encode(), "4w.csv")

    assert message in _file_errors(refused)
    assert not Intervention.objects.exists()


def test_an_upload_over_the_size_limit_is_a_form_error(client_as, worker_a, settings):
    settings.INTERVENTION_IMPORT_MAX_UPLOAD_BYTES = 2**20

    response = client_as(worker_a).post(
        PAGE_IMPORT,
        {"file": SimpleUploadedFile("4w.csv", CSV.encode() + b"\n" * 2**20)},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == ["The file is larger than 1 MB."]
    assert not InterventionImport.objects.exists()


def test_a_large_file_is_counted_and_checked_by_the_worker_not_the_page(
    client_as, worker_a, settings, eager_celery, django_capture_on_commit_callbacks
):
    settings.INTERVENTION_IMPORT_SYNC_BYTES = 10  # every file is large
    settings.INTERVENTION_IMPORT_SYNC_ROWS = 1000  # by its rows, it would be small
    client = client_as(worker_a)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            PAGE_IMPORT, {"file": SimpleUploadedFile("4w.csv", CSV.encode())}
        )
    upload = InterventionImport.objects.get()
    waiting = client.get(response["Location"]).content.decode()

    # The web process kept it unread: no row counted, nothing checked.
    assert (upload.status, upload.total_rows, upload.report) == ("checking", 0, {})
    assert "Counting the rows of the file" in waiting
    assert '<noscript><meta http-equiv="refresh" content="5"></noscript>' in waiting
    assert len(queued) == 1

    queued[0]()  # the worker: counts the rows, then checks them

    upload.refresh_from_db()
    assert (upload.status, upload.total_rows) == ("checked", 3)
    page = client.get(response["Location"]).content.decode()
    assert "The file is correct" in page
    assert "noscript" not in page  # no refresh once done


def test_a_large_xlsx_is_scanned_by_the_worker_which_refuses_it(
    client_as, worker_a, settings, eager_celery, django_capture_on_commit_callbacks
):
    # Too large to be scanned by the web process: only its zip's directory is read
    # there; the worker's scan finds the cells past the limit and says so.
    settings.INTERVENTION_IMPORT_SYNC_BYTES = 10
    settings.INTERVENTION_IMPORT_MAX_CELLS = 19

    with django_capture_on_commit_callbacks(execute=True):
        response = client_as(worker_a).post(
            PAGE_IMPORT, {"file": SimpleUploadedFile("4w.xlsx", _without_dimension())}
        )

    upload = InterventionImport.objects.get()
    assert upload.status == "failed"
    assert "more than 19 cells" in upload.report["file_error"]
    page = client_as(worker_a).get(response["Location"]).content.decode()
    assert "more than 19 cells" in page


def test_the_page_shows_rows_checked_of_the_total(client_as, worker_a, org_a):
    upload = InterventionImport.objects.create(
        organisation=org_a,
        created_by=worker_a,
        file_name="big.csv",
        size=30 * 2**20,
        total_rows=300_000,
    )
    note_progress(upload.pk, 120_000)

    page = client_as(worker_a).get(
        reverse("interventions:import_detail", args=[upload.pk])
    )
    status = client_as(worker_a).get(
        reverse("interventions:import_status", args=[upload.pk])
    )

    assert "120000 of about 300000 rows read." in page.content.decode()
    assert page.context["progress"] == 40
    assert (status.json()["rows"], status.json()["total_rows"]) == (120_000, 300_000)
