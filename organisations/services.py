"""Every state change to users, organisations, memberships, invitations, join requests and
API tokens. Authority rules live here, once, for pages and API alike."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import (
    Case,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.exceptions import PreconditionFailed as BasePreconditionFailed
from coordination.permissions import require_coordinator, require_focal_point_of

from .emails import send_invitation_email, send_join_request_decision_email
from .models import (
    LANGUAGE_CHOICES,
    ApiToken,
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    Service,
    User,
    hash_secret,
)

# Fields of the organisation profile a focal point may edit (verification and activity
# are the coordinators').
PROFILE_FIELDS = (
    "name",
    "acronym",
    "kind",
    "description",
    "email",
    "phone",
    "website",
    "address",
    "languages",
)
PROFILE_M2M = ("regions", "provinces", "sectors")


def unique_organisation_code(name: str, acronym: str = "") -> str:
    """A stable slug for a new organisation, unique among existing ones."""
    base = slugify(acronym or name)[:32] or "org"
    code, n = base, 2
    while Organisation.objects.filter(code=code).exists():
        code = f"{base}-{n}"
        n += 1
    return code


# ---------------------------------------------------------------------------
# Organisations
# ---------------------------------------------------------------------------
@transaction.atomic
def update_organisation(
    organisation: Organisation, *, actor: User, data: dict
) -> Organisation:
    """Edit an organisation's profile (its focal point, or a coordinator)."""
    if not actor.is_coordinator:
        require_focal_point_of(actor, organisation)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    changed = [f for f in PROFILE_FIELDS if f in data]
    for field in changed:
        setattr(organisation, field, data[field])
    organisation.save(update_fields=[*changed, "updated_at"])
    for field in PROFILE_M2M:
        if field in data:
            getattr(organisation, field).set(data[field])
    return organisation


@transaction.atomic
def create_organisation(*, actor: User, data: dict) -> Organisation:
    """Register an organisation directly (coordinators)."""
    require_coordinator(actor)
    fields = {f: data[f] for f in PROFILE_FIELDS if f in data}
    organisation = Organisation.objects.create(
        code=unique_organisation_code(
            fields.get("name", ""), fields.get("acronym", "")
        ),
        **fields,
    )
    for field in PROFILE_M2M:
        if field in data:
            getattr(organisation, field).set(data[field])
    return organisation


@transaction.atomic
def verify_organisation(
    organisation: Organisation, *, actor: User, verified: bool = True
) -> Organisation:
    """Mark an organisation verified (or not), recording who and when."""
    require_coordinator(actor)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    organisation.verified = verified
    organisation.verified_by = actor if verified else None
    organisation.verified_at = timezone.now() if verified else None
    organisation.save(
        update_fields=["verified", "verified_by", "verified_at", "updated_at"]
    )
    return organisation


@transaction.atomic
def set_organisation_active(
    organisation: Organisation, *, actor: User, active: bool
) -> Organisation:
    """Deactivate an organisation (its members lose access to it) or reactivate it."""
    require_coordinator(actor)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    organisation.is_active = active
    organisation.save(update_fields=["is_active", "updated_at"])
    if not active:
        ApiToken.objects.filter(
            organisation=organisation, revoked_at__isnull=True
        ).update(revoked_at=timezone.now(), revoked_by=actor)
    return organisation


# ---------------------------------------------------------------------------
# Members and invitations
# ---------------------------------------------------------------------------
def _check_invitation_authority(
    actor: User, role: str, organisation: Organisation | None
) -> None:
    if role in (Invitation.Role.CASEWORKER, Invitation.Role.FOCAL_POINT):
        if organisation is None:
            raise ValidationError(
                {"organisation": _("Choose the organisation to join.")}
            )
        if actor.is_coordinator and role == Invitation.Role.FOCAL_POINT:
            return
        require_focal_point_of(actor, organisation)
    else:
        require_coordinator(actor)
        if role == Invitation.Role.OBSERVER and (
            organisation is None
            or organisation.kind != Organisation.Kind.PUBLIC_SERVICE
        ):
            raise ValidationError(
                {"organisation": _("An observer must be attached to a public service.")}
            )


