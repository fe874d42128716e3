"""Reading the 4W spreadsheets organisations keep (CSV or XLSX, HXL hashtags or French /
English headers) and writing them in one pass.

Rows are streamed: the file is read row by row (csv, openpyxl read-only), each valid row
goes straight into a temporary table through PostgreSQL COPY, and one INSERT … ON
CONFLICT moves them into place at the end, so neither the file nor its rows are ever held
in memory. Any error makes the whole import roll back: a file is imported whole or not
at all. Errors are reported by spreadsheet row and column."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.exceptions import ValidationError
from coordination.models import Province, Region, Sector, ServiceType
from emergencies.models import Emergency
from organisations.models import Organisation

from .models import COUNTS, PARTS, ImportChunk, Intervention, InterventionImport

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from organisations.models import User

CHUNK_SIZE = 1024 * 1024  # bytes per stored piece of an upload
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
MAX_ERRORS = 1000  # errors listed in a report; the rest are counted
PROGRESS_EVERY = 2000  # rows between progress updates


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, headers)."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


# ---------------------------------------------------------------------------
# Columns: key, HXL tag, French and English headers (the template's), other names
# ---------------------------------------------------------------------------
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
    Column("region", "#adm1+code", "Région", "Region", ("code region", "region code", "adm1")),
    Column("province", "#adm2+code", "Province", "Province", ("prefecture", "province ou prefecture", "province or prefecture", "code province", "province code", "adm2")),
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


def normalise(text: Any) -> str:
    """Accents, case, Arabic diacritics and letter variants, punctuation and spacing
    ignored: "Région de l'Oriental" and "region de l oriental" are the same."""
    text = unicodedata.normalize("NFKD", str(text or "")).casefold()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.translate(_ARABIC_VARIANTS)
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


# NFKD already turns hamza forms of alef into a bare alef; these letters have no
# decomposition: alef wasla, alef maqsura (as yeh), teh marbuta (as heh), tatweel.
_ARABIC_VARIANTS = str.maketrans(
    {"\u0671": "\u0627", "\u0649": "\u064a", "\u0629": "\u0647", "\u0640": None}
)


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


# ---------------------------------------------------------------------------
# Reading the file
# ---------------------------------------------------------------------------
def check_upload(upload) -> None:
    """Refuse what is plainly not a spreadsheet before keeping it."""
    if not upload or not getattr(upload, "size", 0):
        raise ValidationError({"file": _("The file is empty.")})
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {
                "file": _("The file is larger than %(mb)d MB.")
                % {"mb": MAX_UPLOAD_BYTES // 2**20}
            }
        )
    upload.seek(0)
    head = upload.read(4096)
    upload.seek(0)
    kind = sniff(head)
    if kind == "xls":
        raise ValidationError(
            {
                "file": _(
                    "This is an old Excel file (.xls): save it as .xlsx or CSV, then upload it again."
                )
            }
        )
    if kind is None:
        raise ValidationError(
            {
                "file": _(
                    "This is not a CSV or XLSX spreadsheet. Use the template: save your sheet as .xlsx or as CSV (UTF-8)."
                )
            }
        )


def sniff(head: bytes) -> str | None:
    """ "xlsx", "csv", "xls" or None, from the file's first bytes."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if not head.strip(b"\xef\xbb\xbf \r\n\t"):
        return "csv"  # blank: reported as empty when read
    if b"\x00" in head:
        return None  # binary (or UTF-16, which we ask to save as UTF-8)
    return "csv"


def store_upload(record: InterventionImport, upload) -> None:
    """Keep the upload in pieces, written as they are read."""
    upload.seek(0)
    pieces = []
    for position, data in enumerate(upload.chunks(CHUNK_SIZE)):
        pieces.append(ImportChunk(upload=record, position=position, data=data))
        if len(pieces) == 8:
            ImportChunk.objects.bulk_create(pieces)
            pieces = []
    ImportChunk.objects.bulk_create(pieces)


