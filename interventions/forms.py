"""Input shape and validation for the 4W pages; state changes stay in services."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from coordination.models import Province, Region, Sector, ServiceType
from coordination.validators import validate_plausible_date
from emergencies.models import Emergency
from organisations.models import Organisation

from .models import COUNT_LABELS, COUNTS, Intervention, counts_error
from .services import FIELDS, rule_errors


def _grouped(rows, group_of) -> list[tuple[str, list[tuple[int, str]]]]:
    """Options under their group (activities under sectors, provinces under regions)."""
    groups: dict[object, tuple[str, list[tuple[int, str]]]] = {}
    for row in rows:
        key, label = group_of(row)
        groups.setdefault(key, (label, []))[1].append((row.pk, row.name))
    return list(groups.values())


def _count_input(group: str, part: str) -> forms.NumberInput:
    return forms.NumberInput(
        attrs={
            "min": 0,
            "inputmode": "numeric",
            "data-counts": group,
            "data-part": part,
            "class": "input--count",
        }
    )


class InterventionForm(forms.ModelForm):
    """What a caseworker logs: who with, what, where, when, for whom."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Intervention
        fields = [*FIELDS, "partners"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "description": forms.Textarea(attrs={"rows": 4}),
            "partners": forms.CheckboxSelectMultiple,
            **{
                f"{group}_{part}": _count_input(group, part)
                for group in ("targeted", "reached")
                for part in COUNTS
            },
        }
        labels = {
            f"{group}_{part}": capfirst(COUNT_LABELS[part])
            for group in ("targeted", "reached")
            for part in COUNTS
        }

    def __init__(self, *args, organisation: Organisation | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation = organisation
        fields = self.fields
        fields["emergency"].queryset = Emergency.objects.all()
        fields["emergency"].label_from_instance = lambda e: e.title
        fields["emergency"].empty_label = _("None")
        fields["sector"].queryset = Sector.objects.all()
        fields["sector"].label_from_instance = lambda s: s.name
        fields["activity"].queryset = ServiceType.objects.select_related("sector")
        fields["activity"].widget.choices = [
            ("", "---------"),
            *_grouped(
                fields["activity"].queryset, lambda a: (a.sector_id, a.sector.name)
            ),
        ]
        fields["region"].queryset = Region.objects.order_by("code")
        fields["region"].label_from_instance = lambda r: r.name
        fields["province"].queryset = Province.objects.select_related("region")
        fields["province"].widget.choices = [
            ("", "---------"),
            *_grouped(
                fields["province"].queryset.order_by("region__code", "code"),
                lambda p: (p.region_id, p.region.name),
            ),
        ]
        partners = Organisation.objects.filter(is_active=True).order_by("name")
        if organisation is not None:
            partners = partners.exclude(pk=organisation.pk)
        fields["partners"].queryset = partners
        fields["partners"].label_from_instance = lambda o: o.name
        for name in ("status", "modality"):
            fields[name].choices = [
                (v, capfirst(label)) for v, label in fields[name].choices
            ]
        for group in ("targeted", "reached"):
            fields[f"{group}_total"].required = False
            fields[f"{group}_total"].help_text = _("Empty: the sum of the four parts.")
            for part in COUNTS:
                fields[f"{group}_{part}"].required = False
        for name in ("latitude", "longitude"):
            fields[name].widget.attrs["inputmode"] = "decimal"
        fields["commune"].help_text = _("Optional: the commune, neighbourhood or site.")
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)

    def clean(self):
        cleaned = super().clean()
        values = dict(cleaned)
        for group in ("targeted", "reached"):
            for part in COUNTS:
                key = f"{group}_{part}"
                if values.get(key) is None:
                    values[key] = (
                        sum(values.get(f"{group}_{p}") or 0 for p in COUNTS[:4])
                        if part == "total"
                        else 0
                    )
                    cleaned[key] = values[key]
        values["organisation"] = self.organisation
        values["partners"] = list(cleaned.get("partners") or [])
        for field, messages in rule_errors(values).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, messages)
        return cleaned

    def service_data(self) -> dict:
        return {name: self.cleaned_data[name] for name in [*FIELDS, "partners"]}


class ProgressForm(forms.Form):
    """A quick progress report, made for a phone."""

    reported_on = forms.DateField(
        label=_("Date"),
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    women = forms.IntegerField(
        label=capfirst(COUNT_LABELS["women"]),
        min_value=0,
        required=False,
        widget=_count_input("progress", "women"),
    )
    men = forms.IntegerField(
        label=capfirst(COUNT_LABELS["men"]),
        min_value=0,
        required=False,
        widget=_count_input("progress", "men"),
    )
    girls = forms.IntegerField(
        label=capfirst(COUNT_LABELS["girls"]),
        min_value=0,
        required=False,
        widget=_count_input("progress", "girls"),
    )
    boys = forms.IntegerField(
        label=capfirst(COUNT_LABELS["boys"]),
        min_value=0,
        required=False,
        widget=_count_input("progress", "boys"),
    )
    disabled = forms.IntegerField(
        label=capfirst(COUNT_LABELS["disabled"]),
        min_value=0,
        required=False,
        widget=_count_input("progress", "disabled"),
        help_text=_("Also counted in the four parts above."),
    )
    total = forms.IntegerField(
        label=_("Total"),
        min_value=0,
        required=False,
        widget=_count_input("progress", "total"),
        help_text=_("Empty: the sum of the four parts."),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reported_on"].initial = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        counts = {part: cleaned.get(part) or 0 for part in COUNTS}
        if not cleaned.get("total"):
            counts["total"] = sum(counts[p] for p in COUNTS[:4])
        problem = counts_error(counts)
        if problem and problem[0] not in self.errors:
            self.add_error(problem[0], problem[1])
        cleaned["counts"] = counts
        return cleaned


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (CSV, XLSX or ODS)"),
        help_text=_(
            "The first row holds the column names (French or English) or HXL hashtags; "
            "an HXL row may also sit under the names. Places and sectors by code or by "
            "name, in French or Arabic."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.ods,text/csv"}),
    )


class AnalysisForm(forms.Form):
    emergency = forms.ModelChoiceField(
        label=_("Emergency"), queryset=Emergency.objects.all(), required=False
    )
    period_start = forms.DateField(
        label=_("From"),
        required=False,
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_end = forms.DateField(
        label=_("To"),
        required=False,
        validators=[validate_plausible_date],
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["emergency"].label_from_instance = lambda e: e.title
        self.fields["emergency"].empty_label = _("Any (use the period)")

    def clean(self):
        cleaned = super().clean()
        if not (
            cleaned.get("emergency")
            or cleaned.get("period_start")
            or cleaned.get("period_end")
        ):
            raise forms.ValidationError(_("Choose an emergency or a period."))
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error(
                "period_end", _("The end of the period cannot be before its start.")
            )
        return cleaned
