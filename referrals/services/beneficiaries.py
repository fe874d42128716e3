"""Every state change to beneficiaries and consents, the identity-sight rule, the access
log and retention. Authority rules live here, once, for pages and API alike."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.exceptions import PreconditionFailed as BasePreconditionFailed
from referrals.crypto import duplicate_keys
from referrals.models import (
    IDENTITY_FIELDS,
    WGSS_DOMAINS,
    Beneficiary,
    Consent,
    IdentityAccessLog,
    Referral,
    ReferralEvent,
    WGSSAnswer,
    new_code,
)

if TYPE_CHECKING:
    from organisations.models import Organisation, User

# What a caseworker may set on a beneficiary (the organisation is the acting one).
FIELDS = (
    *IDENTITY_FIELDS,
    "sex",
    "birth_year",
    "nationality",
    "languages",
    "interpreter_needed",
    "region",
    "province",
    "household_size",
    "vulnerabilities",
    *(f"wg_{domain}" for domain in WGSS_DOMAINS),
)


def require_member(actor: User, organisation: Organisation) -> None:
    """Only caseworkers and focal points acting for the owning organisation."""
    acting = actor.acting_organisation
    if (
        acting is None
        or acting.pk != organisation.pk
        or actor.acting_membership is None
    ):
        raise PermissionDenied(
            _(
                "Only members of the organisation that registered this person may do this."
            )
        )


def can_see_identity(user: User, beneficiary: Beneficiary) -> bool:
    """The one rule serializers, templates and exports ask: members of the owning
    organisation, and members of an organisation this person was referred to under a
    consent (or vital interest) that is not withdrawn, unless that referral was
    declined or cancelled. Coordinators, observers and others: never."""
    if not user.is_authenticated or beneficiary.identity_erased:
        return False
    acting = user.acting_organisation
    if acting is None or user.acting_membership is None:
        return False
    if acting.pk == beneficiary.organisation_id:
        return True
    return Referral.objects.filter(
        beneficiary=beneficiary,
        to_organisation=acting,
        consent__organisation=acting,
        consent__withdrawn_at__isnull=True,
        status__in=IDENTITY_SHARED_STATUSES,
    ).exists()


# A receiver keeps sight of the identity while it handles or handled the person.
IDENTITY_SHARED_STATUSES = ("pending", "accepted", "completed")


def log_identity_access(
    beneficiary: Beneficiary, *, actor: User, purpose: str
) -> IdentityAccessLog:
    """Write that `actor` saw the identity of `beneficiary` (route or purpose, no values)."""
    return IdentityAccessLog.objects.create(
        beneficiary=beneficiary,
        user=actor,
        organisation=actor.acting_organisation,
        purpose=purpose[:200],
    )


def rule_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    """The beneficiary's rules on a full set of values, as messages per field."""
    errors: dict[str, list[str]] = {}
    today = timezone.localdate()
    born = values.get("date_of_birth")
    if born and born > today:
        errors["date_of_birth"] = [_("The date of birth cannot be in the future.")]
    year = values.get("birth_year")
    if year is not None and (year > today.year or year < today.year - 120):
        errors["birth_year"] = [
            _("Enter a birth year between %(first)s and %(last)s.")
            % {"first": today.year - 120, "last": today.year}
        ]
    if born and year is not None and born.year != year and not errors:
        errors["birth_year"] = [_("The birth year differs from the date of birth.")]
    for domain in WGSS_DOMAINS:
        answer = values.get(f"wg_{domain}", "")
        if answer and answer not in WGSSAnswer.values:
            errors[f"wg_{domain}"] = [_("Choose one of the four answers of the scale.")]
    region, province = values.get("region"), values.get("province")
    if region is not None and province is not None and province.region_id != region.pk:
        errors["province"] = [
            _("%(province)s is not in the region %(region)s.")
            % {"province": province.name, "region": region.name}
        ]
    if values.get("household_size") == 0:
        errors["household_size"] = [_("A household has at least one person.")]
    return errors


