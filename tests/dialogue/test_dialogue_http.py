"""Dialogue over HTTP: the API (version/If-Match, refusals, query counts) and the pages
(forms with their errors in place, threads escaped, the calendar file, the report)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import translation

from dialogue import services as dialogue
from dialogue.models import Comment, Meeting, Recommendation
from notifications.models import Notification

STARTS = datetime(2022, 12, 15, 9, tzinfo=UTC)


@pytest.fixture
def meeting(coordinator, org_a, org_b, public_body):
    return dialogue.create_meeting(
        actor=coordinator,
        title="Atelier de Rabat",
        starts_at=STARTS,
        place="Rabat, salle Atlas; 2e étage",
        agenda="Ouverture, groupes",
        participants=[org_a, org_b, public_body],
    )


@pytest.fixture
def recommendation(coordinator, meeting, org_b, public_body):
    return dialogue.create_recommendation(
        actor=coordinator,
        text="Harmoniser les fiches de référencement.",
        meeting=meeting,
        theme="referral_identification",
        addressed_to=[org_b, public_body],
        owner=org_b,
        due_date=date(2023, 6, 30),
    )


def _rec(pk):
    return reverse("api:recommendation-detail", args=[pk])


# ---------------------------------------------------------------------------
# The API, meetings
# ---------------------------------------------------------------------------
def test_a_coordinator_records_and_invites_through_the_api(
    api_as, coordinator, org_a, worker_a
):
    response = api_as(coordinator).post(
        reverse("api:meeting-list"),
        {
            "title": "Réunion de suivi",
            "kind": "meeting",
            "starts_at": "2023-06-20T10:00:00+01:00",
            "online_url": "https://visio.example.org/x",
            "participants": [org_a.pk],
            "themes": ["services_coordination"],
            "invite": True,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["participations"][0]["invited_at"]
    assert body["ics_url"].endswith(f"/meetings/{body['id']}/ics/")
    assert Notification.objects.filter(
        recipient=worker_a, kind="meeting_invitation"
    ).exists()


def test_a_bad_meeting_is_a_400_and_nothing_is_saved(api_as, coordinator):
    response = api_as(coordinator).post(
        reverse("api:meeting-list"),
        {
            "title": "X",
            "starts_at": "2023-06-20T10:00:00Z",
            "ends_at": "2023-06-20T09:00:00Z",
            "place": "Rabat",
            "themes": ["nope"],
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"themes"}
    assert not Meeting.objects.exists()


def test_an_end_before_the_stored_start_is_a_400(api_as, coordinator, meeting):
    url = reverse("api:meeting-detail", args=[meeting.pk])

    response = api_as(coordinator).patch(
        url, {"ends_at": "2022-12-15T08:00:00Z"}, format="json"
    )

    assert response.status_code == 400
    with translation.override("fr"):  # the coordinator's language
        expected = translation.gettext("The end cannot be before the start.")
    assert response.json()["errors"] == {"ends_at": [expected]}
    meeting.refresh_from_db()
    assert meeting.ends_at is None


def test_a_meeting_patch_changes_only_the_fields_given(api_as, coordinator, meeting):
    url = reverse("api:meeting-detail", args=[meeting.pk])

    response = api_as(coordinator).patch(url, {"minutes": "Relevé"}, format="json")

    assert response.status_code == 200, response.json()
    meeting.refresh_from_db()
    assert meeting.minutes == "Relevé"
    assert meeting.agenda == "Ouverture, groupes"
    assert meeting.participants.count() == 3


def test_inviting_twice_is_a_409(api_as, coordinator, meeting):
    url = reverse("api:meeting-invite", args=[meeting.pk])
    assert api_as(coordinator).post(url).status_code == 200
    assert api_as(coordinator).post(url).status_code == 409


def test_attendance_through_the_api(api_as, coordinator, meeting, org_a, org_c):
    url = reverse("api:meeting-attendance", args=[meeting.pk])
    response = api_as(coordinator).post(url, {"present": [org_a.pk]}, format="json")
    assert response.status_code == 200
    present = {
        p["organisation"]: p["present"] for p in response.json()["participations"]
    }
    assert present[org_a.pk] is True
    response = api_as(coordinator).post(url, {"present": [org_c.pk]}, format="json")
    assert response.status_code == 400


# ---------------------------------------------------------------------------
# The API, recommendations
# ---------------------------------------------------------------------------
def test_unknown_addressees_and_early_due_dates_are_400(api_as, coordinator, meeting):
    client = api_as(coordinator)
    url = reverse("api:recommendation-list")

    unknown = client.post(url, {"text": "X", "addressed_to": [999999]}, format="json")
    early = client.post(
        url,
        {"text": "X", "meeting": meeting.pk, "due_date": "2022-12-01"},
        format="json",
    )
    empty = client.post(url, {"text": ""}, format="json")

    assert unknown.status_code == 400
    assert "addressed_to" in unknown.json()["errors"]
    assert early.status_code == 400
    assert "due_date" in early.json()["errors"]
    assert empty.status_code == 400
    assert "text" in empty.json()["errors"]
    assert not Recommendation.objects.exists()


def test_patch_needs_if_match(api_as, focal_b, recommendation):
    response = api_as(focal_b).patch(
        _rec(recommendation.pk), {"status": "adopted"}, format="json"
    )
    assert response.status_code == 428
    assert response.json()["errors"]


def test_an_owner_patches_the_status_with_if_match(api_as, focal_b, recommendation):
    client = api_as(focal_b)
    etag = client.get(_rec(recommendation.pk))["ETag"]

    response = client.patch(
        _rec(recommendation.pk),
        {"status": "adopted"},
        format="json",
        HTTP_IF_MATCH=etag,
    )
    stale = client.patch(
        _rec(recommendation.pk),
        {"status": "in_progress"},
        format="json",
        HTTP_IF_MATCH=etag,
    )

    assert response.status_code == 200
    assert response.json()["status"] == "adopted"
    assert response["ETag"] == '"2"'
    assert stale.status_code == 412
    recommendation.refresh_from_db()
    assert recommendation.status == "adopted"


def test_a_disallowed_transition_is_409(api_as, observer, recommendation):
    response = api_as(observer).patch(
        _rec(recommendation.pk),
        {"status": "implemented"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 409
    assert response.json()["errors"]


def test_owners_may_change_only_the_status(api_as, focal_b, recommendation):
    response = api_as(focal_b).patch(
        _rec(recommendation.pk), {"text": "Autre"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 403
    recommendation.refresh_from_db()
    assert recommendation.text.startswith("Harmoniser")


def test_an_observer_not_addressed_gets_403(api_as, observer, recommendation, org_c):
    recommendation.addressed_to.remove(observer.observer_body)
    response = api_as(observer).patch(
        _rec(recommendation.pk),
        {"status": "adopted"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 403
    post = api_as(observer).post(
        reverse("api:recommendation-updates", args=[recommendation.pk]),
        {"text": "Fait"},
        format="json",
    )
    assert post.status_code == 403


def test_progress_updates_through_the_api(api_as, token_b, recommendation):
    url = reverse("api:recommendation-updates", args=[recommendation.pk])

    response = api_as(token=token_b).post(
        url, {"text": "Modèle rédigé", "status": "adopted"}, format="json"
    )
    empty = api_as(token=token_b).post(url, {"text": ""}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["status_to"] == "adopted"
    assert empty.status_code == 400
    listing = api_as(token=token_b).get(url).json()
    assert [u["text"] for u in listing] == ["Modèle rédigé"]


def test_the_board_filters(api_as, worker_a, recommendation, coordinator, org_a):
    other = dialogue.create_recommendation(
        actor=coordinator, text="Autre", addressed_to=[org_a], dimensions=["media"]
    )
    client = api_as(worker_a)
    url = reverse("api:recommendation-list")

    def ids(**params):
        return [r["id"] for r in client.get(url, params).json()["results"]]

    assert ids(addressee=org_a.pk) == [other.pk]
    assert ids(dimension="media") == [other.pk]
    assert ids(overdue="true") == [recommendation.pk]
    assert ids(status="proposed", meeting=recommendation.meeting_id) == [
        recommendation.pk
    ]
    assert client.get(url, {"status": "nope"}).status_code == 400


def test_the_recommendation_list_makes_constant_queries(
    api_as, worker_a, coordinator, org_a, org_b, django_assert_max_num_queries
):
    def make(n):
        for i in range(n):
            rec = dialogue.create_recommendation(
                actor=coordinator,
                text=f"R{i}",
                addressed_to=[org_a, org_b],
                owner=org_a,
            )
            dialogue.add_progress_update(rec, actor=coordinator, text="x")

    client = api_as(worker_a)
    url = reverse("api:recommendation-list")
    make(1)
    client.get(url)  # warm-up: sessions, content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    make(20)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).json()["count"] == 21


# ---------------------------------------------------------------------------
# The API, comments
# ---------------------------------------------------------------------------
def test_comment_thread_through_the_api(
    api_as, worker_a, focal_b, meeting, coordinator
):
    client = api_as(worker_a)
    url = reverse("api:comment-list")

    created = client.post(
        url, {"meeting": meeting.pk, "body": "@focal.b@example.org ?"}, format="json"
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    assert Notification.objects.filter(recipient=focal_b, kind="mention").exists()

    edited = client.patch(
        reverse("api:comment-detail", args=[pk]), {"body": "Corrigé"}, format="json"
    )
    assert edited.status_code == 200
    assert edited.json()["edited_at"]
    other = api_as(focal_b).patch(
        reverse("api:comment-detail", args=[pk]), {"body": "Pirate"}, format="json"
    )
    assert other.status_code == 403
    hide = api_as(focal_b).post(
        reverse("api:comment-hide", args=[pk]), {"reason": "x"}, format="json"
    )
    assert hide.status_code == 403
    assert client.delete(reverse("api:comment-detail", args=[pk])).status_code == 204
    thread = client.get(url, {"meeting": meeting.pk}).json()["results"]
    assert thread[0]["deleted"] is True
    assert thread[0]["body"] == ""


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"meeting": 999999, "body": "x"}, 404),
        ({"recommendation": 999999, "body": "x"}, 404),
        ({"body": "x"}, 400),
        ({"meeting": "1", "emergency": 1, "body": "x"}, 400),
        ({"meeting": "MEETING", "body": ""}, 400),
        ({"meeting": "MEETING", "body": "x" * 4001}, 400),
    ],
)
def test_bad_comments(api_as, worker_a, meeting, body, status):
    body = {k: meeting.pk if v == "MEETING" else v for k, v in body.items()}
    response = api_as(worker_a).post(reverse("api:comment-list"), body, format="json")
    assert response.status_code == status
    assert response.json()["errors"]
    assert not Comment.objects.exists()


def test_the_thread_makes_constant_queries(
    api_as, client_as, worker_a, meeting, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    dialogue.post_comment(meeting, actor=worker_a, body="1")
    api, page = api_as(worker_a), client_as(worker_a)
    url = reverse("api:comment-list") + f"?meeting={meeting.pk}"
    page_url = meeting.get_absolute_url()
    api.get(url)
    page.get(page_url)
    with CaptureQueriesContext(connection) as api_one:
        api.get(url)
    with CaptureQueriesContext(connection) as page_one:
        page.get(page_url)
    for i in range(15):
        dialogue.post_comment(meeting, actor=worker_a, body=f"c{i}")
    with django_assert_max_num_queries(len(api_one.captured_queries)):
        api.get(url)
    with django_assert_max_num_queries(len(page_one.captured_queries)):
        assert page.get(page_url).status_code == 200


# ---------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["worker_a", "coordinator", "observer"])
def test_everyone_signed_in_sees_the_dialogue_pages(
    client_as, request, who, meeting, recommendation
):
    client = client_as(request.getfixturevalue(who))
    for url in (
        reverse("dialogue:meeting_list"),
        meeting.get_absolute_url(),
        reverse("dialogue:meeting_report", args=[meeting.pk]),
        reverse("dialogue:recommendation_board"),
        reverse("dialogue:recommendation_board") + "?overdue=true&status=proposed",
        recommendation.get_absolute_url(),
    ):
        assert client.get(url).status_code == 200, url


def test_anonymous_visitors_are_sent_to_sign_in(client_as, meeting, recommendation):
    client = client_as(None)
    for url in (
        meeting.get_absolute_url(),
        recommendation.get_absolute_url(),
        reverse("dialogue:meeting_ics", args=[meeting.pk]),
        reverse("dialogue:meeting_report_csv", args=[meeting.pk]),
    ):
        assert client.get(url).status_code == 302


@pytest.mark.parametrize("name", ["meeting_create", "recommendation_create"])
def test_only_coordinators_get_the_forms(client_as, worker_a, coordinator, name):
    assert client_as(worker_a).get(reverse(f"dialogue:{name}")).status_code == 403
    assert client_as(coordinator).get(reverse(f"dialogue:{name}")).status_code == 200


def test_an_invisible_meeting_is_404(client_as, worker_a):
    assert client_as(worker_a).get("/meetings/999999/").status_code == 404


def test_recording_a_meeting_page_shows_errors_in_place(client_as, coordinator, org_a):
    client = client_as(coordinator)

    response = client.post(
        reverse("dialogue:meeting_create"),
        {
            "title": "Suivi",
            "kind": "meeting",
            "starts_at": "2023-06-20T10:00",
            "ends_at": "2023-06-20T09:00",
            "place": "",
            "participants": [org_a.pk],
        },
    )

    assert response.status_code == 200
    assert 'id="id_ends_at_error"' in response.text
    assert not Meeting.objects.exists()
    response = client.post(
        reverse("dialogue:meeting_create"),
        {
            "title": "Suivi",
            "kind": "meeting",
            "starts_at": "2023-06-20T10:00",
            "place": "Rabat",
            "participants": [org_a.pk],
            "invite": "on",
        },
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert meeting.participations.get().invited_at is not None


def test_a_due_date_before_the_meeting_shows_next_to_the_field(
    client_as, coordinator, meeting
):
    response = client_as(coordinator).post(
        reverse("dialogue:recommendation_create"),
        {
            "text": "X",
            "meeting": meeting.pk,
            "theme": "other",
            "due_date": "2022-01-01",
        },
    )
    assert response.status_code == 200
    assert 'id="id_due_date_error"' in response.text
    assert not Recommendation.objects.exists()


def test_an_owner_reports_progress_on_the_page(client_as, focal_b, recommendation):
    client = client_as(focal_b)
    url = recommendation.get_absolute_url()

    refused = client.post(url, {"status": "implemented", "text": ""})
    accepted = client.post(url, {"status": "adopted", "text": "Validé en réunion"})

    assert refused.status_code == 200
    assert 'id="id_status_error"' in refused.text
    assert accepted.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == "adopted"


def test_an_empty_progress_report_shows_the_error_in_place(
    client_as, focal_b, recommendation
):
    response = client_as(focal_b).post(
        recommendation.get_absolute_url(), {"status": "", "text": " "}
    )

    assert response.status_code == 200
    assert 'id="id_text_error"' in response.text
    assert not recommendation.updates.exists()


def test_a_recommendation_recorded_without_a_status_is_proposed(client_as, coordinator):
    response = client_as(coordinator).post(
        reverse("dialogue:recommendation_create"), {"text": "Y", "theme": "other"}
    )

    assert response.status_code == 302
    assert Recommendation.objects.get().status == Recommendation.Status.PROPOSED


def test_others_cannot_post_progress_on_the_page(client_as, worker_a, recommendation):
    response = client_as(worker_a).post(
        recommendation.get_absolute_url(), {"status": "adopted"}
    )
    assert response.status_code == 403
    assert (
        "Record the update"
        not in client_as(worker_a).get(recommendation.get_absolute_url()).text
    )


def test_a_script_in_a_comment_renders_escaped(client_as, worker_a, meeting):
    client = client_as(worker_a)
    client.post(
        reverse("dialogue:comment_post"),
        {
            "target": "meeting",
            "target_id": meeting.pk,
            "body": "<script>alert('x')</script> https://ex.org",
        },
    )

    page = client.get(meeting.get_absolute_url()).text

    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert 'href="https://ex.org" rel="nofollow noopener noreferrer"' in page


def test_an_empty_comment_page_shows_the_error(client_as, worker_a, meeting):
    response = client_as(worker_a).post(
        reverse("dialogue:comment_post"),
        {"target": "meeting", "target_id": meeting.pk, "body": " "},
    )
    assert response.status_code == 200
    assert 'id="id_body_error"' in response.text
    assert not Comment.objects.exists()


def test_commenting_on_an_unknown_object_page_is_404(client_as, worker_a):
    response = client_as(worker_a).post(
        reverse("dialogue:comment_post"),
        {"target": "recommendation", "target_id": 999999, "body": "x"},
    )
    assert response.status_code == 404


def test_edit_delete_and_hide_pages(client_as, worker_a, focal_a, coordinator, meeting):
    comment = dialogue.post_comment(meeting, actor=worker_a, body="Premier")
    edit = reverse("dialogue:comment_edit", args=[comment.pk])

    assert client_as(focal_a).get(edit).status_code == 403
    assert client_as(worker_a).post(edit, {"body": "Second"}).status_code == 302
    hide = reverse("dialogue:comment_hide", args=[comment.pk])
    assert client_as(worker_a).get(hide).status_code == 403
    refused = client_as(coordinator).post(hide, {"reason": ""})
    assert 'id="id_reason_error"' in refused.text
    assert (
        client_as(coordinator).post(hide, {"reason": "Hors sujet"}).status_code == 302
    )
    page = client_as(worker_a).get(meeting.get_absolute_url()).text
    assert "Hors sujet" in page
    assert "Second" not in page
    delete = reverse("dialogue:comment_delete", args=[comment.pk])
    assert client_as(focal_a).post(delete).status_code == 403


def test_the_calendar_file(client_as, worker_a, meeting):
    response = client_as(worker_a).get(
        reverse("dialogue:meeting_ics", args=[meeting.pk])
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert "DTSTART:20221215T090000Z\r\n" in text
    assert "LOCATION:Rabat\\, salle Atlas\\; 2e étage\r\n" in text
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_the_follow_up_report_csv(client_as, observer, recommendation, focal_b):
    dialogue.add_progress_update(recommendation, actor=focal_b, text="=cmd|x")
    response = client_as(observer).get(
        reverse("dialogue:meeting_report_csv", args=[recommendation.meeting_id])
    )
    assert response.status_code == 200
    text = response.getvalue().decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 2
    assert f"R-{recommendation.pk}" in lines[1]
    assert "'=cmd|x" in lines[1]  # no formula injection


def test_the_follow_up_report_csv_asks_anonymous_visitors_to_sign_in(
    client_as, meeting
):
    url = reverse("dialogue:meeting_report_csv", args=[meeting.pk])

    response = client_as(None).get(url)

    assert response.status_code == 302
    assert response.url == f"{resolve_url(settings.LOGIN_URL)}?next={url}"


def test_the_follow_up_report_csv_of_an_unseen_meeting_is_404(client_as, worker_a):
    # Every signed-in user sees every meeting (MeetingQuerySet.visible_to): the one
    # meeting they cannot see is one that does not exist.
    url = reverse("dialogue:meeting_report_csv", args=[999999])

    assert client_as(worker_a).get(url).status_code == 404


def test_the_follow_up_report_csv_is_read_only_like_the_report_page(
    client_as, worker_a, meeting
):
    for name in ("dialogue:meeting_report", "dialogue:meeting_report_csv"):
        url = reverse(name, args=[meeting.pk])
        assert client_as(worker_a).post(url).status_code == 405, name


def test_the_board_page_makes_constant_queries(
    client_as, worker_a, coordinator, org_a, org_b, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(n):
        for i in range(n):
            dialogue.create_recommendation(
                actor=coordinator,
                text=f"R{i}",
                addressed_to=[org_a, org_b],
                owner=org_b,
            )

    client = client_as(worker_a)
    url = reverse("dialogue:recommendation_board")
    make(1)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    make(30)
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert client.get(url).status_code == 200
