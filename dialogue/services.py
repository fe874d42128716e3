"""Dialogue: meetings and their invitations and attendance, recommendations and their
follow-up (status, progress, reminders), and discussion threads with mentions.
Authority rules live here, once, for pages and API alike.

Who may do what:
- coordinators convene meetings, record attendance, and manage recommendations;
- the owner (its organisation's members, and the person in charge) and the addressees
  (their members, and the observers of an addressed public body) change a
  recommendation's status along Recommendation.TRANSITIONS and report progress;
- every member, observer and coordinator comments; authors edit and delete their own
  comments (the text's history stays in the audit trail); coordinators hide comments.

Users are looked up through the app registry: coordination imports no app (STYLE.md §2).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.exceptions import PreconditionFailed as BasePreconditionFailed
from coordination.permissions import require_coordinator
from dialogue.models import (
    COMMENT_MAX_LENGTH,
    MENTION_RE,
    RECOMMENDATION_MAX_LENGTH,
    Comment,
    Meeting,
    Participation,
    Recommendation,
    RecommendationUpdate,
)
from notifications.models import Notification, WebhookSubscription
from notifications.services import queue_notification

if TYPE_CHECKING:
    from organisations.models import Organisation, User

MEETING_FIELDS = (
    "title",
    "kind",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "organiser",
    "themes",
    "agenda",
    "minutes",
)
RECOMMENDATION_FIELDS = (
    "text",
    "meeting",
    "theme",
    "dimensions",
    "owner",
    "owner_user",
    "due_date",
    "evidence",
)
TEXT_FIELDS = ("place", "online_url", "agenda", "minutes")
MAX_MENTIONS = 20  # per comment: a longer list is a mass mailing, not a mention
MEETING_INVITED_EVENT = WebhookSubscription.Event.MEETING_INVITED


class PreconditionFailed(BasePreconditionFailed):
    """Someone saved the recommendation after the version the caller edited (412)."""

    default_message = gettext_lazy(
        "Someone else saved this recommendation after you opened it. Reload it to see "
        "their changes, then make yours again."
    )


def _user_model():
    return apps.get_model(settings.AUTH_USER_MODEL)


def _observers_of(organisations: Iterable[Organisation]) -> list[User]:
    """The active observers working for these public bodies (they are not members)."""
    ids = [org.pk for org in organisations]
    if not ids:
        return []
    User = _user_model()
    return list(
        User.objects.filter(
            is_active=True,
            platform_role=User.PlatformRole.OBSERVER,
            observer_body_id__in=ids,
        )
    )


def _apply(obj, fields: Iterable[str], data: dict) -> list[str]:
    changed = [name for name in fields if name in data]
    for name in changed:
        value = data[name]
        if value is None and name in (*TEXT_FIELDS, "text"):
            value = ""
        if value is None and name in ("themes", "dimensions", "evidence"):
            value = []
        setattr(obj, name, value)
    return changed


# ---------------------------------------------------------------------------
# Meetings
# ---------------------------------------------------------------------------
def _validate_meeting(meeting: Meeting) -> None:
    errors: dict[str, str] = {}
    if not (meeting.title or "").strip():
        errors["title"] = _("Give the meeting a title.")
    if meeting.starts_at is None:
        errors["starts_at"] = _("Give the date and time the meeting starts.")
    elif meeting.ends_at is not None and meeting.ends_at < meeting.starts_at:
        errors["ends_at"] = _("The end cannot be before the start.")
    if not meeting.place.strip() and not meeting.online_url:
        errors["place"] = _("Give a place, an online link, or both.")
    unknown = set(meeting.themes) - set(Meeting.Theme.values)
    if unknown:
        errors["themes"] = _("Unknown theme: %(themes)s.") % {
            "themes": ", ".join(sorted(unknown))
        }
    if errors:
        raise ValidationError(errors)


def _check_organisations(organisations: Iterable[Organisation], field: str) -> None:
    inactive = sorted(org.name for org in organisations if not org.is_active)
    if inactive:
        raise ValidationError(
            {
                field: _("These organisations are no longer active: %(names)s.")
                % {"names": ", ".join(inactive)}
            }
        )


@transaction.atomic
def create_meeting(*, actor: User, data: dict, invite: bool = False) -> Meeting:
    """Record a meeting or workshop (coordinators); with `invite`, notify its
    participants at once."""
    require_coordinator(actor)
    meeting = Meeting(created_by=actor)
    _apply(meeting, MEETING_FIELDS, data)
    participants = list(data.get("participants") or [])
    _validate_meeting(meeting)
    _check_organisations(participants, "participants")
    meeting.save()
    meeting.participants.set(participants)
    if invite and participants:
        invite_participants(meeting, actor=actor)
    return meeting


@transaction.atomic
def update_meeting(meeting: Meeting, *, actor: User, data: dict) -> Meeting:
    """Edit a meeting (coordinators): details, minutes, participants."""
    require_coordinator(actor)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    changed = _apply(meeting, MEETING_FIELDS, data)
    _validate_meeting(meeting)
    if "participants" in data:
        participants = list(data["participants"] or [])
        current = set(meeting.participants.values_list("pk", flat=True))
        _check_organisations(
            [org for org in participants if org.pk not in current], "participants"
        )
        meeting.participants.set(participants)
    if changed:
        meeting.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    return meeting


def meeting_context(meeting: Meeting) -> dict[str, Any]:
    """Parameters of an invitation's text (rendered in each reader's language)."""
    return {
        "meeting_title": meeting.title,
        "starts_at": meeting.starts_at.isoformat(),
        "place": meeting.place,
        "online_url": meeting.online_url,
        "ics_path": reverse("dialogue:meeting_ics", args=[meeting.pk]),
    }


@transaction.atomic
def invite_participants(meeting: Meeting, *, actor: User) -> int:
    """Notify the participants not yet invited (their members, and the observers of
    public bodies), with a link to the meeting's calendar file; returns how many
    organisations were invited."""
    require_coordinator(actor)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    participations = list(
        meeting.participations.filter(invited_at__isnull=True).select_related(
            "organisation"
        )
    )
    if not participations:
        raise Conflict(
            _("Every participating organisation has already been invited.")
            if meeting.participations.exists()
            else _("Add participating organisations before sending invitations.")
        )
    organisations = [p.organisation for p in participations]
    queue_notification(
        meeting,
        kind=Notification.Kind.MEETING_INVITATION,
        to=[*organisations, *_observers_of(organisations)],
        actor=actor,
        context=meeting_context(meeting),
        event=MEETING_INVITED_EVENT,
    )
    Participation.objects.filter(pk__in=[p.pk for p in participations]).update(
        invited_at=timezone.now(), updated_at=timezone.now()
    )
    return len(participations)


@transaction.atomic
def record_attendance(
    meeting: Meeting, *, actor: User, present: Iterable[Organisation]
) -> Meeting:
    """Record which participating organisations attended (coordinators); the others
    are recorded absent."""
    require_coordinator(actor)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    present_ids = {org.pk for org in present}
    participant_ids = set(
        meeting.participations.values_list("organisation_id", flat=True)
    )
    if present_ids - participant_ids:
        raise ValidationError(
            {"present": _("Only participating organisations can be marked present.")}
        )
    now = timezone.now()
    meeting.participations.filter(organisation_id__in=present_ids).update(
        present=True, updated_at=now
    )
    meeting.participations.exclude(organisation_id__in=present_ids).update(
        present=False, updated_at=now
    )
    return meeting


# ---------------------------------------------------------------------------
# Recommendations
# ---------------------------------------------------------------------------
def is_valid_evidence(link: str) -> bool:
    """An evidence link is an http(s) address or a page of this site ("/…")."""
    link = link.strip()
    if link.startswith("/") and not link.startswith("//"):
        return True
    return link.lower().startswith(("http://", "https://")) and len(link) > 8


def _validate_recommendation(
    recommendation: Recommendation, addressees: list[Organisation]
) -> None:
    errors: dict[str, str] = {}
    text = (recommendation.text or "").strip()
    if not text:
        errors["text"] = _("Write the recommendation.")
    elif len(text) > RECOMMENDATION_MAX_LENGTH:
        errors["text"] = _("Keep it under %(max)d characters.") % {
            "max": RECOMMENDATION_MAX_LENGTH
        }
    if recommendation.theme not in Recommendation.Theme.values:
        errors["theme"] = _("Choose one of the themes.")
    unknown = set(recommendation.dimensions) - set(Recommendation.Dimension.values)
    if unknown:
        errors["dimensions"] = _("Unknown dimension: %(names)s.") % {
            "names": ", ".join(sorted(unknown))
        }
    meeting = recommendation.meeting
    if (
        meeting is not None
        and recommendation.due_date is not None
        and recommendation.due_date < meeting.starts_on
    ):
        errors["due_date"] = _(
            "The due date cannot be before the meeting (%(date)s)."
        ) % {"date": meeting.starts_on.isoformat()}
    bad_links = [
        link for link in recommendation.evidence if not is_valid_evidence(link)
    ]
    if bad_links:
        errors["evidence"] = _(
            "Evidence links must start with https:// or http://, or be a page of "
            "Tansiq (starting with /): %(links)s"
        ) % {"links": ", ".join(bad_links)}
    if recommendation.owner is not None and not recommendation.owner.is_active:
        errors["owner"] = _("This organisation is no longer active.")
    person = recommendation.owner_user
    if person is not None:
        owner = recommendation.owner
        if owner is None:
            errors["owner_user"] = _("Choose the owner organisation of this person.")
        elif not (
            person.memberships.filter(organisation=owner).exists()
            or person.observer_body_id == owner.pk
        ):
            errors["owner_user"] = _(
                "This person does not work for the owner organisation."
            )
    if errors:
        raise ValidationError(errors)
    _check_organisations(addressees, "addressed_to")


def _follow_up_recipients(recommendation: Recommendation, addressees) -> list:
    """Who hears about a recommendation: the owner organisation, the person in charge,
    the addressees' members and the observers of addressed public bodies."""
    organisations = [*addressees]
    if recommendation.owner is not None:
        organisations.insert(0, recommendation.owner)
    people = _observers_of(organisations)
    if recommendation.owner_user is not None:
        people.append(recommendation.owner_user)
    return [*organisations, *people]


