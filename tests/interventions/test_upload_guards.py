"""Uploads that cannot exhaust the server: a zip bomb, an XLSX with a DTD (billion
laughs), a damaged zip and a text file named .xlsx are refused at upload, on the page
and over the API, with a clear message; nothing is kept, checked or imported."""

from __future__ import annotations

import io
import resource
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from interventions.imports import store_upload
from interventions.models import Intervention, InterventionImport
from interventions.services import import_interventions

API_IMPORT = reverse("api:intervention-import-file")
PAGE_IMPORT = reverse("interventions:import")
HEADER = ["#meta+id", "#sector", "#activity", "#adm1+code", "#date+start"]
ROW = ["R-1", "health", "primary_care", "02", "2025-01-01"]
BOMB_BYTES = 60 * 1024 * 1024  # what the shared strings expand to
TOO_LARGE = "expands to more than"
DTD = "document type declaration"
DAMAGED = "cannot be opened"
NOT_XLSX = "named .xlsx but is not an XLSX"

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        b' <!ENTITY lol%d "%s">\n'
        % (n, (b"&lol%d;" % (n - 1) if n > 1 else b"&lol;") * 10)
        for n in range(1, 10)
    )
    + b']>\n<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)


SST_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
SST_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
)
# openpyxl writes strings inline; a workbook from Excel keeps them in a shared part.
WIRING = {
    "[Content_Types].xml": (
        b"</Types>",
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/></Types>',
    ),
    "xl/_rels/workbook.xml.rels": (
        b"</Relationships>",
        f'<Relationship Id="rIdSst" Type="{SST_REL}" Target="sharedStrings.xml"/>'
        "</Relationships>",
    ),
}


def _workbook_bytes() -> bytes:
    """A valid workbook with a header and one row."""
    workbook = Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(ROW)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_with(part: str, write_part) -> bytes:
    """The valid workbook with one part written (or rewritten) by write_part(stream),
    streamed, so even a 60 MB part never sits in this process's memory."""
    source = zipfile.ZipFile(io.BytesIO(_workbook_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename == part:
                continue
            data = source.read(member)
            if part == "xl/sharedStrings.xml" and member.filename in WIRING:
                end, wired = WIRING[member.filename]
                data = data.replace(end, wired.encode())
            target.writestr(member, data)
        with target.open(part, "w", force_zip64=True) as stream:
            write_part(stream)
    return out.getvalue()


def _zip_bomb() -> bytes:
    def write(stream) -> None:
        stream.write(
            b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.'
            b'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
            b"<si><t>"
        )
        block = b"A" * (1024 * 1024)
        for _ in range(BOMB_BYTES // len(block)):
            stream.write(block)
        stream.write(b"</t></si></sst>")

    return _xlsx_with("xl/sharedStrings.xml", write)


def _with_dtd(part: str) -> bytes:
    return _xlsx_with(part, lambda stream: stream.write(BILLION_LAUGHS))


FILES = {
    "zip-bomb": (_zip_bomb, TOO_LARGE),
    "dtd-in-shared-strings": (lambda: _with_dtd("xl/sharedStrings.xml"), DTD),
    "dtd-in-workbook": (lambda: _with_dtd("xl/workbook.xml"), DTD),
    "damaged-zip": (lambda: b"PK\x03\x04garbage" * 100, DAMAGED),
    "text-named-xlsx": (lambda: b"Hello,\nthis is a letter, not a sheet\n", NOT_XLSX),
}


@pytest.fixture(autouse=True)
def _worker_a_reads_english(worker_a):
    # Pages and the API answer in the user's language; the assertions read English.
    worker_a.language = "en"
    worker_a.save(update_fields=["language"])


def _peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KB on Linux


def _nothing_kept_or_imported() -> None:
    assert not InterventionImport.objects.exists()  # so none is left "checking"
    assert not Intervention.objects.exists()


@pytest.mark.parametrize("kind", FILES)
def test_the_api_refuses_it_with_a_400_and_a_clear_message(api_as, worker_a, kind):
    build, message = FILES[kind]
    upload = SimpleUploadedFile("4w.xlsx", build())
    peak = _peak_rss_bytes()

    response = api_as(worker_a).post(
        API_IMPORT,
        {"file": upload, "dry_run": "1"},
        format="multipart",
    )

    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"]["file"])
    assert _peak_rss_bytes() - peak < 100 * 1024 * 1024
    _nothing_kept_or_imported()


@pytest.mark.parametrize("kind", FILES)
def test_the_page_refuses_it_with_a_form_error(client_as, worker_a, kind):
    build, message = FILES[kind]

    response = client_as(worker_a).post(
        PAGE_IMPORT,
        {"file": SimpleUploadedFile("4w.xlsx", build())},
    )

    assert response.status_code == 200  # the form again, with its error
    assert message in " ".join(response.context["form"].errors["file"])
    _nothing_kept_or_imported()


def test_an_absurd_compression_ratio_is_refused_even_under_the_size_limit(
    api_as, worker_a, settings
):
    settings.INTERVENTION_IMPORT_MAX_UNCOMPRESSED_BYTES = 2 * BOMB_BYTES

    response = api_as(worker_a).post(
        API_IMPORT,
        {"file": SimpleUploadedFile("4w.xlsx", _zip_bomb())},
        format="multipart",
    )

    assert response.status_code == 400
    assert TOO_LARGE in " ".join(response.json()["errors"]["file"])
    _nothing_kept_or_imported()


def test_the_limit_is_a_setting(api_as, worker_a, settings):
    ordinary = _workbook_bytes()
    settings.INTERVENTION_IMPORT_MAX_UNCOMPRESSED_BYTES = 1000  # below any workbook

    refused = api_as(worker_a).post(
        API_IMPORT,
        {"file": SimpleUploadedFile("4w.xlsx", ordinary), "dry_run": "1"},
        format="multipart",
    )
    settings.INTERVENTION_IMPORT_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
    checked = api_as(worker_a).post(
        API_IMPORT,
        {"file": SimpleUploadedFile("4w.xlsx", ordinary), "dry_run": "1"},
        format="multipart",
    )

    assert refused.status_code == 400
    assert TOO_LARGE in " ".join(refused.json()["errors"]["file"])
    assert checked.status_code == 200
    assert checked.json()["valid"]


def test_a_kept_file_with_a_dtd_fails_its_check_instead_of_staying_checking(
    worker_a, org_a
):
    # A file kept before the upload check existed reaches the worker's check.
    record = InterventionImport.objects.create(
        organisation=org_a, created_by=worker_a, file_name="old.xlsx", size=1
    )
    store_upload(
        record, SimpleUploadedFile("old.xlsx", _with_dtd("xl/sharedStrings.xml"))
    )

    record = import_interventions(record, actor=worker_a, dry_run=True)

    assert record.status == InterventionImport.Status.FAILED
    assert DTD in record.report["file_error"]
    assert not Intervention.objects.exists()


def test_broken_xml_inside_a_sound_zip_is_a_400_not_a_stuck_check(api_as, worker_a):
    broken = _xlsx_with(
        "xl/worksheets/sheet1.xml",
        lambda stream: stream.write(b"<worksheet><sheetData><row><c><v>1</v"),
    )

    response = api_as(worker_a).post(
        API_IMPORT,
        {"file": SimpleUploadedFile("4w.xlsx", broken), "dry_run": "1"},
        format="multipart",
    )

    assert response.status_code == 400
    assert DAMAGED in " ".join(response.json()["errors"]["file"])
    assert InterventionImport.objects.get().status == InterventionImport.Status.FAILED
    assert not Intervention.objects.exists()
