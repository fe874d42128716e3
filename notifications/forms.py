"""Forms of the notification settings and webhook pages: input shape only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Notification, NotificationPreference, WebhookSubscription


class NotificationPreferencesForm(forms.Form):
    """One choice per kind of notification; mandatory kinds are shown, locked."""

    def __init__(self, *args, modes: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in Notification.Kind.choices:
            mandatory = kind in Notification.MANDATORY_KINDS
            self.fields[kind] = forms.ChoiceField(
                label=label,
                choices=NotificationPreference.Mode.choices,
                initial=modes.get(kind, NotificationPreference.Mode.IMMEDIATE),
                widget=forms.RadioSelect,
                required=False,  # left out: unchanged
                disabled=mandatory,
                help_text=_("Always sent at once: it cannot be turned off.")
                if mandatory
                else "",
            )

    @property
    def modes(self) -> dict[str, str]:
        return {
            kind: mode
            for kind, mode in self.cleaned_data.items()
            if mode and kind not in Notification.MANDATORY_KINDS
        }


class WebhookSubscriptionForm(forms.Form):
    url = forms.URLField(
        label=_("Address (URL)"),
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "Tansiq POSTs each event to this address as JSON, signed with the secret."
        ),
        widget=forms.URLInput(attrs={"dir": "ltr", "autocomplete": "off"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=WebhookSubscription.Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
