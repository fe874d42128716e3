"""The one filter form of every dashboard figure, shared by the pages and the API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from coordination.models import Region, Sector
from emergencies.models import Emergency
from organisations.models import Organisation

FILTER_FIELDS = (
    "period_start",
    "period_end",
    "emergency",
    "region",
    "sector",
    "organisation",
)


class _NamedChoiceField(forms.ModelChoiceField):
    """Reference rows print their codes (__str__); people choose by name."""

    def label_from_instance(self, obj) -> str:
        return getattr(obj, "name", None) or getattr(obj, "title", None) or str(obj)


class StatsFilterForm(forms.Form):
    """Period, emergency, region, sector and organisation; every field optional.

    Interventions count in the month they start and referrals in the month they are
    sent: the period selects whole months, from period_start's month to period_end's."""

    period_start = forms.DateField(label=_("From"), required=False)
    period_end = forms.DateField(label=_("Until"), required=False)
    emergency = _NamedChoiceField(
        queryset=Emergency.objects.all(), label=_("Emergency"), required=False
    )
    region = _NamedChoiceField(
        queryset=Region.objects.all(),
        to_field_name="code",
        label=_("Region"),
        required=False,
    )
    sector = _NamedChoiceField(
        queryset=Sector.objects.all(),
        to_field_name="code",
        label=_("Sector"),
        required=False,
    )
    organisation = _NamedChoiceField(
        queryset=Organisation.objects.filter(is_active=True),
        label=_("Organisation"),
        required=False,
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error(
                "period_end", _("The end of the period cannot be before its start.")
            )
        return data


class PublicStatsFilterForm(StatsFilterForm):
    """The public filters: the same, but never one organisation's figures (an
    `organisation` in the query string is ignored, as on the public page)."""

    organisation = None