def spool(record: InterventionImport) -> tempfile._TemporaryFileWrapper:
    """The kept upload as a temporary file on disk, read back one piece at a time."""
    target = tempfile.NamedTemporaryFile(prefix="tansiq-import-", suffix=".bin")  # noqa: SIM115
    ids = list(record.chunks.order_by("position").values_list("pk", flat=True))
    for pk in ids:
        target.write(ImportChunk.objects.values_list("data", flat=True).get(pk=pk))
    target.flush()
    target.seek(0)
    return target


def estimate_rows(record: InterventionImport) -> int:
    """About how many data rows the file has (for the progress bar and to decide
    whether a worker should take it)."""
    with spool(record) as handle:
        kind = sniff(handle.read(4096))
        handle.seek(0)
        if kind == "xlsx":
            try:
                from openpyxl import load_workbook

                workbook = load_workbook(handle, read_only=True, data_only=True)
                sheet = workbook.worksheets[0]
                rows = sheet.max_row or 0
                workbook.close()
                return max(rows - 1, 0)
            except Exception:  # unreadable: the check says why
                return 0
        lines = 0
        while block := handle.read(CHUNK_SIZE):
            lines += block.count(b"\n")
        return max(lines - 1, 0)


def _csv_rows(handle) -> Iterator[list[Any]]:
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors="strict", newline="")
    line = 0
    try:
        first = text.readline()
        delimiter = max((",", ";", "\t"), key=first.count) if first else ","
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter)
        for line, row in enumerate(reader, start=1):  # noqa: B007
            yield row
    except UnicodeDecodeError:
        raise ImportFileError(
            _(
                "The file is not in UTF-8 (problem near line %(line)d). In your "
                "spreadsheet, save it as “CSV UTF-8”, or as .xlsx, and upload it again."
            )
            % {"line": line + 1}
        ) from None
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file cannot be read near line %(line)d: %(error)s")
            % {"line": line + 1, "error": error}
        ) from None
    finally:
        text.detach()  # the spooled file is closed by its owner


