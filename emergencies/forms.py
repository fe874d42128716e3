"""Input shape and validation for the emergency, need, capacity and alert pages; state
changes stay in emergencies.services."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .glide import normalise_glide_number
from .models import (
    AlertRecipient,
    Capacity,
    Emergency,
    Need,
    Province,
    Region,
    Sector,
    ServiceType,
)
from .services import GLIDE_TAKEN, emergency_date_errors, provinces_outside


def _capitalised(choices) -> list[tuple[str, str]]:
    return [(value, capfirst(label)) for value, label in choices]


def _named(field) -> None:
    # Reference rows print their codes (__str__); people choose by name.
    field.label_from_instance = lambda row: row.name


def grouped_provinces(regions=None) -> list[tuple[str, list[tuple[int, str]]]]:
    """Provinces grouped under their region (optionally only those regions)."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    provinces = Province.objects.select_related("region").order_by(
        "region__code", "code"
    )
    if regions is not None:
        provinces = provinces.filter(region__in=regions)
    for province in provinces:
        _label, options = groups.setdefault(
            province.region_id, (province.region.name, [])
        )
        options.append((province.pk, province.name))
    return list(groups.values())


def grouped_service_types() -> list[tuple[str, list[tuple[int, str]]]]:
    """Service types grouped under their sector, for a select with optgroups."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for service_type in ServiceType.objects.select_related("sector"):
        _label, options = groups.setdefault(
            service_type.sector_id, (service_type.sector.name, [])
        )
        options.append((service_type.pk, service_type.name))
    return [("", "—"), *groups.values()]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class EmergencyForm(forms.ModelForm):
    """An emergency as a coordinator declares or edits it; its cleaned data are the
    keyword arguments of create_emergency and update_emergency."""

    class Meta:
        model = Emergency
        fields = [
            "title",
            "kind",
            "severity",
            "status",
            "started_on",
            "ended_on",
            "people_affected",
            "regions",
            "provinces",
            "description",
            "glide_number",
        ]
        widgets = {
            "title": forms.TextInput(attrs={"dir": "auto"}),
            "description": forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
            "regions": forms.CheckboxSelectMultiple,
            "provinces": forms.CheckboxSelectMultiple,
            "started_on": DateInput,
            "ended_on": DateInput,
        }
        help_texts = {
            "provinces": _("Optional: only provinces of the regions chosen above."),
            "glide_number": _("Optional, e.g. CW-2025-000012-MAR."),
            "people_affected": _("An estimate; leave empty if unknown."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = Region.objects.order_by("code")
        self.fields["provinces"].queryset = Province.objects.all()
        _named(self.fields["regions"])
        _named(self.fields["provinces"])
        self.fields["provinces"].widget.choices = grouped_provinces()
        for name in ("kind", "severity", "status"):
            self.fields[name].choices = _capitalised(self.fields[name].choices)

    def clean_glide_number(self) -> str:
        # In capitals; the model field checks the format; taken: said on the field.
        value = normalise_glide_number(self.cleaned_data.get("glide_number"))
        others = Emergency.objects.filter(glide_number=value)
        if value and others.exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(GLIDE_TAKEN)
        return value

    def clean(self):
        cleaned = super().clean()
        # The services' rules, told in this page's words (the API says "remove them"),
        # and shown together: a form with errors never reaches the service.
        regions, provinces = cleaned.get("regions"), cleaned.get("provinces")
        outside = (
            provinces_outside(regions, provinces)
            if regions is not None and provinces
            else []
        )
        if outside:
            self.add_error(
                "provinces",
                _(
                    "These provinces are not in the regions chosen: %(names)s. "
                    "Add their region or untick them."
                )
                % {"names": ", ".join(p.name for p in outside)},
            )
        dates = emergency_date_errors(
            cleaned.get("started_on"), cleaned.get("ended_on")
        )
        for field, message in dates.items():
            self.add_error(field, message)
        return cleaned

    def _post_clean(self):
        # The service validates and saves; the model's own checks would only repeat
        # them with less helpful messages.
        pass


class _PlaceAndSectorForm(forms.ModelForm):
    """Place and sector choices by name; emergencies.services checks that they fit
    together (province in region, service type in sector)."""

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        region_qs = Region.objects.order_by("code")
        if regions is not None:
            region_qs = region_qs.filter(pk__in=[r.pk for r in regions])
        self.fields["region"].queryset = region_qs
        self.fields["province"].queryset = Province.objects.all()
        self.fields["province"].widget.choices = [
            ("", "—"),
            *grouped_provinces(regions),
        ]
        self.fields["sector"].queryset = Sector.objects.all()
        self.fields["service_type"].queryset = ServiceType.objects.all()
        self.fields["service_type"].widget.choices = grouped_service_types()
        for name in ("region", "province", "sector", "service_type"):
            _named(self.fields[name])

    def _post_clean(self):
        # The service validates and saves.
        pass


class NeedForm(_PlaceAndSectorForm):
    """What an emergency needs in one sector and place; its cleaned data are the
    keyword arguments of add_need and update_need."""

    class Meta:
        model = Need
        fields = [
            "sector",
            "service_type",
            "region",
            "province",
            "people_in_need",
            "priority",
            "note",
        ]
        widgets = {"note": forms.Textarea(attrs={"rows": 2, "dir": "auto"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority"].choices = _capitalised(self.fields["priority"].choices)


class CapacityForm(_PlaceAndSectorForm):
    """What an organisation can mobilise, where, as of when; its cleaned data are the
    keyword arguments of declare_capacity and update_capacity."""

    class Meta:
        model = Capacity
        fields = [
            "emergency",
            "sector",
            "service_type",
            "description",
            "quantity",
            "region",
            "province",
            "as_of",
        ]
        widgets = {
            "as_of": DateInput,
            "description": forms.TextInput(attrs={"dir": "auto"}),
        }
        help_texts = {
            "emergency": _("Optional: the emergency this capacity answers."),
            "quantity": _("How many places, kits, consultations…"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["emergency"].queryset = Emergency.objects.exclude(
            status=Emergency.Status.CLOSED
        ).order_by("-started_on")
        self.fields["emergency"].label_from_instance = lambda row: row.title
        self.fields["emergency"].empty_label = _("None in particular")


class AlertForm(forms.Form):
    """An alert's message, places and sectors; the recipients once previewed."""

    message = forms.CharField(
        label=_("Message"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6, "dir": "auto"}),
        help_text=_(
            "What is happening, what is needed and by when. Never include a "
            "person's name or contact details."
        ),
    )
    regions = forms.ModelMultipleChoiceField(
        label=_("Regions"),
        queryset=Region.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave regions and provinces empty to use all of the emergency's."),
    )
    provinces = forms.ModelMultipleChoiceField(
        label=_("Provinces and prefectures"),
        queryset=Province.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=Sector.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty to reach organisations of every sector."),
    )
    recipients = forms.ModelMultipleChoiceField(
        label=_("Recipients"),
        queryset=None,
        required=False,
    )

    def __init__(self, *args, emergency: Emergency, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        regions = list(emergency.regions.order_by("code"))
        self.fields["regions"].queryset = Region.objects.filter(
            pk__in=[r.pk for r in regions]
        ).order_by("code")
        self.fields["provinces"].queryset = Province.objects.filter(region__in=regions)
        self.fields["provinces"].widget.choices = grouped_provinces(regions)
        self.fields["recipients"].queryset = organisations
        for name in ("regions", "provinces", "sectors"):
            _named(self.fields[name])


class AnswerAlertForm(forms.Form):
    """An organisation's answer to an alert."""

    response = forms.ChoiceField(
        label=_("Answer"),
        choices=AlertRecipient.Response.choices,
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("What you can mobilise and when, or why you cannot respond."),
    )