def _recommendation_context(recommendation: Recommendation, **extra) -> dict:
    return {
        "recommendation_code": recommendation.code,
        "excerpt": Truncator(recommendation.text).chars(160),
        "status": recommendation.status,
        "due_date": recommendation.due_date.isoformat()
        if recommendation.due_date
        else "",
        **extra,
    }


def _check_version(recommendation: Recommendation, version: int | None) -> None:
    if version is not None and version != recommendation.version:
        raise PreconditionFailed


def _check_transition(recommendation: Recommendation, status: str) -> None:
    if status not in Recommendation.Status.values:
        raise ValidationError({"status": _("Choose one of the statuses.")})
    if status == recommendation.status:
        raise Conflict(_("The recommendation already has this status."))
    if status not in Recommendation.TRANSITIONS[recommendation.status]:
        raise Conflict(
            _("A recommendation cannot go from “%(from)s” to “%(to)s”.")
            % {
                "from": recommendation.get_status_display(),
                "to": Recommendation.Status(status).label,
            }
        )


@transaction.atomic
def create_recommendation(*, actor: User, data: dict) -> Recommendation:
    """Record a recommendation (coordinators), e.g. from a meeting's minutes; its
    owner and addressees are notified."""
    require_coordinator(actor)
    recommendation = Recommendation(created_by=actor)
    _apply(recommendation, RECOMMENDATION_FIELDS, data)
    if data.get("status"):
        if data["status"] not in Recommendation.Status.values:
            raise ValidationError({"status": _("Choose one of the statuses.")})
        recommendation.status = data["status"]
    recommendation.text = (recommendation.text or "").strip()
    addressees = list(data.get("addressed_to") or [])
    _validate_recommendation(recommendation, addressees)
    recommendation.save()
    recommendation.addressed_to.set(addressees)
    recipients = _follow_up_recipients(recommendation, addressees)
    if recipients:
        queue_notification(
            recommendation,
            kind=Notification.Kind.RECOMMENDATION_ASSIGNED,
            to=recipients,
            actor=actor,
            context=_recommendation_context(recommendation),
        )
    return recommendation