def _xlsx_rows(handle) -> Iterator[tuple[Any, ...]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportFileError(
            _(
                "The XLSX file cannot be opened: it may be damaged. Save it again from your spreadsheet."
            )
        ) from None
    try:
        sheet = workbook.worksheets[0]
        yield from sheet.iter_rows(values_only=True)
    finally:
        workbook.close()


def read_rows(handle) -> Iterator[list[Any] | tuple[Any, ...]]:
    head = handle.read(4096)
    handle.seek(0)
    kind = sniff(head)
    if kind == "xlsx":
        return _xlsx_rows(handle)
    if kind == "xls":
        raise ImportFileError(
            _(
                "This is an old Excel file (.xls): save it as .xlsx or CSV, then upload it again."
            )
        )
    if kind is None:
        raise ImportFileError(
            _(
                "This is not a CSV or XLSX spreadsheet. Use the template: save your sheet as .xlsx or as CSV (UTF-8)."
            )
        )
    return _csv_rows(handle)


def _blank(row: Iterable[Any]) -> bool:
    return all(cell is None or str(cell).strip() == "" for cell in row)


@dataclass
class Header:
    """Which column holds what, and where the data starts."""

    keys: dict[int, str]  # column index -> key
    labels: dict[int, str]  # column index -> the header as written in the file
    first_data_row: int
    style: str  # "hxl" or "names"
    ignored: list[str] = field(default_factory=list)


def _is_hxl_row(row) -> bool:
    cells = [str(c).strip() for c in row if c is not None and str(c).strip()]
    return bool(cells) and sum(c.startswith("#") for c in cells) >= max(
        1, len(cells) // 2
    )


def read_header(rows: Iterator) -> Header:
    """The header row (HXL hashtags, or names with an optional HXL row under them)."""
    first = next(rows, None)
    while first is not None and _blank(first):
        first = next(rows, None)
    if first is None:
        raise ImportFileError(_("The file is empty."))
    first = list(first)
    names = {
        i: str(c).strip()
        for i, c in enumerate(first)
        if c is not None and str(c).strip()
    }
    tags: dict[int, str] = {}
    style, first_data_row = "names", 2
    if _is_hxl_row(first):
        tags, names, style = names, {}, "hxl"
    else:
        # A second row of HXL hashtags under human headers (as HDX files have)?
        second = next(rows, None)
        if second is not None and _is_hxl_row(second):
            tags = {
                i: str(c).strip()
                for i, c in enumerate(second)
                if c is not None and str(c).strip()
            }
            style, first_data_row = "hxl", 3
        elif second is not None:
            rows_back = second  # the first data row: give it back
            first_data_row = 2
            header = _map_header(names, tags, style, first_data_row)
            header.pending = rows_back  # type: ignore[attr-defined]
            return header
    return _map_header(names, tags, style, first_data_row)


def _map_header(names, tags, style, first_data_row) -> Header:
    keys: dict[int, str] = {}
    labels: dict[int, str] = {}
    ignored: list[str] = []
    seen: dict[str, str] = {}
    for index in sorted(set(names) | set(tags)):
        label = names.get(index) or tags.get(index, "")
        key = None
        if tags.get(index, "").startswith("#"):
            key = column_for_tag(tags[index])
        if key is None and index in names:
            key = column_for_name(names[index])
        if key is None:
            ignored.append(label)
            continue
        if key in seen:
            raise ImportFileError(
                _(
                    "Two columns mean the same thing: “%(first)s” and “%(second)s”. Keep one."
                )
                % {"first": seen[key], "second": label}
            )
        seen[key] = label
        keys[index] = key
        labels[index] = label
    if not keys:
        raise ImportFileError(
            _(
                "No known column in the first row. Start from the template: its first "
                "row has the column names (or HXL hashtags such as #sector, #adm1+code)."
            )
        )
    present = set(keys.values())
    missing = [k for k in REQUIRED if k not in present]
    if "region" not in present and "province" not in present:
        missing.append("region")
    if missing:
        raise ImportFileError(
            _("Missing columns: %(columns)s.")
            % {
                "columns": ", ".join(
                    f"{COLUMN_BY_KEY[k].fr} / {COLUMN_BY_KEY[k].en} ({COLUMN_BY_KEY[k].hxl})"
                    for k in missing
                )
            }
        )
    return Header(keys, labels, first_data_row, style, ignored)


# ---------------------------------------------------------------------------
# Reference data, looked up by code or by name (French, Arabic, English)
# ---------------------------------------------------------------------------
def _choice_lookup(choices_class) -> dict[str, str]:
    from django.conf import settings

    lookup: dict[str, str] = {}
    for value, label in choices_class.choices:
        lookup[normalise(value)] = value
        for language, _name in settings.LANGUAGES:
            with translation.override(language):
                lookup[normalise(str(label))] = value
    return lookup


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
        self.sectors: dict[str, Sector] = {}
        for sector in Sector.objects.all():
            for name in (sector.code, sector.name_fr, sector.name_ar, sector.name_en):
                if name:
                    self.sectors.setdefault(normalise(name), sector)
        self.activities: dict[tuple[int | None, str], list[ServiceType]] = {}
        for activity in ServiceType.objects.all():
            for name in (
                activity.code,
                activity.name_fr,
                activity.name_ar,
                activity.name_en,
            ):
                if name:
                    for scope in (activity.sector_id, None):
                        bucket = self.activities.setdefault(
                            (scope, normalise(name)), []
                        )
                        if activity not in bucket:
                            bucket.append(activity)
        self.regions: dict[str, Region] = {}
        for region in Region.objects.all():
            for name in (region.code, region.name_fr, region.name_ar, region.name_en):
                if name:
                    self.regions.setdefault(normalise(name), region)
        self.provinces: dict[str, list[Province]] = {}
        for province in Province.objects.all():
            for name in (
                province.code,
                province.name_fr,
                province.name_ar,
                province.name_en,
            ):
                if name:
                    bucket = self.provinces.setdefault(normalise(name), [])
                    if province not in bucket:
                        bucket.append(province)
        self.emergencies: dict[str, Emergency] = {}
        for emergency in Emergency.objects.all():
            for name in (emergency.pk, emergency.glide_number, emergency.title):
                if name:
                    self.emergencies.setdefault(normalise(name), emergency)
        # Partners by code, then acronym, then name (a code wins over another's name).
        self.partners: dict[str, int] = {}
        organisations = list(
            Organisation.objects.values_list("pk", "code", "acronym", "name")
        )
        for position in (1, 2, 3):
            for row in organisations:
                if row[position]:
                    self.partners.setdefault(normalise(row[position]), row[0])
        self.statuses = {**_choice_lookup(Intervention.Status), **STATUS_ALIASES}
        self.modalities = {**_choice_lookup(Intervention.Modality), **MODALITY_ALIASES}


# ---------------------------------------------------------------------------
# One row
# ---------------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007
        except ValueError:
            continue
    raise ValueError(
        _(
            "“%(value)s” is not a date: write it as YYYY-MM-DD (e.g. 2025-01-31) or DD/MM/YYYY."
        )
        % {"value": text}
    )


def _parse_count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(_("Write a whole number of people."))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if not value.is_integer():
            raise ValueError(
                _("“%(value)s” is not a whole number of people.") % {"value": value}
            )
        number = int(value)
    else:
        text = re.sub(r"[\s\u00a0\u202f]", "", str(value))
        if text == "":
            return None
        if text.endswith((".0", ",0")):
            text = text[:-2]
        if not text.lstrip("-").isdigit():
            raise ValueError(
                _("“%(value)s” is not a whole number of people.") % {"value": value}
            )
        number = int(text)
    if number < 0:
        raise ValueError(_("A number of people cannot be negative."))
    if number > 2_000_000_000:
        raise ValueError(_("This number is too large."))
    return number


def _parse_decimal(value: Any, low: int, high: int) -> Decimal | None:
    text = _text(value).replace(",", ".")
    if not text:
        return None
    try:
        number = Decimal(text).quantize(Decimal("0.000001"))
    except InvalidOperation:
        raise ValueError(_("“%(value)s” is not a number.") % {"value": text}) from None
    if not low <= number <= high:
        raise ValueError(
            _("Must be between %(low)d and %(high)d.") % {"low": low, "high": high}
        )
    return number


class RowChecker:
    """Turns one spreadsheet row into the values of one intervention, or errors."""

    def __init__(self, references: References, header: Header):
        self.refs = references
        self.header = header
        self.columns = sorted(header.keys.items())

    def check(self, row) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
        refs = self.refs
        raw: dict[str, Any] = {}
        for index, key in self.columns:
            raw[key] = row[index] if index < len(row) else None
        errors: list[tuple[str, str]] = []
        values: dict[str, Any] = {}

        def fail(key: str, message: str) -> None:
            errors.append((key, message))

        organisation = _text(raw.get("organisation"))
        if organisation and normalise(organisation) not in refs.org_names:
            fail(
                "organisation",
                _(
                    "“%(value)s” is not your organisation (%(name)s): you can only import your own interventions."
                )
                % {"value": organisation, "name": refs.organisation.name},
            )
        # What: sector and activity (the activity must belong to the sector)
        sector = None
        sector_text = _text(raw.get("sector"))
        if sector_text:
            sector = refs.sectors.get(normalise(sector_text))
            if sector is None:
                fail(
                    "sector",
                    _(
                        "Unknown sector “%(value)s”: use a code or a name from the template's lists."
                    )
                    % {"value": sector_text},
                )
        activity_text = _text(raw.get("activity"))
        if not activity_text:
            fail("activity", _("The activity is required."))
        elif sector is not None or not sector_text:
            key = normalise(activity_text)
            found = refs.activities.get((sector.pk if sector else None, key))
            if sector is None and found and len(found) > 1:
                fail(
                    "sector",
                    _("“%(activity)s” exists in several sectors: give the sector.")
                    % {"activity": activity_text},
                )
            elif found:
                values["activity_id"] = found[0].pk
                values["sector_id"] = found[0].sector_id
            elif sector is not None and refs.activities.get((None, key)):
                fail(
                    "activity",
                    _("“%(activity)s” is not an activity of the sector “%(sector)s”.")
                    % {"activity": activity_text, "sector": sector.name},
                )
            else:
                fail(
                    "activity",
                    _("Unknown activity “%(value)s”.") % {"value": activity_text},
                )
        # Where: region and province (inside it)
        region = None
        region_text = _text(raw.get("region"))
        if region_text:
            region = refs.regions.get(normalise(region_text))
            if region is None:
                fail(
                    "region",
                    _("Unknown region “%(value)s”: use its code (e.g. 02) or its name.")
                    % {"value": region_text},
                )
            else:
                values["region_id"] = region.pk
        province_text = _text(raw.get("province"))
        values["province_id"] = None
        if province_text:
            candidates = refs.provinces.get(normalise(province_text))
            if not candidates:
                fail(
                    "province",
                    _(
                        "Unknown province or prefecture “%(value)s”: use its code (e.g. 02.411) or its name."
                    )
                    % {"value": province_text},
                )
            elif region is not None:
                inside = [p for p in candidates if p.region_id == region.pk]
                if inside:
                    values["province_id"] = inside[0].pk
                else:
                    fail(
                        "province",
                        _("%(province)s is not in the region %(region)s.")
                        % {"province": candidates[0].name, "region": region.name},
                    )
            elif not region_text:
                values["province_id"] = candidates[0].pk
                values["region_id"] = candidates[0].region_id
        elif not region_text:
            fail("region", _("The region is required."))
        values["commune"] = _text(raw.get("commune"))[:200]
        for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
            try:
                values[key] = _parse_decimal(raw.get(key), low, high)
            except ValueError as error:
                fail(key, str(error))
        # When
        for key in ("start_date", "end_date"):
            cell = raw.get(key)
            if cell is None or _text(cell) == "":
                values[key] = None
                if key == "start_date":
                    fail(key, _("The start date is required."))
                continue
            try:
                values[key] = _parse_date(cell)
            except ValueError as error:
                fail(key, str(error))
        start, end = values.get("start_date"), values.get("end_date")
        if start and end and end < start:
            fail("end_date", _("The end date cannot be before the start date."))
        status_text = _text(raw.get("status"))
        if status_text:
            status = refs.statuses.get(normalise(status_text))
            if status is None:
                fail(
                    "status",
                    _(
                        "Unknown status “%(value)s”: planned, ongoing, completed or suspended."
                    )
                    % {"value": status_text},
                )
            values["status"] = status
        else:
            values["status"] = Intervention.Status.ONGOING
        modality_text = _text(raw.get("modality"))
        if modality_text:
            modality = refs.modalities.get(normalise(modality_text))
            if modality is None:
                fail(
                    "modality",
                    _(
                        "Unknown modality “%(value)s”: in kind, cash or voucher, or service."
                    )
                    % {"value": modality_text},
                )
            values["modality"] = modality
        else:
            values["modality"] = Intervention.Modality.SERVICE
        # For whom
        for prefix in ("targeted", "reached"):
            counts: dict[str, int | None] = {}
            bad = False
            for part in COUNTS:
                key = f"{prefix}_{part}"
                try:
                    counts[part] = _parse_count(raw.get(key))
                except ValueError as error:
                    fail(key, str(error))
                    bad = True
            if bad:
                continue
            if counts["total"] is None:
                counts["total"] = sum(counts[p] or 0 for p in PARTS)
            counts = {p: n or 0 for p, n in counts.items()}
            parts = sum(counts[p] for p in PARTS)
            if parts > counts["total"]:
                fail(
                    f"{prefix}_total",
                    _(
                        "Women, men, girls and boys add up to %(parts)d, more than the total (%(total)d)."
                    )
                    % {"parts": parts, "total": counts["total"]},
                )
            elif counts["disabled"] > counts["total"]:
                fail(
                    f"{prefix}_disabled",
                    _(
                        "Persons with disabilities (%(disabled)d) cannot exceed the total (%(total)d)."
                    )
                    % {"disabled": counts["disabled"], "total": counts["total"]},
                )
            for part, number in counts.items():
                values[f"{prefix}_{part}"] = number
        emergency_text = _text(raw.get("emergency"))
        values["emergency_id"] = None
        if emergency_text:
            emergency = refs.emergencies.get(normalise(emergency_text))
            if emergency is None:
                fail(
                    "emergency",
                    _(
                        "Unknown emergency “%(value)s”: use its number, GLIDE number or exact title."
                    )
                    % {"value": emergency_text},
                )
            else:
                values["emergency_id"] = emergency.pk
        values["funding_source"] = _text(raw.get("funding_source"))[:200]
        if "partners" in raw:
            partner_ids: set[int] = set()
            unknown: list[str] = []
            for name in _text(raw["partners"]).split(PARTNER_SEPARATOR):
                if not name.strip():
                    continue
                pk = refs.partners.get(normalise(name))
                if pk is None:
                    unknown.append(name.strip())
                elif pk == refs.organisation.pk:
                    fail(
                        "partners",
                        _(
                            "The organisation running the intervention cannot be its own partner."
                        ),
                    )
                else:
                    partner_ids.add(pk)
            if unknown:
                fail(
                    "partners",
                    _(
                        "Unknown partner organisation “%(value)s”: use its code, acronym or name, separated by “;”."
                    )
                    % {"value": "; ".join(unknown)},
                )
            values["partner_ids"] = sorted(partner_ids)
        values["description"] = _text(raw.get("description"))[:4000]
        ref = _text(raw.get("external_ref"))
        if len(ref) > 100:
            fail("external_ref", _("A reference has at most 100 characters."))
        values["external_ref"] = ref
        return (None if errors else values), errors


def auto_reference(values: dict[str, Any]) -> str:
    """A row without a reference gets one from what it is (what, where, when, for which
    emergency and funder), so re-importing the same file updates it."""
    key = "|".join(
        str(values.get(k) or "")
        for k in ("sector_id", "activity_id", "region_id", "province_id", "commune", "start_date", "end_date", "emergency_id", "funding_source")
    )  # fmt: skip
    return "auto-" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16]


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------
@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    file_error: str = ""
    header_style: str = ""
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.error_count and not self.file_error

    def add_error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append({"row": row, "column": column, "message": message})

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "valid": self.valid,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "error_count": self.error_count + (1 if self.file_error else 0),
            "file_error": self.file_error,
            "errors": self.errors,
            "header_style": self.header_style,
            "ignored_columns": self.ignored_columns,
        }


