"""One's own profile (name, language, security), the organisation one acts for, and the
interface language switch."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from django.views.i18n import set_language

from coordination.exceptions import ValidationError
from coordination.forms import service_errors
from organisations import services
from organisations.forms import ProfileForm
from organisations.models import Organisation


class ProfileView(LoginRequiredMixin, FormView):
    """One's name and language, memberships and security settings."""

    form_class = ProfileForm
    template_name = "organisations/profile.html"
    success_url = reverse_lazy("organisations:profile")

    def get_initial(self):
        return {"name": self.request.user.name, "language": self.request.user.language}

    def form_valid(self, form):
        with service_errors(form):
            services.update_profile(self.request.user, **form.cleaned_data)
            messages.success(self.request, _("Your profile has been saved."))
            return super().form_valid(form)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["has_totp"] = Authenticator.objects.filter(
            user=self.request.user, type=Authenticator.Type.TOTP
        ).exists()
        return context


@require_POST
@login_required
def set_acting_organisation(request):
    """Switch the organisation the user acts for."""
    pk = request.POST.get("organisation", "")
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user), pk=pk if pk.isdigit() else 0
    )
    try:
        services.set_acting_organisation(request.user, organisation=organisation)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request,
            _("You now act for %(organisation)s.")
            % {"organisation": organisation.name},
        )
    return redirect(reverse("home"))


@require_POST
def set_user_language(request):
    """Switch the interface language; signed-in users keep it in their profile,
    which UserLanguageMiddleware applies on every request."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(
        request.user.Language.choices
    ):
        services.update_profile(request.user, language=language)
    return set_language(request)