@transaction.atomic
def invite_user(
    *, actor: User, email: str, role: str, organisation: Organisation | None = None
) -> tuple[Invitation, str]:
    """Invite someone by e-mail; returns the invitation and its one-time key."""
    email = email.strip().lower()
    if role not in Invitation.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role == Invitation.Role.COORDINATOR:
        organisation = None
    _check_invitation_authority(actor, role, organisation)
    if organisation is not None and not organisation.is_active:
        raise ValidationError({"organisation": _("This organisation is deactivated.")})
    existing = User.objects.filter(email__iexact=email).first()
    if (
        existing is not None
        and organisation is not None
        and role in Membership.Role.values
    ) and existing.memberships.filter(organisation=organisation).exists():
        raise ValidationError(
            {"email": _("This person is already a member of the organisation.")}
        )
    if (
        Invitation.objects.usable()
        .filter(email__iexact=email, organisation=organisation, role=role)
        .exists()
    ):
        raise ValidationError(
            {"email": _("An invitation is already waiting for this address.")}
        )
    key = Invitation.new_key()
    invitation = Invitation.objects.create(
        email=email,
        role=role,
        organisation=organisation,
        key_hash=hash_secret(key),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
    )
    language = translation.get_language() or settings.LANGUAGE_CODE
    transaction.on_commit(lambda: send_invitation_email(invitation.pk, key, language))
    return invitation, key


def find_invitation(key: str) -> Invitation:
    """The usable invitation for a one-time key, or ValidationError saying why not."""
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(key_hash=hash_secret(key))
        .first()
    )
    if invitation is None:
        raise ValidationError(_("This invitation link is not valid."))
    if invitation.accepted_at:
        raise ValidationError(_("This invitation has already been used."))
    if invitation.revoked_at:
        raise ValidationError(_("This invitation has been withdrawn."))
    if invitation.is_expired:
        raise ValidationError(_("This invitation has expired. Ask for a new one."))
    return invitation


@transaction.atomic
def accept_invitation(
    key: str,
    *,
    user: User | None = None,
    name: str = "",
    password: str = "",
    language: str | None = None,
) -> User:
    """Accept an invitation: as a logged-in user with the invited address, or by creating
    the account (the link proves the address, so it counts as verified)."""
    invitation = find_invitation(key)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:  # a concurrent acceptance won
        raise ValidationError(_("This invitation has already been used."))
    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                _("An account already exists for this address: sign in to accept.")
            )
        try:
            user = User.objects.create_user(invitation.email, password, name=name)
        except IntegrityError as exc:  # pragma: no cover - race with another sign-up
            raise ValidationError(
                _("An account already exists for this address.")
            ) from exc
        if language in User.Language.values:
            user.language = language
            user.save(update_fields=["language", "updated_at"])
    elif user.email.lower() != invitation.email.lower():
        raise PermissionDenied(_("This invitation was sent to another e-mail address."))
    EmailAddress.objects.update_or_create(
        user=user,
        email__iexact=invitation.email,
        defaults={"email": invitation.email, "verified": True, "primary": True},
    )
    if invitation.role in Membership.Role.values:
        Membership.objects.update_or_create(
            user=user,
            organisation=invitation.organisation,
            defaults={"role": invitation.role},
        )
        user.current_organisation = invitation.organisation
        user.save(update_fields=["current_organisation", "updated_at"])
    else:
        user.platform_role = invitation.role
        user.observer_body = (
            invitation.organisation
            if invitation.role == Invitation.Role.OBSERVER
            else None
        )
        user.save(update_fields=["platform_role", "observer_body", "updated_at"])
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return user


