"""Beneficiary and consent forms: input shape only; rules are the services'."""

from __future__ import annotations

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from coordination.models import Province, Region, Sector, ServiceType
from coordination.validators import validate_date_of_birth
from emergencies.models import Emergency
from organisations.models import LANGUAGE_CHOICES, Organisation, Service, User

from .crypto import is_unavailable
from .models import (
    IDENTITY_FIELDS,
    NATIONALITY_CHOICES,
    VULNERABILITY_CHOICES,
    WGSS_DOMAINS,
    WGSS_QUESTIONS,
    Beneficiary,
    Consent,
    Referral,
    ReferralFeedback,
    WGSSAnswer,
)
from .services import FIELDS, ConsentTerms, normalise_referral_code


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
        validators=[validate_date_of_birth],
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
        # An erased identity cannot be filled again; one the keys cannot decrypt is not
        # offered for editing (its "unavailable" marker must never be saved as a value).
        if instance is not None and (
            instance.identity_erased
            or any(is_unavailable(getattr(instance, f)) for f in IDENTITY_FIELDS)
        ):
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


def slip_identity_field() -> forms.ChoiceField:
    """What the slip may show, asked in both consent forms (absent: the code only)."""
    return forms.ChoiceField(
        label=_("On the referral slip"),
        choices=_capitalised(Consent.SlipIdentity.choices),
        initial=Consent.SlipIdentity.NONE,
        required=False,  # absent: the code only
        widget=forms.RadioSelect,
        help_text=_(
            "What the slip the person carries (and a text sent by WhatsApp or SMS) "
            "may show besides the referral code. Ask the person."
        ),
    )


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
    slip_identity = slip_identity_field()
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


