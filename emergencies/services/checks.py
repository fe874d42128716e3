"""Where things lie, checked once for emergencies, needs and capacities: provinces in
their regions, service types in their sectors. Each check returns its errors by field,
so a service reports every mistake of a request at once."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from coordination.models import Province, Region, Sector, ServiceType


def provinces_outside(
    regions: Iterable[Region], provinces: Iterable[Province]
) -> list[Province]:
    """The provinces lying in none of the regions, in the order given."""
    region_ids = {region.pk for region in regions}
    return [province for province in provinces if province.region_id not in region_ids]


def place_errors(region: Region | None, province: Province | None) -> dict[str, str]:
    """A province, when given, lies in the region chosen."""
    if region is not None and province is not None and province.region_id != region.pk:
        return {
            "province": _("%(province)s is not in the region %(region)s.")
            % {"province": province.name, "region": region.name}
        }
    return {}


def service_type_errors(
    sector: Sector | None, service_type: ServiceType | None
) -> dict[str, str]:
    """A service type, when given, is one of the sector's."""
    if (
        sector is not None
        and service_type is not None
        and service_type.sector_id != sector.pk
    ):
        return {
            "service_type": _(
                "“%(type)s” is not a service type of the sector %(sector)s."
            )
            % {"type": service_type.name, "sector": sector.name}
        }
    return {}
