"""The beneficiary FilterSet, shared by the list page and the API. No filter takes an
identity value: identity never travels in a URL (PRODUCT.md "Data responsibility")."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from coordination.filters import UpdatedSinceFilterSet

from .models import NATIONALITY_CHOICES, VULNERABILITY_CHOICES, Beneficiary


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
