"""The answers to a referral: the receiver accepts, declines, completes or assigns it,
the sender cancels it. Each locks the row first, checks who acts and the version seen,
and writes its timeline event and tells the other side in the same transaction.

The receiver's three answers are transitions (`accept_locked`, `decline_locked`,
`complete_locked`) on a locked referral by an `Answerer`: a member acting for the
receiving organisation, or the receiving service through the slip's confirmation link
(no actor; `links.answer_through_link`). Both paths share them: one state machine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, ValidationError
from notifications.models import Notification, WebhookSubscription
from notifications.services.outbox import queue_notification
from referrals.models import Referral, ReferralEvent

from .follow_up import follow_up_delay
from .steps import (
    check_version,
    lock,
    notification_context,
    require_receiver,
    require_sender,
    save_referral,
    touch_beneficiary,
    write_event,
)

if TYPE_CHECKING:
    from organisations.models import Organisation, User

Status = Referral.Status
Kind = Notification.Kind
Event = WebhookSubscription.Event


@dataclass(frozen=True)
class Answerer:
    """Who answers: a member (`actor`, for their acting organisation), or the receiving
    service through the confirmation link (`actor` None, `via_link`, and the receiving
    organisation named on the timeline)."""

    actor: User | None
    organisation: Organisation | None = None
    via_link: bool = False

    @classmethod
    def through_link(cls, referral: Referral) -> Answerer:
        return cls(actor=None, organisation=referral.to_organisation, via_link=True)


def _finish(
    referral: Referral,
    *,
    actor: User | None,
    event: str,
    note: str = "",
    now: datetime,
    notify: tuple[str, str],
    to: Organisation,
    by: Answerer | None = None,
) -> None:
    """What every answer does after its own changes are saved: the timeline event, the
    person's activity, and the other side told (in-app, e-mail, webhooks)."""
    by = by or Answerer(actor)
    write_event(
        referral,
        event,
        actor=actor,
        organisation=by.organisation,
        note=note,
        at=now,
        via_link=by.via_link,
    )
    touch_beneficiary(referral, now)
    kind, webhook_event = notify
    queue_notification(
        referral,
        kind=kind,
        to=to,
        actor=actor,
        # An answer through the slip's link says so (the e-mail, webhooks' data).
        context=notification_context(referral)
        | ({"via_link": True} if by.via_link else {}),
        event=webhook_event,
    )


@transaction.atomic
def accept_referral(
    referral: Referral,
    *,
    actor: User,
    assign_to: User | None = None,
    version: int | None = None,
) -> Referral:
    """The receiver takes the person on; the sender is told."""
    referral = lock(referral)
    require_receiver(actor, referral)
    check_version(referral, version)
    return accept_locked(referral, Answerer(actor), assign_to=assign_to)


def accept_locked(
    referral: Referral, by: Answerer, *, assign_to: User | None = None
) -> Referral:
    """Pending → accepted, on a referral `lock`ed in the caller's transaction."""
    actor = by.actor
    if referral.status != Status.PENDING:
        raise Conflict(_("Only a pending referral can be accepted."))
    if assign_to is not None:
        _require_assignable(assign_to, referral)
    now = timezone.now()
    referral.status = Status.ACCEPTED
    referral.responded_at = now
    # Accepted is not served: the sender is asked at this date (follow_up.py).
    referral.follow_up_at = now + follow_up_delay(referral.priority)
    fields = ["status", "responded_at", "follow_up_at"]
    if assign_to is not None:
        referral.assigned_to = assign_to
        fields.append("assigned_to")
    save_referral(referral, actor, fields)
    _finish(
        referral,
        actor=actor,
        event=ReferralEvent.Kind.ACCEPTED,
        now=now,
        notify=(Kind.REFERRAL_ACCEPTED, Event.REFERRAL_ACCEPTED),
        to=referral.from_organisation,
        by=by,
    )
    if assign_to is not None:
        write_event(
            referral,
            ReferralEvent.Kind.ASSIGNED,
            actor=actor,
            note=assign_to.display_name,
            at=now,
        )
    return referral


@transaction.atomic
def decline_referral(
    referral: Referral,
    *,
    actor: User,
    reason: str,
    version: int | None = None,
) -> Referral:
    """The receiver cannot take the person on, and says why; the sender is told."""
    referral = lock(referral)
    require_receiver(actor, referral)
    check_version(referral, version)
    return decline_locked(referral, Answerer(actor), reason=reason)


