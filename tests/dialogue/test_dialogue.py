"""Dialogue services: meetings, invitations and attendance, recommendations and their
follow-up (transitions, permissions per role, reminders), comments and mentions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.http import Http404

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.models import Region
from dialogue import services as dialogue
from dialogue.models import Comment, Meeting, Recommendation, RecommendationUpdate
from dialogue.services import PreconditionFailed
from emergencies.models import Emergency
from notifications.models import Notification, OutboxMessage

STARTS = datetime(2022, 12, 15, 9, tzinfo=UTC)


@pytest.fixture
def meeting(coordinator, org_a, org_b, public_body):
    """The Rabat workshop: A, B and a public body take part (not invited yet)."""
    return dialogue.create_meeting(
        actor=coordinator,
        title="Atelier de Rabat",
        kind=Meeting.Kind.WORKSHOP,
        starts_at=STARTS,
        place="Rabat",
        themes=["preparedness_response", "referral_identification"],
        participants=[org_a, org_b, public_body],
    )


@pytest.fixture
def recommendation(coordinator, meeting, org_b, public_body):
    """Addressed to B and the public body, owned by B, due in 2023."""
    return dialogue.create_recommendation(
        actor=coordinator,
        text="Harmoniser les fiches de référencement.",
        meeting=meeting,
        theme="referral_identification",
        dimensions=["legal", "ethical"],
        addressed_to=[org_b, public_body],
        owner=org_b,
        due_date=date(2023, 6, 30),
    )


def _kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).values_list("kind", flat=True)
    )


# ---------------------------------------------------------------------------
# Meetings
# ---------------------------------------------------------------------------
def test_a_coordinator_records_a_meeting(meeting, org_a, org_b, public_body):
    assert meeting.participants.count() == 3
    assert meeting.themes == ["preparedness_response", "referral_identification"]
    assert set(meeting.participations.values_list("invited_at", flat=True)) == {None}


@pytest.mark.parametrize("who", ["worker_a", "focal_b", "observer"])
def test_only_coordinators_record_meetings(request, who):
    with pytest.raises(PermissionDenied):
        dialogue.create_meeting(
            actor=request.getfixturevalue(who),
            title="X",
            starts_at=STARTS,
            place="Rabat",
        )
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": " ", "starts_at": STARTS, "place": "Rabat"}, "title"),
        ({"title": "X", "starts_at": STARTS, "place": ""}, "place"),
        (
            {
                "title": "X",
                "starts_at": STARTS,
                "ends_at": STARTS - timedelta(hours=1),
                "place": "Rabat",
            },
            "ends_at",
        ),
        ({"title": "X", "starts_at": STARTS, "place": "R", "themes": ["x"]}, "themes"),
    ],
)
def test_bad_meetings_are_refused(coordinator, data, field):
    with pytest.raises(ValidationError) as error:
        dialogue.create_meeting(actor=coordinator, **data)
    assert field in error.value.message_dict
    assert not Meeting.objects.exists()


def test_invitations_notify_members_and_observers_once(
    meeting,
    coordinator,
    worker_a,
    focal_b,
    observer,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        count = dialogue.invite_participants(meeting, actor=coordinator)

    assert count == 3
    for user in (worker_a, focal_b, observer):
        assert _kinds(user) == ["meeting_invitation"]
    notification = Notification.objects.get(recipient=observer)
    assert notification.context["ics_path"] == f"/meetings/{meeting.pk}/ics/"
    assert OutboxMessage.objects.filter(event="meeting_invitation").count() == 3
    with pytest.raises(Conflict):
        dialogue.invite_participants(meeting, actor=coordinator)


def test_an_invitation_email_carries_and_links_the_calendar_file(
    meeting, coordinator, worker_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        dialogue.invite_participants(meeting, actor=coordinator)
    message = OutboxMessage.objects.get(recipient=worker_a)

    from notifications.services import deliver_outbox_message

    deliver_outbox_message(message.pk)

    [email] = mail.outbox
    assert "Atelier de Rabat" in email.subject
    assert f"/meetings/{meeting.pk}/ics/" in email.body
    [(filename, calendar, mimetype)] = email.attachments
    assert filename == f"tansiq-meeting-{meeting.pk}.ics"
    assert mimetype == "text/calendar"
    assert calendar.startswith("BEGIN:VCALENDAR\r\n")
    assert "SUMMARY:Atelier de Rabat" in calendar


def test_adding_participants_invites_only_the_new_ones(
    meeting, coordinator, org_a, org_c, worker_a, worker_c
):
    dialogue.invite_participants(meeting, actor=coordinator)
    dialogue.update_meeting(
        meeting, actor=coordinator, participants=[*meeting.participants.all(), org_c]
    )

    assert dialogue.invite_participants(meeting, actor=coordinator) == 1
    assert _kinds(worker_a) == ["meeting_invitation"]
    assert _kinds(worker_c) == ["meeting_invitation"]


def test_an_edit_changes_only_the_fields_given(meeting, coordinator, org_a):
    dialogue.update_meeting(meeting, actor=coordinator, minutes="Relevé de décisions")

    meeting.refresh_from_db()
    assert meeting.minutes == "Relevé de décisions"
    assert meeting.title == "Atelier de Rabat"
    assert meeting.themes == ["preparedness_response", "referral_identification"]
    assert meeting.participants.count() == 3


def test_a_meeting_cannot_end_before_it_starts_when_edited(meeting, coordinator):
    with pytest.raises(ValidationError) as error:
        dialogue.update_meeting(
            meeting, actor=coordinator, ends_at=STARTS - timedelta(hours=1)
        )

    assert list(error.value.message_dict) == ["ends_at"]
    meeting.refresh_from_db()
    assert meeting.ends_at is None


def test_attendance_is_recorded_for_participants_only(
    meeting, coordinator, org_a, org_b, org_c
):
    dialogue.record_attendance(meeting, actor=coordinator, present=[org_a])

    present = dict(meeting.participations.values_list("organisation_id", "present"))
    assert present[org_a.pk] is True
    assert present[org_b.pk] is False
    with pytest.raises(ValidationError):
        dialogue.record_attendance(meeting, actor=coordinator, present=[org_c])


def test_only_coordinators_record_attendance(meeting, focal_b, org_b):
    with pytest.raises(PermissionDenied):
        dialogue.record_attendance(meeting, actor=focal_b, present=[org_b])


# ---------------------------------------------------------------------------
# Recommendations
# ---------------------------------------------------------------------------
def test_owner_and_addressees_are_told_of_a_new_recommendation(
    worker_b, focal_b, observer, worker_a, recommendation
):
    assert _kinds(worker_b) == ["recommendation_assigned"]
    assert _kinds(focal_b) == ["recommendation_assigned"]
    assert _kinds(observer) == ["recommendation_assigned"]  # addressed public body
    assert _kinds(worker_a) == []
    notification = Notification.objects.get(recipient=observer)
    assert notification.url == f"/recommendations/{recommendation.pk}/"


def test_a_due_date_before_the_meeting_is_refused(coordinator, meeting):
    with pytest.raises(ValidationError) as error:
        dialogue.create_recommendation(
            actor=coordinator, text="X", meeting=meeting, due_date=date(2022, 12, 1)
        )
    assert "due_date" in error.value.message_dict
    assert not Recommendation.objects.exists()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": "  "}, "text"),
        ({"text": "x" * 4001}, "text"),
        ({"text": "X", "dimensions": ["magic"]}, "dimensions"),
        ({"text": "X", "evidence": ["javascript:alert(1)"]}, "evidence"),
        ({"text": "X", "theme": "nope"}, "theme"),
    ],
)
def test_bad_recommendations_are_refused(coordinator, data, field):
    with pytest.raises(ValidationError) as error:
        dialogue.create_recommendation(actor=coordinator, **data)
    assert field in error.value.message_dict
    assert not Recommendation.objects.exists()


def test_an_inactive_addressee_is_refused(coordinator, org_c):
    org_c.is_active = False
    org_c.save()
    with pytest.raises(ValidationError) as error:
        dialogue.create_recommendation(
            actor=coordinator, text="X", addressed_to=[org_c]
        )
    assert "addressed_to" in error.value.message_dict


def test_the_person_in_charge_works_for_the_owner(coordinator, org_a, worker_b):
    with pytest.raises(ValidationError) as error:
        dialogue.create_recommendation(
            actor=coordinator, text="X", owner=org_a, owner_user=worker_b
        )
    assert "owner_user" in error.value.message_dict


@pytest.mark.parametrize("who", ["worker_a", "focal_b", "observer"])
def test_only_coordinators_record_recommendations(request, who):
    with pytest.raises(PermissionDenied):
        dialogue.create_recommendation(actor=request.getfixturevalue(who), text="X")


@pytest.mark.parametrize("who", ["coordinator", "worker_b", "focal_b", "observer"])
def test_coordinators_owners_and_addressees_follow_up(request, recommendation, who):
    actor = request.getfixturevalue(who)

    updated = dialogue.change_recommendation_status(
        recommendation, actor=actor, status="adopted"
    )

    assert updated.status == "adopted"
    assert updated.version == recommendation.version + 1
    [update] = RecommendationUpdate.objects.filter(recommendation=recommendation)
    assert (update.status_from, update.status_to, update.author) == (
        "proposed",
        "adopted",
        actor,
    )


@pytest.mark.parametrize("who", ["worker_a", "focal_a", "worker_c"])
def test_others_may_not_follow_up(request, recommendation, who):
    with pytest.raises(PermissionDenied):
        dialogue.change_recommendation_status(
            recommendation,
            actor=request.getfixturevalue(who),
            status="adopted",
        )
    recommendation.refresh_from_db()
    assert recommendation.status == "proposed"


def test_an_observer_of_another_body_may_not_follow_up(recommendation, observer, org_c):
    org_c.kind = "public_service"
    org_c.save()
    observer.observer_body = org_c
    observer.save()

    with pytest.raises(PermissionDenied):
        dialogue.add_progress_update(recommendation, actor=observer, text="Fait.")
    assert not RecommendationUpdate.objects.exists()


def test_the_person_in_charge_follows_up(coordinator, org_a, focal_a, worker_c):
    recommendation = dialogue.create_recommendation(
        actor=coordinator, text="X", owner=org_a, owner_user=focal_a
    )
    dialogue.add_progress_update(recommendation, actor=focal_a, text="Lancé.")
    assert recommendation.updates.get().text == "Lancé."


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        (["adopted", "in_progress", "implemented"], "dropped"),
        (["dropped"], "adopted"),
        ([], "implemented"),
        ([], "in_progress"),
    ],
)
def test_disallowed_transitions_conflict(recommendation, focal_b, path, refused):
    for status in path:
        dialogue.change_recommendation_status(
            recommendation, actor=focal_b, status=status
        )
    recommendation.refresh_from_db()
    before = recommendation.status

    with pytest.raises(Conflict):
        dialogue.change_recommendation_status(
            recommendation, actor=focal_b, status=refused
        )
    recommendation.refresh_from_db()
    assert recommendation.status == before


def test_the_same_status_again_conflicts(recommendation, focal_b):
    with pytest.raises(Conflict):
        dialogue.change_recommendation_status(
            recommendation, actor=focal_b, status="proposed"
        )


def test_progress_tells_the_others_concerned(
    worker_b, focal_b, observer, coordinator, recommendation
):
    Notification.objects.all().delete()

    dialogue.add_progress_update(
        recommendation, actor=worker_b, text="Modèle rédigé.", status="adopted"
    )

    assert _kinds(worker_b) == []  # not told of one's own action
    assert _kinds(focal_b) == ["recommendation_updated"]
    assert _kinds(observer) == ["recommendation_updated"]
    notification = Notification.objects.get(recipient=observer)
    assert notification.context["status_from"] == "proposed"
    assert "new status" in notification.subject or notification.subject


def test_empty_progress_is_refused(recommendation, focal_b):
    with pytest.raises(ValidationError):
        dialogue.add_progress_update(recommendation, actor=focal_b, text="  ")
    with pytest.raises(ValidationError):
        dialogue.add_progress_update(recommendation, actor=focal_b, text="x" * 4001)
    assert not RecommendationUpdate.objects.exists()


def test_a_stale_version_is_refused(recommendation, coordinator):
    dialogue.update_recommendation(
        recommendation, actor=coordinator, text="Neuf", version=1
    )
    with pytest.raises(PreconditionFailed):
        dialogue.update_recommendation(
            recommendation, actor=coordinator, text="Autre", version=1
        )
    recommendation.refresh_from_db()
    assert (recommendation.text, recommendation.version) == ("Neuf", 2)


def test_a_recommendation_edit_changes_only_the_fields_given(
    recommendation, coordinator, org_b, public_body
):
    dialogue.update_recommendation(
        recommendation, actor=coordinator, due_date=date(2023, 9, 30)
    )

    recommendation.refresh_from_db()
    assert recommendation.due_date == date(2023, 9, 30)
    assert recommendation.text == "Harmoniser les fiches de référencement."
    assert recommendation.dimensions == ["legal", "ethical"]
    assert set(recommendation.addressed_to.all()) == {org_b, public_body}
    assert recommendation.owner == org_b
    assert recommendation.version == 2


def test_an_unknown_status_is_refused_on_creation(coordinator):
    with pytest.raises(ValidationError) as error:
        dialogue.create_recommendation(actor=coordinator, text="X", status="done")

    assert list(error.value.message_dict) == ["status"]
    assert not Recommendation.objects.exists()


def test_new_addressees_are_told_when_assigned(
    worker_a, worker_b, recommendation, coordinator, org_a, org_b, public_body
):
    Notification.objects.all().delete()

    dialogue.update_recommendation(
        recommendation, actor=coordinator, addressed_to=[org_a, org_b, public_body]
    )

    assert _kinds(worker_a) == ["recommendation_assigned"]
    assert _kinds(worker_b) == []


def test_a_coordinator_edit_follows_the_transitions(recommendation, coordinator):
    with pytest.raises(Conflict):
        dialogue.update_recommendation(
            recommendation, actor=coordinator, status="implemented"
        )
    updated = dialogue.update_recommendation(
        recommendation, actor=coordinator, status="adopted"
    )
    assert updated.updates.get().status_to == "adopted"


# ---------------------------------------------------------------------------
# Reminders, with a fixed "now"
# ---------------------------------------------------------------------------
def test_reminders_before_and_after_the_due_date_go_once(
    focal_b, observer, recommendation
):
    Notification.objects.all().delete()
    week_before = datetime(2023, 6, 25, 8, tzinfo=UTC)
    day_after = datetime(2023, 7, 1, 8, tzinfo=UTC)

    assert dialogue.send_recommendation_reminders(now=week_before) == 1
    assert dialogue.send_recommendation_reminders(now=week_before) == 0
    assert dialogue.send_recommendation_reminders(now=day_after) == 1
    assert dialogue.send_recommendation_reminders(now=day_after + timedelta(1)) == 0

    reminders = Notification.objects.filter(recipient=focal_b).order_by("id")
    assert [n.context["reminder"] for n in reminders] == ["due_soon", "overdue"]
    assert Notification.objects.filter(recipient=observer).count() == 2


def test_no_reminder_long_before_or_once_implemented(recommendation, focal_b):
    assert (
        dialogue.send_recommendation_reminders(now=datetime(2023, 1, 10, tzinfo=UTC))
        == 0
    )
    for status in ("adopted", "implemented"):
        dialogue.change_recommendation_status(
            recommendation, actor=focal_b, status=status
        )
    assert (
        dialogue.send_recommendation_reminders(now=datetime(2023, 8, 1, tzinfo=UTC))
        == 0
    )


def test_a_new_due_date_gets_its_own_reminder(recommendation, coordinator):
    after = datetime(2023, 7, 2, tzinfo=UTC)
    assert dialogue.send_recommendation_reminders(now=after) == 1
    dialogue.update_recommendation(
        recommendation, actor=coordinator, due_date=date(2023, 7, 1)
    )
    assert dialogue.send_recommendation_reminders(now=after) == 1


def test_overdue_is_open_and_past_due(recommendation, focal_b):
    assert Recommendation.objects.overdue(date(2023, 7, 1)).count() == 1
    assert Recommendation.objects.overdue(date(2023, 6, 30)).count() == 0
    dialogue.change_recommendation_status(
        recommendation, actor=focal_b, status="dropped"
    )
    assert Recommendation.objects.overdue(date(2023, 7, 1)).count() == 0


# ---------------------------------------------------------------------------
# Comments
# ---------------------------------------------------------------------------
@pytest.fixture
def emergency(coordinator):
    return Emergency.objects.create(
        title="Vague de froid",
        kind="cold_wave",
        started_on=date(2025, 1, 10),
        created_by=coordinator,
    )


@pytest.mark.parametrize("who", ["worker_a", "coordinator", "observer"])
def test_members_observers_and_coordinators_comment(request, meeting, who):
    actor = request.getfixturevalue(who)
    comment = dialogue.post_comment(meeting, actor=actor, body=" Bonjour ")
    assert (comment.body, comment.meeting, comment.author) == (
        "Bonjour",
        meeting,
        actor,
    )


def test_comments_on_every_kind_of_target(emergency, recommendation, worker_a):
    Region.objects.get(code="02")
    for target in (emergency, recommendation):
        comment = dialogue.post_comment(target, actor=worker_a, body="Vu.")
        assert comment.target == target


def test_a_user_without_organisation_or_role_may_not_comment(
    meeting, django_user_model
):
    loner = django_user_model.objects.create_user("loner@example.org", "x")
    with pytest.raises(PermissionDenied):
        dialogue.post_comment(meeting, actor=loner, body="Bonjour")


def test_commenting_on_an_invisible_object_is_404(meeting, worker_a):
    class Anonymous:
        is_authenticated = False

    with pytest.raises(Http404):
        dialogue.post_comment(meeting, actor=Anonymous(), body="Bonjour")


@pytest.mark.parametrize("body", ["", "   ", "x" * 4001])
def test_empty_or_oversized_comments_are_refused(meeting, worker_a, body):
    with pytest.raises(ValidationError) as error:
        dialogue.post_comment(meeting, actor=worker_a, body=body)
    assert "body" in error.value.message_dict
    assert not Comment.objects.exists()


def test_mentions_notify_the_people_named(meeting, worker_a, focal_b, observer):
    dialogue.post_comment(
        meeting,
        actor=worker_a,
        body="@focal.b@example.org et @observer@example.org : avis ? "
        "(pas @inconnu@example.org, ni mail@worker.a@example.org)",
    )

    assert _kinds(focal_b) == ["mention"]
    assert _kinds(observer) == ["mention"]
    assert _kinds(worker_a) == []
    notification = Notification.objects.get(recipient=focal_b)
    assert notification.context["target_title"] == "Atelier de Rabat"
    assert notification.url.endswith(f"#comment-{Comment.objects.get().pk}")


def test_an_edit_notifies_only_new_mentions(meeting, worker_a, focal_b, observer):
    comment = dialogue.post_comment(
        meeting, actor=worker_a, body="@focal.b@example.org ?"
    )
    dialogue.edit_comment(
        comment, actor=worker_a, body="@focal.b@example.org @observer@example.org ?"
    )
    assert _kinds(focal_b) == ["mention"]
    assert _kinds(observer) == ["mention"]


def test_authors_edit_their_comments_and_history_is_kept(meeting, worker_a):
    comment = dialogue.post_comment(meeting, actor=worker_a, body="Premier jet")

    dialogue.edit_comment(comment, actor=worker_a, body="Version finale")

    comment.refresh_from_db()
    assert comment.body == "Version finale"
    assert comment.edited_at is not None
    history = list(
        comment.events.order_by("pgh_id").values_list("body", flat=True)  # pghistory
    )
    assert history == ["Premier jet", "Version finale"]


def test_only_the_author_edits_or_deletes(meeting, worker_a, focal_a, coordinator):
    comment = dialogue.post_comment(meeting, actor=worker_a, body="Mon avis")
    for actor in (focal_a, coordinator):
        with pytest.raises(PermissionDenied):
            dialogue.edit_comment(comment, actor=actor, body="Changé")
        with pytest.raises(PermissionDenied):
            dialogue.delete_comment(comment, actor=actor)
    comment.refresh_from_db()
    assert (comment.body, comment.deleted_at) == ("Mon avis", None)


def test_deleting_is_soft_and_final(meeting, worker_a):
    comment = dialogue.post_comment(meeting, actor=worker_a, body="Oups")
    dialogue.delete_comment(comment, actor=worker_a)

    comment.refresh_from_db()
    assert comment.is_deleted
    assert comment.body == "Oups"
    with pytest.raises(Conflict):
        dialogue.delete_comment(comment, actor=worker_a)
    with pytest.raises(Conflict):
        dialogue.edit_comment(comment, actor=worker_a, body="Retour")


def test_coordinators_hide_with_a_reason(meeting, worker_a, coordinator, focal_a):
    comment = dialogue.post_comment(meeting, actor=worker_a, body="Hors sujet")
    with pytest.raises(PermissionDenied):
        dialogue.hide_comment(comment, actor=focal_a, reason="Non")
    with pytest.raises(ValidationError):
        dialogue.hide_comment(comment, actor=coordinator, reason=" ")

    dialogue.hide_comment(comment, actor=coordinator, reason="Données personnelles")

    comment.refresh_from_db()
    assert comment.hidden_by == coordinator
    assert comment.hidden_reason == "Données personnelles"
    with pytest.raises(Conflict):
        dialogue.hide_comment(comment, actor=coordinator, reason="Encore")


def test_comment_targets_name_their_models():
    assert Comment.target_model("emergency") is Emergency
    assert Comment.target_model("meeting") is Meeting
    assert Comment.target_model("recommendation") is Recommendation
    assert Comment.target_model("author") is None


def test_comment_text_is_escaped_and_only_web_links_are_clickable(meeting, worker_a):
    comment = dialogue.post_comment(
        meeting,
        actor=worker_a,
        body="<script>alert(1)</script> voir https://ex.org/a?b=1&c=2. "
        'et javascript:alert(2) "x"',
    )
    html = str(comment.body_html)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert (
        '<a href="https://ex.org/a?b=1&amp;c=2" rel="nofollow noopener noreferrer" '
        'target="_blank">' in html
    )
    assert "</a>." in html  # the sentence's full stop is not part of the link
    assert 'href="javascript' not in html
    assert "&quot;x&quot;" in html


def test_an_invitation_reaches_the_participants_webhooks(
    meeting, coordinator, focal_a, org_a, settings
):
    from notifications.models import WebhookSubscription
    from notifications.services.webhooks import create_webhook_subscription

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    subscription, _ = create_webhook_subscription(
        actor=focal_a,
        organisation=org_a,
        url="http://127.0.0.1:9/hook",
        events=[WebhookSubscription.Event.MEETING_INVITED],
    )

    dialogue.invite_participants(meeting, actor=coordinator)

    [message] = OutboxMessage.objects.filter(subscription=subscription)
    assert message.event == "meeting.invited"
    assert message.payload["data"]["object"] == {
        "type": "meeting",
        "id": meeting.pk,
        "url": message.payload["data"]["object"]["url"],
    }
    assert message.payload["data"]["object"]["url"].endswith(f"/meetings/{meeting.pk}/")
