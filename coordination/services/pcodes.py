"""OCHA COD-AB P-codes of Morocco's regions and provinces, joined to the HCP's places by
name (coordination/data/ocha-cod-ab-morocco-pcodes.csv, CC BY-IGO; see its README)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from coordination.names import compact
from coordination.place_names import PCODE_HAND_DECISIONS

PCODES_CSV = (
    Path(__file__).resolve().parent.parent / "data" / "ocha-cod-ab-morocco-pcodes.csv"
)


@dataclass(frozen=True)
class OchaPlace:
    pcode: str
    name: str
    level: int  # 1: region, 2: province or prefecture
    parent: str  # the region's P-code ("MAR" for a region)


@dataclass(frozen=True)
class Place:
    """What the join needs of a region or province: HCP code, names, region's code."""

    code: str
    names: tuple[str, ...]
    region: str = ""


def ocha_places(path: Path = PCODES_CSV) -> list[OchaPlace]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            OchaPlace(
                row["p_code"], row["name"], int(row["admin_level"]), row["parent_code"]
            )
            for row in csv.DictReader(handle)
            if row["country_iso3"] == "MAR"
        ]


def _by_name(places: list[Place]) -> dict[str, list[Place]]:
    found: dict[str, list[Place]] = {}
    for place in places:
        for name in {compact(n) for n in place.names if n}:
            found.setdefault(name, []).append(place)
    return found


def join_pcodes(
    regions: list[Place], provinces: list[Place], ocha: list[OchaPlace] | None = None
) -> tuple[dict[str, OchaPlace], list[OchaPlace]]:
    """HCP code -> the OCHA place it is, and the OCHA places nothing matched. A name
    matches when equal once accents, case, hyphens, spaces and apostrophes are dropped;
    a province only within the region its P-code's parent is; PCODE_HAND_DECISIONS
    settles the rest."""
    ocha = ocha_places() if ocha is None else ocha
    joined: dict[str, OchaPlace] = {}
    unmatched: list[OchaPlace] = []
    by_code = {place.code: place for place in (*regions, *provinces)}
    region_names, province_names = _by_name(regions), _by_name(provinces)
    region_of_pcode: dict[str, str] = {}
    for place in sorted(ocha, key=lambda p: p.level):
        decided = PCODE_HAND_DECISIONS.get(place.pcode)
        if decided and decided[0] in by_code:
            candidates = [by_code[decided[0]]]
        elif place.level == 1:
            candidates = region_names.get(compact(place.name), [])
        else:
            region = region_of_pcode.get(place.parent)
            candidates = [
                p
                for p in province_names.get(compact(place.name), [])
                if p.region == region
            ]
        if len(candidates) != 1 or candidates[0].code in joined:
            unmatched.append(place)
            continue
        joined[candidates[0].code] = place
        if place.level == 1:
            region_of_pcode[place.pcode] = candidates[0].code
    return joined, unmatched
