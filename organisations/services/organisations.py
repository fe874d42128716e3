"""Organisations of the registry: registering, editing the profile, verifying and
deactivating them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from coordination.permissions import require_coordinator, require_focal_point_of
from coordination.unset import UNSET, Unset, given
from organisations.models import ApiToken, Organisation

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
    languages: Sequence[str] | Unset = UNSET,
    regions: Iterable[Region] | Unset = UNSET,
    provinces: Iterable[Province] | Unset = UNSET,
    sectors: Iterable[Sector] | Unset = UNSET,
) -> Organisation:
    """Edit an organisation's profile (its focal point, or a coordinator); only the
    fields given change."""
    if not actor.is_coordinator:
        require_focal_point_of(actor, organisation)
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
    languages: Sequence[str] = (),
    regions: Iterable[Region] = (),
    provinces: Iterable[Province] = (),
    sectors: Iterable[Sector] = (),
) -> Organisation:
    """Register an organisation directly (coordinators)."""
    require_coordinator(actor)
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
        languages=list(languages),
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