@transaction.atomic
def update_recommendation(
    recommendation: Recommendation,
    *,
    actor: User,
    data: dict,
    version: int | None = None,
) -> Recommendation:
    """Edit a recommendation (coordinators). With `version`, refuse (412) if someone
    saved it since; a status change follows the allowed transitions (409). Newly
    assigned owners and addressees are told; a status change is told to all."""
    require_coordinator(actor)
    recommendation = (
        Recommendation.objects.select_for_update(of=("self",))
        .select_related("meeting", "owner", "owner_user")
        .get(pk=recommendation.pk)
    )
    _check_version(recommendation, version)
    before_owner, before_person = recommendation.owner_id, recommendation.owner_user_id
    before_addressees = list(recommendation.addressed_to.all())
    changed = _apply(recommendation, RECOMMENDATION_FIELDS, data)
    recommendation.text = (recommendation.text or "").strip()
    status_from = recommendation.status
    new_status = data.get("status")
    if new_status and new_status != status_from:
        _check_transition(recommendation, new_status)
        recommendation.status = new_status
        changed.append("status")
    addressees = (
        list(data["addressed_to"] or [])
        if "addressed_to" in data
        else before_addressees
    )
    _validate_recommendation(recommendation, addressees)
    now = timezone.now()
    recommendation.version += 1
    recommendation.last_activity_at = now
    recommendation.save(
        update_fields=[
            *dict.fromkeys(changed),
            "version",
            "last_activity_at",
            "updated_at",
        ]
    )
    if "addressed_to" in data:
        recommendation.addressed_to.set(addressees)
    if "status" in changed:
        RecommendationUpdate.objects.create(
            recommendation=recommendation,
            status_from=status_from,
            status_to=recommendation.status,
            author=actor,
            organisation=actor.acting_organisation,
        )
    # Tell whoever is newly in charge; a status change is news for everyone else.
    known = {org.pk for org in before_addressees}
    new_orgs = [org for org in addressees if org.pk not in known]
    if recommendation.owner is not None and recommendation.owner_id != before_owner:
        new_orgs.insert(0, recommendation.owner)
    new_people = _observers_of([org for org in addressees if org.pk not in known])
    if (
        recommendation.owner_user is not None
        and recommendation.owner_user_id != before_person
    ):
        new_people.append(recommendation.owner_user)
    if new_orgs or new_people:
        queue_notification(
            recommendation,
            kind=Notification.Kind.RECOMMENDATION_ASSIGNED,
            to=[*new_orgs, *new_people],
            actor=actor,
            context=_recommendation_context(recommendation),
        )
    if "status" in changed:
        _notify_updated(
            recommendation, actor=actor, addressees=addressees, status_from=status_from
        )
    return recommendation


