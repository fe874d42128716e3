"""FilterSets for reference data, and the base every list's FilterSet shares."""

from __future__ import annotations

from datetime import UTC, datetime

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from .models import Province, Region, Sector


class UTCIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 timestamp, in UTC: PostgreSQL refuses UTC offsets of 16 hours or
    more, and a moment that falls outside years 1-9999 in UTC is refused here."""

    def to_python(self, value) -> datetime | None:
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            return moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError(
                self.error_messages["invalid"], code="invalid"
            ) from None


class UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """The datetime filter every FilterSet uses: values PostgreSQL always accepts."""

    field_class = UTCIsoDateTimeField


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """Adds `?updated_since=<timestamp>` for incremental sync (API.md)."""

    updated_since = UTCIsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Updated since")
    )


class RegionFilter(UpdatedSinceFilterSet):
    pcode = django_filters.CharFilter(label=_("P-code"))

    class Meta:
        model = Region
        fields = ["pcode", "updated_since"]


class ProvinceFilter(UpdatedSinceFilterSet):
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), to_field_name="code", label=_("Region")
    )
    pcode = django_filters.CharFilter(label=_("P-code"))

    class Meta:
        model = Province
        fields = ["region", "pcode", "updated_since"]


class SectorFilter(UpdatedSinceFilterSet):
    cluster_code = django_filters.CharFilter(
        lookup_expr="iexact", label=_("Cluster code")
    )

    class Meta:
        model = Sector
        fields = ["cluster_code", "updated_since"]
