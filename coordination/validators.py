"""The one rule for the dates and times people type: within plausible bounds.

Python and PostgreSQL accept different ranges (PostgreSQL stores year 0 and earlier,
which Python cannot read back; a time in year 1 or 9999 with a UTC offset leaves
Python's range once in UTC), and a year 0001 or 9999 is a typo anyway. Model fields
carry these validators, so model forms and DRF model serializers apply them; forms
and serializers that declare a date field themselves add the same validator."""

from __future__ import annotations

from datetime import UTC, date, datetime

from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


def _day(value: date | datetime) -> date:
    """The calendar day of a date, or of a datetime in UTC (an aware datetime whose
    UTC day leaves Python's range counts as the first or the last day there is)."""
    if not isinstance(value, datetime):
        return value
    if timezone.is_naive(value):
        return value.date()
    try:
        return value.astimezone(UTC).date()
    except OverflowError:
        return date.min if value.year < 5000 else date.max


@deconstructible(path="coordination.validators.PlausibleDateValidator")
class PlausibleDateValidator:
    """A date or datetime from `earliest` to `latest` (both included); with
    `past_only`, no later than today."""

    message = _("Enter a date between %(earliest)s and %(latest)s.")
    code = "implausible_date"

    def __init__(
        self,
        earliest: date = EARLIEST,
        latest: date = LATEST,
        *,
        past_only: bool = False,
    ):
        self.earliest = earliest
        self.latest = latest
        self.past_only = past_only

    def bounds(self) -> tuple[date, date]:
        """The first and last day accepted today."""
        latest = (
            min(self.latest, timezone.localdate()) if self.past_only else self.latest
        )
        return self.earliest, latest

    def __call__(self, value: date | datetime | None) -> None:
        if value is None:
            return
        earliest, latest = self.bounds()
        if not earliest <= _day(value) <= latest:
            raise ValidationError(
                self.message,
                code=self.code,
                params={
                    "earliest": formats.date_format(earliest),
                    "latest": formats.date_format(latest),
                },
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PlausibleDateValidator) and (
            self.earliest,
            self.latest,
            self.past_only,
        ) == (other.earliest, other.latest, other.past_only)

    def __hash__(self) -> int:
        return hash((self.earliest, self.latest, self.past_only))


validate_plausible_date = PlausibleDateValidator()
"""Any date or time of an event: from 1900 to 2100."""

validate_date_of_birth = PlausibleDateValidator(past_only=True)
"""A date of birth: from 1900 to today."""

__all__ = [
    "PlausibleDateValidator",
    "validate_date_of_birth",
    "validate_plausible_date",
]
