"""API tokens: the acting organisation's tokens for its focal points, created (the key
shown once), renewed and revoked."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import ListView
from django.views.generic.edit import FormMixin

from coordination.exceptions import PermissionDenied
from coordination.forms import service_errors
from coordination.permissions import VisibleToUserMixin
from organisations import services
from organisations.forms import ApiTokenForm
from organisations.models import ApiToken


class ApiTokenListView(LoginRequiredMixin, VisibleToUserMixin, FormMixin, ListView):
    """The acting organisation's API tokens, for its focal points; the raw key of a
    new token is shown once, in the response to its creation."""

    queryset = ApiToken.objects.select_related("user", "revoked_by")
    form_class = ApiTokenForm
    template_name = "organisations/apitoken_list.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_focal_point:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["token_ttl_days"] = settings.API_TOKEN_TTL_DAYS
        return context

    def post(self, request, *args, **kwargs):
        self.object_list = self.get_queryset()
        form = self.get_form()
        if not form.is_valid():
            return self.form_invalid(form)
        with service_errors(form):
            token, key = services.create_api_token(
                actor=request.user,
                organisation=request.user.acting_organisation,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
            )
            response = render(
                request,
                "organisations/apitoken_created.html",
                {"token": token, "key": key},
            )
            response["Cache-Control"] = "no-store"
            return response
        return self.form_invalid(form)


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    services.revoke_api_token(token, actor=request.user)
    messages.success(
        request, _("The token “%(name)s” has been revoked.") % {"name": token.name}
    )
    return redirect("organisations:tokens")


@require_POST
@login_required
def token_renew(request, pk: int):
    token = get_object_or_404(ApiToken.objects.visible_to(request.user), pk=pk)
    try:
        token = services.renew_api_token(token, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The token “%(name)s” now expires on %(date)s.")
            % {
                "name": token.name,
                "date": date_format(
                    timezone.localtime(token.expires_at), "SHORT_DATE_FORMAT"
                ),
            },
        )
    return redirect("organisations:tokens")