def can_follow_up(actor: User, recommendation: Recommendation) -> bool:
    """Coordinators, the owner (its members, the person in charge) and the addressees
    (their members; observers of an addressed public body) update a recommendation."""
    if not actor.is_authenticated:
        return False
    if actor.is_coordinator or recommendation.owner_user_id == actor.pk:
        return True
    addressee_ids = {org.pk for org in recommendation.addressed_to.all()}
    if actor.is_observer:
        body = actor.observer_body_id
        return body is not None and (
            body in addressee_ids or body == recommendation.owner_id
        )
    acting = actor.acting_organisation
    if acting is None:
        return False
    return acting.pk == recommendation.owner_id or acting.pk in addressee_ids


def _require_follow_up(actor: User, recommendation: Recommendation) -> None:
    if not can_follow_up(actor, recommendation):
        raise PermissionDenied(
            _(
                "Only coordinators, the owner and the organisations a recommendation "
                "is addressed to may update it."
            )
        )


def _notify_updated(
    recommendation: Recommendation,
    *,
    actor: User | None,
    addressees,
    status_from: str = "",
    progress: str = "",
    reminder: str = "",
) -> None:
    recipients = _follow_up_recipients(recommendation, addressees)
    if not recipients:
        return
    queue_notification(
        recommendation,
        kind=Notification.Kind.RECOMMENDATION_UPDATED,
        to=recipients,
        actor=actor,
        context=_recommendation_context(
            recommendation,
            status_from=status_from,
            progress=Truncator(progress).chars(300),
            reminder=reminder,
        ),
    )


