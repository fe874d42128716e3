"""Every state change to beneficiaries (registration, edits, erasure), the identity-sight
rule, the access log and retention. Authority rules live here, once, for pages and API
alike; consents are in `consents`, the duplicate-person matcher in `duplicates`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.exceptions import PreconditionFailed as BasePreconditionFailed
from coordination.unset import UNSET, Unset, given
from coordination.validators import validate_date_of_birth
from referrals.crypto import duplicate_keys
from referrals.models import (
    IDENTITY_FIELDS,
    WGSS_DOMAINS,
    Beneficiary,
    IdentityAccessLog,
    Referral,
    WGSSAnswer,
    new_code,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from coordination.models import Province, Region
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


def require_registrar(actor: User) -> Organisation:
    """People are registered by members acting for an organisation: that one."""
    organisation = actor.acting_organisation
    if organisation is None:
        raise PermissionDenied(_("Act for an organisation to register a person."))
    require_member(actor, organisation)
    return organisation


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
    elif born:
        try:
            validate_date_of_birth(born)
        except ValidationError as error:
            errors["date_of_birth"] = error.messages
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
def register_beneficiary(
    *,
    actor: User,
    sex: str = "",
    full_name: str = "",
    phone: str = "",
    date_of_birth: date | None = None,
    document_numbers: str = "",
    address: str = "",
    birth_year: int | None = None,
    nationality: str = "",
    languages: Sequence[str] = (),
    interpreter_needed: bool = False,
    region: Region | None = None,
    province: Province | None = None,
    household_size: int | None = None,
    vulnerabilities: Sequence[str] = (),
    wg_seeing: str = "",
    wg_hearing: str = "",
    wg_walking: str = "",
    wg_remembering: str = "",
    wg_self_care: str = "",
    wg_communicating: str = "",
) -> Beneficiary:
    """Register a person for the actor's acting organisation, under a new random code
    (the sex is required; the birth year and region follow from the date of birth and
    province when not given)."""
    organisation = require_registrar(actor)
    values = {
        "full_name": full_name,
        "phone": phone,
        "date_of_birth": date_of_birth,
        "document_numbers": document_numbers,
        "address": address,
        "sex": sex,
        "birth_year": birth_year,
        "nationality": nationality,
        "languages": list(languages),
        "interpreter_needed": interpreter_needed,
        "region": region,
        "province": province,
        "household_size": household_size,
        "vulnerabilities": list(vulnerabilities),
        "wg_seeing": wg_seeing,
        "wg_hearing": wg_hearing,
        "wg_walking": wg_walking,
        "wg_remembering": wg_remembering,
        "wg_self_care": wg_self_care,
        "wg_communicating": wg_communicating,
    }
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
    version: int | None = None,
    full_name: str | Unset = UNSET,
    phone: str | Unset = UNSET,
    date_of_birth: date | Unset | None = UNSET,
    document_numbers: str | Unset = UNSET,
    address: str | Unset = UNSET,
    sex: str | Unset = UNSET,
    birth_year: int | Unset | None = UNSET,
    nationality: str | Unset = UNSET,
    languages: Sequence[str] | Unset = UNSET,
    interpreter_needed: bool | Unset = UNSET,
    region: Region | Unset | None = UNSET,
    province: Province | Unset | None = UNSET,
    household_size: int | Unset | None = UNSET,
    vulnerabilities: Sequence[str] | Unset = UNSET,
    wg_seeing: str | Unset = UNSET,
    wg_hearing: str | Unset = UNSET,
    wg_walking: str | Unset = UNSET,
    wg_remembering: str | Unset = UNSET,
    wg_self_care: str | Unset = UNSET,
    wg_communicating: str | Unset = UNSET,
) -> Beneficiary:
    """Change a beneficiary's record (members of the owning organisation only): only
    the fields given change. With `version`, refuse if someone saved it since then."""
    beneficiary = Beneficiary.objects.select_for_update().get(pk=beneficiary.pk)
    require_member(actor, beneficiary.organisation)
    if version is not None and version != beneficiary.version:
        raise PreconditionFailed(
            _(
                "Someone else saved this record after you opened it. Reload it to see "
                "their changes, then make yours again."
            )
        )
    changes = given(
        full_name=full_name,
        phone=phone,
        date_of_birth=date_of_birth,
        document_numbers=document_numbers,
        address=address,
        sex=sex,
        birth_year=birth_year,
        nationality=nationality,
        languages=languages,
        interpreter_needed=interpreter_needed,
        region=region,
        province=province,
        household_size=household_size,
        vulnerabilities=vulnerabilities,
        wg_seeing=wg_seeing,
        wg_hearing=wg_hearing,
        wg_walking=wg_walking,
        wg_remembering=wg_remembering,
        wg_self_care=wg_self_care,
        wg_communicating=wg_communicating,
    )
    _save_changes(beneficiary, actor=actor, changes=changes)
    return beneficiary


def _save_changes(
    beneficiary: Beneficiary, *, actor: User, changes: dict[str, Any]
) -> None:
    """Check the record as it will be (the changes over what is saved), then save it."""
    for name in ("languages", "vulnerabilities"):
        if name in changes:
            changes[name] = list(changes[name])
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
