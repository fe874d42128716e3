"""Spreadsheet imports: both header styles, CSV and XLSX, names in French and Arabic,
every kind of error by row and column, all-or-nothing, re-imports that update."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from coordination.exceptions import PermissionDenied, ValidationError
from interventions.models import Intervention, InterventionImport
from interventions.services import import_interventions, start_import

NAMES = "Référence,Secteur,Activité,Région,Province,Date de début,Date de fin,Statut,Femmes atteintes,Hommes atteints,Total atteint"
HXL = "#meta+id,#sector,#activity,#adm1+code,#adm2+code,#date+start,#date+end,#status,#reached+f+adults,#reached+m+adults,#reached+total"
GOOD_ROWS = [
    "R-1,health,primary_care,02,02.411,2025-01-01,2025-03-31,ongoing,10,5,15",
    "R-2,Santé,Soins de sante PRIMAIRES,Oriental,Nador,02/01/2025,,en cours,1,1,",
]


def csv_file(
    *lines: str, name: str = "4w.csv", encoding: str = "utf-8"
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(encoding))


def xlsx_file(rows: list[list], name: str = "4w.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def run(user, upload, *, dry_run=False) -> dict:
    record = start_import(actor=user, upload=upload)
    return import_interventions(record, actor=user, dry_run=dry_run).report


def test_a_csv_with_french_headers_is_imported(worker_a, org_a):
    report = run(worker_a, csv_file(NAMES, *GOOD_ROWS))

    assert report["valid"], report["errors"]
    assert (report["rows"], report["created"], report["updated"]) == (2, 2, 0)
    first, second = Intervention.objects.order_by("external_ref")
    assert first.organisation == org_a
    assert first.created_by == worker_a
    assert (first.sector.code, first.activity.code, first.province.code) == (
        "health",
        "primary_care",
        "02.411",
    )
    assert first.reached == {
        "women": 10,
        "men": 5,
        "girls": 0,
        "boys": 0,
        "disabled": 0,
        "total": 15,
    }
    assert second.province.code == "02.381"  # Nador, by name
    assert second.reached_total == 2  # an empty total is the sum of the parts
    assert second.end_date is None


def test_an_hxl_header_row_alone_is_enough(worker_a):
    report = run(worker_a, csv_file(HXL, *GOOD_ROWS))

    assert report["valid"], report["errors"]
    assert report["header_style"] == "hxl"
    assert Intervention.objects.count() == 2


def test_english_headers_with_an_hxl_row_under_them_and_a_bom(worker_a):
    names = "Reference,Sector,Activity,Region,Province,Start date,End date,Status,Women reached,Men reached,Total reached,Our notes"
    upload = csv_file(names, HXL + ",", *GOOD_ROWS, encoding="utf-8-sig")

    report = run(worker_a, upload)

    assert report["valid"], report["errors"]
    assert report["ignored_columns"] == ["Our notes"]
    assert Intervention.objects.count() == 2


def test_semicolons_and_arabic_names_are_understood(worker_a):
    lines = [
        NAMES.replace(",", ";"),
        "AR-1;الصحة;الرعاية الصحية الأولية;الشرق;وجدة - أنجاد;2025-01-01;;planned;3;2;5",
    ]

    report = run(worker_a, csv_file(*lines))

    assert report["valid"], report["errors"]
    intervention = Intervention.objects.get()
    assert (
        intervention.sector.code,
        intervention.region.code,
        intervention.province.code,
    ) == (
        "health",
        "02",
        "02.411",
    )
    assert intervention.status == Intervention.Status.PLANNED


STARTED = datetime(2025, 1, 5)  # noqa: DTZ001 - a spreadsheet's dates are naive


def test_an_xlsx_file_with_real_dates_and_numbers(worker_a):
    upload = xlsx_file(
        [
            NAMES.split(","),
            ["X-1", "health", "primary_care", "02", "02.411", STARTED, None, "ongoing", 10, 5.0, 15],
        ]
    )  # fmt: skip

    report = run(worker_a, upload)

    assert report["valid"], report["errors"]
    intervention = Intervention.objects.get()
    assert str(intervention.start_date) == "2025-01-05"
    assert intervention.reached_total == 15


def test_a_dry_run_reports_and_saves_nothing(worker_a):
    report = run(worker_a, csv_file(NAMES, *GOOD_ROWS), dry_run=True)

    assert report["valid"]
    assert (report["created"], report["updated"]) == (2, 0)
    assert not Intervention.objects.exists()


def test_reimporting_the_same_references_updates_instead_of_duplicating(worker_a):
    run(worker_a, csv_file(NAMES, *GOOD_ROWS))
    changed = GOOD_ROWS[0].replace(",ongoing,10,5,15", ",completed,20,5,25")

    report = run(worker_a, csv_file(NAMES, changed, GOOD_ROWS[1]))

    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 1)
    assert Intervention.objects.count() == 2
    updated = Intervention.objects.get(external_ref="R-1")
    assert (updated.status, updated.reached_total, updated.version) == (
        "completed",
        25,
        2,
    )
    assert updated.updated_by == worker_a


def test_rows_without_a_reference_do_not_duplicate_either(worker_a):
    names = NAMES.removeprefix("Référence,")
    rows = [row.split(",", 1)[1] for row in GOOD_ROWS]
    run(worker_a, csv_file(names, *rows))

    report = run(worker_a, csv_file(names, *rows))

    assert report["unchanged"] == 2
    assert Intervention.objects.count() == 2


def test_the_same_reference_in_another_organisation_is_another_intervention(
    worker_a, worker_b
):
    run(worker_a, csv_file(NAMES, *GOOD_ROWS))
    run(worker_b, csv_file(NAMES, *GOOD_ROWS))

    assert Intervention.objects.count() == 4


BAD = {
    "unknown-sector": ("R-9,cooking,primary_care,02,02.411,2025-01-01,,ongoing,1,1,2", "Secteur"),
    "activity-outside-sector": ("R-9,health,hot_meals,02,02.411,2025-01-01,,ongoing,1,1,2", "Activité"),
    "unknown-activity": ("R-9,health,surgery,02,02.411,2025-01-01,,ongoing,1,1,2", "Activité"),
    "unknown-region": ("R-9,health,primary_care,99,,2025-01-01,,ongoing,1,1,2", "Région"),
    "unknown-province": ("R-9,health,primary_care,02,Atlantis,2025-01-01,,ongoing,1,1,2", "Province"),
    "province-outside-region": ("R-9,health,primary_care,02,06.141,2025-01-01,,ongoing,1,1,2", "Province"),
    "bad-date": ("R-9,health,primary_care,02,02.411,le premier,,ongoing,1,1,2", "Date de début"),
    "no-start": ("R-9,health,primary_care,02,02.411,,,ongoing,1,1,2", "Date de début"),
    "end-before-start": ("R-9,health,primary_care,02,02.411,2025-02-01,2025-01-01,ongoing,1,1,2", "Date de fin"),
    "unknown-status": ("R-9,health,primary_care,02,02.411,2025-01-01,,lost,1,1,2", "Statut"),
    "not-a-number": ("R-9,health,primary_care,02,02.411,2025-01-01,,ongoing,many,1,2", "Femmes atteintes"),
    "negative": ("R-9,health,primary_care,02,02.411,2025-01-01,,ongoing,-1,1,2", "Femmes atteintes"),
    "parts-above-total": ("R-9,health,primary_care,02,02.411,2025-01-01,,ongoing,5,5,2", "Total atteint"),
    "same-reference-twice": ("R-1,health,primary_care,02,02.411,2025-01-01,,ongoing,1,1,2", "Référence"),
}  # fmt: skip


@pytest.mark.parametrize(("row", "column"), BAD.values(), ids=BAD.keys())
def test_every_error_is_reported_by_row_and_column_and_nothing_is_saved(
    worker_a, row, column
):
    report = run(worker_a, csv_file(NAMES, *GOOD_ROWS, row))

    assert not report["valid"]
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(4, column)]
    assert report["errors"][0]["message"]
    assert not Intervention.objects.exists()


def test_a_dry_run_lists_every_error_of_every_row(worker_a):
    rows = [BAD["unknown-sector"][0], BAD["bad-date"][0].replace("R-9", "R-10")]

    report = run(worker_a, csv_file(NAMES, *rows), dry_run=True)

    assert report["error_count"] == 2
    assert [(e["row"], e["column"]) for e in report["errors"]] == [
        (2, "Secteur"),
        (3, "Date de début"),
    ]


def test_a_large_file_with_one_bad_row_saves_nothing(worker_a):
    rows = [
        f"B-{n},health,primary_care,02,02.411,2025-01-01,,ongoing,1,1,2"
        for n in range(5000)
    ]
    rows[4321] = rows[4321].replace("2025-01-01", "2025-13-01")

    report = run(worker_a, csv_file(NAMES, *rows))

    assert report["rows"] == 5000
    assert [(e["row"], e["column"]) for e in report["errors"]] == [
        (4323, "Date de début")
    ]
    assert not Intervention.objects.exists()


def test_someone_elses_organisation_in_the_file_is_refused(worker_a):
    report = run(worker_a, csv_file("#org," + HXL, "Organisation B," + GOOD_ROWS[0]))

    assert [e["column"] for e in report["errors"]] == ["#org"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Secteur,Activité\nhealth,primary_care\n".encode(), "Missing columns"),
        ("Référence,Secteur\n".encode("latin-1"), "UTF-8"),
        (b"Colour,Size\nred,L\n", "No known column"),
        (NAMES.encode() + b"\n", "no rows"),
        (b"\n\n", "empty"),
    ],
    ids=[
        "missing-columns",
        "wrong-encoding",
        "unknown-headers",
        "headers-only",
        "blank",
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(worker_a, content, message):
    report = run(worker_a, SimpleUploadedFile("file.csv", content))

    assert message in report["file_error"]
    assert not report["valid"]
    assert not Intervention.objects.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "not a CSV, XLSX or ODS"),
        (b"\xd0\xcf\x11\xe0old", ".xls"),
        (b"PK\x03\x04garbage", "XLSX"),
    ],
    ids=["empty", "binary", "old-excel", "broken-xlsx"],
)
def test_files_that_are_not_spreadsheets_are_refused_on_upload(
    worker_a, content, message
):
    with pytest.raises(ValidationError) as refused:
        start_import(actor=worker_a, upload=SimpleUploadedFile("file.pdf", content))

    assert message in str(refused.value.message_dict["file"])
    assert not InterventionImport.objects.exists()


@pytest.mark.parametrize("who", ["observer", "coordinator"])
def test_people_without_an_organisation_cannot_import(request, who):
    with pytest.raises(PermissionDenied):
        start_import(
            actor=request.getfixturevalue(who), upload=csv_file(NAMES, *GOOD_ROWS)
        )


# Partners: by code, acronym or name, ";"-separated; replaced on re-import
PARTNERS = NAMES + ",Partenaires"


@pytest.fixture
def partners(org_b, org_c):
    from tests.factories import OrganisationFactory

    org_b.name, org_b.acronym = "Entraide Fès", ""
    org_b.save()
    arabic = OrganisationFactory(code="org-ar", name="جمعية الأمل", acronym="")
    return org_b, org_c, arabic


def test_partners_are_read_by_code_and_by_french_or_arabic_name(worker_a, partners):
    org_b, org_c, arabic = partners
    rows = [
        GOOD_ROWS[0] + ",org-c; ENTRAIDE FES",
        GOOD_ROWS[1] + ',"جمعية الامل ;"',
    ]

    report = run(worker_a, csv_file(PARTNERS, *rows))

    assert report["valid"], report["errors"]
    first, second = Intervention.objects.order_by("external_ref")
    assert set(first.partners.all()) == {org_b, org_c}
    assert list(second.partners.all()) == [arabic]


def test_partners_in_an_hxl_file(worker_a, partners):
    _org_b, org_c, _arabic = partners

    report = run(worker_a, csv_file(HXL + ",#org+partner", GOOD_ROWS[0] + ",OC"))

    assert report["valid"], report["errors"]
    assert list(Intervention.objects.get().partners.all()) == [org_c]


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("org-c; Nobody", "Unknown partner organisation “Nobody”"),
        ("AA", "cannot be its own partner"),
    ],
    ids=["unknown", "self"],
)
def test_a_bad_partner_is_reported_by_row_and_column_and_nothing_is_saved(
    worker_a, partners, cell, message
):
    rows = [GOOD_ROWS[0] + ",org-c", GOOD_ROWS[1] + f",{cell}"]

    report = run(worker_a, csv_file(PARTNERS, *rows), dry_run=True)

    assert [(e["row"], e["column"]) for e in report["errors"]] == [(3, "Partenaires")]
    assert message in report["errors"][0]["message"]
    report = run(worker_a, csv_file(PARTNERS, *rows))
    assert not report["valid"]
    assert not Intervention.objects.exists()


def test_reimporting_replaces_the_partners(worker_a, partners):
    org_b, org_c, arabic = partners
    run(
        worker_a,
        csv_file(PARTNERS, GOOD_ROWS[0] + ",org-b;org-c", GOOD_ROWS[1] + ",org-b"),
    )

    report = run(
        worker_a,
        csv_file(PARTNERS, GOOD_ROWS[0] + ",org-ar;org-c", GOOD_ROWS[1] + ",org-b"),
    )

    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 1)
    first, second = Intervention.objects.order_by("external_ref")
    assert set(first.partners.all()) == {org_c, arabic}
    assert first.version == 2
    assert list(second.partners.all()) == [org_b]
    report = run(
        worker_a, csv_file(PARTNERS, GOOD_ROWS[0] + ",", GOOD_ROWS[1] + ",org-b")
    )
    assert report["updated"] == 1
    assert not first.partners.exists()
    run(worker_a, csv_file(NAMES, *GOOD_ROWS))  # no partner column: partners kept
    assert list(second.partners.all()) == [org_b]
