"""Members and invitations: inviting people to a role, accepting or withdrawing an
invitation, members' roles, and one's own profile and acting organisation."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.permissions import require_coordinator, require_focal_point_of
from organisations.emails import send_invitation_email
from organisations.models import (
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    User,
    hash_secret,
)


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
    # An outbox row in this transaction: the e-mail leaves once it commits.
    send_invitation_email(invitation.pk, key, language)
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
