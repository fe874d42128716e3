"""FilterSets for reference data, and the base every list's FilterSet shares."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from .models import Province, Region, Sector


class UpdatedSinceFilterSet(django_filters.FilterSet):
    """Adds `?updated_since=<timestamp>` for incremental sync (API.md)."""

    updated_since = django_filters.IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", label=_("Updated since")
    )


class RegionFilter(UpdatedSinceFilterSet):
    class Meta:
        model = Region
        fields = ["updated_since"]


class ProvinceFilter(UpdatedSinceFilterSet):
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), to_field_name="code", label=_("Region")
    )

    class Meta:
        model = Province
        fields = ["region", "updated_since"]


class SectorFilter(UpdatedSinceFilterSet):
    class Meta:
        model = Sector
        fields = ["updated_since"]
