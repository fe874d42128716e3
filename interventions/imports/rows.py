"""One spreadsheet row: its cells read (dates, counts, coordinates), looked up in the
reference data and checked against the intervention's rules, giving the values of one
intervention or the errors by column."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from interventions.models import COUNTS, PARTS, Intervention

from .columns import PARTNER_SEPARATOR, normalise

if TYPE_CHECKING:
    from .header import Header
    from .references import References


# ---------------------------------------------------------------------------
# Cells
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


# ---------------------------------------------------------------------------
# The row
# ---------------------------------------------------------------------------
@dataclass
class _Row:
    """A row being checked: its cells by key, the values found, the errors met."""

    raw: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)

    def text(self, key: str) -> str:
        return _text(self.raw.get(key))

    def fail(self, key: str, message: str) -> None:
        self.errors.append((key, message))


class RowChecker:
    """Turns one spreadsheet row into the values of one intervention, or errors."""

    def __init__(self, references: References, header: Header):
        self.refs = references
        self.header = header
        self.columns = sorted(header.keys.items())

    def check(self, row) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
        raw = {key: row[i] if i < len(row) else None for i, key in self.columns}
        checked = _Row(raw)
        # In the columns' order, so that a row's errors read left to right.
        self._organisation(checked)
        self._what(checked)
        self._where(checked)
        self._when(checked)
        self._status_and_modality(checked)
        for prefix in ("targeted", "reached"):
            self._counts(checked, prefix)
        self._emergency(checked)
        checked.values["funding_source"] = checked.text("funding_source")[:200]
        if "partners" in raw:
            self._partners(checked)
        checked.values["description"] = checked.text("description")[:4000]
        ref = checked.text("external_ref")
        if len(ref) > 100:
            checked.fail("external_ref", _("A reference has at most 100 characters."))
        checked.values["external_ref"] = ref
        errors = checked.errors
        return (None if errors else checked.values), errors

    def _organisation(self, row: _Row) -> None:
        organisation = row.text("organisation")
        if organisation and normalise(organisation) not in self.refs.org_names:
            row.fail(
                "organisation",
                _(
                    "“%(value)s” is not your organisation (%(name)s): you can only import your own interventions."
                )
                % {"value": organisation, "name": self.refs.organisation.name},
            )

    def _what(self, row: _Row) -> None:
        """Sector and activity (the activity must belong to the sector)."""
        sector = None
        sector_text = row.text("sector")
        if sector_text:
            sector = self.refs.sector(sector_text)
            if sector is None:
                row.fail(
                    "sector",
                    _(
                        "Unknown sector “%(value)s”: use a code, a cluster code (e.g. WSH) or a name from the template's lists."
                    )
                    % {"value": sector_text},
                )
        activity_text = row.text("activity")
        if not activity_text:
            row.fail("activity", _("The activity is required."))
        elif sector is not None or not sector_text:
            self._activity(row, activity_text, sector)

    def _activity(self, row: _Row, activity_text: str, sector) -> None:
        key = normalise(activity_text)
        found = self.refs.activities.get((sector.pk if sector else None, key))
        if sector is None and found and len(found) > 1:
            row.fail(
                "sector",
                _("“%(activity)s” exists in several sectors: give the sector.")
                % {"activity": activity_text},
            )
        elif found:
            row.values["activity_id"] = found[0].pk
            row.values["sector_id"] = found[0].sector_id
        elif sector is not None and self.refs.activities.get((None, key)):
            row.fail(
                "activity",
                _("“%(activity)s” is not an activity of the sector “%(sector)s”.")
                % {"activity": activity_text, "sector": sector.name},
            )
        else:
            row.fail(
                "activity",
                _("Unknown activity “%(value)s”.") % {"value": activity_text},
            )

    def _where(self, row: _Row) -> None:
        """Region and province (inside it), commune and coordinates. A place is given
        by its P-code, HCP code or name, in the P-code column, the HCP code column or
        both (then both must mean the same place)."""
        region, region_given = self._region(row)
        row.values["province_id"] = None
        if region is not None:
            row.values["region_id"] = region.pk
        if any(row.text(key) for key in ("province", "province_hcp")):
            self._province(row, region, region_given)
        elif not region_given:
            row.fail("region", _("The region is required."))
        row.values["commune"] = row.text("commune")[:200]
        for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
            try:
                row.values[key] = _parse_decimal(row.raw.get(key), low, high)
            except ValueError as error:
                row.fail(key, str(error))

    def _region(self, row: _Row) -> tuple[Any, bool]:
        """The region the row names (or None), and whether it names one at all."""
        found, given = None, False
        for key in ("region", "region_hcp"):
            text = row.text(key)
            if not text:
                continue
            given = True
            region = self.refs.region(text)
            if region is None:
                row.fail(
                    key,
                    _(
                        "Unknown region “%(value)s”: use its P-code (e.g. MA007), its HCP code (e.g. 02) or its name."
                    )
                    % {"value": text},
                )
                return None, True
            if found is not None and region.pk != found.pk:
                row.fail(
                    key,
                    _("“%(value)s” is not the region %(region)s of the other column.")
                    % {"value": text, "region": found.name},
                )
                return None, True
            found = region
        return found, given

    def _province(self, row: _Row, region, region_given: bool) -> None:
        candidates = None
        for key in ("province", "province_hcp"):
            text = row.text(key)
            if not text:
                continue
            named = self.refs.provinces_named(text)
            if not named:
                row.fail(
                    key,
                    _(
                        "Unknown province or prefecture “%(value)s”: use its P-code (e.g. MA007007), its HCP code (e.g. 02.381) or its name."
                    )
                    % {"value": text},
                )
                return
            if candidates is not None and not set(named) & set(candidates):
                row.fail(
                    key,
                    _(
                        "“%(value)s” is not the province or prefecture %(province)s of the other column."
                    )
                    % {"value": text, "province": candidates[0].name},
                )
                return
            candidates = (
                named if candidates is None else [p for p in candidates if p in named]
            )
        if region is not None:
            inside = [p for p in candidates if p.region_id == region.pk]
            if inside:
                row.values["province_id"] = inside[0].pk
            else:
                row.fail(
                    "province",
                    _("%(province)s is not in the region %(region)s.")
                    % {"province": candidates[0].name, "region": region.name},
                )
        elif not region_given:
            row.values["province_id"] = candidates[0].pk
            row.values["region_id"] = candidates[0].region_id

    def _when(self, row: _Row) -> None:
        for key in ("start_date", "end_date"):
            cell = row.raw.get(key)
            if cell is None or _text(cell) == "":
                row.values[key] = None
                if key == "start_date":
                    row.fail(key, _("The start date is required."))
                continue
            try:
                row.values[key] = _parse_date(cell)
            except ValueError as error:
                row.fail(key, str(error))
        start, end = row.values.get("start_date"), row.values.get("end_date")
        if start and end and end < start:
            row.fail("end_date", _("The end date cannot be before the start date."))

    def _status_and_modality(self, row: _Row) -> None:
        status_text = row.text("status")
        if status_text:
            status = self.refs.statuses.get(normalise(status_text))
            if status is None:
                row.fail(
                    "status",
                    _(
                        "Unknown status “%(value)s”: planned, ongoing, completed or suspended."
                    )
                    % {"value": status_text},
                )
            row.values["status"] = status
        else:
            row.values["status"] = Intervention.Status.ONGOING
        modality_text = row.text("modality")
        if modality_text:
            modality = self.refs.modalities.get(normalise(modality_text))
            if modality is None:
                row.fail(
                    "modality",
                    _(
                        "Unknown modality “%(value)s”: in kind, cash or voucher, or service."
                    )
                    % {"value": modality_text},
                )
            row.values["modality"] = modality
        else:
            row.values["modality"] = Intervention.Modality.SERVICE

    def _counts(self, row: _Row, prefix: str) -> None:
        """For whom: six counts; an empty total is the sum of the four parts."""
        counts: dict[str, int | None] = {}
        bad = False
        for part in COUNTS:
            key = f"{prefix}_{part}"
            try:
                counts[part] = _parse_count(row.raw.get(key))
            except ValueError as error:
                row.fail(key, str(error))
                bad = True
        if bad:
            return
        if counts["total"] is None:
            counts["total"] = sum(counts[p] or 0 for p in PARTS)
        numbers = {p: n or 0 for p, n in counts.items()}
        parts = sum(numbers[p] for p in PARTS)
        if parts > numbers["total"]:
            row.fail(
                f"{prefix}_total",
                _(
                    "Women, men, girls and boys add up to %(parts)d, more than the total (%(total)d)."
                )
                % {"parts": parts, "total": numbers["total"]},
            )
        elif numbers["disabled"] > numbers["total"]:
            row.fail(
                f"{prefix}_disabled",
                _(
                    "Persons with disabilities (%(disabled)d) cannot exceed the total (%(total)d)."
                )
                % {"disabled": numbers["disabled"], "total": numbers["total"]},
            )
        for part, number in numbers.items():
            row.values[f"{prefix}_{part}"] = number

    def _emergency(self, row: _Row) -> None:
        emergency_text = row.text("emergency")
        row.values["emergency_id"] = None
        if not emergency_text:
            return
        emergency = self.refs.emergencies.get(normalise(emergency_text))
        if emergency is None:
            row.fail(
                "emergency",
                _(
                    "Unknown emergency “%(value)s”: use its number, GLIDE number or exact title."
                )
                % {"value": emergency_text},
            )
        else:
            row.values["emergency_id"] = emergency.pk

    def _partners(self, row: _Row) -> None:
        partner_ids: set[int] = set()
        unknown: list[str] = []
        for name in row.text("partners").split(PARTNER_SEPARATOR):
            if not name.strip():
                continue
            pk = self.refs.partners.get(normalise(name))
            if pk is None:
                unknown.append(name.strip())
            elif pk == self.refs.organisation.pk:
                row.fail(
                    "partners",
                    _(
                        "The organisation running the intervention cannot be its own partner."
                    ),
                )
            else:
                partner_ids.add(pk)
        if unknown:
            row.fail(
                "partners",
                _(
                    "Unknown partner organisation “%(value)s”: use its code, acronym or name, separated by “;”."
                )
                % {"value": "; ".join(unknown)},
            )
        row.values["partner_ids"] = sorted(partner_ids)


def auto_reference(values: dict[str, Any]) -> str:
    """A row without a reference gets one from what it is (what, where, when, for which
    emergency and funder), so re-importing the same file updates it."""
    key = "|".join(
        str(values.get(k) or "")
        for k in ("sector_id", "activity_id", "region_id", "province_id", "commune", "start_date", "end_date", "emergency_id", "funding_source")
    )  # fmt: skip
    return "auto-" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16]
