"""Every state change to users, organisations, memberships, invitations, join requests and
API tokens. Authority rules live here, once, for pages and API alike."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, PermissionDenied, ValidationError

from .emails import send_invitation_email, send_join_request_decision_email
from .models import (
    ApiToken,
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
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


def _require_focal_point_of(actor: User, organisation: Organisation) -> None:
    acting = actor.acting_organisation
    if not (
        actor.is_focal_point and acting is not None and acting.pk == organisation.pk
    ):
        raise PermissionDenied(
            _("Only a focal point of this organisation may do this.")
        )


def _require_coordinator(actor: User) -> None:
    if not actor.is_coordinator:
        raise PermissionDenied(_("Only a coordinator may do this."))


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
        _require_focal_point_of(actor, organisation)
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
    _require_coordinator(actor)
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
    _require_coordinator(actor)
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
    _require_coordinator(actor)
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
        _require_focal_point_of(actor, organisation)
    else:
        _require_coordinator(actor)
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
            _require_coordinator(actor)
        else:
            _require_focal_point_of(actor, invitation.organisation)
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
    _require_focal_point_of(actor, membership.organisation)
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
    _require_focal_point_of(actor, membership.organisation)
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
    _require_coordinator(actor)
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
    _require_coordinator(actor)
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
        _require_focal_point_of(actor, organisation)
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
    _require_focal_point_of(actor, token.organisation)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    return token
