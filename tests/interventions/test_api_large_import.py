"""A large file sent to the import API is read by a worker, never by the web process:
202 with its status and a `Location` to poll, then the report; only the importing
organisation sees that status."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from interventions.models import Intervention, InterventionImport

IMPORT = reverse("api:intervention-import-file")
HEADER = "#meta+id,#sector,#activity,#adm1+code,#date+start,#reached+f+adults,#reached+total\n"
ROWS = "".join(f"R-{n},health,primary_care,02,2025-01-01,1,1\n" for n in range(40))


@pytest.fixture
def large(settings):
    settings.INTERVENTION_IMPORT_SYNC_BYTES = 200  # this 1.7 KB file counts as large


def _post(client, dry_run: str = "0"):
    upload = SimpleUploadedFile("4w.csv", (HEADER + ROWS).encode())
    return client.post(IMPORT, {"file": upload, "dry_run": dry_run}, format="multipart")


def test_a_large_file_is_queued_then_reported(
    api_as, worker_a, large, eager_celery, django_capture_on_commit_callbacks
):
    client = api_as(worker_a)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        answer = _post(client, dry_run="1")

    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["status"] == "checking"
    assert body["report"] is None
    location = answer["Location"]
    assert location.endswith(f"/interventions/imports/{body['id']}/")
    assert queued, "the check was handed to a worker"

    for callback in queued:  # the worker runs now
        callback()
    checked = client.get(location)
    assert checked.status_code == 200
    assert checked.json()["status"] == "checked"
    assert checked.json()["total_rows"] == 40
    assert checked.json()["report"]["valid"] is True
    assert checked.json()["report"]["created"] == 40
    assert not Intervention.objects.exists()


def test_a_large_import_for_real_saves_every_row(
    api_as, worker_a, large, eager_celery, django_capture_on_commit_callbacks
):
    client = api_as(worker_a)
    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(client)

    assert answer.status_code == 202
    done = client.get(answer["Location"]).json()
    assert done["status"] == "done"
    assert done["report"]["created"] == 40
    assert done["finished_at"]
    assert (
        Intervention.objects.filter(organisation=worker_a.acting_organisation).count()
        == 40
    )


def test_only_the_importing_organisation_sees_the_status(
    api_as, client, worker_a, worker_b, observer, large, eager_celery,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        location = _post(api_as(worker_a), dry_run="1")["Location"]

    assert api_as(worker_b).get(location).status_code == 404
    assert api_as(observer).get(location).status_code == 404
    assert client.get(location).status_code in (401, 403)
    missing = reverse("api:intervention-import-status", kwargs={"import_pk": 999999})
    assert api_as(worker_a).get(missing).status_code == 404


def test_observers_cannot_queue_a_large_import(api_as, observer, large):
    assert _post(api_as(observer)).status_code == 403
    assert not InterventionImport.objects.exists()