def decline_locked(referral: Referral, by: Answerer, *, reason: str) -> Referral:
    """Pending → declined with its reason, on a locked referral."""
    actor = by.actor
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the referral is declined.")]})
    if referral.status != Status.PENDING:
        raise Conflict(_("Only a pending referral can be declined."))
    now = timezone.now()
    referral.status = Status.DECLINED
    referral.decline_reason = reason
    referral.responded_at = referral.closed_at = now
    save_referral(
        referral, actor, ["status", "decline_reason", "responded_at", "closed_at"]
    )
    _finish(
        referral,
        actor=actor,
        event=ReferralEvent.Kind.DECLINED,
        note=reason,
        now=now,
        notify=(Kind.REFERRAL_DECLINED, Event.REFERRAL_DECLINED),
        to=referral.from_organisation,
        by=by,
    )
    return referral


@transaction.atomic
def complete_referral(
    referral: Referral,
    *,
    actor: User,
    outcome: str,
    feedback: str = "",
    version: int | None = None,
) -> Referral:
    """The receiver closes an accepted referral with its outcome (and feedback for the
    referring organisation); the sender is told."""
    referral = lock(referral)
    require_receiver(actor, referral)
    check_version(referral, version)
    return complete_locked(
        referral, Answerer(actor), outcome=outcome, feedback=feedback
    )


def complete_locked(
    referral: Referral, by: Answerer, *, outcome: str, feedback: str = ""
) -> Referral:
    """Accepted → completed with its outcome (and feedback), on a locked referral."""
    actor = by.actor
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": [_("Say what the outcome was.")]})
    if referral.status != Status.ACCEPTED:
        raise Conflict(_("Only an accepted referral can be completed."))
    now = timezone.now()
    referral.status = Status.COMPLETED
    referral.outcome = outcome
    referral.feedback = (feedback or "").strip()
    referral.closed_at = now
    save_referral(referral, actor, ["status", "outcome", "feedback", "closed_at"])
    _finish(
        referral,
        actor=actor,
        event=ReferralEvent.Kind.COMPLETED,
        note=outcome,
        now=now,
        notify=(Kind.REFERRAL_COMPLETED, Event.REFERRAL_COMPLETED),
        to=referral.from_organisation,
        by=by,
    )
    if referral.feedback:
        write_event(
            referral,
            ReferralEvent.Kind.FEEDBACK,
            actor=actor,
            organisation=by.organisation,
            note=referral.feedback,
            at=now,
            via_link=by.via_link,
        )
    return referral


@transaction.atomic
def cancel_referral(
    referral: Referral,
    *,
    actor: User,
    reason: str = "",
    version: int | None = None,
) -> Referral:
    """The sender withdraws an open referral; the receiver is told."""
    referral = lock(referral)
    require_sender(actor, referral)
    check_version(referral, version)
    if referral.status not in Referral.OPEN_STATUSES:
        raise Conflict(_("Only a pending or accepted referral can be cancelled."))
    now = timezone.now()
    referral.status = Status.CANCELLED
    referral.cancel_reason = (reason or "").strip()
    referral.closed_at = now
    save_referral(referral, actor, ["status", "cancel_reason", "closed_at"])
    _finish(
        referral,
        actor=actor,
        event=ReferralEvent.Kind.CANCELLED,
        note=referral.cancel_reason,
        now=now,
        notify=(Kind.REFERRAL_CANCELLED, Event.REFERRAL_CANCELLED),
        to=referral.to_organisation,
    )
    return referral


def _require_assignable(assignee: User, referral: Referral) -> None:
    Membership = apps.get_model("organisations", "Membership")
    if not (
        assignee.is_active
        and Membership.objects.filter(
            user=assignee, organisation_id=referral.to_organisation_id
        ).exists()
    ):
        raise ValidationError(
            {
                "assigned_to": [
                    _("Choose a member of the organisation the referral was sent to.")
                ]
            }
        )


@transaction.atomic
def assign_referral(
    referral: Referral,
    *,
    actor: User,
    assignee: User,
    version: int | None = None,
) -> Referral:
    """The receiver gives an open referral to one of its caseworkers."""
    referral = lock(referral)
    require_receiver(actor, referral)
    check_version(referral, version)
    _require_assignable(assignee, referral)
    if referral.status not in Referral.OPEN_STATUSES:
        raise Conflict(_("Only a pending or accepted referral can be assigned."))
    referral.assigned_to = assignee
    save_referral(referral, actor, ["assigned_to"])
    write_event(
        referral, ReferralEvent.Kind.ASSIGNED, actor=actor, note=assignee.display_name
    )
    return referral