class _Rollback(Exception):
    pass


# The temporary table rows are copied into, in COPY's column order.
COPY_COLUMNS = (
    "row_number", "external_ref", "emergency_id", "sector_id", "activity_id", "region_id",
    "province_id", "commune", "latitude", "longitude", "start_date", "end_date", "status",
    "modality", *(f"targeted_{p}" for p in COUNTS), *(f"reached_{p}" for p in COUNTS),
    "funding_source", "description",
)  # fmt: skip
_TYPES = {
    "row_number": "integer", "external_ref": "varchar(100)", "emergency_id": "bigint",
    "sector_id": "bigint", "activity_id": "bigint", "region_id": "bigint",
    "province_id": "bigint", "commune": "varchar(200)", "latitude": "numeric(9,6)",
    "longitude": "numeric(9,6)", "start_date": "date", "end_date": "date",
    "status": "varchar(20)", "modality": "varchar(20)", "funding_source": "varchar(200)",
    "description": "text", "partner_ids": "bigint[]",
}  # fmt: skip
TEMP_TABLE = "tansiq_intervention_import"
# Columns the import writes (all but the row number); an update changes these.
WRITTEN = COPY_COLUMNS[1:]
CHANGED = [c for c in WRITTEN if c != "external_ref"]


def _through() -> tuple[str, str, str]:
    """The partners' through table and its two columns."""
    through = Intervention.partners.through._meta
    return (
        through.db_table,
        through.get_field("intervention").column,
        through.get_field("organisation").column,
    )


