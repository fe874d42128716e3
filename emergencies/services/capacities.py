"""Capacities: what an organisation declares it can mobilise, where, as of a date. Its
members declare, update and withdraw them; everyone signed in reads them."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import PermissionDenied, ValidationError
from coordination.models import Province, Region, Sector, ServiceType
from coordination.unset import UNSET, Unset, given
from emergencies.models import Capacity, Emergency

from .checks import place_errors, service_type_errors

if TYPE_CHECKING:
    from organisations.models import Organisation, User


def can_declare_capacity(user: User) -> bool:
    """Whoever acts for an organisation declares its capacities."""
    return user.acting_organisation is not None


def require_can_declare_capacity(actor: User) -> Organisation:
    """The actor's acting organisation, for which they declare capacities."""
    if not can_declare_capacity(actor):
        raise PermissionDenied(
            _("Only members of an organisation may declare its capacities.")
        )
    return actor.acting_organisation


def require_can_change_capacity(capacity: Capacity, *, actor: User) -> None:
    """Only members of the organisation that declared a capacity change or withdraw it."""
    if require_can_declare_capacity(actor).pk != capacity.organisation_id:
        raise PermissionDenied(
            _("Only members of this organisation may change its capacities.")
        )


def _validate_capacity(capacity: Capacity) -> None:
    errors = {
        **place_errors(capacity.region, capacity.province),
        **service_type_errors(capacity.sector, capacity.service_type),
    }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def declare_capacity(
    *,
    actor: User,
    sector: Sector,
    description: str,
    quantity: int,
    region: Region,
    emergency: Emergency | None = None,
    service_type: ServiceType | None = None,
    province: Province | None = None,
    as_of: date | None = None,
) -> Capacity:
    """Declare what the actor's organisation can mobilise, where, as of a date (today
    by default)."""
    organisation = require_can_declare_capacity(actor)
    capacity = Capacity(
        organisation=organisation,
        created_by=actor,
        emergency=emergency,
        sector=sector,
        service_type=service_type,
        description=description,
        quantity=quantity,
        region=region,
        province=province,
        as_of=as_of or timezone.localdate(),
    )
    _validate_capacity(capacity)
    capacity.save()
    return capacity


@transaction.atomic
def update_capacity(
    capacity: Capacity,
    *,
    actor: User,
    sector: Sector | Unset = UNSET,
    description: str | Unset = UNSET,
    quantity: int | Unset = UNSET,
    region: Region | Unset = UNSET,
    emergency: Emergency | Unset | None = UNSET,
    service_type: ServiceType | Unset | None = UNSET,
    province: Province | Unset | None = UNSET,
    as_of: date | Unset = UNSET,
) -> Capacity:
    """Update a declared capacity (members of its organisation): only the fields given
    change."""
    require_can_change_capacity(capacity, actor=actor)
    capacity = Capacity.objects.select_for_update().get(pk=capacity.pk)
    changes = given(
        emergency=emergency,
        sector=sector,
        service_type=service_type,
        description=description,
        quantity=quantity,
        region=region,
        province=province,
        as_of=as_of,
    )
    for name, value in changes.items():
        setattr(capacity, name, value)
    _validate_capacity(capacity)
    capacity.save(update_fields=[*changes, "updated_at"])
    return capacity


@transaction.atomic
def withdraw_capacity(capacity: Capacity, *, actor: User) -> None:
    """Withdraw a capacity the organisation can no longer mobilise (its members)."""
    require_can_change_capacity(capacity, actor=actor)
    capacity.delete()
