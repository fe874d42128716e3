"""Consents: a person's agreement (or, for a focal point, the vital interest) that
their identity be shared with another organisation, and its withdrawal, which ends that
organisation's sight of the identity at once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from referrals.models import Beneficiary, Consent, Referral, ReferralEvent

from .beneficiaries import require_member

if TYPE_CHECKING:
    from organisations.models import Organisation, User


@transaction.atomic
def record_consent(
    beneficiary: Beneficiary,
    *,
    actor: User,
    organisation: Organisation,
    scope: str,
    given_by: str = "",
    legal_basis: str = Consent.LegalBasis.CONSENT,
    justification: str = "",
    slip_identity: str = Consent.SlipIdentity.NONE,
) -> Consent:
    """Record that the beneficiary's identity may be shared with `organisation`; vital
    interest (no consent possible) only by a focal point, with a justification."""
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    require_member(actor, beneficiary.organisation)
    errors: dict[str, list[str]] = {}
    slip_identity = slip_identity or Consent.SlipIdentity.NONE
    if legal_basis not in Consent.LegalBasis.values:
        errors["legal_basis"] = [_("Choose consent or vital interest.")]
    if organisation.pk == beneficiary.organisation_id:
        errors["organisation"] = [
            _("Consent is for sharing with another organisation, not your own.")
        ]
    elif not organisation.is_active:
        errors["organisation"] = [_("This organisation is no longer active.")]
    if not (scope or "").strip():
        errors["scope"] = [_("Say what may be shared.")]
    if slip_identity not in Consent.SlipIdentity.values:
        errors["slip_identity"] = [
            _("Choose what the slip may show: the code only, initials or first name.")
        ]
    if given_by and given_by not in Consent.GivenBy.values:
        errors["given_by"] = [_("Choose the person or a caregiver.")]
    elif legal_basis == Consent.LegalBasis.CONSENT and not given_by:
        errors["given_by"] = [_("Say who gave the consent: the person or a caregiver.")]
    if legal_basis == Consent.LegalBasis.VITAL_INTEREST and not (
        (justification or "").strip()
    ):
        errors["justification"] = [_("Explain why consent could not be obtained.")]
    if beneficiary.identity_erased:
        errors.setdefault("non_field_errors", []).append(
            _("This person's identity was erased: there is nothing left to share.")
        )
    if errors:
        raise ValidationError(errors)
    if legal_basis == Consent.LegalBasis.VITAL_INTEREST and not actor.is_focal_point:
        raise PermissionDenied(
            _("Only a focal point may share without consent, under vital interest.")
        )
    now = timezone.now()
    consent = Consent.objects.create(
        beneficiary=beneficiary,
        organisation=organisation,
        given_by=given_by,
        scope=scope.strip(),
        legal_basis=legal_basis,
        justification=(justification or "").strip(),
        # Under vital interest the person agreed to nothing: the slip shows the code.
        slip_identity=slip_identity
        if legal_basis == Consent.LegalBasis.CONSENT
        else Consent.SlipIdentity.NONE,
        recorded_by=actor,
        recorded_at=now,
    )
    beneficiary.last_activity_at = now
    beneficiary.save(update_fields=["last_activity_at"])
    return consent


@transaction.atomic
def withdraw_consent(consent: Consent, *, actor: User, reason: str = "") -> Consent:
    """Withdraw a consent: from now on the receiving organisation no longer sees the
    person's identity (the sight rule reads only consents that are not withdrawn)."""
    consent = (
        Consent.objects.select_for_update()
        .select_related("beneficiary")
        .get(pk=consent.pk)
    )
    require_member(actor, consent.beneficiary.organisation)
    if consent.withdrawn_at is not None:
        raise Conflict(_("This consent was already withdrawn."))
    now = timezone.now()
    consent.withdrawn_at = now
    consent.withdrawn_by = actor
    consent.withdrawal_reason = (reason or "").strip()
    consent.save(
        update_fields=[
            "withdrawn_at",
            "withdrawn_by",
            "withdrawal_reason",
            "updated_at",
        ]
    )
    # The timeline of every referral made under this consent says so.
    ReferralEvent.objects.bulk_create(
        [
            ReferralEvent(
                referral_id=referral_id,
                kind=ReferralEvent.Kind.CONSENT_WITHDRAWN,
                actor=actor,
                organisation=actor.acting_organisation,
                at=now,
            )
            for referral_id in Referral.objects.filter(consent=consent).values_list(
                "pk", flat=True
            )
        ]
    )
    beneficiary = consent.beneficiary
    beneficiary.last_activity_at = now
    beneficiary.save(update_fields=["last_activity_at"])
    return consent
