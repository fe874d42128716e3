"""Coordination meetings and workshops: their agenda, minutes, participants (invited,
present) and calendar file. Every change is recorded by pghistory triggers."""

from __future__ import annotations

from datetime import UTC, timedelta

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.models import TimeStampedModel
from coordination.validators import validate_plausible_date

ORGANISATION = "organisations.Organisation"  # a lazy reference, as for users


class Theme(models.TextChoices):
    """The four themes of the December 2022 workshop, and any other."""

    PREPAREDNESS_RESPONSE = "preparedness_response", _("Preparedness and response")
    PUBLIC_ACTORS_COORDINATION = (
        "public_actors_coordination",
        _("Coordination between public actors"),
    )
    SERVICES_COORDINATION = "services_coordination", _("Coordination between services")
    REFERRAL_IDENTIFICATION = (
        "referral_identification",
        _("Referral and identification of beneficiaries"),
    )
    OTHER = "other", _("Other")


class MeetingQuerySet(models.QuerySet["Meeting"]):
    def visible_to(self, user) -> MeetingQuerySet:
        """Meetings are shared with every signed-in member, observer and coordinator."""
        if not user.is_authenticated:
            return self.none()
        return self

    def upcoming(self, now=None) -> MeetingQuerySet:
        return self.filter(starts_at__gte=now or timezone.now())


def _ics_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 §3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _ics_fold(line: str) -> str:
    """Fold a content line at 75 octets without splitting a UTF-8 character."""
    out, current = [], b""
    for char in line:
        encoded = char.encode()
        if len(current) + len(encoded) > (75 if not out else 74):
            out.append(current)
            current = b""
        current += encoded
    out.append(current)
    return "\r\n ".join(part.decode() for part in out)


def _meeting_ics(meeting: Meeting) -> str:
    """The meeting as an iCalendar (RFC 5545) event, times in UTC."""

    def utc(moment) -> str:
        return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    site = settings.SITE_URL.rstrip("/")
    host = site.split("://", 1)[-1].split("/", 1)[0] or "tansiq"
    ends = meeting.ends_at or meeting.starts_at + timedelta(hours=2)
    description = meeting.agenda
    if meeting.online_url:
        description = f"{meeting.online_url}\n\n{description}".strip()
    location = meeting.place or meeting.online_url
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tansiq//Dialogue//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{host}",
        f"DTSTAMP:{utc(meeting.updated_at)}",
        f"DTSTART:{utc(meeting.starts_at)}",
        f"DTEND:{utc(ends)}",
        f"SUMMARY:{_ics_text(meeting.title)}",
        f"URL:{site}{meeting.get_absolute_url()}",
    ]
    if location:
        lines.append(f"LOCATION:{_ics_text(location)}")
    if description:
        lines.append(f"DESCRIPTION:{_ics_text(description)}")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "".join(_ics_fold(line) + "\r\n" for line in lines)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    exclude=["updated_at"],
    meta={"db_table": "coordination_meetingevent"},
)
class Meeting(TimeStampedModel):
    """A coordination meeting or workshop, with its agenda, minutes and participants."""

    Theme = Theme

    class Kind(models.TextChoices):
        MEETING = "meeting", _("Coordination meeting")
        WORKSHOP = "workshop", _("Workshop")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.MEETING
    )
    starts_at = models.DateTimeField(
        _("starts at"), validators=[validate_plausible_date]
    )
    ends_at = models.DateTimeField(
        _("ends at"), null=True, blank=True, validators=[validate_plausible_date]
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    organiser = models.ForeignKey(
        ORGANISATION,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organised_meetings",
        verbose_name=_("organiser"),
    )
    participants = models.ManyToManyField(
        ORGANISATION,
        through="Participation",
        blank=True,
        related_name="meetings",
        verbose_name=_("participating organisations and public bodies"),
    )
    themes = ArrayField(
        models.CharField(max_length=40, choices=Theme),
        default=list,
        blank=True,
        verbose_name=_("themes"),
    )
    agenda = models.TextField(_("agenda"), max_length=10000, blank=True)
    minutes = models.TextField(_("minutes"), max_length=50000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        db_table = "coordination_meeting"  # kept when the model left coordination
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="coordination_meeting_ends_after_start",
            )
        ]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return f"meeting-{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("dialogue:meeting_detail", args=[self.pk])

    def to_ics(self) -> str:
        """The meeting as an iCalendar (RFC 5545) event, for calendars."""
        return _meeting_ics(self)

    def email_attachments(self) -> list[tuple[str, str, str]]:
        """Files the notification e-mails about this meeting carry (its .ics)."""
        return [(f"tansiq-meeting-{self.pk}.ics", self.to_ics(), "text/calendar")]

    @property
    def theme_labels(self) -> list[str]:
        labels = dict(Theme.choices)
        return [str(labels.get(theme, theme)) for theme in self.themes]

    @property
    def starts_on(self):
        """The local date the meeting starts (due dates may not be before it)."""
        return timezone.localtime(self.starts_at).date()


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["updated_at"],
    meta={"db_table": "coordination_participationevent"},
)
class Participation(TimeStampedModel):
    """An organisation or public body taking part in a meeting: invited, and present."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="participations"
    )
    organisation = models.ForeignKey(
        ORGANISATION,
        on_delete=models.PROTECT,
        related_name="participations",
        verbose_name=_("organisation"),
    )
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)
    # None until a coordinator records attendance.
    present = models.BooleanField(_("present"), null=True, blank=True)

    class Meta:
        db_table = "coordination_participation"  # kept when the model left coordination
        ordering = ["meeting_id", "organisation__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "organisation"],
                name="coordination_participation_unique",
            )
        ]
        verbose_name = _("participation")
        verbose_name_plural = _("participations")

    def __str__(self) -> str:
        return f"meeting-{self.meeting_id}-participant-{self.organisation_id}"