@transaction.atomic
def revoke_invitation(invitation: Invitation, *, actor: User) -> Invitation:
    """Withdraw an invitation that has not been used."""
    if invitation.organisation is None or not actor.is_coordinator:
        if invitation.organisation is None:
            require_coordinator(actor)
        else:
            require_focal_point_of(actor, invitation.organisation)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at:
        raise Conflict(_("This invitation has already been accepted."))
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at", "updated_at"])
    return invitation


@transaction.atomic
def change_member_role(membership: Membership, *, actor: User, role: str) -> Membership:
    """Make a member caseworker or focal point; an organisation keeps one focal point."""
    require_focal_point_of(actor, membership.organisation)
    if role not in Membership.Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if (
        membership.role == Membership.Role.FOCAL_POINT
        and role != Membership.Role.FOCAL_POINT
    ):
        _ensure_another_focal_point(membership)
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    return membership


@transaction.atomic
def remove_member(membership: Membership, *, actor: User) -> None:
    """Remove someone from an organisation (the audit trail keeps the record)."""
    require_focal_point_of(actor, membership.organisation)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == Membership.Role.FOCAL_POINT:
        _ensure_another_focal_point(membership)
    ApiToken.objects.filter(
        user_id=membership.user_id,
        organisation_id=membership.organisation_id,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now(), revoked_by=actor)
    membership.delete()


def _ensure_another_focal_point(membership: Membership) -> None:
    others = (
        Membership.objects.select_for_update()
        .filter(
            organisation_id=membership.organisation_id, role=Membership.Role.FOCAL_POINT
        )
        .exclude(pk=membership.pk)
    )
    if not others.exists():
        raise Conflict(_("An organisation needs at least one focal point."))


@transaction.atomic
def set_acting_organisation(user: User, *, organisation: Organisation) -> User:
    """Choose which of one's organisations one acts for."""
    if not user.memberships.filter(
        organisation=organisation, organisation__is_active=True
    ).exists():
        raise ValidationError(
            {"organisation": _("You are not a member of this organisation.")}
        )
    user.current_organisation = organisation
    user.save(update_fields=["current_organisation", "updated_at"])
    user.__dict__.pop("memberships_list", None)
    return user


@transaction.atomic
def update_profile(
    user: User, *, name: str | None = None, language: str | None = None
) -> User:
    """Change one's own display name or language."""
    fields = []
    if name is not None:
        user.name = name
        fields.append("name")
    if language is not None:
        if language not in User.Language.values:
            raise ValidationError({"language": _("Unknown language.")})
        user.language = language
        fields.append("language")
    user.save(update_fields=[*fields, "updated_at"])
    return user


# ---------------------------------------------------------------------------
# Requests to join
# ---------------------------------------------------------------------------
@transaction.atomic
def submit_join_request(*, data: dict) -> JoinRequest:
    """A new organisation asks to join (public form)."""
    m2m = {k: data.pop(k) for k in ("regions", "sectors") if k in data}
    request = JoinRequest.objects.create(**data)
    for field, values in m2m.items():
        getattr(request, field).set(values)
    return request


@transaction.atomic
def approve_join_request(
    join_request: JoinRequest, *, actor: User, note: str = ""
) -> JoinRequest:
    """Create the organisation (not yet verified) and invite its contact as focal point."""
    require_coordinator(actor)
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise Conflict(_("This request has already been decided."))
    organisation = Organisation.objects.create(
        code=unique_organisation_code(
            join_request.organisation_name, join_request.acronym
        ),
        name=join_request.organisation_name,
        acronym=join_request.acronym,
        kind=join_request.kind,
        description=join_request.description,
        website=join_request.website,
        email=join_request.contact_email,
        phone=join_request.contact_phone,
    )
    organisation.regions.set(join_request.regions.all())
    organisation.sectors.set(join_request.sectors.all())
    invite_user(
        actor=actor,
        email=join_request.contact_email,
        role=Invitation.Role.FOCAL_POINT,
        organisation=organisation,
    )
    join_request.status = JoinRequest.Status.APPROVED
    join_request.organisation = organisation
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.decision_note = note
    join_request.save(
        update_fields=[
            "status",
            "organisation",
            "decided_by",
            "decided_at",
            "decision_note",
            "updated_at",
        ]
    )
    return join_request


