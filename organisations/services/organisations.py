"""Organisations of the registry: registering, editing the profile, verifying and
deactivating them.

Organisations off the platform ("unconnected": nobody is a member yet, PRODUCT.md
"Beyond the platform") are listed so that referrals can reach them through the slip. The
rule, one for pages and API:

- a coordinator, or a focal point acting for their organisation, may add one
  (`create_organisation`); a focal point's addition records their organisation as
  `listed_by`, and `created_by` records the person (the audit trail keeps every change);
- while it has no members, its profile and services are kept by coordinators and by the
  focal points of the organisation that listed it (`may_keep_unconnected`);
- once anyone joins it (a coordinator invites its focal point, who accepts), it is
  connected: the same row, with its services and referrals, now kept by its own focal
  points (coordinators still edit any profile, as before); the listing organisation
  loses its hand on it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coordination.exceptions import PermissionDenied
from coordination.permissions import require_coordinator, require_focal_point_of
from coordination.unset import UNSET, Unset, given
from organisations.models import ApiToken, Membership, Organisation

if TYPE_CHECKING:
    from coordination.models import Province, Region, Sector
    from organisations.models import User

# Fields of the organisation profile a focal point may edit (verification and activity
# are the coordinators'): update_organisation's arguments, and the profile form's.
PROFILE_FIELDS = (
    "name",
    "acronym",
    "kind",
    "description",
    "email",
    "phone",
    "website",
    "address",
    "contact_person",
    "opening_hours",
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


def has_members(organisation: Organisation) -> bool:
    """Whether anyone is a member now (read afresh: authority is never decided on a
    cached answer)."""
    return Membership.objects.filter(organisation=organisation).exists()


def may_keep_unconnected(actor: User, organisation: Organisation) -> bool:
    """Whether the actor keeps this organisation's profile and services because it is
    off the platform: a coordinator, or a focal point acting for the organisation that
    listed it; only while nobody is a member."""
    if actor.is_coordinator:
        steward = True
    else:
        acting = actor.acting_organisation
        steward = (
            actor.is_focal_point
            and acting is not None
            and organisation.listed_by_id is not None
            and acting.pk == organisation.listed_by_id
        )
    return steward and not has_members(organisation)


def require_profile_editor(actor: User, organisation: Organisation) -> None:
    """A profile is edited by its focal point or a coordinator; an unconnected one also
    by a focal point of the organisation that listed it."""
    if actor.is_coordinator or may_keep_unconnected(actor, organisation):
        return
    require_focal_point_of(actor, organisation)


def can_edit_profile(actor: User, organisation: Organisation) -> bool:
    try:
        require_profile_editor(actor, organisation)
    except PermissionDenied:
        return False
    return True


def require_organisation_lister(actor: User) -> None:
    """Who may add an organisation: a coordinator (any), or a focal point acting for
    their organisation (one off the platform that their organisation refers to)."""
    if actor.is_coordinator:
        return
    if not (actor.is_focal_point and actor.acting_organisation is not None):
        raise PermissionDenied(
            _("Only a coordinator or a focal point may add an organisation.")
        )


def can_list_organisations(actor: User) -> bool:
    try:
        require_organisation_lister(actor)
    except PermissionDenied:
        return False
    return True


@transaction.atomic
def update_organisation(
    organisation: Organisation,
    *,
    actor: User,
    name: str | Unset = UNSET,
    acronym: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    description: str | Unset = UNSET,
    email: str | Unset = UNSET,
    phone: str | Unset = UNSET,
    website: str | Unset = UNSET,
    address: str | Unset = UNSET,
    contact_person: str | Unset = UNSET,
    opening_hours: str | Unset = UNSET,
    languages: Sequence[str] | Unset = UNSET,
    regions: Iterable[Region] | Unset = UNSET,
    provinces: Iterable[Province] | Unset = UNSET,
    sectors: Iterable[Sector] | Unset = UNSET,
) -> Organisation:
    """Edit an organisation's profile (its focal point, or a coordinator; while it is
    off the platform, a focal point of the organisation that listed it); only the
    fields given change."""
    require_profile_editor(actor, organisation)
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    changed = given(
        name=name,
        acronym=acronym,
        kind=kind,
        description=description,
        email=email,
        phone=phone,
        website=website,
        address=address,
        contact_person=contact_person,
        opening_hours=opening_hours,
        languages=languages,
    )
    for field, value in changed.items():
        setattr(organisation, field, value)
    organisation.save(update_fields=[*changed, "updated_at"])
    places = given(regions=regions, provinces=provinces, sectors=sectors)
    for field, rows in places.items():
        getattr(organisation, field).set(rows)
    return organisation


@transaction.atomic
def create_organisation(
    *,
    actor: User,
    name: str,
    kind: str,
    acronym: str = "",
    description: str = "",
    email: str = "",
    phone: str = "",
    website: str = "",
    address: str = "",
    contact_person: str = "",
    opening_hours: str = "",
    languages: Sequence[str] = (),
    regions: Iterable[Region] = (),
    provinces: Iterable[Province] = (),
    sectors: Iterable[Sector] = (),
) -> Organisation:
    """Register an organisation directly: a coordinator, or a focal point listing one
    off the platform (recorded as `listed_by` their organisation). Nobody is a member
    yet, so it is unconnected until a coordinator invites its focal point."""
    require_organisation_lister(actor)
    organisation = Organisation.objects.create(
        code=unique_organisation_code(name, acronym),
        name=name,
        acronym=acronym,
        kind=kind,
        description=description,
        email=email,
        phone=phone,
        website=website,
        address=address,
        contact_person=contact_person,
        opening_hours=opening_hours,
        languages=list(languages),
        listed_by=None if actor.is_coordinator else actor.acting_organisation,
        created_by=actor,
    )
    for field, rows in (
        ("regions", regions),
        ("provinces", provinces),
        ("sectors", sectors),
    ):
        if rows := list(rows):
            getattr(organisation, field).set(rows)
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
