"""Every state change of a referral: sending (with its consent), the receiver's answer,
completion, cancellation, assignment, reminders and escalation. Each transition locks
the row first, so two people acting at once give one winner and a Conflict (409) for
the other; each writes its timeline event and its notifications in the same
transaction. Notification contexts and webhook payloads carry codes and organisation
names, never a person's identity."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.exceptions import PreconditionFailed as BasePreconditionFailed
from notifications.models import Notification, WebhookSubscription
from notifications.services.outbox import queue_notification
from referrals.models import (
    PRIORITY_DELAYS,
    Beneficiary,
    Consent,
    Referral,
    ReferralEvent,
    new_referral_code,
)

from .beneficiaries import create_with_fresh_code, record_consent, require_member

if TYPE_CHECKING:
    from organisations.models import Organisation, Service, User

Status = Referral.Status
Kind = Notification.Kind
Event = WebhookSubscription.Event

# How long before the deadline the receiver is reminded, per priority.
REMINDER_LEADS = {
    Referral.Priority.EMERGENCY: timedelta(hours=6),
    Referral.Priority.URGENT: timedelta(hours=12),
    Referral.Priority.NORMAL: timedelta(days=2),
}


class ReferralPreconditionFailed(BasePreconditionFailed):
    """Someone changed the referral after the version the caller saw (HTTP 412)."""


def _context(referral: Referral) -> dict[str, Any]:
    """What notifications and webhooks may say: codes, organisations, priority."""
    return {
        "code": referral.code,
        "from_organisation": referral.from_organisation.name,
        "to_organisation": referral.to_organisation.name,
        "priority": referral.priority,
        "status": referral.status,
        "due_at": referral.due_at.isoformat(),
    }


def _event(
    referral: Referral,
    kind: str,
    *,
    actor: User | None,
    organisation: Organisation | None = None,
    note: str = "",
    at: datetime | None = None,
) -> ReferralEvent:
    return ReferralEvent.objects.create(
        referral=referral,
        kind=kind,
        actor=actor,
        organisation=organisation
        if organisation is not None
        else (actor.acting_organisation if actor is not None else None),
        note=note,
        at=at or timezone.now(),
    )


def _touch_beneficiary(referral: Referral, now: datetime) -> None:
    """Referral activity keeps the person's record out of retention."""
    Beneficiary.objects.filter(pk=referral.beneficiary_id).update(last_activity_at=now)


def _lock(referral: Referral) -> Referral:
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("from_organisation", "to_organisation")
        .get(pk=referral.pk)
    )


def _check_version(referral: Referral, version: int | None) -> None:
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


def _require_receiver(actor: User, referral: Referral) -> None:
    if not _acts_for(actor, referral.to_organisation_id):
        raise PermissionDenied(
            _("Only the organisation the referral was sent to may do this.")
        )


def _require_sender(actor: User, referral: Referral) -> None:
    if not _acts_for(actor, referral.from_organisation_id):
        raise PermissionDenied(
            _("Only the organisation that sent the referral may do this.")
        )


def _save(referral: Referral, actor: User | None, fields: list[str]) -> None:
    referral.version += 1
    referral.updated_by = actor
    referral.save(update_fields=[*fields, "version", "updated_by", "updated_at"])


# ---------------------------------------------------------------------------
# Sending
# ---------------------------------------------------------------------------
def referral_errors(
    beneficiary: Beneficiary,
    *,
    to_organisation: Organisation | None,
    service: Service | None,
    sector,
    service_type,
    reason: str,
    priority: str,
) -> dict[str, list[str]]:
    """The rules of a new referral, as messages per field."""
    errors: dict[str, list[str]] = {}
    if to_organisation is None:
        errors["to_organisation"] = [_("Choose the organisation to refer to.")]
    elif to_organisation.pk == beneficiary.organisation_id:
        errors["to_organisation"] = [
            _("A referral goes to another organisation, not your own.")
        ]
    elif not to_organisation.is_active:
        errors["to_organisation"] = [_("This organisation is no longer active.")]
    if service is not None:
        if (
            to_organisation is not None
            and service.organisation_id != to_organisation.pk
        ):
            errors["service"] = [
                _("This service belongs to another organisation than the one chosen.")
            ]
        elif service.status == service.Status.SUSPENDED:
            errors["service"] = [
                _("This service is suspended and does not take referrals.")
            ]
    if sector is None:
        errors["sector"] = [_("Choose the sector of the need.")]
    elif service_type is not None and service_type.sector_id != sector.pk:
        errors["service_type"] = [
            _("This service type is not in the sector %(sector)s.")
            % {"sector": sector.name}
        ]
    if not (reason or "").strip():
        errors["reason"] = [_("Say what the person needs.")]
    if priority not in Referral.Priority.values:
        errors["priority"] = [_("Choose emergency, urgent or normal.")]
    return errors


