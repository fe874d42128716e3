"""The 4W pages: who sees and does what, forms with errors next to fields, the import
flow (small files at once, large ones through the task), constant query counts."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from interventions.models import Intervention, InterventionImport, InterventionUpdate
from interventions.services import create_intervention

LIST = reverse("interventions:list")


def form_data(**changes) -> dict:
    data = {
        "sector": "", "activity": "", "region": "", "province": "", "commune": "",
        "start_date": "2025-01-01", "end_date": "", "status": "ongoing", "modality": "service",
        "funding_source": "", "description": "", "external_ref": "", "emergency": "",
        "latitude": "", "longitude": "",
    }  # fmt: skip
    for group in ("targeted", "reached"):
        for part in ("women", "men", "girls", "boys", "disabled", "total"):
            data[f"{group}_{part}"] = ""
    data.update(changes)
    return data


@pytest.fixture
def good_form(health, primary_care, oriental, oujda):
    return form_data(
        sector=health.pk, activity=primary_care.pk, region=oriental.pk, province=oujda.pk,
        targeted_women="10", targeted_men="5",
    )  # fmt: skip


@pytest.mark.parametrize("who", ["worker_a", "worker_c", "observer", "coordinator"])
def test_every_member_and_observer_sees_the_list_and_detail(
    client_as, request, who, intervention_a
):
    client = client_as(request.getfixturevalue(who))

    assert client.get(LIST).status_code == 200
    page = client.get(reverse("interventions:detail", args=[intervention_a.pk]))
    assert page.status_code == 200
    assert page.context["can_write"] == (who == "worker_a")


def test_anonymous_visitors_are_sent_to_sign_in(client_as):
    response = client_as().get(LIST)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_caseworker_logs_an_intervention(client_as, worker_a, good_form):
    response = client_as(worker_a).post(reverse("interventions:create"), good_form)

    intervention = Intervention.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "interventions:detail", args=[intervention.pk]
    )
    assert intervention.targeted_total == 15


def test_a_bad_form_shows_errors_next_to_the_fields(
    client_as, worker_a, good_form, hot_meals
):
    data = {
        **good_form,
        "activity": hot_meals.pk,
        "end_date": "2024-01-01",
        "targeted_total": "3",
    }

    response = client_as(worker_a).post(reverse("interventions:create"), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"activity", "end_date", "targeted_total"} <= set(errors)
    assert b"field--invalid" in response.content
    assert not Intervention.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("observer", 403), ("coordinator", 403)])
def test_people_without_an_organisation_cannot_open_the_form(
    client_as, request, who, status
):
    assert (
        client_as(request.getfixturevalue(who))
        .get(reverse("interventions:create"))
        .status_code
        == status
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [("worker_a", 200), ("focal_a", 200), ("worker_b", 403), ("observer", 403)],
)
def test_only_the_owning_organisation_edits(
    client_as, request, who, status, intervention_a
):
    url = reverse("interventions:edit", args=[intervention_a.pk])

    assert client_as(request.getfixturevalue(who)).get(url).status_code == status


def test_an_edit_over_someone_elses_save_is_refused(
    client_as, worker_a, focal_a, intervention_a, good_form
):
    url = reverse("interventions:edit", args=[intervention_a.pk])
    client_as(focal_a).post(url, {**good_form, "version": "1", "commune": "A"})

    response = client_as(worker_a).post(
        url, {**good_form, "version": "1", "commune": "B"}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    intervention_a.refresh_from_db()
    assert intervention_a.commune == "A"


def test_an_unknown_intervention_is_404(client_as, worker_a):
    assert (
        client_as(worker_a).get(reverse("interventions:edit", args=[999])).status_code
        == 404
    )


def test_progress_from_the_phone_form(client_as, worker_a, intervention_a):
    url = reverse("interventions:progress", args=[intervention_a.pk])

    response = client_as(worker_a).post(
        url,
        {
            "reported_on": "2025-02-01",
            "women": "2",
            "girls": "1",
            "note": "Distribution",
        },
    )

    assert response.status_code == 302
    intervention_a.refresh_from_db()
    assert intervention_a.reached_total == 3
    detail = client_as(worker_a).get(
        reverse("interventions:detail", args=[intervention_a.pk])
    )
    kinds = {(str(e["model"]), e["kind"]) for e in detail.context["history"]}
    intervention, report = (
        str(model._meta.verbose_name) for model in (Intervention, InterventionUpdate)
    )
    assert kinds == {
        (intervention, "insert"),
        (intervention, "update"),
        (report, "insert"),
    }


def test_bad_progress_shows_the_error_and_saves_nothing(
    client_as, worker_a, intervention_a
):
    url = reverse("interventions:progress", args=[intervention_a.pk])

    response = client_as(worker_a).post(
        url, {"reported_on": "2025-02-01", "women": "5", "total": "2"}
    )

    assert response.status_code == 200
    assert "total" in response.context["form"].errors
    assert not InterventionUpdate.objects.exists()


def test_progress_by_another_organisation_is_403(client_as, worker_b, intervention_a):
    url = reverse("interventions:progress", args=[intervention_a.pk])

    assert (
        client_as(worker_b)
        .post(url, {"reported_on": "2025-02-01", "women": "5"})
        .status_code
        == 403
    )


CSV = "Référence,Secteur,Activité,Région,Date de début,Femmes atteintes\nP-1,Santé,Soins de santé primaires,Oriental,2025-01-01,4\n"


def test_the_import_flow_checks_then_imports(client_as, worker_a):
    client = client_as(worker_a)

    checked = client.post(
        reverse("interventions:import"),
        {"file": SimpleUploadedFile("4w.csv", CSV.encode())},
    )
    upload = InterventionImport.objects.get()
    assert checked["Location"] == reverse(
        "interventions:import_detail", args=[upload.pk]
    )
    assert upload.status == "checked"
    assert not Intervention.objects.exists()
    assert client.get(checked["Location"]).context["can_confirm"]

    done = client.post(reverse("interventions:import_confirm", args=[upload.pk]))

    assert done.status_code == 302
    assert Intervention.objects.get().reached_total == 4
    status = client.get(reverse("interventions:import_status", args=[upload.pk])).json()
    assert (status["status"], status["running"], status["progress"]) == (
        "done",
        False,
        100,
    )


@pytest.mark.parametrize(("sync_rows", "status"), [(1, "checked"), (0, "checking")])
def test_the_sync_rows_setting_decides_whether_the_page_waits(
    client_as, worker_a, settings, django_capture_on_commit_callbacks, sync_rows, status
):
    # INTERVENTION_IMPORT_SYNC_ROWS (2,000 by default): a file of up to that many rows
    # is checked while the page waits; a larger one is handed to a worker.
    settings.INTERVENTION_IMPORT_SYNC_ROWS = sync_rows

    with django_capture_on_commit_callbacks(execute=False) as queued:
        client_as(worker_a).post(
            reverse("interventions:import"),
            {"file": SimpleUploadedFile("4w.csv", CSV.encode())},
        )

    upload = InterventionImport.objects.get()
    assert upload.total_rows == 1
    assert upload.status == status
    assert len(queued) == (1 if status == "checking" else 0)


def test_a_large_file_goes_to_the_worker(
    client_as, worker_a, settings, django_capture_on_commit_callbacks
):
    # The threshold is 2,000 rows; here every file counts as large.
    settings.INTERVENTION_IMPORT_SYNC_ROWS = 0
    from coordination.celery import app

    app.conf.task_always_eager = True
    client = client_as(worker_a)
    try:
        with django_capture_on_commit_callbacks(execute=False) as queued:
            response = client.post(
                reverse("interventions:import"),
                {"file": SimpleUploadedFile("4w.csv", CSV.encode())},
            )
        upload = InterventionImport.objects.get()
        page = client.get(response["Location"])
        assert b"data-import-status" in page.content  # the progress bar, polling
        assert client.get(
            reverse("interventions:import_status", args=[upload.pk])
        ).json()["running"]
        for callback in queued:
            callback()  # the worker runs the check
        upload.refresh_from_db()
        assert upload.status == "checked"
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("interventions:import_confirm", args=[upload.pk]))
    finally:
        app.conf.task_always_eager = False

    upload.refresh_from_db()
    assert upload.status == "done"
    assert Intervention.objects.count() == 1


def test_an_import_with_errors_shows_them_by_row(client_as, worker_a):
    bad = CSV.replace("Oriental", "Atlantide")

    response = client_as(worker_a).post(
        reverse("interventions:import"),
        {"file": SimpleUploadedFile("4w.csv", bad.encode())},
        follow=True,
    )

    assert response.context["report"]["errors"][0]["row"] == 2
    assert "Atlantide" in response.content.decode()


def test_a_bad_upload_is_an_error_next_to_the_field(client_as, worker_a):
    response = client_as(worker_a).post(
        reverse("interventions:import"),
        {"file": SimpleUploadedFile("x.pdf", b"\x00\x01")},
    )

    assert response.status_code == 200
    assert "file" in response.context["form"].errors


def test_another_organisations_import_is_404(client_as, worker_a, worker_b):
    client_as(worker_a).post(
        reverse("interventions:import"),
        {"file": SimpleUploadedFile("4w.csv", CSV.encode())},
    )
    upload = InterventionImport.objects.get()

    assert (
        client_as(worker_b)
        .get(reverse("interventions:import_detail", args=[upload.pk]))
        .status_code
        == 404
    )
    assert (
        client_as(worker_b)
        .post(reverse("interventions:import_confirm", args=[upload.pk]))
        .status_code
        == 404
    )


@pytest.mark.parametrize("name", ["fr.csv", "en.xlsx"])
def test_templates_download(client_as, worker_a, name):
    language, file_format = name.split(".")

    response = client_as(worker_a).get(
        reverse("interventions:template", args=[language, file_format])
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")


def test_the_page_export_follows_the_filters(client_as, observer, intervention_a):
    response = client_as(observer).get(
        reverse("interventions:export"),
        {"format": "csv", "status": "completed", "hxl": "1"},
    )

    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 2  # the names and the HXL row, no intervention


def test_the_list_page_makes_the_same_queries_for_1_and_25_rows(
    client_as, observer, worker_a, valid_data
):
    client = client_as(observer)
    create_intervention(actor=worker_a, **valid_data)
    client.get(LIST)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for n in range(99):
        create_intervention(actor=worker_a, **valid_data, external_ref=f"N-{n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(LIST)

    assert len(response.context["object_list"]) == 25
    assert len(many) == len(one)
