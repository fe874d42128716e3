"""Input shape and validation for the meeting, recommendation and comment pages; state
changes stay in dialogue.services."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .models import (
    COMMENT_MAX_LENGTH,
    RECOMMENDATION_MAX_LENGTH,
    Meeting,
    Recommendation,
)


def _organisations():
    return apps.get_model("organisations", "Organisation").objects.filter(
        is_active=True
    )


def _named(field) -> None:
    # Organisations print their codes (__str__); people choose by name.
    field.label_from_instance = lambda org: org.name


def _capitalised(choices) -> list[tuple[str, str]]:
    return [(value, capfirst(label)) for value, label in choices]


def grouped_organisations() -> list[tuple[str, list[tuple[int, str]]]]:
    """Active organisations grouped by kind: public bodies apart from associations."""
    Organisation = apps.get_model("organisations", "Organisation")
    labels = dict(Organisation.Kind.choices)
    groups: dict[str, list[tuple[int, str]]] = {}
    for org in _organisations().order_by("kind", "name").only("pk", "name", "kind"):
        groups.setdefault(org.kind, []).append((org.pk, org.name))
    return [(capfirst(str(labels[kind])), options) for kind, options in groups.items()]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class MeetingForm(forms.ModelForm):
    """A meeting or workshop as a coordinator records it; its cleaned data are the
    keyword arguments of create_meeting and update_meeting (dialogue.services checks
    them: title, dates, a place or a link)."""

    themes = forms.MultipleChoiceField(
        label=_("Themes"),
        choices=Meeting.Theme.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    participants = forms.ModelMultipleChoiceField(
        label=_("Participating organisations and public bodies"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    online_url = forms.URLField(
        label=_("Online link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Optional: the video-conference link."),
    )
    invite = forms.BooleanField(
        label=_("Send the invitations now"),
        required=False,
        help_text=_(
            "Members of the participating organisations (and observers of public "
            "bodies) are notified, with a calendar file."
        ),
    )

    class Meta:
        model = Meeting
        fields = [
            "title",
            "kind",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "organiser",
            "themes",
            "participants",
            "agenda",
            "minutes",
        ]
        widgets = {
            "title": forms.TextInput(attrs={"dir": "auto"}),
            "place": forms.TextInput(attrs={"dir": "auto"}),
            "starts_at": DateTimeInput,
            "ends_at": DateTimeInput,
            "agenda": forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
            "minutes": forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
        }
        help_texts = {
            "minutes": _("What was said and decided; add the recommendations below."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organiser"].queryset = _organisations()
        self.fields["participants"].queryset = _organisations()
        _named(self.fields["organiser"])
        _named(self.fields["participants"])
        self.fields["participants"].widget.choices = grouped_organisations()
        self.fields["kind"].choices = _capitalised(self.fields["kind"].choices)
        if self.instance.pk:
            self.fields.pop("invite")
            self.initial["participants"] = list(
                self.instance.participants.values_list("pk", flat=True)
            )

    def _post_clean(self):
        # The service validates and saves; the model's checks would run twice.
        pass


class AttendanceForm(forms.Form):
    present = forms.ModelMultipleChoiceField(
        label=_("Present"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, meeting: Meeting, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["present"]
        field.queryset = meeting.participants.all()
        _named(field)
        self.initial.setdefault(
            "present",
            [p.organisation_id for p in meeting.participations.all() if p.present],
        )


class EvidenceField(forms.CharField):
    """One link per line."""

    widget = forms.Textarea(attrs={"rows": 3, "dir": "ltr"})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        value = super().to_python(value)
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class RecommendationForm(forms.ModelForm):
    """A recommendation as a coordinator records or edits it; its cleaned data are the
    keyword arguments of create_recommendation and update_recommendation."""

    dimensions = forms.MultipleChoiceField(
        label=_("Dimensions"),
        choices=Recommendation.Dimension.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    addressed_to = forms.ModelMultipleChoiceField(
        label=_("Addressed to"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Organisations and public bodies expected to act."),
    )
    evidence = EvidenceField(
        label=_("Evidence links"),
        required=False,
        help_text=_(
            "One per line: an address starting with https:// or a Tansiq page, "
            "e.g. /emergencies/3/."
        ),
    )

    class Meta:
        model = Recommendation
        fields = [
            "text",
            "meeting",
            "theme",
            "dimensions",
            "addressed_to",
            "owner",
            "owner_user",
            "due_date",
            "status",
            "evidence",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 4, "dir": "auto"}),
            "due_date": DateInput,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        User = apps.get_model("organisations", "User")
        self.fields["text"].max_length = RECOMMENDATION_MAX_LENGTH
        self.fields["meeting"].queryset = Meeting.objects.order_by("-starts_at")
        self.fields["meeting"].label_from_instance = lambda m: (
            f"{m.title} ({m.starts_on:%d/%m/%Y})"
        )
        self.fields["owner"].queryset = _organisations()
        self.fields["addressed_to"].queryset = _organisations()
        _named(self.fields["owner"])
        _named(self.fields["addressed_to"])
        self.fields["addressed_to"].widget.choices = grouped_organisations()
        self.fields["owner_user"].queryset = User.objects.filter(
            is_active=True
        ).exclude(platform_role=User.PlatformRole.COORDINATOR)
        self.fields["owner_user"].label_from_instance = lambda u: (
            f"{u.display_name} <{u.email}>" if u.name else u.email
        )
        for name in ("theme", "status"):
            self.fields[name].choices = _capitalised(self.fields[name].choices)
        if "status" in self.fields:
            self.fields["status"].required = False
        if self.instance.pk:
            self.initial["addressed_to"] = list(
                self.instance.addressed_to.values_list("pk", flat=True)
            )
            # Status changes go through the follow-up form (allowed transitions).
            self.fields.pop("status")

    def clean_status(self) -> str:
        # Left empty, a new recommendation starts as proposed.
        return self.cleaned_data["status"] or Recommendation.Status.PROPOSED

    def _post_clean(self):
        pass


class ProgressForm(forms.Form):
    """A progress report, with a status change if any (allowed transitions only);
    dialogue.services refuses one with neither."""

    status = forms.ChoiceField(label=_("New status"), required=False)
    text = forms.CharField(
        label=_("Progress"),
        required=False,
        max_length=RECOMMENDATION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("What was done, what blocks, what comes next."),
    )

    def __init__(self, *args, recommendation: Recommendation, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Recommendation.Status.choices)
        self.fields["status"].choices = [
            (
                "",
                _("Unchanged (%(status)s)") % {"status": labels[recommendation.status]},
            ),
            *[(s, capfirst(labels[s])) for s in recommendation.allowed_statuses()],
        ]


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_(
            "Mention someone with @ followed by their e-mail address, e.g. "
            "@name@example.org: they are notified. Links starting with https:// "
            "become clickable."
        ),
        error_messages={"required": _("Write a comment before sending it.")},
    )


class HideCommentForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        error_messages={"required": _("Say why the comment is hidden.")},
    )
