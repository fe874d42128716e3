"""The intervention FilterSet, shared by the 4W page, its export and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from coordination.filters import UpdatedSinceFilterSet
from coordination.models import Province, Region, Sector, ServiceType
from emergencies.models import Emergency
from organisations.models import Organisation

from .models import Intervention


class InterventionFilter(UpdatedSinceFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    emergency = django_filters.ModelChoiceFilter(
        queryset=Emergency.objects.all(), label=_("Emergency")
    )
    sector = django_filters.ModelChoiceFilter(
        queryset=Sector.objects.all(), to_field_name="code", label=_("Sector")
    )
    activity = django_filters.ModelChoiceFilter(
        queryset=ServiceType.objects.select_related("sector"),
        to_field_name="code",
        label=_("Activity"),
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(), to_field_name="code", label=_("Region")
    )
    province = django_filters.ModelChoiceFilter(
        queryset=Province.objects.select_related("region"),
        to_field_name="code",
        label=_("Province or prefecture"),
    )
    # The same places by OCHA P-code (e.g. MA007, MA007007), as HDX tools give them.
    region_pcode = django_filters.ModelChoiceFilter(
        field_name="region",
        queryset=Region.objects.exclude(pcode=""),
        to_field_name="pcode",
        label=_("Region (P-code)"),
    )
    province_pcode = django_filters.ModelChoiceFilter(
        field_name="province",
        queryset=Province.objects.exclude(pcode="").select_related("region"),
        to_field_name="pcode",
        label=_("Province or prefecture (P-code)"),
    )
    organisation = django_filters.ModelChoiceFilter(
        queryset=Organisation.objects.filter(is_active=True),
        label=_("Organisation"),
    )
    status = django_filters.ChoiceFilter(
        choices=Intervention.Status.choices, label=_("Status"), empty_label=_("All")
    )
    period_start = django_filters.DateFilter(
        method="filter_period_start",
        label=_("Active from"),
        help_text=_("Running on or after this date."),
    )
    period_end = django_filters.DateFilter(
        method="filter_period_end",
        label=_("Active until"),
        help_text=_("Started on or before this date."),
    )
    ordering = django_filters.OrderingFilter(
        fields=(
            ("start_date", "start_date"),
            ("end_date", "end_date"),
            ("updated_at", "updated_at"),
            ("reached_total", "reached_total"),
            ("organisation__name", "organisation"),
        ),
        label=_("Sort by"),
    )

    class Meta:
        model = Intervention
        fields = [
            "q",
            "emergency",
            "sector",
            "activity",
            "region",
            "province",
            "region_pcode",
            "province_pcode",
            "organisation",
            "status",
            "period_start",
            "period_end",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(description__icontains=value)
            | Q(commune__icontains=value)
            | Q(funding_source__icontains=value)
            | Q(external_ref__iexact=value)
            | Q(organisation__name__icontains=value)
            | Q(organisation__acronym__iexact=value)
        )

    def filter_period_start(self, queryset, name, value):
        # Active during [start, end]: still running at the start of the period.
        return queryset.active_between(value, None)

    def filter_period_end(self, queryset, name, value):
        return queryset.active_between(None, value)
