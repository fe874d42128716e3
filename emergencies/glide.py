"""GLIDE numbers (GLobal IDEntifier of disasters, glidenumber.net): the crisis code HXL
calls `#crisis+code`, e.g. `EQ-2023-000166-MAR` — a two-letter hazard code, the year,
six digits and the ISO 3166-1 alpha-3 country."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

GLIDE_PATTERN = re.compile(r"^[A-Z]{2}-(?P<year>\d{4})-\d{6}-[A-Z]{3}$")
GLIDE_MESSAGE = _(
    "A GLIDE number is a hazard code, the year, six digits and the country's "
    "three-letter code, e.g. EQ-2023-000166-MAR."
)


def normalise_glide_number(value: object) -> str:
    """As typed, without surrounding spaces, in capitals ("eq-2023-000166-mar" is
    EQ-2023-000166-MAR); empty stays empty."""
    return str(value or "").strip().upper()


def validate_glide_number(value: str) -> None:
    """The model field's validator (pages and API): empty, or a well-formed number."""
    if not value:
        return
    match = GLIDE_PATTERN.match(value)
    if match is None or not 1900 <= int(match["year"]) <= 2099:
        raise ValidationError(GLIDE_MESSAGE, code="invalid")