def _prepare(values: dict[str, Any]) -> None:
    """Derived values: the birth year from the date of birth, the region from the
    province, the duplicate keys (recomputed on every change)."""
    if values.get("date_of_birth") and values.get("birth_year") is None:
        values["birth_year"] = values["date_of_birth"].year
    if values.get("province") is not None and values.get("region") is None:
        values["region"] = values["province"].region
    values["duplicate_key"], values["duplicate_phone_key"] = duplicate_keys(
        full_name=values.get("full_name", ""),
        birth_year=values.get("birth_year"),
        nationality=values.get("nationality", ""),
        phone=values.get("phone", ""),
    )


def possible_duplicates(beneficiary: Beneficiary) -> list[str]:
    """Codes of other beneficiaries of the same organisation whose name + birth year +
    nationality, or phone, have the same keyed hash."""
    return _matching_codes(beneficiary, beneficiary.organisation)


def known_to(organisation: Organisation, beneficiary: Beneficiary) -> list[str]:
    """Codes under which `organisation` already knows this person (for a receiving
    organisation when a referral arrives). Says nothing about anyone else's records."""
    return _matching_codes(beneficiary, organisation)


def _matching_codes(beneficiary: Beneficiary, organisation: Organisation) -> list[str]:
    from django.db.models import Q

    match = Q()
    if beneficiary.duplicate_key:
        match |= Q(duplicate_key=beneficiary.duplicate_key)
    if beneficiary.duplicate_phone_key:
        match |= Q(duplicate_phone_key=beneficiary.duplicate_phone_key)
    if not match:
        return []
    return list(
        Beneficiary.objects.filter(match, organisation=organisation)
        .exclude(pk=beneficiary.pk)
        .order_by("code")
        .values_list("code", flat=True)
    )


def create_with_fresh_code(model, make_code, **values):
    """Create a row under a new random code; a clash of codes (30^6 of them: rare) is
    retried quietly, any other integrity error is raised as it is."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                return model.objects.create(code=make_code(), **values)
        except IntegrityError as exc:
            constraint = getattr(
                getattr(exc.__cause__, "diag", None), "constraint_name", ""
            )
            if constraint != f"{model._meta.db_table}_code_key":
                raise
    raise Conflict(_("No free code could be drawn; try again."))


@transaction.atomic
def register_beneficiary(*, actor: User, data: dict[str, Any]) -> Beneficiary:
    """Register a person for the actor's acting organisation, under a new random code."""
    organisation = actor.acting_organisation
    if organisation is None:
        raise PermissionDenied(_("Act for an organisation to register a person."))
    require_member(actor, organisation)
    values = {f: data[f] for f in FIELDS if f in data}
    errors = rule_errors(values)
    if errors:
        raise ValidationError(errors)
    if not values.get("sex"):
        raise ValidationError({"sex": [_("This field is required.")]})
    _prepare(values)
    return create_with_fresh_code(
        Beneficiary,
        new_code,
        organisation=organisation,
        created_by=actor,
        last_activity_at=timezone.now(),
        **values,
    )


class PreconditionFailed(BasePreconditionFailed):
    """Someone saved the beneficiary after the version the caller edited (HTTP 412)."""


@transaction.atomic
def update_beneficiary(
    beneficiary: Beneficiary,
    *,
    actor: User,
    data: dict[str, Any],
    version: int | None = None,
) -> Beneficiary:
    """Change a beneficiary's record (members of the owning organisation only)."""
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    require_member(actor, beneficiary.organisation)
    if version is not None and version != beneficiary.version:
        raise PreconditionFailed(
            _(
                "Someone else saved this record after you opened it. Reload it to see "
                "their changes, then make yours again."
            )
        )
    changes = {f: data[f] for f in FIELDS if f in data}
    if beneficiary.identity_erased and any(changes.get(f) for f in IDENTITY_FIELDS):
        raise Conflict(
            _("This person's identity was erased; it cannot be filled again.")
        )
    values = {f: getattr(beneficiary, f) for f in FIELDS}
    values.update(changes)
    if "date_of_birth" in changes and "birth_year" not in changes:
        values["birth_year"] = None  # derive it again from the new date
    errors = rule_errors(values)
    if errors:
        raise ValidationError(errors)
    if not values.get("sex"):
        raise ValidationError({"sex": [_("This field is required.")]})
    _prepare(values)
    for name, value in values.items():
        setattr(beneficiary, name, value)
    beneficiary.version += 1
    beneficiary.updated_by = actor
    beneficiary.last_activity_at = timezone.now()
    beneficiary.save(
        update_fields=[
            *values,
            "version",
            "updated_by",
            "last_activity_at",
            "updated_at",
        ]
    )
    return beneficiary


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
) -> Consent:
    """Record that the beneficiary's identity may be shared with `organisation`; vital
    interest (no consent possible) only by a focal point, with a justification."""
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    require_member(actor, beneficiary.organisation)
    errors: dict[str, list[str]] = {}
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


