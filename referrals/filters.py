"""The beneficiary FilterSet, shared by the list page and the API. No filter takes an
identity value: identity never travels in a URL (PRODUCT.md "Data responsibility")."""

from __future__ import annotations

import django_filters
from django import forms
from django.apps import apps
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.filters import UpdatedSinceFilterSet
from coordination.models import Province, Sector, ServiceType

from .models import (
    NATIONALITY_CHOICES,
    VULNERABILITY_CHOICES,
    Beneficiary,
    Consent,
    Referral,
)


class BeneficiaryFilter(UpdatedSinceFilterSet):
    code = django_filters.CharFilter(
        method="filter_code", label=_("Code"), help_text=_("e.g. BNF-7K3Q9X")
    )
    sex = django_filters.ChoiceFilter(
        choices=Beneficiary.Sex.choices, label=_("Sex"), empty_label=_("All")
    )
    nationality = django_filters.ChoiceFilter(
        choices=NATIONALITY_CHOICES, label=_("Nationality"), empty_label=_("All")
    )
    vulnerability = django_filters.ChoiceFilter(
        choices=VULNERABILITY_CHOICES,
        method="filter_vulnerability",
        label=_("Vulnerability"),
        empty_label=_("All"),
    )

    class Meta:
        model = Beneficiary
        fields = ["code", "sex", "nationality", "vulnerability", "updated_since"]

    def filter_code(self, queryset, name, value):
        value = value.strip().upper()
        if not value:
            return queryset
        if not value.startswith("BNF-"):
            value = f"BNF-{value}"
        return queryset.filter(code__startswith=value)

    def filter_vulnerability(self, queryset, name, value):
        return queryset.filter(vulnerabilities__contains=[value])


def _organisations(request):
    return apps.get_model("organisations", "Organisation").objects.order_by("name")


_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

DIRECTION_CHOICES = (
    ("incoming", _("Incoming")),
    ("outgoing", _("Outgoing")),
)


class ReferralFilter(UpdatedSinceFilterSet):
    """Shared by the inbox, outgoing and pathway pages and the API. `direction` and
    `assigned_to_me` are relative to the acting organisation and user. No filter takes
    an identity value."""

    code = django_filters.CharFilter(
        method="filter_code", label=_("Code"), help_text=_("e.g. REF-7K3Q9X")
    )
    status = django_filters.MultipleChoiceFilter(
        choices=Referral.Status.choices,
        label=_("Status"),
        widget=forms.CheckboxSelectMultiple,
    )
    priority = django_filters.ChoiceFilter(
        choices=Referral.Priority.choices, label=_("Priority"), empty_label=_("All")
    )
    direction = django_filters.ChoiceFilter(
        choices=DIRECTION_CHOICES,
        method="filter_direction",
        label=_("Direction"),
        empty_label=_("All"),
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
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
    province = django_filters.ModelChoiceFilter(
        queryset=Province.objects.all(),
        to_field_name="code",
        label=_("Province or prefecture"),
        empty_label=_("All"),
    )
    sent_after = django_filters.DateFilter(
        field_name="sent_at",
        lookup_expr="date__gte",
        label=_("Sent from"),
        widget=_DATE,
    )
    sent_before = django_filters.DateFilter(
        field_name="sent_at",
        lookup_expr="date__lte",
        label=_("Sent until"),
        widget=_DATE,
    )
    to_organisation = django_filters.ModelChoiceFilter(
        queryset=_organisations, label=_("Referred to"), empty_label=_("All")
    )
    from_organisation = django_filters.ModelChoiceFilter(
        queryset=_organisations, label=_("Referred by"), empty_label=_("All")
    )
    assigned_to_me = django_filters.BooleanFilter(
        method="filter_assigned_to_me", label=_("Assigned to me")
    )
    legal_basis = django_filters.ChoiceFilter(
        field_name="consent__legal_basis",
        choices=Consent.LegalBasis.choices,
        label=_("Legal basis"),
        empty_label=_("All"),
    )

    class Meta:
        model = Referral
        fields = [
            "code",
            "status",
            "priority",
            "direction",
            "overdue",
            "sector",
            "service_type",
            "province",
            "sent_after",
            "sent_before",
            "to_organisation",
            "from_organisation",
            "assigned_to_me",
            "legal_basis",
            "updated_since",
        ]

    def _user(self):
        return getattr(self.request, "user", None) if self.request else None

    def filter_code(self, queryset, name, value):
        value = value.strip().upper()
        if not value:
            return queryset
        if not value.startswith("REF-"):
            value = f"REF-{value}"
        return queryset.filter(code__startswith=value)

    def filter_direction(self, queryset, name, value):
        user = self._user()
        org = getattr(user, "acting_organisation", None) if user else None
        if not value:
            return queryset
        if org is None:
            return queryset.none()
        if value == "incoming":
            return queryset.incoming(org)
        return queryset.outgoing(org)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        overdue = Q(status=Referral.Status.PENDING, due_at__lt=timezone.now())
        return queryset.filter(overdue if value else ~overdue)

    def filter_assigned_to_me(self, queryset, name, value):
        if value is None or not value:
            return queryset
        user = self._user()
        if user is None or not user.is_authenticated:
            return queryset.none()
        return queryset.filter(assigned_to=user)
