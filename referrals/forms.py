"""Beneficiary and consent forms: input shape only; rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from coordination.models import Province, Region
from organisations.forms import add_service_errors
from organisations.models import LANGUAGE_CHOICES, Organisation

from .models import (
    NATIONALITY_CHOICES,
    VULNERABILITY_CHOICES,
    WGSS_DOMAINS,
    WGSS_QUESTIONS,
    Beneficiary,
    Consent,
    WGSSAnswer,
)
from .services import FIELDS

__all__ = [
    "BeneficiaryForm",
    "ConsentForm",
    "WithdrawConsentForm",
    "add_service_errors",
]


class TelInput(forms.TextInput):
    input_type = "tel"  # a phone keypad, and left to right in Arabic too


def _capitalised(choices):
    return [(value, capfirst(label)) for value, label in choices]


class BeneficiaryForm(forms.Form):
    """Registration and edit: identity, profile, vulnerabilities and the WG-SS."""

    full_name = forms.CharField(label=_("Full name"), max_length=300, required=False)
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        widget=TelInput(attrs={"autocomplete": "off"}),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    document_numbers = forms.CharField(
        label=_("Document numbers"),
        max_length=500,
        required=False,
        help_text=_("Passport, residence card, UNHCR or other numbers."),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    sex = forms.ChoiceField(
        label=_("Sex"),
        choices=_capitalised(Beneficiary.Sex.choices),
        widget=forms.RadioSelect,
    )
    birth_year = forms.IntegerField(
        label=_("Birth year"),
        required=False,
        min_value=1900,
        help_text=_("If the exact date of birth is not known."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    nationality = forms.ChoiceField(
        label=_("Nationality"),
        choices=[("", "—"), *NATIONALITY_CHOICES],
        required=False,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages spoken"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    interpreter_needed = forms.BooleanField(
        label=_("Needs an interpreter"), required=False
    )
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.all(), required=False
    )
    province = forms.ModelChoiceField(
        label=_("Province or prefecture"),
        queryset=Province.objects.select_related("region"),
        required=False,
    )
    household_size = forms.IntegerField(
        label=_("Household size"),
        required=False,
        min_value=1,
        max_value=50,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    vulnerabilities = forms.MultipleChoiceField(
        label=_("Vulnerabilities"),
        choices=_capitalised(VULNERABILITY_CHOICES),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, instance: Beneficiary | None = None, **kwargs):
        if instance is not None:
            kwargs["initial"] = {
                **{f: getattr(instance, f) for f in FIELDS},
                "version": instance.version,
                **(kwargs.get("initial") or {}),
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        for domain in WGSS_DOMAINS:
            self.fields[f"wg_{domain}"] = forms.ChoiceField(
                label=WGSS_QUESTIONS[domain],
                choices=WGSSAnswer.choices,
                required=False,
                widget=forms.RadioSelect,
            )
        self.fields["region"].label_from_instance = lambda row: row.name
        self.fields["province"].label_from_instance = lambda row: row.name
        if instance is not None and instance.identity_erased:
            for name in (
                "full_name",
                "phone",
                "date_of_birth",
                "document_numbers",
                "address",
            ):
                del self.fields[name]

    @property
    def wgss_fields(self):
        return [self[f"wg_{domain}"] for domain in WGSS_DOMAINS]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        for domain in WGSS_DOMAINS:
            data[f"wg_{domain}"] = data.get(f"wg_{domain}") or ""
        return data


class ConsentForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Shared with"),
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
    )
    legal_basis = forms.ChoiceField(
        label=_("Legal basis"),
        choices=_capitalised(Consent.LegalBasis.choices),
        initial=Consent.LegalBasis.CONSENT,
        widget=forms.RadioSelect,
    )
    given_by = forms.ChoiceField(
        label=_("Given by"),
        choices=_capitalised(Consent.GivenBy.choices),
        required=False,
        widget=forms.RadioSelect,
    )
    scope = forms.CharField(
        label=_("What may be shared"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    justification = forms.CharField(
        label=_("Justification (vital interest)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why consent could not be obtained. Focal points only."),
    )

    def __init__(self, *args, exclude_organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        if exclude_organisation is not None:
            field.queryset = field.queryset.exclude(pk=exclude_organisation.pk)
        field.label_from_instance = lambda row: row.name


class WithdrawConsentForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"), max_length=2000, required=False
    )
