"""Dialogue: coordination meetings and workshops, the recommendations they make and
their follow-up, and the discussion threads on emergencies, meetings and
recommendations. Every change is recorded by pghistory triggers (the audit trail)."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from coordination.models import TimeStampedModel
from emergencies.models import Emergency

# Organisations and users are named as strings: coordination imports no app.
ORGANISATION = "organisations.Organisation"

COMMENT_MAX_LENGTH = 4000
RECOMMENDATION_MAX_LENGTH = 4000

# Mentions are written "@" + the person's e-mail address (e.g. @leila@example.org):
# unambiguous, typed without any helper, and the same in every script and language.
MENTION_RE = re.compile(
    r"(?<![\w.@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
# Only http(s) links become clickable; anything else stays text.
LINK_RE = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}»"


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
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"), null=True, blank=True)
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


class RecommendationQuerySet(models.QuerySet["Recommendation"]):
    def visible_to(self, user) -> RecommendationQuerySet:
        """Recommendations are shared with every signed-in member, observer and
        coordinator (PRODUCT.md: everyone follows them up)."""
        if not user.is_authenticated:
            return self.none()
        return self

    def open(self) -> RecommendationQuerySet:
        return self.filter(status__in=Recommendation.OPEN_STATUSES)

    def overdue(self, today=None) -> RecommendationQuerySet:
        """Open recommendations whose due date has passed."""
        return self.open().filter(due_date__lt=today or timezone.localdate())


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(
        condition=pghistory.AnyChange(
            exclude=["updated_at", "reminded_before_for", "reminded_after_for"]
        )
    ),
    exclude=["updated_at", "reminded_before_for", "reminded_after_for"],
    meta={"db_table": "coordination_recommendationevent"},
)
class Recommendation(TimeStampedModel):
    """An operational recommendation, usually from a meeting, and its follow-up."""

    Theme = Theme

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ADOPTED = "adopted", _("Adopted")
        IN_PROGRESS = "in_progress", _("In progress")
        IMPLEMENTED = "implemented", _("Implemented")
        DROPPED = "dropped", _("Dropped")

    class Dimension(models.TextChoices):
        HUMAN_SOCIAL = "human_social", _("Human and social")
        TECHNICAL = "technical", _("Technical")
        MEDIA = "media", _("Media")
        LEGAL = "legal", _("Legal")
        ETHICAL = "ethical", _("Ethical")
        ECONOMIC = "economic", _("Economic")
        POLITICAL = "political", _("Political")
        INSTITUTIONAL = "institutional", _("Institutional")

    # Which status may follow which: forward along the path, dropped from any open
    # status, an implemented one reopened, a dropped one proposed again.
    TRANSITIONS: dict[str, frozenset[str]] = {
        Status.PROPOSED: frozenset({Status.ADOPTED, Status.DROPPED}),
        Status.ADOPTED: frozenset(
            {Status.IN_PROGRESS, Status.IMPLEMENTED, Status.DROPPED}
        ),
        Status.IN_PROGRESS: frozenset({Status.IMPLEMENTED, Status.DROPPED}),
        Status.IMPLEMENTED: frozenset({Status.IN_PROGRESS}),
        Status.DROPPED: frozenset({Status.PROPOSED}),
    }
    OPEN_STATUSES = (Status.PROPOSED, Status.ADOPTED, Status.IN_PROGRESS)

    text = models.TextField(_("recommendation"), max_length=RECOMMENDATION_MAX_LENGTH)
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendations",
        verbose_name=_("meeting"),
    )
    theme = models.CharField(
        _("theme"), max_length=40, choices=Theme, default=Theme.OTHER
    )
    dimensions = ArrayField(
        models.CharField(max_length=20, choices=Dimension.choices),
        default=list,
        blank=True,
        verbose_name=_("dimensions"),
    )
    addressed_to = models.ManyToManyField(
        ORGANISATION,
        blank=True,
        related_name="recommendations_addressed",
        verbose_name=_("addressed to"),
    )
    owner = models.ForeignKey(
        ORGANISATION,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendations_owned",
        verbose_name=_("owner"),
        help_text=_("The organisation that follows the recommendation up."),
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="recommendations_owned",
        verbose_name=_("person in charge"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PROPOSED
    )
    evidence = ArrayField(
        models.CharField(max_length=500),
        default=list,
        blank=True,
        verbose_name=_("evidence links"),
    )
    version = models.PositiveIntegerField(default=1)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    # The due date each reminder was sent for: one reminder per milestone and due date.
    reminded_before_for = models.DateField(null=True, blank=True, editable=False)
    reminded_after_for = models.DateField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        db_table = (
            "coordination_recommendation"  # kept when the model left coordination
        )
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(
                fields=["due_date"],
                condition=Q(status__in=["proposed", "adopted", "in_progress"]),
                name="coordination_rec_open_due",
            )
        ]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")

    def __str__(self) -> str:
        return f"recommendation-{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("dialogue:recommendation_detail", args=[self.pk])

    @property
    def code(self) -> str:
        return f"R-{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return (
            self.is_open
            and self.due_date is not None
            and self.due_date < timezone.localdate()
        )

    @property
    def dimension_labels(self) -> list[str]:
        labels = dict(self.Dimension.choices)
        return [str(labels.get(d, d)) for d in self.dimensions]

    def allowed_statuses(self) -> list[str]:
        return sorted(
            self.TRANSITIONS.get(self.status, ()),
            key=list(self.Status.values).index,
        )


@pghistory.track(
    pghistory.InsertEvent(),
    exclude=["updated_at"],
    meta={"db_table": "coordination_recommendationupdateevent"},
)
class RecommendationUpdate(TimeStampedModel):
    """A dated progress report on a recommendation, with the status change if any."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.PROTECT, related_name="updates"
    )
    text = models.TextField(
        _("progress"), max_length=RECOMMENDATION_MAX_LENGTH, blank=True
    )
    status_from = models.CharField(
        max_length=20, choices=Recommendation.Status.choices, blank=True
    )
    status_to = models.CharField(
        max_length=20, choices=Recommendation.Status.choices, blank=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        ORGANISATION,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation the author acted for.",
    )

    class Meta:
        db_table = (
            "coordination_recommendationupdate"  # kept when the model left coordination
        )
        ordering = ["-created_at", "-id"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")

    def __str__(self) -> str:
        return f"recommendation-{self.recommendation_id}-update-{self.pk}"


class CommentQuerySet(models.QuerySet["Comment"]):
    def visible_to(self, user) -> CommentQuerySet:
        """Comments on what the user may see: emergencies, meetings and recommendations
        are shared with every signed-in member, observer and coordinator."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            Q(emergency__in=Emergency.objects.visible_to(user))
            | Q(meeting__in=Meeting.objects.visible_to(user))
            | Q(recommendation__in=Recommendation.objects.visible_to(user))
        )


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    exclude=["updated_at"],
    meta={"db_table": "coordination_commentevent"},
)
class Comment(TimeStampedModel):
    """A message in the discussion of an emergency, a meeting or a recommendation.
    Edits keep the previous text in the audit trail; deleting only marks it deleted."""

    TARGETS = ("emergency", "meeting", "recommendation")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    organisation = models.ForeignKey(
        ORGANISATION,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The organisation the author acted for.",
    )
    emergency = models.ForeignKey(
        Emergency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
    )
    meeting = models.ForeignKey(
        Meeting,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
    )
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
    )
    body = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted"), null=True, blank=True)
    hidden_at = models.DateTimeField(_("hidden"), null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    hidden_reason = models.CharField(_("reason"), max_length=500, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        db_table = "coordination_comment"  # kept when the model left coordination
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        emergency__isnull=False,
                        meeting__isnull=True,
                        recommendation__isnull=True,
                    )
                    | Q(
                        emergency__isnull=True,
                        meeting__isnull=False,
                        recommendation__isnull=True,
                    )
                    | Q(
                        emergency__isnull=True,
                        meeting__isnull=True,
                        recommendation__isnull=False,
                    )
                ),
                name="coordination_comment_exactly_one_target",
            )
        ]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"comment-{self.pk}"

    def get_absolute_url(self) -> str:
        target = self.target
        return f"{target.get_absolute_url()}#comment-{self.pk}"

    @property
    def target(self) -> Emergency | Meeting | Recommendation:
        return self.emergency or self.meeting or self.recommendation

    @property
    def target_name(self) -> str:
        return next(name for name in self.TARGETS if getattr(self, f"{name}_id"))

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def mentioned_emails(self) -> set[str]:
        return {email.lower() for email in MENTION_RE.findall(self.body)}

    @property
    def body_html(self) -> SafeString:
        """The text escaped, with http(s) links clickable (nofollow, new tab without
        opener) and mentions marked; line breaks kept."""
        return render_text(self.body)


def _link(match: re.Match) -> str:
    url = match.group(0)
    trailing = ""
    while url and url[-1] in _TRAILING:
        trailing = url[-1] + trailing
        url = url[:-1]
    return (
        f'<a href="{escape(url)}" rel="nofollow noopener noreferrer" '
        f'target="_blank">{escape(url)}</a>{escape(trailing)}'
    )


def render_text(text: str) -> SafeString:
    """Escape user text; make http(s) links clickable and mentions visible."""
    pieces: list[str] = []
    position = 0
    pattern = re.compile(f"{LINK_RE.pattern}|{MENTION_RE.pattern}", re.IGNORECASE)
    for match in pattern.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        if match.group(0).startswith("@"):
            pieces.append(f'<span class="mention">{escape(match.group(0))}</span>')
        else:
            pieces.append(_link(match))
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces).replace("\n", "<br>"))  # pieces escaped above
