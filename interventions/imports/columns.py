"""The import's columns: key, HXL hashtag, French and English headers (the template's)
and the other names organisations give them; and how a header found in a file is
matched to one of them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from coordination.names import normalise
from interventions.models import COUNTS


@dataclass(frozen=True)
class Column:
    key: str
    hxl: str
    fr: str
    en: str
    aliases: tuple[str, ...] = ()


FR_COUNT_HEADERS = {
    "targeted": ("Femmes ciblées", "Hommes ciblés", "Filles ciblées", "Garçons ciblés", "Personnes handicapées ciblées", "Total ciblé"),
    "reached": ("Femmes atteintes", "Hommes atteints", "Filles atteintes", "Garçons atteints", "Personnes handicapées atteintes", "Total atteint"),
}  # fmt: skip
HXL_COUNT_ATTRIBUTES = ("+f+adults", "+m+adults", "+f+children", "+m+children", "+disabled", "+total")  # fmt: skip
EN_PARTS = ("Women", "Men", "Girls", "Boys", "Persons with disabilities", "Total")


def _count_columns(prefix: str, fr_stem: str) -> list[Column]:
    """Six count columns; French headers in any agreement (ciblé, ciblées…)."""
    fr_parts = (
        "femmes",
        "hommes",
        "filles",
        "garcons",
        "personnes handicapees",
        "total",
    )
    columns = []
    for index, part in enumerate(COUNTS):
        aliases = {
            f"{fr_parts[index]} {fr_stem}{ending}" for ending in ("", "e", "s", "es")
        }
        aliases |= {
            f"{prefix} {EN_PARTS[index].lower()}",
            f"{prefix}_{part}",
            f"{EN_PARTS[index].lower()} {prefix}",
        }
        if part == "disabled":
            aliases |= {f"pwd {prefix}", f"{prefix} pwd", f"handicapes {fr_stem}s"}
        columns.append(
            Column(
                f"{prefix}_{part}",
                f"#{prefix}{HXL_COUNT_ATTRIBUTES[index]}",
                FR_COUNT_HEADERS[prefix][index],
                f"{EN_PARTS[index]} {prefix}",
                tuple(sorted(aliases)),
            )
        )
    return columns


COLUMNS: list[Column] = [
    Column("external_ref", "#meta+id", "Référence", "Reference", ("ref", "id", "external ref", "identifiant", "reference interne")),
    Column("organisation", "#org", "Organisation", "Organisation", ("organization", "org", "code organisation")),
    Column("emergency", "#crisis", "Urgence", "Emergency", ("crise", "crisis")),
    Column("sector", "#sector", "Secteur", "Sector", ("code secteur", "sector code", "cluster")),
    Column("activity", "#activity", "Activité", "Activity", ("type de service", "service type", "activity type", "code activite", "activity code")),
    # The place columns take a P-code, an HCP code or a name; an export writes the OCHA
    # P-code in #adm1+code / #adm2+code and the HCP code beside it (+v_hcp).
    Column("region", "#adm1+code", "Région", "Region", ("code region", "region code", "adm1", "adm1 pcode", "admin1", "admin1pcode", "admin1 pcode", "adm1_pcode", "pcode region", "region pcode", "p code region")),
    Column("region_hcp", "#adm1+code+v_hcp", "Région (code HCP)", "Region (HCP code)", ("code hcp region", "region hcp code", "hcp region code", "code region hcp")),
    Column("province", "#adm2+code", "Province", "Province", ("prefecture", "province ou prefecture", "province or prefecture", "code province", "province code", "adm2", "adm2 pcode", "admin2", "admin2pcode", "admin2 pcode", "adm2_pcode", "pcode province", "province pcode", "p code province")),
    Column("province_hcp", "#adm2+code+v_hcp", "Province (code HCP)", "Province (HCP code)", ("code hcp province", "province hcp code", "hcp province code", "code province hcp")),
    Column("commune", "#adm3+name", "Commune", "Commune", ("lieu", "place", "commune ou lieu", "adm3")),
    Column("latitude", "#geo+lat", "Latitude", "Latitude", ("lat",)),
    Column("longitude", "#geo+lon", "Longitude", "Longitude", ("lon", "lng")),
    Column("start_date", "#date+start", "Date de début", "Start date", ("debut", "start", "date debut")),
    Column("end_date", "#date+end", "Date de fin", "End date", ("fin", "end", "date fin")),
    Column("status", "#status", "Statut", "Status", ("etat",)),
    Column("modality", "#modality", "Modalité", "Modality", ("modalite d intervention",)),
    *_count_columns("targeted", "cible"),
    *_count_columns("reached", "atteint"),
    Column("funding_source", "#org+funder", "Source de financement", "Funding source", ("bailleur", "donor", "financement", "funder")),
    Column("partners", "#org+partner", "Partenaires", "Partners", ("partenaire", "partner", "organisations partenaires", "partner organisations", "partner organizations", "implementing partners")),
    Column("description", "#description", "Description", "Description", ("notes", "commentaire", "comment")),
]  # fmt: skip
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}
REQUIRED = ("sector", "activity", "start_date")
PARTNER_SEPARATOR = ";"


def _tag_parts(tag: str) -> tuple[str, frozenset[str]]:
    parts = [p for p in re.sub(r"\s+", "", tag.casefold()).split("+") if p]
    if not parts:
        return "", frozenset()
    return parts[0], frozenset(parts[1:]) - {"code", "name", "num", "v_pcode"}


_HXL_MATCHERS = [(column.key, *_tag_parts(column.hxl)) for column in COLUMNS]


def column_for_tag(tag: str) -> str | None:
    """The key an HXL hashtag means (attributes in any order; the most specific wins)."""
    base, attributes = _tag_parts(tag)
    best: tuple[int, str] | None = None
    for key, column_base, required in _HXL_MATCHERS:
        if (
            column_base == base
            and required <= attributes
            and (best is None or len(required) > best[0])
        ):
            best = (len(required), key)
    if best is None:
        return None
    if best[1] == "organisation" and attributes & {"funder", "donor"}:
        return "funding_source"
    return best[1]


_NAME_TO_KEY = {
    normalise(name): column.key
    for column in COLUMNS
    for name in (column.fr, column.en, column.key, *column.aliases)
}


def column_for_name(name: str) -> str | None:
    return _NAME_TO_KEY.get(normalise(name))