@transaction.atomic
def reject_join_request(
    join_request: JoinRequest, *, actor: User, note: str
) -> JoinRequest:
    """Turn a request down, telling the contact why."""
    require_coordinator(actor)
    if not note.strip():
        raise ValidationError({"note": _("Say why the request is rejected.")})
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.status != JoinRequest.Status.PENDING:
        raise Conflict(_("This request has already been decided."))
    join_request.status = JoinRequest.Status.REJECTED
    join_request.decided_by = actor
    join_request.decided_at = timezone.now()
    join_request.decision_note = note
    join_request.save(
        update_fields=[
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "updated_at",
        ]
    )
    transaction.on_commit(lambda: send_join_request_decision_email(join_request.pk))
    return join_request


# ---------------------------------------------------------------------------
# API tokens
# ---------------------------------------------------------------------------
@transaction.atomic
def create_api_token(
    *, actor: User, organisation: Organisation, name: str, check_authority: bool = True
) -> tuple[ApiToken, str]:
    """Create a token for the organisation; the raw key is returned once, never stored."""
    if check_authority:
        require_focal_point_of(actor, organisation)
    if not actor.memberships.filter(organisation=organisation).exists():
        raise ValidationError(
            {
                "organisation": _(
                    "The token's owner must be a member of the organisation."
                )
            }
        )
    if not name.strip():
        raise ValidationError(
            {"name": _("Give the token a name, e.g. the system that uses it.")}
        )
    key = ApiToken.new_key()
    token = ApiToken.objects.create(
        organisation=organisation,
        user=actor,
        name=name.strip(),
        prefix=key[: len(ApiToken.PREFIX) + 6],
        key_hash=hash_secret(key),
    )
    return token, key


@transaction.atomic
def revoke_api_token(token: ApiToken, *, actor: User) -> ApiToken:
    """Revoke a token at once; calls with it get 401 from then on."""
    require_focal_point_of(actor, token.organisation)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return token


# ---------------------------------------------------------------------------
# Services (the catalogue behind referrals and the public directory)
# ---------------------------------------------------------------------------
# What a focal point sets on a service (the organisation is the acting one).
SERVICE_FIELDS = (
    "name",
    "sector",
    "service_type",
    "description",
    "communes",
    "address",
    "latitude",
    "longitude",
    "open_to_all",
    "age_min",
    "age_max",
    "sexes",
    "nationality_criteria",
    "legal_status_criteria",
    "vulnerabilities",
    "documents_needed",
    "languages",
    "accessible",
    "accessibility_note",
    "opening_hours",
    "cost",
    "cost_note",
    "capacity",
    "capacity_note",
    "how_to_refer",
    "phone",
    "response_delay_days",
    "status",
    "public",
)
SERVICE_M2M = ("regions", "provinces")


class ServicePreconditionFailed(BasePreconditionFailed):
    """Someone saved the service after the version the caller edited (HTTP 412)."""

    default_message = gettext_lazy(
        "Someone else saved this service after you opened it. Reload it to see their "
        "changes, then make yours again."
    )


def require_service_manager(actor: User, organisation: Organisation) -> None:
    """An organisation's catalogue is managed by its focal points (caseworkers read it;
    coordinators verify organisations but do not speak for their services)."""
    acting = actor.acting_organisation
    if not (
        actor.is_focal_point and acting is not None and acting.pk == organisation.pk
    ):
        raise PermissionDenied(
            _("Only a focal point of the organisation may change its services.")
        )


def can_manage_services(actor: User, organisation: Organisation) -> bool:
    try:
        require_service_manager(actor, organisation)
    except PermissionDenied:
        return False
    return True