@transaction.atomic
def change_recommendation_status(
    recommendation: Recommendation,
    *,
    actor: User,
    status: str,
    text: str = "",
    version: int | None = None,
) -> Recommendation:
    """Move a recommendation along its allowed transitions (coordinators, owner,
    addressees), recording a dated update; the others concerned are told."""
    if status == recommendation.status:
        raise Conflict(_("The recommendation already has this status."))
    update = add_progress_update(
        recommendation, actor=actor, text=text, status=status, version=version
    )
    return update.recommendation


@transaction.atomic
def add_progress_update(
    recommendation: Recommendation,
    *,
    actor: User,
    text: str,
    status: str | None = None,
    version: int | None = None,
) -> RecommendationUpdate:
    """Report progress on a recommendation, optionally changing its status
    (coordinators, owner, addressees); the others concerned are told."""
    recommendation = (
        Recommendation.objects.select_for_update(of=("self",))
        .select_related("meeting", "owner", "owner_user")
        .get(pk=recommendation.pk)
    )
    _require_follow_up(actor, recommendation)
    _check_version(recommendation, version)
    text = (text or "").strip()
    if len(text) > RECOMMENDATION_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _("Keep it under %(max)d characters.")
                % {"max": RECOMMENDATION_MAX_LENGTH}
            }
        )
    status_from = recommendation.status
    changes_status = bool(status) and status != status_from
    if status and not changes_status and not text:
        raise Conflict(_("The recommendation already has this status."))
    if not text and not changes_status:
        raise ValidationError({"text": _("Describe the progress made.")})
    now = timezone.now()
    fields = ["last_activity_at", "updated_at"]
    if changes_status:
        _check_transition(recommendation, status)
        recommendation.status = status
        recommendation.version += 1
        fields += ["status", "version"]
    recommendation.last_activity_at = now
    recommendation.save(update_fields=fields)
    update = RecommendationUpdate.objects.create(
        recommendation=recommendation,
        text=text,
        status_from=status_from if changes_status else "",
        status_to=recommendation.status if changes_status else "",
        author=actor,
        organisation=actor.acting_organisation,
    )
    _notify_updated(
        recommendation,
        actor=actor,
        addressees=list(recommendation.addressed_to.all()),
        status_from=status_from if changes_status else "",
        progress=text,
    )
    return update


def _reminder_days() -> int:
    return getattr(settings, "RECOMMENDATION_REMINDER_DAYS_BEFORE", 7)


def send_recommendation_reminders(*, now: datetime | None = None) -> int:
    """Remind owners and addressees of open recommendations due within the reminder
    window, and of those past their due date: once per milestone and due date (a
    second run, or the next day, sends nothing again). Returns how many were sent."""
    today = timezone.localdate(now or timezone.now())
    due_soon = (
        Recommendation.objects.open()
        .filter(due_date__gte=today, due_date__lte=today + timedelta(_reminder_days()))
        .exclude(reminded_before_for=F("due_date"))
        .values_list("pk", flat=True)
    )
    overdue = (
        Recommendation.objects.overdue(today)
        .exclude(reminded_after_for=F("due_date"))
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in list(due_soon):
        sent += remind_recommendation(pk, milestone="due_soon", today=today)
    for pk in list(overdue):
        sent += remind_recommendation(pk, milestone="overdue", today=today)
    return sent


@transaction.atomic
def remind_recommendation(pk: int, *, milestone: str, today: date) -> int:
    """One reminder (`due_soon` or `overdue`), unless already sent for this due date
    or no longer due; 1 if sent, else 0."""
    recommendation = (
        Recommendation.objects.select_for_update(of=("self",))
        .select_related("owner", "owner_user")
        .filter(pk=pk)
        .first()
    )
    if recommendation is None or not recommendation.is_open:
        return 0
    due = recommendation.due_date
    field = "reminded_before_for" if milestone == "due_soon" else "reminded_after_for"
    if due is None or getattr(recommendation, field) == due:
        return 0
    if milestone == "due_soon" and not (
        today <= due <= today + timedelta(_reminder_days())
    ):
        return 0
    if milestone == "overdue" and not due < today:
        return 0
    setattr(recommendation, field, due)
    recommendation.save(update_fields=[field])
    _notify_updated(
        recommendation,
        actor=None,
        addressees=list(recommendation.addressed_to.all()),
        reminder=milestone,
    )
    return 1


# ---------------------------------------------------------------------------
# Discussions
# ---------------------------------------------------------------------------
def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment before sending it.")})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _(
                    "A comment can have at most %(max)d characters (it has %(count)d)."
                )
                % {"max": COMMENT_MAX_LENGTH, "count": len(body)}
            }
        )
    return body


