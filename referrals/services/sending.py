"""Sending a referral: the rules of a new referral, the consent it travels under (an
existing one, or terms recorded with it in the same transaction), and the receiver told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import ValidationError
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

from .beneficiaries import create_with_fresh_code, require_member
from .consents import record_consent
from .steps import notification_context, write_event

if TYPE_CHECKING:
    from coordination.models import Sector, ServiceType
    from emergencies.models import Emergency
    from organisations.models import Organisation, Service, User

Kind = Notification.Kind
Event = WebhookSubscription.Event


@dataclass(frozen=True)
class ConsentTerms:
    """A consent to record with the referral (see `record_consent`): what may be
    shared, who gave it, and on which legal basis (vital interest: a focal point's
    decision, with a justification)."""

    scope: str
    given_by: str = ""
    legal_basis: str = Consent.LegalBasis.CONSENT
    justification: str = ""
    slip_identity: str = Consent.SlipIdentity.NONE


def referral_errors(
    beneficiary: Beneficiary,
    *,
    to_organisation: Organisation | None,
    service: Service | None,
    sector: Sector | None,
    service_type: ServiceType | None,
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


def _the_consent(
    beneficiary: Beneficiary,
    *,
    actor: User,
    to: Organisation,
    consent: Consent | None,
    new: ConsentTerms | None,
) -> Consent | None:
    """The consent the referral travels under: the one given, read again and locked
    (it may have been withdrawn meanwhile), or the new terms recorded now."""
    if consent is not None:
        return Consent.objects.select_for_update().filter(pk=consent.pk).first()
    if new is not None:
        return record_consent(
            beneficiary,
            actor=actor,
            organisation=to,
            scope=new.scope,
            given_by=new.given_by,
            legal_basis=new.legal_basis,
            justification=new.justification,
            slip_identity=new.slip_identity,
        )
    return None


@transaction.atomic
def send_referral(
    beneficiary: Beneficiary,
    *,
    actor: User,
    to_organisation: Organisation | None = None,
    service: Service | None = None,
    sector: Sector | None = None,
    service_type: ServiceType | None = None,
    reason: str,
    priority: str = Referral.Priority.NORMAL,
    consent: Consent | None = None,
    new_consent: ConsentTerms | None = None,
    emergency: Emergency | None = None,
    now: datetime | None = None,
) -> Referral:
    """Refer a person of the actor's organisation to another organisation (and
    optionally one of its services). An active consent for that organisation is
    required: an existing one (`consent`), or `new_consent` recorded in the same
    transaction. The receiver is told."""
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
    consent = _the_consent(
        beneficiary, actor=actor, to=to_organisation, consent=consent, new=new_consent
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
    write_event(referral, ReferralEvent.Kind.SENT, actor=actor, at=now)
    beneficiary.last_activity_at = now
    beneficiary.save(update_fields=["last_activity_at"])
    queue_notification(
        referral,
        kind=Kind.REFERRAL_RECEIVED,
        to=referral.to_organisation,
        actor=actor,
        context=notification_context(referral),
        event=Event.REFERRAL_RECEIVED,
    )
    return referral
