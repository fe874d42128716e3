"""The interventions API over HTTP: reads for all, writes for the owning organisation,
If-Match (412/428), Idempotency-Key, progress, import, export, gaps, query counts."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from interventions.models import Intervention
from interventions.services import create_intervention

LIST = reverse("api:intervention-list")
EXPORT = reverse("api:intervention-export")
IMPORT = reverse("api:intervention-import-file")
GAPS = reverse("api:intervention-gaps")

BODY = {
    "sector": "health",
    "activity": "primary_care",
    "region": "02",
    "province": "02.411",
    "start_date": "2025-01-01",
    "status": "ongoing",
    "modality": "service",
    "targeted": {
        "women": 4,
        "men": 3,
        "girls": 2,
        "boys": 1,
        "disabled": 1,
        "total": 12,
    },
}


def detail(intervention) -> str:
    return reverse("api:intervention-detail", args=[intervention.pk])


def test_a_partner_system_logs_an_intervention_with_its_token(api_as, token_b, org_b):
    response = api_as(token=token_b).post(LIST, BODY, format="json")

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["organisation"] == org_b.pk
    assert body["targeted"] == {
        "women": 4,
        "men": 3,
        "girls": 2,
        "boys": 1,
        "disabled": 1,
        "total": 12,
    }
    assert body["reached"]["total"] == 0
    assert body["version"] == 1
    assert body["status_label"]
    assert body["modality_label"]
    assert (body["sector"], body["activity"], body["region"], body["province"]) == (
        "health",
        "primary_care",
        "02",
        "02.411",
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"targeted": {"women": 20, "total": 10}}, "targeted.total"),
        ({"targeted": {"disabled": 20, "total": 10}}, "targeted.disabled"),
        ({"activity": "hot_meals"}, "activity"),
        ({"region": "06"}, "province"),
        ({"end_date": "2024-01-01"}, "end_date"),
        ({"sector": "cooking"}, "sector"),
        ({"status": "lost"}, "status"),
    ],
)
def test_bad_input_is_a_400_with_a_message_per_field(api_as, worker_a, change, field):
    response = api_as(worker_a).post(LIST, {**BODY, **change}, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"], response.json()
    assert not Intervention.objects.exists()


@pytest.mark.parametrize("who", ["observer", "coordinator"])
def test_readers_without_an_organisation_cannot_log(api_as, request, who):
    response = api_as(request.getfixturevalue(who)).post(LIST, BODY, format="json")

    assert response.status_code == 403


@pytest.mark.parametrize(
    "who", ["worker_a", "worker_b", "worker_c", "observer", "coordinator"]
)
def test_everyone_signed_in_reads_the_4w(api_as, request, who, intervention_a):
    client = api_as(request.getfixturevalue(who))

    listed = client.get(LIST)
    one = client.get(detail(intervention_a))

    assert [row["id"] for row in listed.json()["results"]] == [intervention_a.pk]
    assert one.status_code == 200
    assert one["ETag"] == '"1"'


def test_anonymous_calls_get_401(api_as, intervention_a):
    assert api_as().get(LIST).status_code == 401


def test_patch_needs_if_match(api_as, worker_a, intervention_a):
    response = api_as(worker_a).patch(
        detail(intervention_a), {"commune": "Lazaret"}, format="json"
    )

    assert response.status_code == 428
    assert response.json()["errors"]


def test_patch_with_the_current_version_saves_and_bumps_it(
    api_as, worker_a, intervention_a
):
    response = api_as(worker_a).patch(
        detail(intervention_a),
        {"commune": "Lazaret", "reached": {"women": 5, "total": 5}},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    intervention_a.refresh_from_db()
    assert (intervention_a.commune, intervention_a.reached_women) == ("Lazaret", 5)


def test_patch_with_a_stale_version_is_412(api_as, worker_a, focal_a, intervention_a):
    api_as(focal_a).patch(
        detail(intervention_a), {"commune": "A"}, format="json", HTTP_IF_MATCH='"1"'
    )

    response = api_as(worker_a).patch(
        detail(intervention_a), {"commune": "B"}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 412
    intervention_a.refresh_from_db()
    assert intervention_a.commune == "A"


def test_patch_checks_parts_against_the_saved_total(api_as, worker_a, intervention_a):
    response = api_as(worker_a).patch(
        detail(intervention_a),
        {"targeted": {"women": 500}},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 400
    assert "targeted.total" in response.json()["errors"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("worker_b", 403), ("token_b", 403), ("observer", 403), ("coordinator", 403)],
)
def test_only_the_owning_organisation_patches(
    api_as, request, who, status, intervention_a
):
    client = (
        api_as(token=request.getfixturevalue(who))
        if who.startswith("token")
        else api_as(request.getfixturevalue(who))
    )

    response = client.patch(
        detail(intervention_a), {"commune": "X"}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == status
    intervention_a.refresh_from_db()
    assert intervention_a.commune == ""


def test_an_unknown_intervention_is_404(api_as, worker_a):
    response = api_as(worker_a).patch(
        reverse("api:intervention-detail", args=[999]),
        {},
        format="json",
        HTTP_IF_MATCH='"1"',
    )

    assert response.status_code == 404


def test_a_repeated_idempotency_key_creates_once(api_as, worker_a):
    client = api_as(worker_a)

    first = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post(LIST, BODY, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other = client.post(
        LIST, {**BODY, "commune": "X"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1"
    )

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Intervention.objects.count() == 1


def test_progress_adds_to_reached(api_as, worker_a, intervention_a):
    url = reverse("api:intervention-progress", args=[intervention_a.pk])

    response = api_as(worker_a).post(
        url, {"reported_on": "2025-02-01", "women": 3, "boys": 2}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["total"] == 5
    intervention_a.refresh_from_db()
    assert (intervention_a.reached_total, intervention_a.version) == (5, 2)


@pytest.mark.parametrize(("who", "status"), [("worker_b", 403), ("observer", 403)])
def test_progress_by_others_is_refused(api_as, request, who, status, intervention_a):
    url = reverse("api:intervention-progress", args=[intervention_a.pk])

    response = api_as(request.getfixturevalue(who)).post(
        url, {"women": 3}, format="json"
    )

    assert response.status_code == status


def _import(client, content: str, **fields):
    upload = SimpleUploadedFile("4w.csv", content.encode())
    return client.post(IMPORT, {"file": upload, **fields}, format="multipart")


CSV = "#meta+id,#sector,#activity,#adm1+code,#date+start,#reached+f+adults,#reached+total\nR-1,health,primary_care,02,2025-01-01,1,1\n"


def test_import_dry_run_then_for_real(api_as, worker_a):
    client = api_as(worker_a)

    checked = _import(client, CSV, dry_run="1")
    assert checked.status_code == 200, checked.json()
    assert checked.json()["valid"]
    assert checked.json()["created"] == 1
    assert not Intervention.objects.exists()

    imported = _import(client, CSV)
    assert imported.status_code == 200
    assert imported.json()["created"] == 1
    assert Intervention.objects.count() == 1


def test_a_bad_import_is_a_400_by_row_and_column(api_as, worker_a):
    response = _import(api_as(worker_a), CSV.replace("2025-01-01", "someday"))

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "file" in errors
    assert "rows.2.#date+start" in errors
    assert not Intervention.objects.exists()


def test_a_dry_run_with_errors_is_a_report(api_as, worker_a):
    response = _import(
        api_as(worker_a), CSV.replace("primary_care", "surgery"), dry_run="1"
    )

    assert response.status_code == 200
    assert response.json()["errors"] == [
        {
            "row": 2,
            "column": "#activity",
            "message": response.json()["errors"][0]["message"],
        }
    ]


def test_a_file_that_is_not_a_spreadsheet_is_a_400(api_as, worker_a):
    upload = SimpleUploadedFile("x.pdf", b"%PDF-\x00\x01")

    response = api_as(worker_a).post(IMPORT, {"file": upload}, format="multipart")

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_observers_cannot_import(api_as, observer):
    assert _import(api_as(observer), CSV).status_code == 403


@pytest.fixture
def three(worker_a, worker_b, worker_c, valid_data, oriental):
    """Interventions of A (Oujda), B (Oujda, with a formula-like description), C (Nador)."""
    from coordination.models import Province

    a = create_intervention(actor=worker_a, **valid_data, external_ref="A-1")
    b = create_intervention(
        actor=worker_b,
        **valid_data,
        external_ref="B-1",
        description='=HYPERLINK("x")',
    )
    c = create_intervention(
        actor=worker_c,
        **{
            **valid_data,
            "external_ref": "C-1",
            "province": Province.objects.get(code="02.381"),
            "start_date": date(2024, 1, 1),
            "end_date": date(2024, 2, 1),
        },
    )
    return a, b, c


def test_the_export_is_exactly_the_filtered_list_with_hxl_and_no_formulas(
    api_as, observer, three
):
    client = api_as(observer)
    query = "province=02.411"

    listed = client.get(f"{LIST}?{query}").json()["results"]
    response = client.get(f"{EXPORT}?{query}&format=csv&hxl=1")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
        )
    )
    assert rows[1][:4] == ["#meta+id", "#org", "#crisis", "#sector"]
    assert "#reached+disabled" in rows[1]
    assert (
        sorted(row[0] for row in rows[2:])
        == sorted(
            Intervention.objects.get(pk=item["id"]).external_ref for item in listed
        )
        == ["A-1", "B-1"]
    )
    assert '\'=HYPERLINK("x")' in [cell for row in rows for cell in row]


def test_the_xlsx_export_and_period_filter(api_as, worker_c, three):
    response = api_as(worker_c).get(
        f"{EXPORT}?format=xlsx&period_start=2024-01-15&period_end=2024-03-01"
    )

    assert response.status_code == 200
    sheet = load_workbook(
        io.BytesIO(b"".join(response.streaming_content)), read_only=True
    ).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["C-1"]


def test_a_bad_export_filter_is_a_json_400(api_as, observer):
    response = api_as(observer).get(f"{EXPORT}?format=csv&sector=cooking")

    assert response.status_code == 400
    assert "sector" in response.json()["errors"]


def test_gaps_need_an_emergency_or_a_period(api_as, observer):
    response = api_as(observer).get(GAPS)

    assert response.status_code == 400


def test_the_list_makes_the_same_queries_for_1_and_100_rows(
    api_as, observer, worker_a, valid_data, org_b
):
    client = api_as(observer)
    create_intervention(actor=worker_a, **valid_data, partners=[org_b])
    client.get(LIST)  # warm the session
    with CaptureQueriesContext(connection) as one:
        assert client.get(f"{LIST}?page_size=1000").status_code == 200
    for n in range(99):
        create_intervention(
            actor=worker_a, **valid_data, external_ref=f"N-{n}", partners=[org_b]
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(f"{LIST}?page_size=1000")

    assert response.json()["count"] == 100
    assert len(many) == len(one)


def test_the_export_writes_the_partners_of_exactly_the_filtered_rows(
    api_as, observer, worker_a, valid_data, org_b, org_c
):
    org_c.acronym = ""
    org_c.save()
    create_intervention(
        actor=worker_a,
        **valid_data,
        external_ref="P-1",
        partners=[org_b, org_c],
    )
    create_intervention(actor=worker_a, **valid_data, external_ref="P-2")
    create_intervention(
        actor=worker_a,
        **valid_data,
        external_ref="P-3",
        status="completed",
        partners=[org_b],
    )

    response = api_as(observer).get(f"{EXPORT}?format=csv&hxl=1&status=ongoing")

    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
        )
    )
    column = rows[1].index("#org+partner")
    assert rows[0][column] == "Partenaires"
    assert {row[0]: row[column] for row in rows[2:]} == {
        "P-1": "OB; Organisation C",
        "P-2": "",
    }
