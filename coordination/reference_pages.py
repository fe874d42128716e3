"""Pages of the reference lists: sectors with their cluster codes and activities (every
signed-in user), and the form coordinators add an activity with."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .forms import service_errors
from .models import Sector, ServiceType
from .permissions import require_coordinator
from .services import add_activity


class ActivityForm(forms.Form):
    name_fr = forms.CharField(label=gettext_lazy("Name (French)"), max_length=200)
    name_ar = forms.CharField(
        label=gettext_lazy("Name (Arabic)"), max_length=200, required=False
    )
    name_en = forms.CharField(
        label=gettext_lazy("Name (English)"), max_length=200, required=False
    )
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        required=False,
        help_text=gettext_lazy(
            "Lower-case letters, digits and underscores. Leave empty to make it from the name."
        ),
    )
    other_names = forms.CharField(
        label=gettext_lazy("Other names"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "One per line: spellings and abbreviations organisations use in their files."
        ),
    )

    def clean_other_names(self) -> list[str]:
        lines = self.cleaned_data["other_names"].splitlines()
        names = [line.strip() for line in lines if line.strip()]
        if any(len(name) > 200 for name in names):
            raise forms.ValidationError(_("A name has at most 200 characters."))
        return names


@login_required
def sector_list(request):
    sectors = Sector.objects.prefetch_related(
        Prefetch(
            "service_types", queryset=ServiceType.objects.order_by("position", "code")
        )
    )
    return render(request, "coordination/sector_list.html", {"sectors": sectors})


@login_required
def activity_add(request, code: str):
    sector = get_object_or_404(Sector, code=code)
    require_coordinator(request.user)
    form = ActivityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            activity = add_activity(sector, actor=request.user, **form.cleaned_data)
            messages.success(
                request,
                _("The activity “%(name)s” has been added (code %(code)s).")
                % {"name": activity.name, "code": activity.code},
            )
            return redirect(reverse("sector_list") + f"#sector-{sector.code}")
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "sector": sector}
    return render(request, "coordination/activity_form.html", context, status=status)
