"""GLIDE numbers on emergencies: the format and uniqueness, on the page and the API
(a field message, nothing saved), the filter, the export's `#crisis+code` column, and
CSV downloads for Excel (with a BOM) or plain UTF-8 (the header's first bytes)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from coordination.models import Region
from emergencies.models import Emergency
from emergencies.services import create_emergency

GLIDE = "EQ-2023-000166-MAR"


@pytest.fixture(autouse=True)
def _english(db):
    if not Region.objects.exists():  # a transactional test elsewhere flushed them
        from coordination.services import load_reference_data

        load_reference_data()
    with translation.override("en"):
        yield


@pytest.fixture
def quake(coordinator):
    coordinator.language = "en"  # pages and the API answer in their user's language
    coordinator.save(update_fields=["language"])
    return create_emergency(
        actor=coordinator,
        title="Séisme d'Al Haouz",
        kind=Emergency.Kind.NATURAL_DISASTER,
        started_on=date(2023, 9, 8),
        regions=[Region.objects.get(code="02")],
        glide_number=GLIDE,
    )


def _api_body(**changes) -> dict:
    return {
        "title": "Vague de froid",
        "kind": "cold_wave",
        "started_on": "2025-01-10",
        "regions": ["02"],
        **changes,
    }


@pytest.mark.parametrize(
    "value", ["EQ-2023-000166", "EQ2023000166MAR", "EQ-23-000166-MAR", "E1-2023-000166-MAR",
              "EQ-2023-00166-MAR", "EQ-2023-000166-MA", "EQ-1800-000166-MAR"],
)  # fmt: skip
def test_a_malformed_glide_number_is_a_400_on_the_field(api_as, coordinator, value):
    response = api_as(coordinator).post(
        reverse("api:emergency-list"), _api_body(glide_number=value), format="json"
    )
    assert response.status_code == 400
    assert "EQ-2023-000166-MAR" in response.json()["errors"]["glide_number"][0]
    assert not Emergency.objects.exists()


def test_the_api_takes_a_glide_number_in_any_case(api_as, coordinator):
    client = api_as(coordinator)
    response = client.post(
        reverse("api:emergency-list"),
        _api_body(glide_number=" cw-2025-000012-mar "),
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["glide_number"] == "CW-2025-000012-MAR"
    # Cleared, then another one.
    url = reverse("api:emergency-detail", args=[response.json()["id"]])
    assert client.patch(url, {"glide_number": ""}, format="json").json()[
        "glide_number"
    ] == ""  # fmt: skip
    assert client.patch(url, {"glide_number": "FL-2025-000020-MAR"}).status_code == 200


def test_a_glide_number_belongs_to_one_emergency(api_as, coordinator, quake):
    response = api_as(coordinator).post(
        reverse("api:emergency-list"), _api_body(glide_number=GLIDE), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "glide_number": ["Another emergency already has this GLIDE number."]
    }
    assert Emergency.objects.count() == 1
    # Emergencies without one are many.
    for title in ("A", "B"):
        assert (
            api_as(coordinator)
            .post(reverse("api:emergency-list"), _api_body(title=title), format="json")
            .status_code
            == 201
        )


def test_the_page_checks_the_glide_number(client_as, coordinator, quake):
    client = client_as(coordinator)
    form = {
        "title": "Inondations",
        "kind": "natural_disaster",
        "severity": "high",
        "status": "active",
        "started_on": "2025-03-01",
        "regions": [Region.objects.get(code="02").pk],
    }
    for value, message in (
        ("FL-25-1-MAR", "e.g. EQ-2023-000166-MAR"),
        (GLIDE.lower(), "Another emergency already has this GLIDE number."),
    ):
        response = client.post(
            reverse("emergencies:create"), {**form, "glide_number": value}
        )
        assert response.status_code == 200
        assert message in response.content.decode()
    assert Emergency.objects.count() == 1
    response = client.post(
        reverse("emergencies:create"), {**form, "glide_number": "fl-2025-000031-mar"}
    )
    assert response.status_code == 302
    assert Emergency.objects.filter(glide_number="FL-2025-000031-MAR").exists()


def test_the_list_filters_by_glide_number(api_as, client_as, worker_a, quake):
    other = Emergency.objects.create(
        title="Other",
        kind="cold_wave",
        started_on=date(2025, 1, 1),
        created_by=quake.created_by,
    )
    body = api_as(worker_a).get(
        reverse("api:emergency-list") + "?glide_number=eq-2023-000166-mar"
    )
    assert [row["id"] for row in body.json()["results"]] == [quake.pk]
    page = client_as(worker_a).get(
        reverse("emergencies:list") + f"?glide_number={GLIDE}"
    )
    assert quake.get_absolute_url() in page.content.decode()
    assert other.get_absolute_url() not in page.content.decode()


def test_the_export_carries_the_glide_number_as_crisis_code(client_as, worker_a, quake):
    worker_a.language = "en"  # the headers are in the reader's language
    worker_a.save(update_fields=["language"])
    response = client_as(worker_a).get(
        reverse("emergencies:export") + "?format=csv&hxl=1&encoding=utf-8"
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    column = rows[1].index("#crisis+code")
    assert rows[0][column] == "GLIDE number"
    assert rows[2][column] == GLIDE
    assert rows[2][rows[1].index("#crisis+name")] == "Séisme d'Al Haouz"
    assert rows[2][rows[1].index("#adm1+code+list")] == "02"


def _content(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "url", ["emergencies:export", "interventions:export", "api:intervention-export"]
)
def test_csv_for_excel_has_a_bom_and_plain_utf8_has_none(
    client_as, worker_a, quake, url
):
    client = client_as(worker_a)
    excel = _content(client.get(reverse(url) + "?format=csv&hxl=1"))
    assert excel.startswith("\ufeff".encode())  # the default, as before
    assert _content(
        client.get(reverse(url) + "?format=csv&hxl=1&encoding=excel")
    ).startswith(b"\xef\xbb\xbf")
    plain = _content(client.get(reverse(url) + "?format=csv&hxl=1&encoding=utf-8"))
    first_header = next(csv.reader(io.StringIO(excel.decode("utf-8-sig"))))[0]
    assert plain.startswith(first_header.encode())  # the header, first byte on
    assert plain == excel.removeprefix(b"\xef\xbb\xbf")


def test_the_pages_link_both_variants(client_as, worker_a, quake):
    client = client_as(worker_a)
    for page in ("interventions:list", "emergencies:list"):
        html = client.get(reverse(page)).content.decode()
        assert "encoding=utf-8" in html, page
        assert "format=csv" in html, page
