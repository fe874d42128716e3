"""The organisation and service FilterSets, shared by the pages, the public directory
and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from coordination.filters import UpdatedSinceFilterSet
from coordination.models import Province, Region, Sector, ServiceType

from .models import LANGUAGE_CHOICES, Organisation, Service, has_members_expression


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
    # false: off the platform (no members yet), answering through the referral slip.
    connected = django_filters.BooleanFilter(
        method="filter_connected", label=_("On the platform")
    )

    class Meta:
        model = Organisation
        fields = ["q", "kind", "region", "sector", "language", "verified", "connected"]

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

    def filter_connected(self, queryset, name, value):
        has_members = has_members_expression("pk")
        return queryset.filter(has_members if value else ~has_members)


class ServiceFilter(UpdatedSinceFilterSet):
    """The catalogue's filters: the members' list, the public directory and the API."""

    q = django_filters.CharFilter(method="search", label=_("Search"))
    sector = django_filters.ModelChoiceFilter(
        queryset=Sector.objects.all(),
        to_field_name="code",
        label=_("Sector"),
        empty_label=_("All"),
    )
    service_type = django_filters.ModelChoiceFilter(
        queryset=ServiceType.objects.select_related("sector"),
        to_field_name="code",
        label=_("Service type"),
        empty_label=_("All"),
    )
    region = extend_schema_field(OpenApiTypes.STR)(
        django_filters.ModelChoiceFilter(
            queryset=Region.objects.all(),
            to_field_name="code",
            method="filter_region",
            label=_("Region"),
            empty_label=_("All"),
        )
    )
    province = extend_schema_field(OpenApiTypes.STR)(
        django_filters.ModelChoiceFilter(
            queryset=Province.objects.select_related("region"),
            to_field_name="code",
            method="filter_province",
            label=_("Province or prefecture"),
            empty_label=_("All"),
        )
    )
    language = django_filters.ChoiceFilter(
        choices=LANGUAGE_CHOICES,
        method="filter_language",
        label=_("Language spoken"),
        empty_label=_("All"),
    )
    accessible = django_filters.BooleanFilter(
        label=_("Accessible to persons with disabilities")
    )
    status = django_filters.ChoiceFilter(
        choices=Service.Status.choices, label=_("Status"), empty_label=_("All")
    )
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.filter(is_active=True),
        label=_("Organisation"),
        empty_label=_("All"),
    )
    cost = django_filters.ChoiceFilter(
        choices=Service.Cost.choices, label=_("Cost"), empty_label=_("All")
    )
    public = django_filters.BooleanFilter(label=_("In the public directory"))
    # false: of organisations off the platform (no members yet).
    connected = django_filters.BooleanFilter(
        method="filter_connected", label=_("Organisation on the platform")
    )

    class Meta:
        model = Service
        fields = [
            "q",
            "sector",
            "service_type",
            "region",
            "province",
            "language",
            "accessible",
            "status",
            "organisation",
            "cost",
            "public",
            "connected",
            "updated_since",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(description__icontains=value)
            | Q(communes__icontains=value)
            | Q(address__icontains=value)
            | Q(organisation__name__icontains=value)
            | Q(organisation__acronym__iexact=value)
        )

    def filter_region(self, queryset, name, value):
        # Exists, not a join: each service once, whatever its number of regions.
        through = Service.regions.through
        return queryset.filter(
            Exists(through.objects.filter(service=OuterRef("pk"), region=value))
        )

    def filter_province(self, queryset, name, value):
        """Services in the province, and services covering its whole region (those
        that name no province)."""
        provinces = Service.provinces.through.objects.filter(service=OuterRef("pk"))
        regions = Service.regions.through.objects.filter(
            service=OuterRef("pk"), region_id=value.region_id
        )
        return queryset.filter(
            Exists(provinces.filter(province=value))
            | (Exists(regions) & ~Exists(provinces))
        )

    def filter_language(self, queryset, name, value):
        return queryset.filter(languages__contains=[value])

    def filter_connected(self, queryset, name, value):
        has_members = has_members_expression("organisation_id")
        return queryset.filter(has_members if value else ~has_members)
