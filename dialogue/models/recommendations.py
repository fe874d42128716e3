"""Recommendations, usually from a meeting, and their follow-up: status along the
allowed transitions, dated progress updates, due dates and reminders. Every change is
recorded by pghistory triggers."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.models import TimeStampedModel
from coordination.validators import validate_plausible_date

from .meetings import ORGANISATION, Meeting, Theme

RECOMMENDATION_MAX_LENGTH = 4000


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
    due_date = models.DateField(
        _("due date"), null=True, blank=True, validators=[validate_plausible_date]
    )
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
            models.Index(fields=["updated_at", "id"], name="dialogue_rec_sync_idx"),
            models.Index(
                fields=["due_date"],
                condition=Q(status__in=["proposed", "adopted", "in_progress"]),
                name="coordination_rec_open_due",
            ),
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