def _merge_sql(*, partners: bool = False) -> str:
    table = Intervention._meta.db_table
    columns = ", ".join(WRITTEN)
    changed = ", ".join(f"{c} = EXCLUDED.{c}" for c in CHANGED)
    differs = ", ".join(f"{table}.{c}" for c in CHANGED)
    new = ", ".join(f"EXCLUDED.{c}" for c in CHANGED)
    partners_differ = ""
    if partners:  # a new partner set alone is a change too (partner_ids are sorted)
        through, intervention, organisation = _through()
        partners_differ = f"""
            OR (SELECT coalesce(array_agg(p.{organisation} ORDER BY p.{organisation}), '{{}}')
                FROM {through} p WHERE p.{intervention} = {table}.id)
            IS DISTINCT FROM (SELECT t.partner_ids FROM {TEMP_TABLE} t
                WHERE t.external_ref = EXCLUDED.external_ref)"""
    return f"""
        WITH merged AS (
            INSERT INTO {table} (
                organisation_id, {columns}, version, created_by_id, updated_by_id,
                created_at, updated_at
            )
            SELECT %(organisation)s, {columns}, 1, %(actor)s, NULL, %(now)s, %(now)s
            FROM {TEMP_TABLE} ORDER BY row_number
            ON CONFLICT (organisation_id, external_ref) WHERE NOT (external_ref = '')
            DO UPDATE SET {changed}, version = {table}.version + 1,
                updated_by_id = %(actor)s, updated_at = %(now)s
            WHERE ({differs}) IS DISTINCT FROM ({new}){partners_differ}
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted)
        FROM merged
    """


