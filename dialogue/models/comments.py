"""Discussion threads on emergencies, meetings and recommendations: comments, their
mentions and links. Edits keep the previous text in the audit trail (pghistory)."""

from __future__ import annotations

import re

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from coordination.models import TimeStampedModel
from emergencies.models import Emergency

from .meetings import ORGANISATION, Meeting
from .recommendations import Recommendation

COMMENT_MAX_LENGTH = 4000

# Mentions are written "@" + the person's e-mail address (e.g. @leila@example.org):
# unambiguous, typed without any helper, and the same in every script and language.
MENTION_RE = re.compile(
    r"(?<![\w.@])@([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
# Only http(s) links become clickable; anything else stays text.
LINK_RE = re.compile(r"\bhttps?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}»"


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

    @classmethod
    def target_model(
        cls, name: str
    ) -> type[Emergency | Meeting | Recommendation] | None:
        """The model of a target named as in TARGETS; None for any other name."""
        if name not in cls.TARGETS:
            return None
        return cls._meta.get_field(name).related_model

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
