"""Issue 13, items 4 and 5 in the 4W: places by OCHA P-code, HCP code, OCHA, English and
Arabic names; sectors by cluster code, abbreviation and name; P-codes in the export's
standard HXL columns (HCP codes beside them) and in the list's filters."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from coordination.models import Province, ServiceType
from coordination.services import add_activity
from interventions.models import Intervention
from interventions.services import create_intervention

from .test_imports import csv_file, run

HXL = "#meta+id,#sector,#activity,#adm1+code,#adm2+code,#date+start"
EXPORT = reverse("api:intervention-export")
LIST = reverse("api:intervention-list")


def _place_of(worker, region: str, province: str) -> tuple[str, str | None]:
    report = run(
        worker, csv_file(HXL, f"P-1,health,primary_care,{region},{province},2025-01-01")
    )
    assert report["valid"], report["errors"]
    row = Intervention.objects.get(external_ref="P-1")
    return row.region.code, row.province.code if row.province else None


@pytest.mark.parametrize(
    ("region", "province", "expected"),
    [
        ("MA007", "MA007007", ("02", "02.381")),  # P-codes
        ("02", "02.381", ("02", "02.381")),  # HCP codes
        ("ma007", "", ("02", None)),  # a P-code in lower case, no province
        ("", "MA007007", ("02", "02.381")),  # the province's P-code gives the region
        ("Grand Casablanca-Settat", "Casablanca", ("06", "06.141")),  # OCHA spellings
        ("Tanger-Tetouan-Al Hoceima", "Mdiq - Fnidq", ("01", "01.573")),
        ("Tangier-Tetouan-Al Hoceima", "Tangier-Assilah", ("01", "01.511")),  # English
        ("Fez-Meknes", "Fez", ("03", "03.231")),
        ("الشرق", "الناظور", ("02", "02.381")),  # both Arabic spellings of Nador
        ("الشرق", "الناضور", ("02", "02.381")),
        (
            "Tanger Tetouan Al-Hoceima",
            "TangerAssilah",
            ("01", "01.511"),
        ),  # hyphens, spaces
        ("Souss-Massa", "Agadir Ida Ou Tanane", ("09", "09.001")),
    ],
)
def test_a_place_is_found_by_every_code_and_name_in_use(
    worker_a, region, province, expected
):
    assert _place_of(worker_a, region, province) == expected


def test_the_pcode_and_hcp_columns_are_read_together(worker_a):
    header = "#meta+id,#sector,#activity,#adm1+code,#adm1+code+v_hcp,#adm2+code,#adm2+code+v_hcp,#date+start"
    report = run(
        worker_a,
        csv_file(
            header,
            "H-1,health,primary_care,MA007,02,MA007007,02.381,2025-01-01",
            "H-2,health,primary_care,,02,,02.411,2025-01-01",  # the HCP columns alone
        ),
    )

    assert report["valid"], report["errors"]
    assert Intervention.objects.get(external_ref="H-2").province.code == "02.411"


def test_codes_that_disagree_are_row_errors_naming_the_column(worker_a):
    header = "#meta+id,#sector,#activity,#adm1+code,#adm1+code+v_hcp,#adm2+code,#adm2+code+v_hcp,#date+start"
    report = run(
        worker_a,
        csv_file(
            header,
            "D-1,health,primary_care,MA007,06,,,2025-01-01",
            "D-2,health,primary_care,MA007,02,MA007007,02.411,2025-01-01",
            "D-3,health,primary_care,MA099,,,,2025-01-01",
            "D-4,health,primary_care,MA007,,MA002005,,2025-01-01",
        ),
    )

    assert not report["valid"]
    errors = {(e["row"], e["column"]) for e in report["errors"]}
    assert errors == {
        (2, "#adm1+code+v_hcp"),
        (3, "#adm2+code+v_hcp"),
        (4, "#adm1+code"),
        (5, "#adm2+code"),  # Casablanca is not in the Oriental
    }
    assert "MA099" in report["errors"][2]["message"]
    assert not Intervention.objects.exists()


@pytest.mark.parametrize(
    ("sector", "activity", "expected"),
    [
        ("WSH", "hygiene_kit", "wash"),  # cluster codes
        ("PRO-CPN", "family_tracing", "child_protection"),
        ("pro-gbv", "gbv_case_management", "gbv"),
        ("WASH", "Kit d'hygiène", "wash"),  # abbreviations
        ("EAH", "hygiene kit", "wash"),
        ("Abris", "nfi_kit", "shelter_nfi"),
        ("NFI", "NFI kit", "shelter_nfi"),
        ("VBG", "gbv_case_management", "gbv"),
        ("GBV", "gbv_case_management", "gbv"),
        ("Protection de l'enfance", "family_tracing", "child_protection"),  # French
        ("protection de l\u2019ENFANCE", "family_tracing", "child_protection"),
        ("Child Protection", "family_tracing", "child_protection"),  # English
        ("حماية الطفولة", "family_tracing", "child_protection"),  # Arabic
        ("Early Recovery", "vocational_training", "livelihoods"),
        ("Nutrition", "malnutrition_screening", "nutrition"),  # a new cluster
        ("Securite alimentaire", "Repas chauds", "food_security"),
    ],
)
def test_a_sector_is_found_by_cluster_code_abbreviation_and_name(
    worker_a, sector, activity, expected
):
    report = run(
        worker_a,
        csv_file(
            "#meta+id,#sector,#activity,#adm1+code,#date+start",
            f'S-1,"{sector}","{activity}",MA007,2025-01-01',
        ),
    )

    assert report["valid"], report["errors"]
    assert Intervention.objects.get(external_ref="S-1").sector.code == expected


def test_an_activity_a_coordinator_added_is_imported_at_once(worker_a, coordinator):
    wash = ServiceType.objects.get(code="hygiene_kit").sector
    add_activity(
        wash,
        actor=coordinator,
        name_fr="Latrines d'urgence",
        name_en="Emergency latrines",
        other_names=["Latrines"],
    )

    report = run(
        worker_a,
        csv_file(
            "#meta+id,#sector,#activity,#adm1+code,#date+start",
            "L-1,EAH,Latrines,MA007,2025-01-01",
        ),
    )

    assert report["valid"], report["errors"]
    assert (
        Intervention.objects.get(external_ref="L-1").activity.code
        == "emergency_latrines"
    )


@pytest.fixture
def nador_row(worker_a, valid_data):
    data = {**valid_data, "province": Province.objects.get(code="02.381")}
    return create_intervention(actor=worker_a, **data, external_ref="N-1")


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_export_has_pcodes_in_the_standard_hxl_columns(api_as, observer, nador_row):
    rows = _csv_rows(api_as(observer).get(f"{EXPORT}?format=csv&hxl=1"))

    names, tags, data = rows[0], rows[1], rows[2]
    at = tags.index
    assert tags[at("#adm1+code") : at("#adm2+code+v_hcp") + 1] == [
        "#adm1+code",
        "#adm1+code+v_hcp",
        "#adm2+code",
        "#adm2+code+v_hcp",
    ]
    assert names[at("#adm1+code")] == "Région"
    assert names[at("#adm1+code+v_hcp")] == "Région (code HCP)"
    assert data[at("#adm1+code")] == "MA007"
    assert data[at("#adm1+code+v_hcp")] == "02"
    assert data[at("#adm2+code")] == "MA007007"
    assert data[at("#adm2+code+v_hcp")] == "02.381"


def test_the_xlsx_export_in_english_has_the_same_columns(api_as, observer, nador_row):
    response = api_as(observer).get(f"{EXPORT}?format=xlsx&hxl=1&headers=en")
    sheet = load_workbook(
        io.BytesIO(b"".join(response.streaming_content)), read_only=True
    ).worksheets[0]
    names, tags, data = list(sheet.iter_rows(values_only=True))[:3]

    at = tags.index
    assert names[at("#adm2+code+v_hcp")] == "Province (HCP code)"
    assert (data[at("#adm1+code")], data[at("#adm2+code+v_hcp")]) == ("MA007", "02.381")


def test_a_place_without_pcode_keeps_its_hcp_code_and_round_trips(
    api_as, worker_a, valid_data, nador_row
):
    laayoune = Province.objects.get(code="11.321")
    create_intervention(
        actor=worker_a,
        **{**valid_data, "region": laayoune.region, "province": laayoune},
        external_ref="L-1",
    )
    response = api_as(worker_a).get(f"{EXPORT}?format=csv&hxl=1")
    exported = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))
    tags = rows[1]
    south = next(r for r in rows[2:] if r[0] == "L-1")
    assert south[tags.index("#adm1+code")] == ""
    assert south[tags.index("#adm2+code+v_hcp")] == "11.321"

    report = run(worker_a, csv_file(exported.rstrip("\r\n")))

    assert report["valid"], report["errors"]
    assert report["created"] == 0
    assert Intervention.objects.count() == 2


def test_the_api_and_the_page_filter_by_pcode(
    api_as, client_as, observer, nador_row, intervention_a
):
    client = api_as(observer)

    by_region = client.get(LIST, {"region_pcode": "MA007"}).json()
    by_province = client.get(LIST, {"province_pcode": "MA007007"}).json()
    other = client.get(LIST, {"region_pcode": "MA002"}).json()
    page = client_as(observer).get(
        reverse("interventions:list"), {"province_pcode": "MA007007"}
    )

    assert by_region["count"] == 2
    assert [r["id"] for r in by_province["results"]] == [nador_row.pk]
    assert other["count"] == 0
    assert [i.pk for i in page.context["object_list"]] == [nador_row.pk]


@pytest.mark.parametrize("query", ["region_pcode=MA099", "province_pcode=02.381"])
def test_an_unknown_pcode_filter_is_a_400_with_its_field(api_as, observer, query):
    response = api_as(observer).get(f"{LIST}?{query}")

    assert response.status_code == 400
    assert query.split("=")[0] in response.json()["errors"]
