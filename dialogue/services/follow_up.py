"""Following recommendations up: who may (coordinators, the owner and the addressees),
status changes along Recommendation.TRANSITIONS, dated progress updates, and the
reminders before and after a due date; everyone concerned is told."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.exceptions import PreconditionFailed as BasePreconditionFailed
from dialogue.models import (
    RECOMMENDATION_MAX_LENGTH,
    Recommendation,
    RecommendationUpdate,
)
from notifications.models import Notification
from notifications.services import queue_notification

from .audience import observers_of

if TYPE_CHECKING:
    from organisations.models import Organisation, User


class PreconditionFailed(BasePreconditionFailed):
    """Someone saved the recommendation after the version the caller edited (412)."""

    default_message = gettext_lazy(
        "Someone else saved this recommendation after you opened it. Reload it to see "
        "their changes, then make yours again."
    )


def check_version(recommendation: Recommendation, version: int | None) -> None:
    """With a version, the caller edited the one saved last (else 412)."""
    if version is not None and version != recommendation.version:
        raise PreconditionFailed


def check_transition(recommendation: Recommendation, status: str) -> None:
    """A new status follows Recommendation.TRANSITIONS (else 409)."""
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


def require_follow_up(actor: User, recommendation: Recommendation) -> None:
    """Refuse (403) whoever may not update the recommendation (see can_follow_up)."""
    if not can_follow_up(actor, recommendation):
        raise PermissionDenied(
            _(
                "Only coordinators, the owner and the organisations a recommendation "
                "is addressed to may update it."
            )
        )


def follow_up_recipients(
    recommendation: Recommendation, addressees: Iterable[Organisation]
) -> list[Organisation | User]:
    """Who hears about a recommendation: the owner organisation, the person in charge,
    the addressees' members and the observers of addressed public bodies."""
    organisations = [*addressees]
    if recommendation.owner is not None:
        organisations.insert(0, recommendation.owner)
    people = observers_of(organisations)
    if recommendation.owner_user is not None:
        people.append(recommendation.owner_user)
    return [*organisations, *people]


def recommendation_context(
    recommendation: Recommendation, **extra: str
) -> dict[str, Any]:
    """Parameters of the texts telling people about a recommendation."""
    return {
        "recommendation_code": recommendation.code,
        "excerpt": Truncator(recommendation.text).chars(160),
        "status": recommendation.status,
        "due_date": recommendation.due_date.isoformat()
        if recommendation.due_date
        else "",
        **extra,
    }


def notify_updated(
    recommendation: Recommendation,
    *,
    actor: User | None,
    addressees: Iterable[Organisation],
    status_from: str = "",
    progress: str = "",
    reminder: str = "",
) -> None:
    """Tell everyone concerned of a status change, progress or a reminder."""
    recipients = follow_up_recipients(recommendation, addressees)
    if not recipients:
        return
    queue_notification(
        recommendation,
        kind=Notification.Kind.RECOMMENDATION_UPDATED,
        to=recipients,
        actor=actor,
        context=recommendation_context(
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
    require_follow_up(actor, recommendation)
    check_version(recommendation, version)
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
        check_transition(recommendation, status)
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
    notify_updated(
        recommendation,
        actor=actor,
        addressees=list(recommendation.addressed_to.all()),
        status_from=status_from if changes_status else "",
        progress=text,
    )
    return update


# ---------------------------------------------------------------------------
# Reminders
# ---------------------------------------------------------------------------
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
    notify_updated(
        recommendation,
        actor=None,
        addressees=list(recommendation.addressed_to.all()),
        reminder=milestone,
    )
    return 1
