"""FilterSets of emergencies, capacities and alerts (shared by their pages and the API)."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from coordination.filters import UpdatedSinceFilterSet
from coordination.models import Province, Region, Sector

from .models import Alert, AlertRecipient, Capacity, Emergency


class EmergencyFilter(UpdatedSinceFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(
        choices=Emergency.Status.choices, label=_("Status"), empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(
        choices=Emergency.Kind.choices, label=_("Kind"), empty_label=_("All")
    )
    severity = django_filters.ChoiceFilter(
        choices=Emergency.Severity.choices, label=_("Severity"), empty_label=_("All")
    )
    region = django_filters.ModelChoiceFilter(
        field_name="regions",
        queryset=Region.objects.all(),
        to_field_name="code",
        label=_("Region"),
        empty_label=_("All"),
    )
    province = django_filters.ModelChoiceFilter(
        field_name="provinces",
        queryset=Province.objects.all(),
        to_field_name="code",
        label=_("Province or prefecture"),
        empty_label=_("All"),
    )
    glide_number = django_filters.CharFilter(
        field_name="glide_number", lookup_expr="iexact", label=_("GLIDE number")
    )
    started_after = django_filters.DateFilter(
        field_name="started_on", lookup_expr="gte", label=_("Started on or after")
    )
    started_before = django_filters.DateFilter(
        field_name="started_on", lookup_expr="lte", label=_("Started on or before")
    )

    class Meta:
        model = Emergency
        fields = [
            "q",
            "status",
            "kind",
            "severity",
            "region",
            "province",
            "started_after",
            "started_before",
            "glide_number",
            "updated_since",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(glide_number__iexact=value)
        )

    def filter_queryset(self, queryset):
        # Filtering through a many-to-many repeats rows: each emergency once.
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("region") or self.form.cleaned_data.get(
            "province"
        ):
            queryset = queryset.distinct()
        return queryset


class CapacityFilter(UpdatedSinceFilterSet):
    emergency = django_filters.ModelChoiceFilter(
        queryset=Emergency.objects.all(), label=_("Emergency"), empty_label=_("All")
    )
    organisation = django_filters.NumberFilter(
        field_name="organisation", label=_("Organisation")
    )
    sector = django_filters.ModelChoiceFilter(
        queryset=Sector.objects.all(),
        to_field_name="code",
        label=_("Sector"),
        empty_label=_("All"),
    )
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.all(),
        to_field_name="code",
        label=_("Region"),
        empty_label=_("All"),
    )
    province = django_filters.ModelChoiceFilter(
        queryset=Province.objects.all(),
        to_field_name="code",
        label=_("Province or prefecture"),
        empty_label=_("All"),
    )

    class Meta:
        model = Capacity
        fields = ["emergency", "organisation", "sector", "region", "province"]


class AlertFilter(UpdatedSinceFilterSet):
    emergency = django_filters.ModelChoiceFilter(
        queryset=Emergency.objects.all(), label=_("Emergency"), empty_label=_("All")
    )
    answered = django_filters.BooleanFilter(
        method="filter_answered",
        label=_("Answered by my organisation"),
    )

    class Meta:
        model = Alert
        fields = ["emergency", "answered", "updated_since"]

    def filter_answered(self, queryset, name, value):
        org = (
            getattr(self.request.user, "acting_organisation", None)
            if self.request
            else None
        )
        if value is None or org is None:
            return queryset
        answered = Exists(
            AlertRecipient.objects.filter(
                alert=OuterRef("pk"), organisation=org, answered_at__isnull=False
            )
        )
        return queryset.filter(answered if value else ~answered)
