"""What every change of a referral shares: the row locked first (two people acting at
once give one winner and a Conflict, 409, for the other), the version the caller saw, who
acts for which side, the save with its version, the timeline event, and what
notifications and webhooks may say (codes and organisation names, never a person's
identity)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import PermissionDenied
from coordination.exceptions import PreconditionFailed as BasePreconditionFailed
from referrals.models import Beneficiary, Referral, ReferralEvent

if TYPE_CHECKING:
    from organisations.models import Organisation, User


class ReferralPreconditionFailed(BasePreconditionFailed):
    """Someone changed the referral after the version the caller saw (HTTP 412)."""


def notification_context(referral: Referral) -> dict[str, Any]:
    """What notifications and webhooks may say: codes, organisations, priority."""
    return {
        "code": referral.code,
        "from_organisation": referral.from_organisation.name,
        "to_organisation": referral.to_organisation.name,
        "priority": referral.priority,
        "status": referral.status,
        "due_at": referral.due_at.isoformat(),
    }


def write_event(
    referral: Referral,
    kind: str,
    *,
    actor: User | None,
    organisation: Organisation | None = None,
    note: str = "",
    at: datetime | None = None,
    via_link: bool = False,
    channel: str = "",
) -> ReferralEvent:
    """Add a row to the referral's timeline (by default, for the actor's organisation;
    `via_link`: answered through the slip's confirmation link, with no actor)."""
    return ReferralEvent.objects.create(
        referral=referral,
        kind=kind,
        actor=actor,
        organisation=organisation
        if organisation is not None
        else (actor.acting_organisation if actor is not None else None),
        note=note,
        at=at or timezone.now(),
        via_link=via_link,
        channel=channel,  # a shared slip: how it left the platform (never the text)
    )


def touch_beneficiary(referral: Referral, now: datetime) -> None:
    """Referral activity keeps the person's record out of retention."""
    Beneficiary.objects.filter(pk=referral.beneficiary_id).update(last_activity_at=now)


def lock(referral: Referral) -> Referral:
    """The referral read again, locked until the end of the transaction."""
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("from_organisation", "to_organisation")
        .get(pk=referral.pk)
    )


def check_version(referral: Referral, version: int | None) -> None:
    """Refuse (412) when the caller saw another version than the saved one."""
    if version is not None and version != referral.version:
        raise ReferralPreconditionFailed(
            _(
                "Someone else changed this referral after you opened it. Reload it "
                "to see their changes."
            )
        )


def _acts_for(actor: User, organisation_id: int) -> bool:
    acting = actor.acting_organisation
    return (
        acting is not None
        and actor.acting_membership is not None
        and acting.pk == organisation_id
    )


def require_receiver(actor: User, referral: Referral) -> None:
    """Only members acting for the organisation the referral was sent to."""
    if not _acts_for(actor, referral.to_organisation_id):
        raise PermissionDenied(
            _("Only the organisation the referral was sent to may do this.")
        )


def require_sender(actor: User, referral: Referral) -> None:
    """Only members acting for the organisation that sent the referral."""
    if not _acts_for(actor, referral.from_organisation_id):
        raise PermissionDenied(
            _("Only the organisation that sent the referral may do this.")
        )


def save_referral(referral: Referral, actor: User | None, fields: list[str]) -> None:
    """Save the changed fields with a new version and who changed them."""
    referral.version += 1
    referral.updated_by = actor
    referral.save(update_fields=[*fields, "version", "updated_by", "updated_at"])


def in_locked_batches(
    queryset, *, order: tuple[str, ...], batch_size: int, handle
) -> int:
    """The periodic tasks' loop: `handle(referral)` for every row of `queryset`, a
    batch at a time, each batch in its own transaction with its rows locked (rows
    another run holds are skipped, so runs may overlap). `handle` must take the row
    out of `queryset` (mark it reminded, asked…), or the loop would not end. Returns
    how many rows were handled."""
    handled = 0
    while True:
        with transaction.atomic():
            batch = list(
                queryset.select_for_update(skip_locked=True, of=("self",))
                .select_related("from_organisation", "to_organisation")
                .order_by(*order)[:batch_size]
            )
            for referral in batch:
                handle(referral)
        handled += len(batch)
        if len(batch) < batch_size:
            return handled
