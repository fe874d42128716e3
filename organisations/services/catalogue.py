"""The service catalogue behind referrals and the public directory: who manages an
organisation's services, the rules a service keeps, adding, editing and its status."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.exceptions import PermissionDenied, ValidationError
from coordination.exceptions import PreconditionFailed as BasePreconditionFailed
from coordination.unset import UNSET, Unset, given
from organisations.models import Organisation, Service, User

from .organisations import may_keep_unconnected

if TYPE_CHECKING:
    from coordination.models import Province, Region, Sector, ServiceType

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
    coordinators verify organisations but do not speak for their services). An
    organisation off the platform has none: coordinators and the focal points of the
    organisation that listed it keep its services until someone joins it."""
    acting = actor.acting_organisation
    if actor.is_focal_point and acting is not None and acting.pk == organisation.pk:
        return
    if not may_keep_unconnected(actor, organisation):
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
def create_service(
    *,
    actor: User,
    organisation: Organisation | None = None,
    name: str,
    sector: Sector,
    service_type: ServiceType,
    regions: Iterable[Region],
    provinces: Iterable[Province] = (),
    description: str | Unset = UNSET,
    communes: str | Unset = UNSET,
    address: str | Unset = UNSET,
    latitude: Decimal | Unset | None = UNSET,
    longitude: Decimal | Unset | None = UNSET,
    open_to_all: bool | Unset = UNSET,
    age_min: int | Unset | None = UNSET,
    age_max: int | Unset | None = UNSET,
    sexes: Sequence[str] | Unset = UNSET,
    nationality_criteria: str | Unset = UNSET,
    legal_status_criteria: str | Unset = UNSET,
    vulnerabilities: Sequence[str] | Unset = UNSET,
    documents_needed: str | Unset = UNSET,
    languages: Sequence[str] | Unset = UNSET,
    accessible: bool | Unset = UNSET,
    accessibility_note: str | Unset = UNSET,
    opening_hours: str | Unset = UNSET,
    cost: str | Unset = UNSET,
    cost_note: str | Unset = UNSET,
    capacity: int | Unset | None = UNSET,
    capacity_note: str | Unset = UNSET,
    how_to_refer: Sequence[str] | Unset = UNSET,
    phone: str | Unset = UNSET,
    response_delay_days: int | Unset = UNSET,
    status: str | Unset = UNSET,
    public: bool | Unset = UNSET,
) -> Service:
    """Add a service to the catalogue of the actor's acting organisation, or of
    `organisation` when it is off the platform and the actor keeps it (a field not
    given takes the model's default)."""
    organisation = organisation or actor.acting_organisation
    if organisation is None:
        raise PermissionDenied(_("Act for an organisation to add its services."))
    require_service_manager(actor, organisation)
    values = given(
        name=name,
        sector=sector,
        service_type=service_type,
        description=description,
        communes=communes,
        address=address,
        latitude=latitude,
        longitude=longitude,
        open_to_all=open_to_all,
        age_min=age_min,
        age_max=age_max,
        sexes=sexes,
        nationality_criteria=nationality_criteria,
        legal_status_criteria=legal_status_criteria,
        vulnerabilities=vulnerabilities,
        documents_needed=documents_needed,
        languages=languages,
        accessible=accessible,
        accessibility_note=accessibility_note,
        opening_hours=opening_hours,
        cost=cost,
        cost_note=cost_note,
        capacity=capacity,
        capacity_note=capacity_note,
        how_to_refer=how_to_refer,
        phone=phone,
        response_delay_days=response_delay_days,
        status=status,
        public=public,
    )
    _dedupe(values)
    m2m = {"regions": list(regions), "provinces": list(provinces)}
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
    service: Service,
    *,
    actor: User,
    version: int | None = None,
    name: str | Unset = UNSET,
    sector: Sector | Unset = UNSET,
    service_type: ServiceType | Unset = UNSET,
    regions: Iterable[Region] | Unset = UNSET,
    provinces: Iterable[Province] | Unset = UNSET,
    description: str | Unset = UNSET,
    communes: str | Unset = UNSET,
    address: str | Unset = UNSET,
    latitude: Decimal | Unset | None = UNSET,
    longitude: Decimal | Unset | None = UNSET,
    open_to_all: bool | Unset = UNSET,
    age_min: int | Unset | None = UNSET,
    age_max: int | Unset | None = UNSET,
    sexes: Sequence[str] | Unset = UNSET,
    nationality_criteria: str | Unset = UNSET,
    legal_status_criteria: str | Unset = UNSET,
    vulnerabilities: Sequence[str] | Unset = UNSET,
    documents_needed: str | Unset = UNSET,
    languages: Sequence[str] | Unset = UNSET,
    accessible: bool | Unset = UNSET,
    accessibility_note: str | Unset = UNSET,
    opening_hours: str | Unset = UNSET,
    cost: str | Unset = UNSET,
    cost_note: str | Unset = UNSET,
    capacity: int | Unset | None = UNSET,
    capacity_note: str | Unset = UNSET,
    how_to_refer: Sequence[str] | Unset = UNSET,
    phone: str | Unset = UNSET,
    response_delay_days: int | Unset = UNSET,
    status: str | Unset = UNSET,
    public: bool | Unset = UNSET,
) -> Service:
    """Edit a service of the actor's organisation; only the fields given change. With
    `version`, refuse (ServicePreconditionFailed) if someone saved it since then."""
    require_service_manager(actor, service.organisation)
    # Lock first: two focal points (or a partner system) may save at once.
    service = (
        Service.objects.select_for_update(of=("self",))
        .select_related("organisation", "sector", "service_type")
        .get(pk=service.pk)
    )
    if version is not None and version != service.version:
        raise ServicePreconditionFailed
    values = given(
        name=name,
        sector=sector,
        service_type=service_type,
        description=description,
        communes=communes,
        address=address,
        latitude=latitude,
        longitude=longitude,
        open_to_all=open_to_all,
        age_min=age_min,
        age_max=age_max,
        sexes=sexes,
        nationality_criteria=nationality_criteria,
        legal_status_criteria=legal_status_criteria,
        vulnerabilities=vulnerabilities,
        documents_needed=documents_needed,
        languages=languages,
        accessible=accessible,
        accessibility_note=accessibility_note,
        opening_hours=opening_hours,
        cost=cost,
        cost_note=cost_note,
        capacity=capacity,
        capacity_note=capacity_note,
        how_to_refer=how_to_refer,
        phone=phone,
        response_delay_days=response_delay_days,
        status=status,
        public=public,
    )
    _dedupe(values)
    m2m = {
        field: list(rows)
        for field, rows in given(regions=regions, provinces=provinces).items()
    }
    merged = {f: getattr(service, f) for f in SERVICE_FIELDS}
    merged.update(values)
    for field in SERVICE_M2M:
        merged[field] = (
            m2m[field] if field in m2m else list(getattr(service, field).all())
        )
    errors = service_rule_errors(merged)
    if errors:
        raise ValidationError(errors)
    for field, value in values.items():
        setattr(service, field, value)
    service.version += 1
    service.updated_by = actor
    service.save(update_fields=[*values, "version", "updated_by", "updated_at"])
    for field, rows in m2m.items():
        getattr(service, field).set(rows)
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