def service_rule_errors(values: dict) -> dict[str, list[str]]:
    """The service's rules on a full set of values, as messages per field."""
    errors: dict[str, list[str]] = {}
    sector, service_type = values.get("sector"), values.get("service_type")
    if (
        sector is not None
        and service_type is not None
        and service_type.sector_id != sector.pk
    ):
        errors["service_type"] = [
            _("“%(type)s” is not a service type of the sector “%(sector)s”.")
            % {"type": service_type.name, "sector": sector.name}
        ]
    regions = list(values.get("regions") or [])
    if not regions:
        errors["regions"] = [_("Choose at least one region where the service is.")]
    region_ids = {r.pk for r in regions}
    outside = [
        p for p in values.get("provinces") or [] if p.region_id not in region_ids
    ]
    if regions and outside:
        errors["provinces"] = [
            _("%(provinces)s: not in the service's regions.")
            % {"provinces": ", ".join(p.name for p in outside)}
        ]
    age_min, age_max = values.get("age_min"), values.get("age_max")
    if age_min is not None and age_max is not None and age_max < age_min:
        errors["age_max"] = [
            _("The maximum age cannot be below the minimum age (%(min)d).")
            % {"min": age_min}
        ]
    for field in ("age_min", "age_max"):
        if values.get(field) is not None and values[field] > 120:
            errors[field] = [_("Give an age between 0 and 120.")]
    if values.get("response_delay_days") is not None and (
        values["response_delay_days"] > 365
    ):
        errors["response_delay_days"] = [_("Give a delay of at most 365 days.")]
    for field in ("latitude", "longitude"):
        value = values.get(field)
        limit = 90 if field == "latitude" else 180
        if value is not None and abs(value) > limit:
            errors[field] = [
                _("Give a value between -%(limit)d and %(limit)d.") % {"limit": limit}
            ]
    if (values.get("latitude") is None) != (values.get("longitude") is None):
        errors.setdefault(
            "longitude", [_("Give both the latitude and the longitude, or neither.")]
        )
    if not values.get("name", "").strip():
        errors["name"] = [_("Give the service a name.")]
    return errors


def _dedupe(values: dict) -> None:
    # Arrays chosen from lists: each value once, in the order given.
    for field in ("sexes", "vulnerabilities", "languages", "how_to_refer"):
        if field in values and values[field] is not None:
            values[field] = list(dict.fromkeys(values[field]))


@transaction.atomic
def create_service(*, actor: User, data: dict) -> Service:
    """Add a service to the catalogue of the actor's acting organisation."""
    organisation = actor.acting_organisation
    if organisation is None:
        raise PermissionDenied(_("Act for an organisation to add its services."))
    require_service_manager(actor, organisation)
    values = {f: data[f] for f in SERVICE_FIELDS if f in data}
    _dedupe(values)
    m2m = {f: list(data.get(f) or []) for f in SERVICE_M2M}
    errors = service_rule_errors({**values, **m2m})
    if errors:
        raise ValidationError(errors)
    service = Service.objects.create(
        organisation=organisation, created_by=actor, **values
    )
    for field, rows in m2m.items():
        getattr(service, field).set(rows)
    return service


@transaction.atomic
def update_service(
    service: Service, *, actor: User, data: dict, version: int | None = None
) -> Service:
    """Edit a service of the actor's organisation. With `version`, refuse
    (ServicePreconditionFailed) if someone saved it since that version."""
    require_service_manager(actor, service.organisation)
    # Lock first: two focal points (or a partner system) may save at once.
    service = (
        Service.objects.select_for_update(of=("self",))
        .select_related("organisation", "sector", "service_type")
        .get(pk=service.pk)
    )
    if version is not None and version != service.version:
        raise ServicePreconditionFailed
    changed = [f for f in SERVICE_FIELDS if f in data]
    values = {f: data[f] for f in changed}
    _dedupe(values)
    merged = {f: getattr(service, f) for f in SERVICE_FIELDS}
    merged.update(values)
    for field in SERVICE_M2M:
        merged[field] = (
            list(data[field])
            if data.get(field) is not None
            else list(getattr(service, field).all())
        )
    errors = service_rule_errors(merged)
    if errors:
        raise ValidationError(errors)
    for field, value in values.items():
        setattr(service, field, value)
    service.version += 1
    service.updated_by = actor
    service.save(update_fields=[*changed, "version", "updated_by", "updated_at"])
    for field in SERVICE_M2M:
        if data.get(field) is not None:
            getattr(service, field).set(data[field])
    return service