# ---------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------
def _service_type_choices():
    """Service types grouped under their sector (one query)."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for row in ServiceType.objects.select_related("sector"):
        groups.setdefault(row.sector_id, (row.sector.name, []))[1].append(
            (row.pk, row.name)
        )
    return [("", "---------"), *groups.values()]


class ReferralNeedForm(forms.Form):
    """Step 1 of a referral: what the person needs, and how urgently."""

    sector = forms.ModelChoiceField(label=_("Sector"), queryset=None)
    service_type = forms.ModelChoiceField(
        label=_("Service type"), queryset=None, required=False
    )
    priority = forms.ChoiceField(
        label=_("Priority"),
        choices=_capitalised(Referral.Priority.choices),
        initial=Referral.Priority.NORMAL,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason for the referral"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the person needs. No name or contact details here."),
    )
    emergency = forms.ModelChoiceField(
        label=_("Emergency"),
        queryset=None,
        required=False,
        help_text=_("If the need arises from a declared emergency."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["sector"].queryset = Sector.objects.all()
        fields["sector"].label_from_instance = lambda row: row.name
        fields["service_type"].queryset = ServiceType.objects.select_related("sector")
        fields["service_type"].widget.choices = _service_type_choices()
        fields["emergency"].queryset = (
            Emergency.objects.visible_to(user).active().order_by("-started_on", "-pk")
        )
        fields["emergency"].label_from_instance = lambda row: row.title
        fields["emergency"].empty_label = _("None")


def _organisation_choice(organisation: Organisation) -> str:
    """An organisation to refer to, marked when nobody there answers on Tansiq."""
    if organisation.is_connected:
        return organisation.name
    return _("%(name)s (off the platform: answers through the referral slip)") % {
        "name": organisation.name
    }


class ReferralChoiceForm(forms.Form):
    """Step 2: the service found by the finder, or just an organisation."""

    service = forms.ModelChoiceField(
        label=_("Service"), queryset=None, required=False, widget=forms.HiddenInput
    )
    to_organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=None, required=False
    )

    def __init__(self, *args, user=None, exclude_organisation=None, **kwargs):
        super().__init__(*args, **kwargs)
        services = Service.objects.visible_to(user).referable()
        organisations = Organisation.objects.filter(is_active=True).order_by("name")
        if exclude_organisation is not None:
            services = services.exclude(organisation=exclude_organisation)
            organisations = organisations.exclude(pk=exclude_organisation.pk)
        self.fields["service"].queryset = services.select_related("organisation")
        self.fields["to_organisation"].queryset = organisations.with_connected()
        self.fields["to_organisation"].label_from_instance = _organisation_choice

    def clean(self):
        data = super().clean()
        service = data.get("service")
        if service is not None:  # the service's organisation, whatever the menu says
            data["to_organisation"] = service.organisation
        elif data.get("to_organisation") is None and not self.errors:
            self.add_error("to_organisation", _("Choose a service or an organisation."))
        return data


class ReferralConsentForm(forms.Form):
    """Step 3: the person's consent to share with the receiving organisation (or,
    for a focal point only, the vital interest with its justification)."""

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
        help_text=_(
            "What the person agreed to share, e.g. name, phone, medical needs."
        ),
    )
    slip_identity = slip_identity_field()
    justification = forms.CharField(
        label=_("Justification (vital interest)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why consent could not be obtained. Focal points only."),
    )

    def __init__(self, *args, focal_point: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.focal_point = focal_point
        if not focal_point:  # vital interest is a focal point's decision
            self.fields["legal_basis"].choices = [
                (Consent.LegalBasis.CONSENT, capfirst(Consent.LegalBasis.CONSENT.label))
            ]
            del self.fields["justification"]

    def consent_terms(self) -> ConsentTerms:
        data = self.cleaned_data
        return ConsentTerms(
            legal_basis=data["legal_basis"],
            given_by=data.get("given_by") or "",
            scope=data["scope"],
            justification=data.get("justification") or "",
            slip_identity=data.get("slip_identity") or Consent.SlipIdentity.NONE,
        )


class _ReferralActionForm(forms.Form):
    # The version the person saw: a stale form gets the precondition message.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, referral: Referral | None = None, **kwargs):
        if referral is not None:
            kwargs.setdefault("initial", {"version": referral.version})
        super().__init__(*args, **kwargs)
        self.referral = referral

    def _members(self):
        return User.objects.filter(
            is_active=True,
            memberships__organisation_id=self.referral.to_organisation_id,
        ).order_by("name", "email")

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


class AcceptReferralForm(_ReferralActionForm):
    assign_to = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assign_to"].queryset = self._members()
        self.fields["assign_to"].label_from_instance = lambda row: row.display_name
        self.fields["assign_to"].empty_label = _("Nobody yet")


class DeclineReferralForm(_ReferralActionForm):
    reason = forms.CharField(
        label=_("Reason for declining"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CompleteReferralForm(_ReferralActionForm):
    outcome = forms.CharField(
        label=_("Outcome"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    feedback = forms.CharField(
        label=_("Feedback to the referring organisation"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssignReferralForm(_ReferralActionForm):
    assignee = forms.ModelChoiceField(label=_("Assign to"), queryset=None)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = self._members()
        self.fields["assignee"].label_from_instance = lambda row: row.display_name


class CancelReferralForm(_ReferralActionForm):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FollowUpForm(_ReferralActionForm):
    """The sender's answer at the follow-up date: was the person served?"""

    served = forms.ChoiceField(
        label=_("Was the person served?"),
        choices=_capitalised(Referral.Served.choices),
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Why not?"),
        help_text=_("Needed for “no”. No name or contact details here."),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self):
        data = super().clean()
        if (
            data.get("served") == Referral.Served.NO
            and not data.get("note", "").strip()
        ):
            self.add_error("note", _("Say why the person was not served."))
        return data


class PersonFeedbackForm(forms.Form):
    """The public page where a referred person writes about their referral with the
    code on their slip. `website` is a honeypot: people never see it, robots fill it."""

    code = forms.CharField(
        label=_("Referral code (on your slip)"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "dir": "ltr"}
        ),
    )
    kind = forms.ChoiceField(
        label=_("How did it go?"),
        choices=[
            ("", _("I prefer not to say")),
            *_capitalised(ReferralFeedback.Kind.choices),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label=_("Your message"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
    )
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_code(self):
        code = normalise_referral_code(self.cleaned_data["code"])
        suffix = code.removeprefix("REF-")
        if len(suffix) != 6 or not suffix.isalnum():
            raise forms.ValidationError(
                _("Type the code as it is written on your slip, e.g. REF-7K3Q9X.")
            )
        return code
