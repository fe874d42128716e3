"""Input shape and validation for the organisation pages; state changes stay in services."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from coordination.models import Province, Region, Sector, ServiceType

from .models import (
    LANGUAGE_CHOICES,
    VULNERABILITY_CHOICES,
    ApiToken,
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    Service,
    User,
)
from .services import (
    PROFILE_FIELDS,
    PROFILE_M2M,
    SERVICE_FIELDS,
    SERVICE_M2M,
    service_rule_errors,
)


def _capitalised(choices) -> list[tuple[str, str]]:
    # Model choice labels are lower case to fit in sentences; a list shows them capitalised.
    return [(value, capfirst(label)) for value, label in choices]


def _formfield(model_field, **kwargs):
    # Addresses typed without a scheme are https (Django 6's default, chosen now).
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return model_field.formfield(**kwargs)


def _named(field: forms.ModelMultipleChoiceField | forms.ModelChoiceField) -> None:
    # Reference rows print their codes (__str__); people choose by name.
    field.label_from_instance = lambda row: row.name


def _province_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Provinces grouped under their region, for a grouped checkbox list."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for province in Province.objects.select_related("region").order_by(
        "region__code", "code"
    ):
        _label, options = groups.setdefault(
            province.region_id, (province.region.name, [])
        )
        options.append((province.pk, province.name))
    return list(groups.values())


class OrganisationForm(forms.ModelForm):
    """The organisation profile a focal point (or a coordinator) edits."""

    languages = forms.MultipleChoiceField(
        label=_("Languages spoken by staff"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Organisation
        fields = [*PROFILE_FIELDS, *PROFILE_M2M]
        formfield_callback = _formfield
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "regions": forms.CheckboxSelectMultiple,
            "provinces": forms.CheckboxSelectMultiple,
            "sectors": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "provinces": _("Optional: only provinces of the regions chosen above."),
            "website": _("A full address, e.g. https://example.org"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = Region.objects.order_by("code")
        self.fields["sectors"].queryset = Sector.objects.all()
        self.fields["provinces"].queryset = Province.objects.all()
        for name in PROFILE_M2M:
            _named(self.fields[name])
        self.fields["provinces"].widget.choices = _province_choices()
        self.fields["kind"].choices = _capitalised(self.fields["kind"].choices)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["website"].widget.attrs["autocomplete"] = "url"

    def clean(self):
        cleaned = super().clean()
        regions = cleaned.get("regions")
        provinces = cleaned.get("provinces")
        if regions is not None and provinces:
            region_ids = {region.pk for region in regions}
            outside = [p.name for p in provinces if p.region_id not in region_ids]
            if outside:
                self.add_error(
                    "provinces",
                    _(
                        "These provinces are not in the regions chosen: %(names)s. "
                        "Add their region or untick them."
                    )
                    % {"names": ", ".join(outside)},
                )
        return cleaned


class InviteMemberForm(forms.Form):
    """A focal point invites someone to their organisation."""

    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=_capitalised(Membership.Role.choices)
    )

    def __init__(self, *args, roles=None, **kwargs):
        super().__init__(*args, **kwargs)
        if roles is not None:
            self.fields["role"].choices = _capitalised(
                c for c in Membership.Role.choices if c[0] in roles
            )


COORDINATOR_INVITE_ROLES = (
    Invitation.Role.FOCAL_POINT,
    Invitation.Role.OBSERVER,
    Invitation.Role.COORDINATOR,
)


class CoordinatorInviteForm(forms.Form):
    """A coordinator invites a focal point, an observer or another coordinator."""

    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            c for c in Invitation.Role.choices if c[0] in COORDINATOR_INVITE_ROLES
        ],
        widget=forms.RadioSelect,
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.filter(is_active=True).order_by("name"),
        required=False,
        help_text=_(
            "Focal point: the organisation they will manage. Observer: the public "
            "service they work for. Coordinator: leave empty."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _capitalised(
            c for c in Invitation.Role.choices if c[0] in COORDINATOR_INVITE_ROLES
        )
        self.fields["organisation"].label_from_instance = lambda org: (
            f"{org.name} ({org.get_kind_display()})"
        )


class InvitationAcceptForm(forms.Form):
    """A new account from an invitation: a name and a password chosen twice."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password (again)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        self.email = email
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            candidate = User(email=self.email, name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class JoinRequestForm(forms.ModelForm):
    """The public request to join, for an organisation not yet on Tansiq."""

    class Meta:
        model = JoinRequest
        formfield_callback = _formfield
        fields = [
            "organisation_name",
            "acronym",
            "kind",
            "description",
            "website",
            "regions",
            "sectors",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "regions": forms.CheckboxSelectMultiple,
            "sectors": forms.CheckboxSelectMultiple,
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "contact_phone": forms.TextInput(attrs={"autocomplete": "tel"}),
        }
        help_texts = {
            "description": _(
                "Who you help, what you do and where: a few sentences are enough."
            ),
            "contact_email": _(
                "If the request is approved, the invitation to manage your "
                "organisation's profile is sent here."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = Region.objects.order_by("code")
        self.fields["sectors"].queryset = Sector.objects.all()
        _named(self.fields["regions"])
        _named(self.fields["sectors"])
        self.fields["kind"].choices = _capitalised(self.fields["kind"].choices)


class JoinRequestDecisionForm(forms.Form):
    """The note a coordinator adds when approving (optional) or rejecting (required)."""

    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What uses the token, e.g. “Case management system”."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        required=False,  # read only unless write access is chosen
        widget=forms.RadioSelect,
        help_text=_(
            "A read-only token can only read; give write access only to a system that "
            "must send data."
        ),
    )

    def clean_scope(self) -> str:
        return self.cleaned_data.get("scope") or ApiToken.Scope.READ


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)


class ProfileForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    language = forms.ChoiceField(
        label=_("Language of the interface and e-mails"),
        choices=User.Language.choices,
    )


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------
def _service_type_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Service types grouped under their sector."""
    groups: dict[int, tuple[str, list[tuple[int, str]]]] = {}
    for row in ServiceType.objects.select_related("sector"):
        groups.setdefault(row.sector_id, (row.sector.name, []))[1].append(
            (row.pk, row.name)
        )
    return list(groups.values())


def _checks(label, choices, help_text="") -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=_capitalised(choices),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=help_text,
    )


class ServiceForm(forms.ModelForm):
    """A service of the organisation's catalogue, as its focal point describes it."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    sexes = _checks(
        _("For"), Service.Sex.choices, _("Leave empty if open to everyone.")
    )
    vulnerabilities = _checks(
        _("For people in these situations"),
        VULNERABILITY_CHOICES,
        _("Leave empty if not restricted."),
    )
    languages = _checks(_("Languages spoken"), LANGUAGE_CHOICES)
    how_to_refer = _checks(_("How to refer"), Service.Channel.choices)

    class Meta:
        model = Service
        fields = [*SERVICE_FIELDS, *SERVICE_M2M]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "documents_needed": forms.Textarea(attrs={"rows": 3}),
            "regions": forms.CheckboxSelectMultiple,
            "provinces": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "provinces": _(
                "Optional: only provinces of the regions chosen above. None: the whole region."
            ),
            "capacity": _(
                "E.g. beds or appointments available now. Empty: not counted."
            ),
            "public": _(
                "Shown, without login, in the public directory (when your "
                "organisation is verified)."
            ),
            "communes": _("Optional: communes, neighbourhoods or sites."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["sector"].queryset = Sector.objects.all()
        _named(fields["sector"])
        fields["service_type"].queryset = ServiceType.objects.select_related("sector")
        fields["service_type"].widget.choices = [
            ("", "---------"),
            *_service_type_choices(),
        ]
        fields["regions"].queryset = Region.objects.order_by("code")
        _named(fields["regions"])
        fields["provinces"].queryset = Province.objects.all()
        fields["provinces"].widget.choices = _province_choices()
        for name in ("status", "cost"):
            fields[name].choices = _capitalised(fields[name].choices)
        for name in ("age_min", "age_max", "capacity", "response_delay_days"):
            fields[name].widget.attrs.update({"inputmode": "numeric", "min": 0})
        for name in ("latitude", "longitude"):
            fields[name].widget.attrs["inputmode"] = "decimal"
        fields["phone"].widget.attrs.update({"autocomplete": "tel", "type": "tel"})
        if self.instance.pk:
            self.initial.setdefault("version", self.instance.version)

    def clean(self):
        cleaned = super().clean()
        values = {
            name: cleaned.get(name)
            for name in [*SERVICE_FIELDS, *SERVICE_M2M]
            if name not in self.errors
        }
        values.setdefault("name", cleaned.get("name") or "")
        for field, messages in service_rule_errors(values).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, messages)
        return cleaned

    def service_data(self) -> dict:
        """The cleaned values as create_service and update_service's arguments."""
        data = {name: self.cleaned_data.get(name) for name in SERVICE_FIELDS}
        data.update(
            {name: list(self.cleaned_data.get(name) or []) for name in SERVICE_M2M}
        )
        return data