def _usable_consent(
    consent: Consent | None, beneficiary: Beneficiary, to_organisation: Organisation
) -> dict[str, list[str]]:
    if consent is None:
        return {
            "consent": [
                _(
                    "Record the person's consent (or, for a focal point, the vital "
                    "interest) before sending."
                )
            ]
        }
    if (
        consent.beneficiary_id != beneficiary.pk
        or consent.organisation_id != to_organisation.pk
    ):
        return {
            "consent": [
                _("This consent is for another person or another organisation.")
            ]
        }
    if consent.withdrawn_at is not None:
        return {"consent": [_("This consent was withdrawn: record a new one.")]}
    return {}


@transaction.atomic
def send_referral(
    beneficiary: Beneficiary,
    *,
    actor: User,
    to_organisation: Organisation | None = None,
    service: Service | None = None,
    sector=None,
    service_type=None,
    reason: str,
    priority: str = Referral.Priority.NORMAL,
    consent: Consent | None = None,
    consent_data: dict[str, Any] | None = None,
    emergency=None,
    now: datetime | None = None,
) -> Referral:
    """Refer a person of the actor's organisation to another organisation (and
    optionally one of its services). An active consent for that organisation is
    required: an existing one, or `consent_data` (given_by, scope, legal_basis,
    justification) recorded in the same transaction. The receiver is told."""
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    require_member(actor, beneficiary.organisation)
    if service is not None:
        to_organisation = to_organisation or service.organisation
        sector = sector or service.sector
        service_type = service_type or service.service_type
    errors = referral_errors(
        beneficiary,
        to_organisation=to_organisation,
        service=service,
        sector=sector,
        service_type=service_type,
        reason=reason,
        priority=priority,
    )
    if errors:
        raise ValidationError(errors)
    if consent is not None:  # read again, locked: it may have been withdrawn meanwhile
        consent = Consent.objects.select_for_update().filter(pk=consent.pk).first()
    elif consent_data is not None:
        consent = record_consent(
            beneficiary, actor=actor, organisation=to_organisation, **consent_data
        )
    errors = _usable_consent(consent, beneficiary, to_organisation)
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    referral = create_with_fresh_code(
        Referral,
        new_referral_code,
        from_organisation=beneficiary.organisation,
        to_organisation=to_organisation,
        service=service,
        beneficiary=beneficiary,
        consent=consent,
        emergency=emergency,
        sector=sector,
        service_type=service_type,
        region=beneficiary.region,
        province=beneficiary.province,
        reason=reason.strip(),
        priority=priority,
        sent_at=now,
        due_at=now + PRIORITY_DELAYS[priority],
        created_by=actor,
    )
    _event(referral, ReferralEvent.Kind.SENT, actor=actor, at=now)
    beneficiary.last_activity_at = now
    beneficiary.save(update_fields=["last_activity_at"])
    queue_notification(
        referral,
        kind=Kind.REFERRAL_RECEIVED,
        to=referral.to_organisation,
        actor=actor,
        context=_context(referral),
        event=Event.REFERRAL_RECEIVED,
    )
    return referral


