"""The organisation FilterSet, shared by the directory page and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coordination.filters import UpdatedSinceFilterSet
from coordination.models import Region, Sector

from .models import LANGUAGE_CHOICES, Organisation


class OrganisationFilter(UpdatedSinceFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(
        choices=Organisation.Kind.choices, label=_("Kind"), empty_label=_("All")
    )
    region = django_filters.ModelChoiceFilter(
        field_name="regions",
        queryset=Region.objects.all(),
        to_field_name="code",
        label=_("Region"),
    )
    sector = django_filters.ModelChoiceFilter(
        field_name="sectors",
        queryset=Sector.objects.all(),
        to_field_name="code",
        label=_("Sector"),
    )
    language = django_filters.ChoiceFilter(
        choices=LANGUAGE_CHOICES,
        method="filter_language",
        label=_("Language"),
        empty_label=_("All"),
    )
    verified = django_filters.BooleanFilter(label=_("Verified"))

    class Meta:
        model = Organisation
        fields = ["q", "kind", "region", "sector", "language", "verified"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(acronym__icontains=value)
            | Q(description__icontains=value)
        )

    def filter_language(self, queryset, name, value):
        return queryset.filter(languages__contains=[value])