def _set_partners(cursor, params: dict[str, Any]) -> None:
    """Replace each imported row's partners with the file's: one DELETE and one
    INSERT on the through table for the whole file."""
    table = Intervention._meta.db_table
    through, intervention, organisation = _through()
    rows = f"""{TEMP_TABLE} t JOIN {table} i ON i.organisation_id = %(organisation)s
        AND i.external_ref = t.external_ref"""
    cursor.execute(
        f"""DELETE FROM {through} p USING {rows}
            WHERE p.{intervention} = i.id AND NOT (p.{organisation} = ANY(t.partner_ids))""",
        params,
    )
    cursor.execute(
        f"""INSERT INTO {through} ({intervention}, {organisation})
            SELECT i.id, partner FROM {rows}
            CROSS JOIN LATERAL unnest(t.partner_ids) AS partner
            ON CONFLICT DO NOTHING""",
        params,
    )


def _progress_key(record_id: int) -> str:
    return f"intervention-import-{record_id}-rows"


def progress_of(record: InterventionImport) -> int:
    """Rows read so far by a running import (kept in the cache, outside its
    transaction, so the page can show it)."""
    return cache.get(_progress_key(record.pk), record.processed_rows)


def run_import(
    record: InterventionImport, *, actor: User, dry_run: bool
) -> ImportReport:
    """Check every row and, unless dry_run, save them all (or nothing)."""
    report = ImportReport(dry_run=dry_run)
    with spool(record) as handle:
        try:
            with transaction.atomic():
                _run(handle, record, actor, report)
                if dry_run or not report.valid:
                    raise _Rollback
        except _Rollback:
            pass
        except ImportFileError as error:
            report.file_error = error.message
    cache.delete(_progress_key(record.pk))
    return report