# ---------------------------------------------------------------------------
# Transitions
# ---------------------------------------------------------------------------
def _finish(
    referral: Referral,
    *,
    actor: User,
    event: str,
    note: str = "",
    now: datetime,
    notify: tuple[str, str],
    to: Organisation,
) -> None:
    """What every answer does after its own changes are saved: the timeline event, the
    person's activity, and the other side told (in-app, e-mail, webhooks)."""
    _event(referral, event, actor=actor, note=note, at=now)
    _touch_beneficiary(referral, now)
    kind, webhook_event = notify
    queue_notification(
        referral,
        kind=kind,
        to=to,
        actor=actor,
        context=_context(referral),
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
    referral = _lock(referral)
    _require_receiver(actor, referral)
    _check_version(referral, version)
    if referral.status != Status.PENDING:
        raise Conflict(_("Only a pending referral can be accepted."))
    if assign_to is not None:
        _require_assignable(assign_to, referral)
    now = timezone.now()
    referral.status = Status.ACCEPTED
    referral.responded_at = now
    fields = ["status", "responded_at"]
    if assign_to is not None:
        referral.assigned_to = assign_to
        fields.append("assigned_to")
    _save(referral, actor, fields)
    _finish(
        referral,
        actor=actor,
        event=ReferralEvent.Kind.ACCEPTED,
        now=now,
        notify=(Kind.REFERRAL_ACCEPTED, Event.REFERRAL_ACCEPTED),
        to=referral.from_organisation,
    )
    if assign_to is not None:
        _event(
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
    referral = _lock(referral)
    _require_receiver(actor, referral)
    _check_version(referral, version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the referral is declined.")]})
    if referral.status != Status.PENDING:
        raise Conflict(_("Only a pending referral can be declined."))
    now = timezone.now()
    referral.status = Status.DECLINED
    referral.decline_reason = reason
    referral.responded_at = referral.closed_at = now
    _save(referral, actor, ["status", "decline_reason", "responded_at", "closed_at"])
    _finish(
        referral,
        actor=actor,
        event=ReferralEvent.Kind.DECLINED,
        note=reason,
        now=now,
        notify=(Kind.REFERRAL_DECLINED, Event.REFERRAL_DECLINED),
        to=referral.from_organisation,
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
    referral = _lock(referral)
    _require_receiver(actor, referral)
    _check_version(referral, version)
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
    _save(referral, actor, ["status", "outcome", "feedback", "closed_at"])
    _finish(
        referral,
        actor=actor,
        event=ReferralEvent.Kind.COMPLETED,
        note=outcome,
        now=now,
        notify=(Kind.REFERRAL_COMPLETED, Event.REFERRAL_COMPLETED),
        to=referral.from_organisation,
    )
    if referral.feedback:
        _event(
            referral,
            ReferralEvent.Kind.FEEDBACK,
            actor=actor,
            note=referral.feedback,
            at=now,
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
    referral = _lock(referral)
    _require_sender(actor, referral)
    _check_version(referral, version)
    if referral.status not in Referral.OPEN_STATUSES:
        raise Conflict(_("Only a pending or accepted referral can be cancelled."))
    now = timezone.now()
    referral.status = Status.CANCELLED
    referral.cancel_reason = (reason or "").strip()
    referral.closed_at = now
    _save(referral, actor, ["status", "cancel_reason", "closed_at"])
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
    referral = _lock(referral)
    _require_receiver(actor, referral)
    _check_version(referral, version)
    _require_assignable(assignee, referral)
    if referral.status not in Referral.OPEN_STATUSES:
        raise Conflict(_("Only a pending or accepted referral can be assigned."))
    referral.assigned_to = assignee
    _save(referral, actor, ["assigned_to"])
    _event(
        referral, ReferralEvent.Kind.ASSIGNED, actor=actor, note=assignee.display_name
    )
    return referral


# ---------------------------------------------------------------------------
# Deadlines (periodic tasks)
# ---------------------------------------------------------------------------
def _coordinators() -> list[User]:
    User = apps.get_model(settings.AUTH_USER_MODEL)
    return list(
        User.objects.filter(is_active=True, platform_role=User.PlatformRole.COORDINATOR)
    )


def remind_due_referrals(*, now: datetime | None = None, batch_size: int = 200) -> int:
    """Remind receivers of pending referrals whose deadline is near (once each);
    returns how many were reminded. Safe to run concurrently (skip locked rows)."""
    now = now or timezone.now()
    reminded = 0
    for priority, lead in REMINDER_LEADS.items():
        while True:
            with transaction.atomic():
                batch = list(
                    Referral.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("from_organisation", "to_organisation")
                    .filter(
                        status=Status.PENDING,
                        priority=priority,
                        reminded_at__isnull=True,
                        due_at__gt=now,
                        due_at__lte=now + lead,
                    )
                    .order_by("due_at", "pk")[:batch_size]
                )
                for referral in batch:
                    referral.reminded_at = now
                    referral.save(update_fields=["reminded_at", "updated_at"])
                    _event(
                        referral,
                        ReferralEvent.Kind.REMINDED,
                        actor=None,
                        organisation=referral.to_organisation,
                        at=now,
                    )
                    queue_notification(
                        referral,
                        kind=Kind.REFERRAL_REMINDER,
                        to=referral.to_organisation,
                        context=_context(referral),
                    )
            reminded += len(batch)
            if len(batch) < batch_size:
                break
    return reminded


def escalate_overdue_referrals(
    *, now: datetime | None = None, batch_size: int = 200
) -> int:
    """At the deadline: tell the receiver the referral is overdue and the coordinators
    that the deadline was breached (once each, metadata only); returns how many."""
    now = now or timezone.now()
    coordinators = _coordinators()
    pathway_url = reverse("referrals:pathway") + "?overdue=true"
    escalated = 0
    while True:
        with transaction.atomic():
            batch = list(
                Referral.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("from_organisation", "to_organisation")
                .filter(
                    status=Status.PENDING,
                    escalated_at__isnull=True,
                    due_at__lte=now,
                )
                .order_by("due_at", "pk")[:batch_size]
            )
            for referral in batch:
                referral.escalated_at = now
                referral.save(update_fields=["escalated_at", "updated_at"])
                _event(
                    referral,
                    ReferralEvent.Kind.OVERDUE,
                    actor=None,
                    organisation=referral.to_organisation,
                    at=now,
                )
                context = _context(referral)
                queue_notification(
                    referral,
                    kind=Kind.REFERRAL_OVERDUE,
                    to=referral.to_organisation,
                    context=context,
                )
                if coordinators:
                    queue_notification(
                        referral,
                        kind=Kind.REFERRAL_OVERDUE,
                        to=coordinators,
                        context={**context, "escalation": True},
                        url=pathway_url,
                    )
        escalated += len(batch)
        if len(batch) < batch_size:
            return escalated
