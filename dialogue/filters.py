"""FilterSets of meetings, recommendations and comments (shared by their pages and the API)."""

from __future__ import annotations

import django_filters
from django import forms
from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.filters import UpdatedSinceFilterSet

from .models import Comment, Meeting, Recommendation


def _active_organisations(request):
    return apps.get_model("organisations", "Organisation").objects.filter(
        is_active=True
    )


class MeetingFilter(UpdatedSinceFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(
        choices=Meeting.Kind.choices, label=_("Kind"), empty_label=_("All")
    )
    theme = django_filters.ChoiceFilter(
        method="filter_theme",
        choices=Meeting.Theme.choices,
        label=_("Theme"),
        empty_label=_("All"),
    )
    participant = django_filters.ModelChoiceFilter(
        field_name="participants",
        queryset=_active_organisations,
        label=_("Participating organisation"),
        empty_label=_("All"),
    )
    after = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__gte", label=_("On or after")
    )
    before = django_filters.DateFilter(
        field_name="starts_at", lookup_expr="date__lte", label=_("On or before")
    )

    class Meta:
        model = Meeting
        fields = [
            "q",
            "kind",
            "theme",
            "participant",
            "after",
            "before",
            "updated_since",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(title__icontains=value)
            | Q(place__icontains=value)
            | Q(agenda__icontains=value)
            | Q(minutes__icontains=value)
        )

    def filter_theme(self, queryset, name, value):
        return queryset.filter(themes__contains=[value]) if value else queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("participant"):
            queryset = queryset.distinct()
        return queryset


class RecommendationFilter(UpdatedSinceFilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.MultipleChoiceFilter(
        choices=Recommendation.Status.choices,
        label=_("Status"),
        widget=forms.CheckboxSelectMultiple,
    )
    theme = django_filters.ChoiceFilter(
        choices=Recommendation.Theme.choices, label=_("Theme"), empty_label=_("All")
    )
    dimension = django_filters.ChoiceFilter(
        method="filter_dimension",
        choices=Recommendation.Dimension.choices,
        label=_("Dimension"),
        empty_label=_("All"),
    )
    addressee = django_filters.ModelChoiceFilter(
        field_name="addressed_to",
        queryset=_active_organisations,
        label=_("Addressed to"),
        empty_label=_("All"),
    )
    owner = django_filters.ModelChoiceFilter(
        queryset=_active_organisations, label=_("Owner"), empty_label=_("All")
    )
    meeting = django_filters.ModelChoiceFilter(
        queryset=Meeting.objects.all(), label=_("Meeting"), empty_label=_("All")
    )
    overdue = django_filters.ChoiceFilter(
        method="filter_overdue",
        choices=[("true", _("Overdue only")), ("false", _("Not overdue"))],
        label=_("Due date"),
        empty_label=_("All"),
    )

    class Meta:
        model = Recommendation
        fields = [
            "q",
            "status",
            "theme",
            "dimension",
            "addressee",
            "owner",
            "meeting",
            "overdue",
            "updated_since",
        ]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value.upper().startswith("R-") and value[2:].isdigit():
            return queryset.filter(pk=int(value[2:]))
        return queryset.filter(text__icontains=value)

    def filter_dimension(self, queryset, name, value):
        return queryset.filter(dimensions__contains=[value]) if value else queryset

    def filter_overdue(self, queryset, name, value):
        if value not in ("true", "false"):
            return queryset
        overdue = Q(
            status__in=Recommendation.OPEN_STATUSES,
            due_date__lt=timezone.localdate(),
        )
        return queryset.filter(overdue if value == "true" else ~overdue)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.form.cleaned_data.get("addressee"):
            queryset = queryset.distinct()
        return queryset


class CommentFilter(UpdatedSinceFilterSet):
    """The thread of one emergency, meeting or recommendation (`?meeting=3`)."""

    emergency = django_filters.NumberFilter(
        field_name="emergency", label=_("Emergency")
    )
    meeting = django_filters.NumberFilter(field_name="meeting", label=_("Meeting"))
    recommendation = django_filters.NumberFilter(
        field_name="recommendation", label=_("Recommendation")
    )

    class Meta:
        model = Comment
        fields = ["emergency", "meeting", "recommendation", "updated_since"]
