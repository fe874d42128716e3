"""Reference data an import looks up, by code or by name (French, Arabic, English),
loaded once per import (a few hundred rows)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import translation

from coordination.models import Province, Region, Sector, ServiceType
from coordination.names import compact
from emergencies.models import Emergency
from interventions.models import Intervention
from organisations.models import Organisation

from .columns import normalise

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

STATUS_ALIASES = {
    "prevu": "planned", "prevue": "planned", "planifie": "planned", "planifiee": "planned",
    "en cours": "ongoing", "active": "ongoing", "in progress": "ongoing",
    "termine": "completed", "terminee": "completed", "acheve": "completed", "achevee": "completed", "done": "completed", "closed": "completed",
    "suspendu": "suspended", "suspendue": "suspended", "arrete": "suspended",
}  # fmt: skip
MODALITY_ALIASES = {
    "en nature": "in_kind", "in kind": "in_kind", "nature": "in_kind",
    "cash": "cash", "especes": "cash", "voucher": "cash", "bon": "cash", "bons": "cash", "transfert monetaire": "cash",
    "service": "service", "services": "service",
}  # fmt: skip
# The names a place, sector or activity is known by, the codes first (a code wins over
# another row's name); other_names is a list.
NAMES = ("code", "name_fr", "name_ar", "name_en", "other_names")
SECTOR_NAMES = ("code", "cluster_code", "name_fr", "name_ar", "name_en", "other_names")
PLACE_NAMES = ("code", "pcode", "name_fr", "name_ar", "name_en", "other_names")


def _names(row: Any, attributes: tuple[str, ...]) -> Iterator[str]:
    for attribute in attributes:
        value = getattr(row, attribute, "")
        yield from (value if isinstance(value, list | tuple) else [value])


def _choice_lookup(choices_class) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in choices_class.choices:
        lookup[normalise(value)] = value
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                lookup[normalise(str(label))] = value
    return lookup


def _first_by_name(
    rows: Iterable[Any], names: tuple[str, ...], key: Callable[[Any], str] = normalise
) -> dict[str, Any]:
    """Each name to the first row that bears it, codes before names."""
    rows = list(rows)
    found: dict[str, Any] = {}
    for attribute in names:
        for row in rows:
            for name in _names(row, (attribute,)):
                if name:
                    found.setdefault(key(name), row)
    return found


def _activities_by_name() -> dict[tuple[int | None, str], list[ServiceType]]:
    """(sector id, name) and (None, name) to every activity bearing that name."""
    found: dict[tuple[int | None, str], list[ServiceType]] = {}
    for activity in ServiceType.objects.all():
        for name in _names(activity, NAMES):
            if name:
                for scope in (activity.sector_id, None):
                    bucket = found.setdefault((scope, normalise(name)), [])
                    if activity not in bucket:
                        bucket.append(activity)
    return found


def _provinces_by_name() -> dict[str, list[Province]]:
    """Each name or code (P-code, HCP code), hyphens and spaces ignored, to every
    province bearing it (two regions may share a name)."""
    found: dict[str, list[Province]] = {}
    for province in Province.objects.all():
        for name in _names(province, PLACE_NAMES):
            if name:
                bucket = found.setdefault(compact(name), [])
                if province not in bucket:
                    bucket.append(province)
    return found


def _partners_by_name() -> dict[str, int]:
    """Partners by code, then acronym, then name (a code wins over another's name)."""
    found: dict[str, int] = {}
    organisations = list(
        Organisation.objects.values_list("pk", "code", "acronym", "name")
    )
    for position in (1, 2, 3):
        for row in organisations:
            if row[position]:
                found.setdefault(normalise(row[position]), row[0])
    return found


class References:
    """Every lookup an import needs, loaded once (a few hundred rows)."""

    def __init__(self, organisation: Organisation):
        self.organisation = organisation
        self.org_names = {
            normalise(v)
            for v in (
                organisation.code,
                organisation.name,
                organisation.acronym,
                organisation.pk,
            )
            if v
        }
        self.sectors: dict[str, Sector] = _first_by_name(
            Sector.objects.all(), SECTOR_NAMES
        )
        self.activities = _activities_by_name()
        self.regions: dict[str, Region] = _first_by_name(
            Region.objects.all(), PLACE_NAMES, key=compact
        )
        self.provinces = _provinces_by_name()
        self.emergencies: dict[str, Emergency] = _first_by_name(
            Emergency.objects.all(), ("pk", "glide_number", "title")
        )
        self.partners = _partners_by_name()
        self.statuses = {**_choice_lookup(Intervention.Status), **STATUS_ALIASES}
        self.modalities = {**_choice_lookup(Intervention.Modality), **MODALITY_ALIASES}

    def sector(self, text: str) -> Sector | None:
        """By code, cluster code, name (French, Arabic, English) or other name."""
        return self.sectors.get(normalise(text))

    def region(self, text: str) -> Region | None:
        """By P-code, HCP code, name or other spelling (hyphens and spaces ignored)."""
        return self.regions.get(compact(text)) or self.regions.get(
            compact(_as_typed_code(text))
        )

    def provinces_named(self, text: str) -> list[Province]:
        """Every province a P-code, HCP code, name or other spelling may mean."""
        return self.provinces.get(compact(text)) or self.provinces.get(
            compact(_as_typed_code(text)), []
        )


# An HCP code a spreadsheet took for a number: "02" became 2, "02.410" became 2.41.
_NUMERIC_CODE = re.compile(r"^(\d{1,2})(?:\.(\d{1,3}))?$")


def _as_typed_code(text: str) -> str:
    """The HCP code a number stands for ("2" → "02", "2.41" → "02.410"), else text."""
    found = _NUMERIC_CODE.match(text.strip())
    if found is None:
        return text
    region, province = found.groups()
    return f"{int(region):02d}" + (
        f".{province:<03}".replace(" ", "0") if province else ""
    )
