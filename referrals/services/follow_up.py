"""Follow-through (issue 16): accepted is not served. An accepted referral gets a
follow-up date by priority; on that date (periodic task) the sender is asked whether the
person was served and the receiver reminded to complete it (once each); the sender
answers yes / not yet / no; and the person's own feedback, typed with the code on their
slip, is linked to the referral for its sender and receiver only.

Notifications say codes and organisation names, never the sender's note nor the
person's words."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, ValidationError
from notifications.models import Notification
from notifications.services.outbox import queue_notification
from referrals.models import Referral, ReferralEvent, ReferralFeedback

from .steps import (
    check_version,
    in_locked_batches,
    lock,
    notification_context,
    require_sender,
    save_referral,
    write_event,
)

if TYPE_CHECKING:
    from organisations.models import User

Status = Referral.Status
Served = Referral.Served
KIND = Notification.Kind.REFERRAL_FOLLOW_UP
# PRODUCT.md "Follow-through"; REFERRAL_FOLLOW_UP_DAYS overrides any of them.
FOLLOW_UP_DAYS = {"emergency": 3, "urgent": 7, "normal": 30}
# The sender may say whether the person was served once the receiver took them on.
ANSWERABLE_STATUSES = (Status.ACCEPTED, Status.COMPLETED)


def follow_up_delay(priority: str) -> timedelta:
    """How long after acceptance (or a "not yet") the sender is asked."""
    days = {**FOLLOW_UP_DAYS, **getattr(settings, "REFERRAL_FOLLOW_UP_DAYS", {})}
    return timedelta(days=days.get(priority, FOLLOW_UP_DAYS["normal"]))


def _context(referral: Referral, step: str, **extra) -> dict:
    return {**notification_context(referral), "step": step, **extra}


def ask_due_follow_ups(*, now: datetime | None = None, batch_size: int = 200) -> int:
    """On the follow-up date: ask the sender "was the person served?" and remind the
    receiver to complete the referral (once per follow-up date; a "not yet" sets the
    next one). Returns how many were asked. Safe to run concurrently (skip locked)."""
    now = now or timezone.now()

    def ask(referral: Referral) -> None:
        referral.follow_up_asked_at = now
        referral.save(update_fields=["follow_up_asked_at", "updated_at"])
        write_event(
            referral,
            ReferralEvent.Kind.FOLLOW_UP_DUE,
            actor=None,
            organisation=referral.from_organisation,
            at=now,
        )
        queue_notification(
            referral,
            kind=KIND,
            to=referral.from_organisation,
            context=_context(referral, "ask"),
        )
        queue_notification(
            referral,
            kind=KIND,
            to=referral.to_organisation,
            context=_context(referral, "remind"),
        )

    return in_locked_batches(
        Referral.objects.follow_up_due(now),
        order=("follow_up_at", "pk"),
        batch_size=batch_size,
        handle=ask,
    )


@transaction.atomic
def answer_follow_up(
    referral: Referral,
    *,
    actor: User,
    served: str,
    note: str = "",
    version: int | None = None,
) -> Referral:
    """The sender says whether the person was served. "yes" does not complete the
    referral (only the receiver does, with an outcome); "not yet" asks again after the
    same delay; "no" needs why. The receiver is told (not the note)."""
    referral = lock(referral)
    require_sender(actor, referral)
    check_version(referral, version)
    note = (note or "").strip()
    if served not in Served.values:
        raise ValidationError({"served": [_("Choose yes, not yet or no.")]})
    if served == Served.NO and not note:
        raise ValidationError({"note": [_("Say why the person was not served.")]})
    if referral.status not in ANSWERABLE_STATUSES:
        raise Conflict(_("Only an accepted or completed referral can be followed up."))
    now = timezone.now()
    referral.served = served
    referral.served_note = note
    referral.served_answered_at = now
    fields = ["served", "served_note", "served_answered_at"]
    if served == Served.NOT_YET:
        referral.follow_up_at = now + follow_up_delay(referral.priority)
        referral.follow_up_asked_at = None
        fields += ["follow_up_at", "follow_up_asked_at"]
    save_referral(referral, actor, fields)
    write_event(referral, ReferralEvent.Kind.FOLLOW_UP, actor=actor, note=note, at=now)
    queue_notification(
        referral,
        kind=KIND,
        to=referral.to_organisation,
        actor=actor,
        context=_context(referral, "answered", served=served),
    )
    return referral


def normalise_referral_code(value: str) -> str:
    """A code as people type it from a slip: any case, spaces, with or without REF-."""
    code = "".join((value or "").split()).upper().replace("_", "-")
    if not code.startswith("REF-"):
        code = "REF-" + code.removeprefix("REF")
    return code


@transaction.atomic
def record_person_feedback(
    code: str, *, kind: str = "", text: str, language: str = ""
) -> ReferralFeedback | None:
    """The person's message about their referral, linked to it when the code exists
    (open or closed), with a timeline event (without the text) and both sides told
    that feedback arrived. Returns None for an unknown code: nothing is saved, and the
    caller answers exactly as for a known one."""
    referral = (
        Referral.objects.select_related("from_organisation", "to_organisation")
        .filter(code=normalise_referral_code(code))
        .first()
    )
    if referral is None:
        return None
    now = timezone.now()
    feedback = ReferralFeedback.objects.create(
        referral=referral,
        kind=kind,
        text=text.strip(),
        language=language[:10],
        created_at=now,
    )
    write_event(referral, ReferralEvent.Kind.PERSON_FEEDBACK, actor=None, at=now)
    queue_notification(
        referral,
        kind=KIND,
        to=[referral.from_organisation, referral.to_organisation],
        context=_context(referral, "feedback"),
    )
    return feedback