def _require_participant(actor: User) -> None:
    if not (
        actor.is_coordinator
        or actor.is_observer
        or actor.acting_organisation is not None
    ):
        raise PermissionDenied(
            _(
                "Only members of an organisation, observers and coordinators may comment."
            )
        )


def _target_title(target) -> str:
    if isinstance(target, Recommendation):
        return f"{target.code} — {Truncator(target.text).chars(80)}"
    return target.title


def _notify_mentions(comment: Comment, emails: set[str], *, actor: User) -> None:
    """Tell the people mentioned (by e-mail address) who can see the discussion."""
    if not emails:
        return
    target = comment.target
    User = _user_model()
    people = [
        user
        for user in User.objects.filter(
            email__in=sorted(emails)[:MAX_MENTIONS], is_active=True
        )
        if type(target).objects.visible_to(user).filter(pk=target.pk).exists()
    ]
    if people:
        queue_notification(
            comment,
            kind=Notification.Kind.MENTION,
            to=people,
            actor=actor,
            context={
                "author": actor.display_name,
                "target_title": _target_title(target),
                "excerpt": Truncator(comment.body).chars(300),
            },
        )


@transaction.atomic
def post_comment(target, *, actor: User, body: str) -> Comment:
    """Add a comment to an emergency, a meeting or a recommendation the actor can
    see (otherwise 404); the people it mentions are told."""
    model = type(target)
    name = model._meta.model_name
    if name not in Comment.TARGETS:
        raise ValidationError(
            {"target": _("Comments are for emergencies, meetings and recommendations.")}
        )
    if not model.objects.visible_to(actor).filter(pk=target.pk).exists():
        raise Http404
    _require_participant(actor)
    body = _check_body(body)
    comment = Comment.objects.create(
        author=actor,
        organisation=actor.acting_organisation,
        body=body,
        **{name: target},
    )
    _notify_mentions(comment, comment.mentioned_emails, actor=actor)
    return comment


@transaction.atomic
def edit_comment(comment: Comment, *, actor: User, body: str) -> Comment:
    """Change one's own comment (the previous text stays in the audit trail); people
    newly mentioned are told."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("You may only edit your own comments."))
    if comment.is_deleted or comment.is_hidden:
        raise Conflict(_("A deleted or hidden comment cannot be edited."))
    body = _check_body(body)
    if body == comment.body:
        return comment
    before = comment.mentioned_emails
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at", "updated_at"])
    _notify_mentions(comment, comment.mentioned_emails - before, actor=actor)
    return comment


@transaction.atomic
def delete_comment(comment: Comment, *, actor: User) -> Comment:
    """Delete one's own comment: it shows as deleted; its text stays in the audit."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("You may only delete your own comments."))
    if comment.is_deleted:
        raise Conflict(_("This comment is already deleted."))
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["deleted_at", "updated_at"])
    return comment


@transaction.atomic
def hide_comment(comment: Comment, *, actor: User, reason: str) -> Comment:
    """Hide a comment from the discussion, with a reason everyone sees (coordinators)."""
    require_coordinator(actor)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the comment is hidden.")})
    if len(reason) > 500:
        raise ValidationError(
            {"reason": _("Keep the reason under %(max)d characters.") % {"max": 500}}
        )
    if comment.is_hidden:
        raise Conflict(_("This comment is already hidden."))
    comment.hidden_at = timezone.now()
    comment.hidden_by = actor
    comment.hidden_reason = reason
    comment.save(
        update_fields=["hidden_at", "hidden_by", "hidden_reason", "updated_at"]
    )
    return comment


__all__ = [
    "MENTION_RE",
    "PreconditionFailed",
    "add_progress_update",
    "can_follow_up",
    "change_recommendation_status",
    "create_meeting",
    "create_recommendation",
    "delete_comment",
    "edit_comment",
    "hide_comment",
    "invite_participants",
    "is_valid_evidence",
    "meeting_context",
    "post_comment",
    "record_attendance",
    "remind_recommendation",
    "send_recommendation_reminders",
    "update_meeting",
    "update_recommendation",
]
