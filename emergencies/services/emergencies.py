"""Emergencies and their needs: coordinators declare, edit and close emergencies and
record what each needs in a sector and place. Partner systems hear of emergencies
through webhook events."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as FieldError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.exceptions import Conflict, ValidationError
from coordination.models import Province, Region, Sector, ServiceType
from coordination.permissions import require_coordinator
from coordination.unset import UNSET, Unset, given
from emergencies.glide import normalise_glide_number, validate_glide_number
from emergencies.models import Emergency, Need
from notifications.services import queue_webhook_event

from .checks import place_errors, provinces_outside, service_type_errors

if TYPE_CHECKING:
    from organisations.models import User


# ---------------------------------------------------------------------------
# Emergencies
# ---------------------------------------------------------------------------
def emergency_date_errors(
    started_on: date | None, ended_on: date | None
) -> dict[str, str]:
    """An emergency does not end before it starts: the one home of this rule, for the
    pages, the API and closing alike."""
    if started_on is not None and ended_on is not None and ended_on < started_on:
        return {"ended_on": _("The end date cannot be before the start date.")}
    return {}


def _emergency_errors(
    emergency: Emergency, regions: list[Region], provinces: list[Province]
) -> dict[str, str]:
    """Everything wrong with an emergency about to be saved, by field."""
    errors: dict[str, str] = {}
    if not emergency.title.strip():
        errors["title"] = _("Give the emergency a title.")
    if not regions:
        errors["regions"] = _("Choose at least one affected region.")
    elif outside := provinces_outside(regions, provinces):
        errors["provinces"] = _(
            "These provinces are not in the regions chosen: %(names)s. "
            "Add their region or remove them."
        ) % {"names": ", ".join(sorted(p.name for p in outside))}
    errors.update(emergency_date_errors(emergency.started_on, emergency.ended_on))
    return errors


# Lazy: translated for each request, not once at import.
GLIDE_TAKEN = gettext_lazy("Another emergency already has this GLIDE number.")


def glide_number_error(emergency: Emergency) -> str | None:
    """A malformed GLIDE number, or one another emergency has (one crisis, one row)."""
    if not emergency.glide_number:
        return None
    try:
        validate_glide_number(emergency.glide_number)
    except FieldError as error:
        return error.messages[0]
    others = Emergency.objects.filter(glide_number=emergency.glide_number)
    if others.exclude(pk=emergency.pk).exists():
        return str(GLIDE_TAKEN)
    return None


def _save(emergency: Emergency, **kwargs: Any) -> None:
    """Save; two coordinators giving one GLIDE number at once: the second gets a 400."""
    try:
        with transaction.atomic():
            emergency.save(**kwargs)
    except IntegrityError:
        raise ValidationError({"glide_number": str(GLIDE_TAKEN)}) from None


def _end_if_closed(emergency: Emergency) -> list[str]:
    """A closed emergency has ended: today, unless it has not started yet. Returns the
    fields it set."""
    if emergency.status == Emergency.Status.CLOSED and emergency.ended_on is None:
        emergency.ended_on = max(timezone.localdate(), emergency.started_on)
        return ["ended_on"]
    return []


def _emergency_event_context(emergency: Emergency) -> dict[str, Any]:
    """What partner systems learn of an emergency in its webhook events."""
    return {
        "title": emergency.title,
        "kind": emergency.kind,
        "status": emergency.status,
        "severity": emergency.severity,
        "started_on": str(emergency.started_on),
        "ended_on": str(emergency.ended_on) if emergency.ended_on else None,
        "regions": sorted(emergency.regions.values_list("code", flat=True)),
        "glide_number": emergency.glide_number,
    }


@transaction.atomic
def create_emergency(
    *,
    actor: User,
    title: str,
    kind: str,
    started_on: date,
    regions: Iterable[Region],
    provinces: Iterable[Province] = (),
    ended_on: date | None = None,
    severity: str = Emergency.Severity.MEDIUM,
    status: str = Emergency.Status.ACTIVE,
    people_affected: int | None = None,
    description: str = "",
    glide_number: str = "",
) -> Emergency:
    """Declare an emergency (coordinators), with its affected regions and provinces."""
    require_coordinator(actor)
    emergency = Emergency(
        created_by=actor,
        title=title,
        kind=kind,
        started_on=started_on,
        ended_on=ended_on,
        severity=severity,
        status=status,
        people_affected=people_affected,
        description=description,
        glide_number=normalise_glide_number(glide_number),
    )
    _end_if_closed(emergency)
    regions, provinces = list(regions), list(provinces)
    errors = _emergency_errors(emergency, regions, provinces)
    if message := glide_number_error(emergency):
        errors["glide_number"] = message
    if errors:
        raise ValidationError(errors)
    _save(emergency)
    emergency.regions.set(regions)
    emergency.provinces.set(provinces)
    queue_webhook_event(
        emergency,
        event="emergency.created",
        context=_emergency_event_context(emergency),
    )
    return emergency


@transaction.atomic
def update_emergency(
    emergency: Emergency,
    *,
    actor: User,
    title: str | Unset = UNSET,
    kind: str | Unset = UNSET,
    started_on: date | Unset = UNSET,
    ended_on: date | Unset | None = UNSET,
    severity: str | Unset = UNSET,
    status: str | Unset = UNSET,
    people_affected: int | Unset | None = UNSET,
    description: str | Unset = UNSET,
    glide_number: str | Unset = UNSET,
    regions: Iterable[Region] | Unset = UNSET,
    provinces: Iterable[Province] | Unset = UNSET,
) -> Emergency:
    """Edit an emergency (coordinators): only the fields given change; provinces stay
    inside the regions."""
    require_coordinator(actor)
    emergency = Emergency.objects.select_for_update().get(pk=emergency.pk)
    changes = given(
        title=title,
        kind=kind,
        started_on=started_on,
        ended_on=ended_on,
        severity=severity,
        status=status,
        people_affected=people_affected,
        description=description,
        glide_number=glide_number
        if isinstance(glide_number, Unset)
        else normalise_glide_number(glide_number),
    )
    for name, value in changes.items():
        setattr(emergency, name, value)
    changed = [*changes, *_end_if_closed(emergency)]
    new_regions = (
        list(emergency.regions.all()) if isinstance(regions, Unset) else list(regions)
    )
    new_provinces = (
        list(emergency.provinces.all())
        if isinstance(provinces, Unset)
        else list(provinces)
    )
    errors = _emergency_errors(emergency, new_regions, new_provinces)
    if "provinces" in errors and isinstance(provinces, Unset):
        # Report a place error on the field the request changed.
        errors["regions"] = errors.pop("provinces")
    if "glide_number" in changes and (message := glide_number_error(emergency)):
        errors["glide_number"] = message  # one kept from before is left alone
    if errors:
        raise ValidationError(errors)
    if (
        Need.objects.filter(emergency=emergency)
        .exclude(region__in=new_regions)
        .exists()
    ):
        raise ValidationError(
            {
                "regions": _(
                    "Some needs are recorded in a region you removed: move or remove "
                    "those needs first."
                )
            }
        )
    _save(emergency, update_fields=[*dict.fromkeys(changed), "updated_at"])
    if not isinstance(regions, Unset):
        emergency.regions.set(new_regions)
    if not isinstance(provinces, Unset):
        emergency.provinces.set(new_provinces)
    queue_webhook_event(
        emergency,
        event="emergency.updated",
        context=_emergency_event_context(emergency),
    )
    return emergency


@transaction.atomic
def close_emergency(
    emergency: Emergency, *, actor: User, ended_on: date | None = None
) -> Emergency:
    """Close an emergency (coordinators): it ends on `ended_on`, today by default."""
    require_coordinator(actor)
    emergency = Emergency.objects.select_for_update().get(pk=emergency.pk)
    if emergency.status == Emergency.Status.CLOSED:
        raise Conflict(_("This emergency is already closed."))
    emergency.status = Emergency.Status.CLOSED
    emergency.ended_on = (
        ended_on
        or emergency.ended_on
        or max(timezone.localdate(), emergency.started_on)
    )
    if errors := emergency_date_errors(emergency.started_on, emergency.ended_on):
        raise ValidationError(errors)
    emergency.save(update_fields=["status", "ended_on", "updated_at"])
    queue_webhook_event(
        emergency,
        event="emergency.updated",
        context=_emergency_event_context(emergency),
    )
    return emergency


# ---------------------------------------------------------------------------
# Needs
# ---------------------------------------------------------------------------
def _validate_need(need: Need) -> None:
    errors: dict[str, str] = {}
    if (
        need.region_id is not None
        and not need.emergency.regions.filter(pk=need.region_id).exists()
    ):
        errors["region"] = _(
            "This region is not one of the emergency's affected regions."
        )
    errors.update(place_errors(need.region, need.province))
    errors.update(service_type_errors(need.sector, need.service_type))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_need(
    emergency: Emergency,
    *,
    actor: User,
    sector: Sector,
    region: Region,
    people_in_need: int,
    service_type: ServiceType | None = None,
    province: Province | None = None,
    priority: str = Need.Priority.MEDIUM,
    note: str = "",
) -> Need:
    """Record what an emergency needs in a sector and place (coordinators)."""
    require_coordinator(actor)
    need = Need(
        emergency=emergency,
        sector=sector,
        service_type=service_type,
        region=region,
        province=province,
        people_in_need=people_in_need,
        priority=priority,
        note=note,
    )
    _validate_need(need)
    need.save()
    return need


@transaction.atomic
def update_need(
    need: Need,
    *,
    actor: User,
    sector: Sector | Unset = UNSET,
    region: Region | Unset = UNSET,
    people_in_need: int | Unset = UNSET,
    service_type: ServiceType | Unset | None = UNSET,
    province: Province | Unset | None = UNSET,
    priority: str | Unset = UNSET,
    note: str | Unset = UNSET,
) -> Need:
    """Change a need (coordinators): only the fields given change."""
    require_coordinator(actor)
    need = Need.objects.select_for_update().select_related("emergency").get(pk=need.pk)
    changes = given(
        sector=sector,
        service_type=service_type,
        region=region,
        province=province,
        people_in_need=people_in_need,
        priority=priority,
        note=note,
    )
    for name, value in changes.items():
        setattr(need, name, value)
    changed = list(changes)
    if (
        "sector" in changes
        and "service_type" not in changes
        and need.service_type_id
        and need.service_type.sector_id != need.sector_id
    ):
        # A new sector drops a service type of the old one rather than refusing.
        need.service_type = None
        changed.append("service_type")
    _validate_need(need)
    need.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    return need


@transaction.atomic
def remove_need(need: Need, *, actor: User) -> None:
    """Delete a need recorded by mistake or no longer relevant (coordinators)."""
    require_coordinator(actor)
    need.delete()