@transaction.atomic
def set_service_status(service: Service, *, actor: User, status: str) -> Service:
    """Mark a service available, full or suspended (suspended: no new referrals and
    out of the public directory)."""
    require_service_manager(actor, service.organisation)
    if status not in Service.Status.values:
        raise ValidationError({"status": _("Choose available, full or suspended.")})
    service = Service.objects.select_for_update().get(pk=service.pk)
    if service.status != status:
        service.status = status
        service.version += 1
        service.updated_by = actor
        service.save(update_fields=["status", "version", "updated_by", "updated_at"])
    return service


def _sql_ineligible(age: int | None, sex: str | None) -> Q | None:
    """The services whose age or sex criteria exclude the person, as a condition (None
    when nothing is known about the person)."""
    conditions = Q()
    if age is not None:
        conditions |= Q(age_min__gt=age) | Q(age_max__lt=age)
    if sex:
        conditions |= ~Q(sexes=[]) & ~Q(sexes__contains=[sex])
    return conditions or None


def _eligibility_parts(
    service: Service, age: int | None, sex: str | None
) -> list[tuple[int, str, str]]:
    """Why the person does not meet the service's criteria (none when they do): no
    points, the finder ranks these services last instead."""
    parts = []
    if age is not None and service.age_min is not None and age < service.age_min:
        parts.append(
            (
                0,
                "not_eligible",
                _("Not eligible: age %(age)d, service from %(min)d")
                % {"age": age, "min": service.age_min},
            )
        )
    elif age is not None and service.age_max is not None and age > service.age_max:
        parts.append(
            (
                0,
                "not_eligible",
                _("Not eligible: age %(age)d, service up to %(max)d")
                % {"age": age, "max": service.age_max},
            )
        )
    if sex and service.sexes and sex not in service.sexes:
        parts.append(
            (
                0,
                "not_eligible",
                _("Not eligible: service for %(sexes)s")
                % {"sexes": ", ".join(service.sex_labels)},
            )
        )
    return parts


def _sql_score(service_type, province, region, languages, accessible) -> Expression:
    """rank_services()'s points as a database expression (keep the two in step)."""
    zero = Value(0)
    score: Expression = Greatest(zero, Value(10) - F("response_delay_days"))
    if service_type is not None:
        score += Case(When(service_type=service_type, then=Value(40)), default=zero)
    place = []
    if province is not None:
        in_province = Service.provinces.through.objects.filter(
            service=OuterRef("pk"), province=province
        )
        place.append(When(Exists(in_province), then=Value(30)))
    if region is not None:
        in_region = Service.regions.through.objects.filter(
            service=OuterRef("pk"), region=region
        )
        place.append(When(Exists(in_region), then=Value(15)))
    if place:
        score += Case(*place, default=zero)
    for code in languages:
        score += Case(When(languages__contains=[code], then=Value(10)), default=zero)
    if accessible:
        score += Case(When(accessible=True, then=Value(10)), default=zero)
    score += Case(
        When(Q(status=Service.Status.FULL) | Q(capacity=0), then=Value(-50)),
        When(capacity__gt=0, then=Value(5)),
        default=zero,
    )
    return ExpressionWrapper(score, output_field=IntegerField())


