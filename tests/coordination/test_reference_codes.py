"""Issue 13, items 4 and 5: sectors carry their IASC cluster codes, regions and
provinces their OCHA P-codes (joined by name to the HCP's), and coordinators add
activities to a sector (page and API) without a deploy."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from coordination.models import Province, Region, Sector, ServiceType
from coordination.names import compact, normalise
from coordination.place_names import PCODE_HAND_DECISIONS
from coordination.services import load_reference_data, pcodes
from coordination.services.pcodes import PCODES_CSV

CLUSTERS = {
    "FSC", "HEA", "NUT", "WSH", "SHL", "CCM", "PRO", "PRO-CPN", "PRO-GBV", "PRO-MIN",
    "PRO-HLP", "EDU", "ERY", "LOG", "TEL", "CSS",
}  # fmt: skip
MIGRATION = (
    Path(settings.BASE_DIR) / "coordination/migrations/0012_reference_codes_data.py"
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _reference_data(db):
    if not Region.objects.exists():  # a transactional test elsewhere flushed them
        load_reference_data()


def ocha_rows() -> list[dict]:
    with PCODES_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ---------------------------------------------------------------------------
# P-codes
# ---------------------------------------------------------------------------
def test_the_shipped_csv_has_its_source_and_licence_note():
    readme = (PCODES_CSV.parent / "README.md").read_text(encoding="utf-8")

    assert "CC BY-IGO" in readme
    assert len(ocha_rows()) == 79  # 10 regions, 69 provinces


def test_every_ocha_pcode_maps_to_exactly_one_region_or_province():
    for row in ocha_rows():
        model = Region if row["admin_level"] == "1" else Province
        places = list(model.objects.filter(pcode=row["p_code"]))
        assert len(places) == 1, row
        if model is Province:  # inside the region its parent code is
            assert places[0].region.pcode == row["parent_code"], row
    assert Region.objects.exclude(pcode="").count() == 10
    assert Province.objects.exclude(pcode="").count() == 69


def test_the_join_is_by_name_except_the_pairs_decided_by_hand(monkeypatch):
    regions = [pcodes.Place(r.code, (r.name_fr,)) for r in Region.objects.all()]
    provinces = [
        pcodes.Place(p.code, (p.name_fr,), p.region.code)
        for p in Province.objects.select_related("region")
    ]

    joined, unmatched = pcodes.join_pcodes(regions, provinces)
    monkeypatch.setattr(pcodes, "PCODE_HAND_DECISIONS", {})
    _, by_name_only = pcodes.join_pcodes(regions, provinces)

    assert unmatched == []
    # Without the decisions, exactly those pairs (and a decided region's provinces,
    # looked for inside it) stay unmatched.
    assert set(PCODE_HAND_DECISIONS) <= {p.pcode for p in by_name_only}
    assert all(
        p.pcode in PCODE_HAND_DECISIONS or p.parent in PCODE_HAND_DECISIONS
        for p in by_name_only
    )
    docstring = MIGRATION.read_text(encoding="utf-8")
    for pcode, (hcp_code, _why) in PCODE_HAND_DECISIONS.items():
        assert joined[hcp_code].pcode == pcode
        assert pcode in docstring
        assert hcp_code in docstring


def test_places_have_english_names_ocha_spellings_and_arabic_variants():
    casablanca_settat = Region.objects.get(pcode="MA002")
    mdiq = Province.objects.get(pcode="MA010005")
    nador = Province.objects.get(code="02.381")

    assert casablanca_settat.code == "06"
    assert "Grand Casablanca-Settat" in casablanca_settat.other_names
    assert mdiq.code == "01.573"
    assert "Mdiq - Fnidq" in mdiq.other_names
    assert nador.name_ar == "الناضور"
    assert "الناظور" in nador.other_names
    assert not Region.objects.filter(name_en="").exists()
    assert not Province.objects.filter(name_en="").exists()
    assert Province.objects.get(code="03.231").name_en == "Fez"


def test_loading_again_changes_nothing_and_keeps_the_codes():
    before = list(Province.objects.values_list("code", "pcode", "other_names"))

    load_reference_data()

    assert list(Province.objects.values_list("code", "pcode", "other_names")) == before


def test_the_api_serves_and_filters_by_pcode(api_as, worker_a):
    client = api_as(worker_a)

    regions = client.get(reverse("api:region-list"), {"pcode": "MA007"}).json()
    provinces = client.get(reverse("api:province-list"), {"pcode": "MA007007"}).json()

    assert [r["code"] for r in regions["results"]] == ["02"]
    assert regions["results"][0]["pcode"] == "MA007"
    assert [p["code"] for p in provinces["results"]] == ["02.381"]


# ---------------------------------------------------------------------------
# Sectors and clusters
# ---------------------------------------------------------------------------
def test_every_iasc_cluster_is_a_sector_with_names_in_three_languages():
    sectors = Sector.objects.exclude(cluster_code="")

    assert {s.cluster_code for s in sectors} == CLUSTERS
    for sector in sectors:
        assert all((sector.name_fr, sector.name_ar, sector.name_en)), sector.code
    # Existing Moroccan sectors were mapped, not duplicated.
    assert Sector.objects.get(cluster_code="WSH").code == "wash"
    assert Sector.objects.get(cluster_code="PRO-GBV").code == "gbv"
    assert Sector.objects.get(cluster_code="ERY").code == "livelihoods"
    assert Sector.objects.filter(code__in=["mhpss", "disability"]).count() == 2


def test_no_two_sectors_share_a_name_code_or_abbreviation():
    seen: dict[str, str] = {}
    for sector in Sector.objects.all():
        names = {sector.code, sector.cluster_code, sector.name_fr, sector.name_ar}
        names = {normalise(n) for n in (*names, sector.name_en, *sector.other_names)}
        names.discard("")
        for name in names:
            assert seen.setdefault(name, sector.code) == sector.code, name


def test_the_sector_api_has_cluster_codes_and_filters_by_them(api_as, worker_a):
    response = api_as(worker_a).get(
        reverse("api:sector-list"), {"cluster_code": "pro-cpn"}
    )

    results = response.json()["results"]
    assert [s["code"] for s in results] == ["child_protection"]
    assert results[0]["cluster_code"] == "PRO-CPN"
    assert "VBG" in Sector.objects.get(code="gbv").other_names


# ---------------------------------------------------------------------------
# Coordinators add activities
# ---------------------------------------------------------------------------
def _add_url(code: str = "wash") -> str:
    return reverse("api:sector-activities", args=[code])


def test_a_coordinator_adds_an_activity_through_the_api(api_as, coordinator):
    response = api_as(coordinator).post(
        _add_url(),
        {
            "name_fr": "Transferts monétaires EAH",
            "name_ar": "تحويلات نقدية للمياه",
            "name_en": "WASH cash transfers",
            "other_names": ["Cash WASH"],
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["code"] == "wash_cash_transfers"
    activity = ServiceType.objects.get(code="wash_cash_transfers")
    assert activity.sector.code == "wash"
    assert activity.other_names == ["Cash WASH"]
    sector = api_as(coordinator).get(reverse("api:sector-detail", args=["wash"]))
    assert "wash_cash_transfers" in [t["code"] for t in sector.json()["service_types"]]


@pytest.mark.parametrize("who", ["worker_a", "focal_a", "observer"])
def test_only_coordinators_add_activities_through_the_api(api_as, request, who):
    before = ServiceType.objects.count()

    response = api_as(request.getfixturevalue(who)).post(
        _add_url(), {"name_fr": "Nouvelle activité"}, format="json"
    )

    assert response.status_code == 403
    assert "errors" in response.json()
    assert ServiceType.objects.count() == before


def test_an_organisation_token_cannot_add_activities(api_as, token_b):
    response = api_as(token=token_b).post(
        _add_url(), {"name_fr": "Nouvelle activité"}, format="json"
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name_fr"),
        ({"name_fr": "   "}, "name_fr"),
        ({"name_fr": "Kit d'hygiène"}, "name_fr"),  # the sector has it already
        ({"name_fr": "Autre", "name_en": "HYGIENE KIT"}, "name_en"),
        ({"name_fr": "Autre", "code": "Bad Code!"}, "code"),
        ({"name_fr": "Autre", "code": "primary_care"}, "code"),  # taken elsewhere
        ({"name_fr": "x" * 201}, "name_fr"),
        ({"name_fr": "Autre", "other_names": "not a list"}, "other_names"),
    ],
)
def test_bad_activities_are_a_400_with_field_messages(api_as, coordinator, body, field):
    before = ServiceType.objects.count()

    response = api_as(coordinator).post(_add_url(), body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert ServiceType.objects.count() == before


def test_an_unknown_sector_is_a_404(api_as, coordinator):
    response = api_as(coordinator).post(
        _add_url("cooking"), {"name_fr": "X"}, format="json"
    )

    assert response.status_code == 404


def test_the_sector_page_lists_clusters_and_activities(client_as, worker_a):
    response = client_as(worker_a).get(reverse("sector_list"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "PRO-GBV" in page
    assert "hygiene_kit" in page
    assert reverse("activity_add", args=["wash"]) not in page  # not a coordinator


def test_a_coordinator_adds_an_activity_through_the_page(client_as, coordinator):
    client = client_as(coordinator)
    url = reverse("activity_add", args=["shelter_nfi"])

    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name_fr": "Kit de cuisine", "other_names": "Kitchen set\nKit cuisine"}
    )

    assert response.status_code == 302
    activity = ServiceType.objects.get(code="kit_de_cuisine")
    assert activity.sector.code == "shelter_nfi"
    assert activity.other_names == ["Kitchen set", "Kit cuisine"]


def test_the_page_refuses_others_and_shows_bad_input(client_as, worker_a, coordinator):
    url = reverse("activity_add", args=["wash"])
    before = ServiceType.objects.count()

    assert client_as(worker_a).get(url).status_code == 403
    assert client_as(worker_a).post(url, {"name_fr": "X"}).status_code == 403
    response = client_as(coordinator).post(url, {"name_fr": "Kit d'hygiene"})

    assert response.status_code == 400
    assert response.context["form"].errors["name_fr"]
    assert ServiceType.objects.count() == before
    assert (
        client_as(coordinator)
        .get(reverse("activity_add", args=["cooking"]))
        .status_code
        == 404
    )


def test_names_are_compared_without_accents_case_hyphens_or_spaces():
    assert compact("Tanger -Assilah") == compact("TANGER-ASSILAH") == "tangerassilah"
    assert normalise("ݣلميم") == normalise("كلميم")
