"""Meetings and workshops: coordinators record and edit them, invite the participating
organisations (their members and the observers of public bodies, with the calendar
file) and record who attended."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, ValidationError
from coordination.permissions import require_coordinator
from coordination.unset import UNSET, Unset, given
from dialogue.models import Meeting, Participation
from notifications.models import Notification, WebhookSubscription
from notifications.services import queue_notification

from .audience import inactive_errors, observers_of

if TYPE_CHECKING:
    from organisations.models import Organisation, User

MEETING_INVITED_EVENT = WebhookSubscription.Event.MEETING_INVITED


def _meeting_errors(meeting: Meeting) -> dict[str, str]:
    """Everything wrong with a meeting about to be saved, by field."""
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
    return errors


@transaction.atomic
def create_meeting(
    *,
    actor: User,
    title: str,
    starts_at: datetime,
    kind: str = Meeting.Kind.MEETING,
    ends_at: datetime | None = None,
    place: str = "",
    online_url: str = "",
    organiser: Organisation | None = None,
    themes: Iterable[str] = (),
    agenda: str = "",
    minutes: str = "",
    participants: Iterable[Organisation] = (),
    invite: bool = False,
) -> Meeting:
    """Record a meeting or workshop (coordinators); with `invite`, notify its
    participants at once."""
    require_coordinator(actor)
    meeting = Meeting(
        created_by=actor,
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_url=online_url,
        organiser=organiser,
        themes=list(themes),
        agenda=agenda,
        minutes=minutes,
    )
    participants = list(participants)
    errors = _meeting_errors(meeting)
    errors.update(inactive_errors(participants, "participants"))
    if errors:
        raise ValidationError(errors)
    meeting.save()
    meeting.participants.set(participants)
    if invite and participants:
        invite_participants(meeting, actor=actor)
    return meeting


@transaction.atomic
def update_meeting(
    meeting: Meeting,
    *,
    actor: User,
    title: str | Unset = UNSET,
    starts_at: datetime | Unset = UNSET,
    kind: str | Unset = UNSET,
    ends_at: datetime | Unset | None = UNSET,
    place: str | Unset = UNSET,
    online_url: str | Unset = UNSET,
    organiser: Organisation | Unset | None = UNSET,
    themes: Iterable[str] | Unset = UNSET,
    agenda: str | Unset = UNSET,
    minutes: str | Unset = UNSET,
    participants: Iterable[Organisation] | Unset = UNSET,
) -> Meeting:
    """Edit a meeting (coordinators): details, minutes, participants; only the fields
    given change."""
    require_coordinator(actor)
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    changes = given(
        title=title,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place,
        online_url=online_url,
        organiser=organiser,
        themes=themes if isinstance(themes, Unset) else list(themes),
        agenda=agenda,
        minutes=minutes,
    )
    for name, value in changes.items():
        setattr(meeting, name, value)
    errors = _meeting_errors(meeting)
    if not isinstance(participants, Unset):
        participants = list(participants)
        current = set(meeting.participants.values_list("pk", flat=True))
        # Organisations already taking part stay, even if deactivated since.
        newcomers = [org for org in participants if org.pk not in current]
        errors.update(inactive_errors(newcomers, "participants"))
    if errors:
        raise ValidationError(errors)
    if not isinstance(participants, Unset):
        meeting.participants.set(participants)
    if changes:
        meeting.save(update_fields=[*changes, "updated_at"])
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
        to=[*organisations, *observers_of(organisations)],
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