@transaction.atomic
def erase_identity(beneficiary: Beneficiary, *, actor: User | None) -> Beneficiary:
    """Erase the identity fields and duplicate keys, keeping the pseudonymous record,
    its statistics, consents and the access log. `actor=None` is the retention task."""
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    if actor is not None:
        require_member(actor, beneficiary.organisation)
        if not actor.is_focal_point:
            raise PermissionDenied(
                _("Only a focal point may erase a person's identity.")
            )
    if beneficiary.identity_erased:
        return beneficiary
    for name in IDENTITY_FIELDS:
        setattr(beneficiary, name, None if name == "date_of_birth" else "")
    beneficiary.duplicate_key = ""
    beneficiary.duplicate_phone_key = ""
    beneficiary.identity_erased_at = timezone.now()
    beneficiary.updated_by = actor
    beneficiary.save(
        update_fields=[
            *IDENTITY_FIELDS,
            "duplicate_key",
            "duplicate_phone_key",
            "identity_erased_at",
            "updated_by",
            "updated_at",
        ]
    )
    return beneficiary


def expired_beneficiaries(now=None):
    """Beneficiaries with identity, no open referral, and no activity (registration,
    edit, consent, referral sent or answered) for BENEFICIARY_RETENTION_MONTHS."""
    now = now or timezone.now()
    months = settings.BENEFICIARY_RETENTION_MONTHS
    cutoff = now - timedelta(days=round(months * 30.44))
    open_referrals = Referral.objects.open().filter(beneficiary=OuterRef("pk"))
    return (
        Beneficiary.objects.identity_kept()
        .filter(last_activity_at__lt=cutoff)
        .exclude(Exists(open_referrals))
    )


def erase_expired_identities(*, now=None, batch_size: int = 500) -> int:
    """Erase the identity of every expired beneficiary, in batches; returns how many."""
    erased = 0
    while True:
        batch = list(
            expired_beneficiaries(now)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return erased
        for beneficiary in Beneficiary.objects.filter(pk__in=batch):
            erase_identity(beneficiary, actor=None)
            erased += 1


def duplicates_by_pk(beneficiaries: list[Beneficiary]) -> dict[int, list[str]]:
    """{pk: possible duplicate codes} for a page of one organisation's beneficiaries,
    in one query whatever their number."""
    from django.db.models import Q

    names = {b.duplicate_key for b in beneficiaries if b.duplicate_key}
    phones = {b.duplicate_phone_key for b in beneficiaries if b.duplicate_phone_key}
    orgs = {b.organisation_id for b in beneficiaries}
    result: dict[int, list[str]] = {b.pk: [] for b in beneficiaries}
    if not (names or phones) or not orgs:
        return result
    rows = list(
        Beneficiary.objects.filter(
            Q(duplicate_key__in=names) | Q(duplicate_phone_key__in=phones),
            organisation_id__in=orgs,
        )
        .order_by("code")
        .values_list(
            "pk", "code", "organisation_id", "duplicate_key", "duplicate_phone_key"
        )
    )
    for b in beneficiaries:
        result[b.pk] = [
            code
            for pk, code, org, name, phone in rows
            if pk != b.pk
            and org == b.organisation_id
            and (
                (b.duplicate_key and name == b.duplicate_key)
                or (b.duplicate_phone_key and phone == b.duplicate_phone_key)
            )
        ]
    return result
