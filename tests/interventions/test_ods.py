"""OpenDocument spreadsheets are read like XLSX: a file LibreOffice saved (committed
as it came out of `soffice --convert-to ods`, with its typed dates and numbers, a cell
of two lines and runs of spaces), runs of repeated empty rows and cells, and the
limits and damaged files said plainly."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from coordination.exceptions import ValidationError
from interventions.imports.ods import OdsError, ods_rows
from interventions.imports.reading import sniff
from interventions.models import Intervention
from interventions.services import start_import
from tests.interventions.test_imports import run

FILES = Path(__file__).parent / "files"
NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
)


def ods(rows_xml: str, *, sheets: str = "", prolog: str = "") -> bytes:
    """An .ods as spreadsheets write it: `mimetype` first and stored, then content.xml."""
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {NS}>'
        f'<office:body><office:spreadsheet><table:table table:name="4W">{rows_xml}'
        f"</table:table>{sheets}</office:spreadsheet></office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
        )
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def cell(text: str = "", **attrs: str) -> str:
    attributes = " ".join(
        f'{k.replace("__", ":").replace("_", "-")}="{v}"' for k, v in attrs.items()
    )
    body = f"<text:p>{text}</text:p>" if text else ""
    return f"<table:table-cell {attributes}>{body}</table:table-cell>"


def test_a_file_saved_by_libreoffice_is_imported(worker_a):
    content = (FILES / "4w_libreoffice.ods").read_bytes()
    assert sniff(content[:4096]) == "ods"

    report = run(worker_a, SimpleUploadedFile("4w.ods", content))

    assert report["valid"], report["errors"]
    first = Intervention.objects.get(external_ref="ODS-1")
    assert first.start_date == date(2025, 1, 5)
    assert first.reached_total == 15
    assert first.province.pcode == "MA001004"
    assert first.description == "Consultations  mobiles, deux  espaces"
    assert (
        Intervention.objects.get(external_ref="ODS-3").description == "Ligne 1\nLigne 2"
    )
    assert Intervention.objects.count() == 3


def test_runs_of_empty_rows_and_cells_are_not_expanded():
    # LibreOffice writes the rest of a sheet as one row repeated a million times,
    # and the rest of a row as one cell repeated a thousand times.
    content = ods(
        "<table:table-row>" + cell("a", office__value_type="string")
        + '<table:table-cell table:number-columns-repeated="3"/>'
        + cell("2", office__value_type="float", office__value="2")
        + '<table:table-cell table:number-columns-repeated="16380"/></table:table-row>'
        + '<table:table-row table:number-rows-repeated="1048570">'
        + '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )  # fmt: skip

    rows = list(ods_rows(io.BytesIO(content)))

    assert rows == [["a", None, None, None, 2], []]


def test_a_repeated_row_with_content_counts_towards_the_limit(settings):
    settings.INTERVENTION_IMPORT_MAX_ROWS = 10
    content = ods(
        '<table:table-row table:number-rows-repeated="50">'
        + cell("x", office__value_type="string") + "</table:table-row>"
    )  # fmt: skip

    with pytest.raises(OdsError, match="more rows"):
        list(ods_rows(io.BytesIO(content)))


def test_only_the_first_sheet_is_read():
    content = ods(
        "<table:table-row>" + cell("first", office__value_type="string") + "</table:table-row>",
        sheets='<table:table table:name="Codes"><table:table-row>'
        + cell("second", office__value_type="string") + "</table:table-row></table:table>",
    )  # fmt: skip

    assert list(ods_rows(io.BytesIO(content))) == [["first"]]


def test_values_are_typed_like_xlsx_and_comments_are_not_text():
    content = ods(
        "<table:table-row>"
        + cell("12,5 %", office__value_type="percentage", office__value="0.125")
        + cell("07/12/2026", office__value_type="date", office__date_value="2026-12-07")
        + cell("TRUE", office__value_type="boolean", office__boolean_value="true")
        + '<table:table-cell office:value-type="string"><office:annotation><text:p>note</text:p>'
        + "</office:annotation><text:p>a<text:s text:c=\"2\"/>b<text:span>c</text:span></text:p></table:table-cell>"
        + "</table:table-row>"
    )  # fmt: skip

    assert list(ods_rows(io.BytesIO(content))) == [
        [0.125, date(2026, 12, 7), True, "a  bc"]
    ]


def test_a_damaged_ods_is_refused_with_a_message_naming_the_format(worker_a):
    content = ods("<table:table-row>")  # XML cut short
    report = run(worker_a, SimpleUploadedFile("4w.ods", content))

    assert "ODS file cannot be opened" in report["file_error"]
    assert not Intervention.objects.exists()


def test_an_ods_with_a_dtd_is_refused_on_upload(worker_a):
    content = ods("", prolog='<!DOCTYPE x [<!ENTITY a "aaaa">]>')

    with pytest.raises(ValidationError) as refused:
        start_import(actor=worker_a, upload=SimpleUploadedFile("4w.ods", content))

    assert "DTD" in str(refused.value.message_dict["file"])


def test_a_text_document_is_not_taken_for_a_spreadsheet(worker_a):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text"
        )
        archive.writestr("content.xml", "<x/>")
    upload = SimpleUploadedFile("letter.odt", buffer.getvalue())

    with pytest.raises(ValidationError):
        start_import(actor=worker_a, upload=upload)


def test_codes_a_spreadsheet_turned_into_numbers_are_understood(worker_a):
    # Typed into a spreadsheet, the region "02" becomes 2 and the province "02.410"
    # becomes 2.41: they are read back as the codes they were.
    from tests.interventions.test_imports import NAMES, xlsx_file

    upload = xlsx_file(
        [
            NAMES.split(","),
            ["N-1", "health", "primary_care", 2, 2.411, date(2025, 1, 5), None, "ongoing", 1, 1, 2],
        ]
    )  # fmt: skip

    report = run(worker_a, upload)

    assert report["valid"], report["errors"]
    intervention = Intervention.objects.get(external_ref="N-1")
    assert (intervention.region.code, intervention.province.code) == ("02", "02.411")


def test_memory_stays_flat_whatever_the_number_of_rows():
    import tracemalloc

    row = "<table:table-row>" + "".join(
        cell(f"value {i} of the row", office__value_type="string") for i in range(12)
    ) + "</table:table-row>"  # fmt: skip
    peaks = []
    for count in (2_000, 20_000):
        content = ods(row * count)
        tracemalloc.start()
        assert sum(1 for _ in ods_rows(io.BytesIO(content))) == count
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()

    # Ten times the rows (a 23 MB content.xml): the same peak, well under 2 MB.
    assert peaks[1] < 2 * 2**20
    assert peaks[1] < peaks[0] * 2