def _run(handle, record: InterventionImport, actor: User, report: ImportReport) -> None:
    rows = read_rows(handle)
    header = read_header(iter(rows))  # consumes the header row(s)
    report.header_style = header.style
    report.ignored_columns = header.ignored
    checker = RowChecker(References(record.organisation), header)
    labels = {key: header.labels[i] for i, key in header.keys.items()}
    refs_seen: dict[str, int] = {}
    partners = "partners" in header.keys.values()
    copy_columns = (*COPY_COLUMNS, "partner_ids") if partners else COPY_COLUMNS
    definitions = ", ".join(f"{c} {_TYPES.get(c, 'integer')}" for c in copy_columns)
    with connection.cursor() as cursor:
        # pgtrigger's per-row check reads this setting and, when it was never set,
        # catches the error in a subtransaction: per row, that is most of an import's
        # cost. Set (empty: no trigger ignored) for this transaction only.
        cursor.execute("SELECT set_config('pgtrigger.ignore', '{}', true)")
        cursor.execute(f"DROP TABLE IF EXISTS {TEMP_TABLE}")
        cursor.execute(f"CREATE TEMP TABLE {TEMP_TABLE} ({definitions}) ON COMMIT DROP")
        pending = getattr(header, "pending", None)
        data_rows = rows if pending is None else _prepend(pending, rows)
        number = header.first_data_row - 1
        with cursor.cursor.copy(
            f"COPY {TEMP_TABLE} ({', '.join(copy_columns)}) FROM STDIN"
        ) as copy:
            for row in data_rows:
                number += 1
                if _blank(row):
                    continue
                report.rows += 1
                if report.rows % PROGRESS_EVERY == 0:
                    cache.set(_progress_key(record.pk), report.rows, 3600)
                values, errors = checker.check(row)
                for key, message in errors:
                    report.add_error(
                        number, labels.get(key, COLUMN_BY_KEY[key].en), message
                    )
                if values is None:
                    continue
                ref = values["external_ref"] or auto_reference(values)
                values["external_ref"] = ref
                if ref in refs_seen:
                    report.add_error(
                        number,
                        labels.get("external_ref", _("Reference")),
                        _(
                            "Same reference as row %(row)d: each row needs its own reference."
                        )
                        % {"row": refs_seen[ref]}
                        if labels.get("external_ref")
                        else _(
                            "Same intervention as row %(row)d (same activity, place, dates and funder): add a Reference column to tell them apart."
                        )
                        % {"row": refs_seen[ref]},
                    )
                    continue
                refs_seen[ref] = number
                if report.error_count:
                    continue  # nothing will be saved: stop copying, keep checking
                values["row_number"] = number
                copy.write_row([values[c] for c in copy_columns])
        if report.rows == 0:
            raise ImportFileError(
                _("The file has column headers but no rows to import.")
            )
        if report.error_count:
            return
        params = {
            "organisation": record.organisation_id,
            "actor": actor.pk,
            "now": timezone.now(),
        }
        if report.dry_run:
            cursor.execute(
                f"""SELECT count(*) FROM {TEMP_TABLE} t JOIN {Intervention._meta.db_table} i
                    ON i.organisation_id = %(organisation)s AND i.external_ref = t.external_ref""",
                params,
            )
            existing = cursor.fetchone()[0]
            report.created, report.updated = report.rows - existing, existing
            return
        if partners:  # the merge compares partner sets by reference
            cursor.execute(f"CREATE INDEX ON {TEMP_TABLE} (external_ref)")
            cursor.execute(f"ANALYZE {TEMP_TABLE}")
        cursor.execute(_merge_sql(partners=partners), params)
        report.created, report.updated = cursor.fetchone()
        if partners:
            _set_partners(cursor, params)
        report.unchanged = report.rows - report.created - report.updated


def _prepend(first, rows):
    yield first
    yield from rows


ERROR_SUMMARY = gettext_lazy(
    "The file was not imported: correct the errors and upload it again."
)
