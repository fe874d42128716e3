"""Recommendations: coordinators record them (often from a meeting's minutes) and edit
them; their owner and addressees are told. Following them up is follow_up.py's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import ValidationError
from coordination.permissions import require_coordinator
from coordination.unset import UNSET, Unset, given
from dialogue.models import (
    RECOMMENDATION_MAX_LENGTH,
    Meeting,
    Recommendation,
    RecommendationUpdate,
)
from notifications.models import Notification
from notifications.services import queue_notification

from .audience import inactive_errors, observers_of
from .follow_up import (
    check_transition,
    check_version,
    follow_up_recipients,
    notify_updated,
    recommendation_context,
)

if TYPE_CHECKING:
    from organisations.models import Organisation, User


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
    if errors := inactive_errors(addressees, "addressed_to"):
        raise ValidationError(errors)


@transaction.atomic
def create_recommendation(
    *,
    actor: User,
    text: str,
    meeting: Meeting | None = None,
    theme: str = Recommendation.Theme.OTHER,
    dimensions: Iterable[str] = (),
    addressed_to: Iterable[Organisation] = (),
    owner: Organisation | None = None,
    owner_user: User | None = None,
    due_date: date | None = None,
    status: str = Recommendation.Status.PROPOSED,
    evidence: Iterable[str] = (),
) -> Recommendation:
    """Record a recommendation (coordinators), e.g. from a meeting's minutes; its
    owner and addressees are notified."""
    require_coordinator(actor)
    if status not in Recommendation.Status.values:
        raise ValidationError({"status": _("Choose one of the statuses.")})
    recommendation = Recommendation(
        created_by=actor,
        text=(text or "").strip(),
        meeting=meeting,
        theme=theme,
        dimensions=list(dimensions),
        owner=owner,
        owner_user=owner_user,
        due_date=due_date,
        status=status,
        evidence=list(evidence),
    )
    addressees = list(addressed_to)
    _validate_recommendation(recommendation, addressees)
    recommendation.save()
    recommendation.addressed_to.set(addressees)
    recipients = follow_up_recipients(recommendation, addressees)
    if recipients:
        queue_notification(
            recommendation,
            kind=Notification.Kind.RECOMMENDATION_ASSIGNED,
            to=recipients,
            actor=actor,
            context=recommendation_context(recommendation),
        )
    return recommendation


@transaction.atomic
def update_recommendation(
    recommendation: Recommendation,
    *,
    actor: User,
    version: int | None = None,
    text: str | Unset = UNSET,
    meeting: Meeting | Unset | None = UNSET,
    theme: str | Unset = UNSET,
    dimensions: Iterable[str] | Unset = UNSET,
    addressed_to: Iterable[Organisation] | Unset = UNSET,
    owner: Organisation | Unset | None = UNSET,
    owner_user: User | Unset | None = UNSET,
    due_date: date | Unset | None = UNSET,
    status: str | Unset = UNSET,
    evidence: Iterable[str] | Unset = UNSET,
) -> Recommendation:
    """Edit a recommendation (coordinators): only the fields given change. With
    `version`, refuse (412) if someone saved it since; a status change follows the
    allowed transitions (409). Newly assigned owners and addressees are told; a status
    change is told to all."""
    require_coordinator(actor)
    recommendation = (
        Recommendation.objects.select_for_update(of=("self",))
        .select_related("meeting", "owner", "owner_user")
        .get(pk=recommendation.pk)
    )
    check_version(recommendation, version)
    before_owner, before_person = recommendation.owner_id, recommendation.owner_user_id
    before_addressees = list(recommendation.addressed_to.all())
    changes = given(
        text=text,
        meeting=meeting,
        theme=theme,
        dimensions=dimensions if isinstance(dimensions, Unset) else list(dimensions),
        owner=owner,
        owner_user=owner_user,
        due_date=due_date,
        evidence=evidence if isinstance(evidence, Unset) else list(evidence),
    )
    for name, value in changes.items():
        setattr(recommendation, name, value)
    changed = list(changes)
    recommendation.text = (recommendation.text or "").strip()
    status_from = recommendation.status
    if not isinstance(status, Unset) and status and status != status_from:
        check_transition(recommendation, status)
        recommendation.status = status
        changed.append("status")
    addressees = (
        before_addressees if isinstance(addressed_to, Unset) else list(addressed_to)
    )
    _validate_recommendation(recommendation, addressees)
    recommendation.version += 1
    recommendation.last_activity_at = timezone.now()
    recommendation.save(
        update_fields=[*changed, "version", "last_activity_at", "updated_at"]
    )
    if not isinstance(addressed_to, Unset):
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
    new_people = observers_of([org for org in addressees if org.pk not in known])
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
            context=recommendation_context(recommendation),
        )
    if "status" in changed:
        notify_updated(
            recommendation, actor=actor, addressees=addressees, status_from=status_from
        )
    return recommendation