@dataclasses.dataclass
class ServiceMatch:
    """A service the finder proposes, with why (for display) and its score."""

    service: Service
    score: int
    reasons: list[str] = dataclasses.field(default_factory=list)
    codes: list[str] = dataclasses.field(default_factory=list)
    # False when the person's age or sex is outside the service's criteria (ranked last).
    eligible: bool = True


def rank_services(
    *,
    sector,
    service_type=None,
    province=None,
    region=None,
    languages: Sequence[str] = (),
    accessible: bool | None = None,
    exclude_organisation: Organisation | None = None,
    queryset: QuerySet[Service] | None = None,
    limit: int = 50,
    age: int | None = None,
    sex: str | None = None,
) -> list[ServiceMatch]:
    """Services of the sector that can take a referral (not suspended; full ones last),
    best first: same service type, same province > same region, a shared language,
    accessibility, shorter response delay, places left. With the person's `age` and
    `sex`, services whose criteria exclude them are not hidden but ranked after every
    other, saying why ("not_eligible"). Three queries whatever the size."""
    if region is None and province is not None:
        region = province.region
    rows = (
        (queryset if queryset is not None else Service.objects.all())
        .referable()
        .filter(sector=sector)
        .select_related("organisation", "sector", "service_type")
        .prefetch_related("regions", "provinces")
    )
    if exclude_organisation is not None:
        rows = rows.exclude(organisation=exclude_organisation)
    names = dict(LANGUAGE_CHOICES)
    wanted = list(dict.fromkeys(languages or ()))
    # The same score in SQL, so that only the best `limit` rows are loaded and
    # explained below, however large the catalogue.
    ineligible = _sql_ineligible(age, sex)
    rows = rows.annotate(
        finder_score=_sql_score(service_type, province, region, wanted, accessible),
        finder_eligible=Case(When(ineligible, then=Value(False)), default=Value(True))
        if ineligible is not None
        else Value(True),
    ).order_by("-finder_eligible", "-finder_score", "response_delay_days", "pk")[:limit]
    matches = []
    for service in rows:
        # (points, code, reason shown to the person referring)
        parts: list[tuple[int, str, str]] = []
        if service_type is not None and service.service_type_id == service_type.pk:
            parts.append(
                (40, "service_type", _("Offers %(type)s") % {"type": service_type.name})
            )
        province_ids = {p.pk for p in service.provinces.all()}
        region_ids = {r.pk for r in service.regions.all()}
        if province is not None and province.pk in province_ids:
            parts.append((30, "same_province", _("Same province")))
        elif region is not None and region.pk in region_ids:
            parts.append((15, "same_region", _("Same region")))
        parts.extend(
            (
                10,
                f"language:{code}",
                _("Speaks %(language)s") % {"language": names.get(code, code)},
            )
            for code in wanted
            if code in service.languages
        )
        if accessible and service.accessible:
            parts.append(
                (10, "accessible", _("Accessible to persons with disabilities"))
            )
        delay = service.response_delay_days
        parts.append(
            (
                max(0, 10 - delay),
                "delay",
                ngettext("Responds in %(days)d day", "Responds in %(days)d days", delay)
                % {"days": delay},
            )
        )
        if service.status == Service.Status.FULL or service.capacity == 0:
            parts.append((-50, "full", _("Full at the moment")))
        elif service.capacity:
            parts.append(
                (
                    5,
                    "capacity",
                    ngettext(
                        "%(count)d place available",
                        "%(count)d places available",
                        service.capacity,
                    )
                    % {"count": service.capacity},
                )
            )
        not_eligible = _eligibility_parts(service, age, sex)
        parts.extend(not_eligible)
        matches.append(
            ServiceMatch(
                service,
                sum(p[0] for p in parts),
                [p[2] for p in parts],
                [p[1] for p in parts],
                eligible=not not_eligible,
            )
        )
    matches.sort(
        key=lambda m: (
            not m.eligible,
            -m.score,
            m.service.response_delay_days,
            m.service.pk,
        )
    )
    return matches[:limit]
