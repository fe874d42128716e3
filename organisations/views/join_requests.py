"""Requests to join: the public form, and the coordinators' list, detail and decision."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Case, IntegerField, Value, When
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView, TemplateView

from coordination.exceptions import Conflict
from coordination.forms import service_errors
from coordination.permissions import VisibleToUserMixin, require_coordinator
from organisations import services
from organisations.forms import JoinRequestDecisionForm, JoinRequestForm
from organisations.models import JoinRequest


class JoinRequestCreateView(FormView):
    """The public form a new organisation fills in to ask to join."""

    form_class = JoinRequestForm
    template_name = "organisations/joinrequest_form.html"

    def form_valid(self, form):
        services.submit_join_request(**form.cleaned_data)
        return redirect("organisations:join_thanks")


class JoinRequestThanksView(TemplateView):
    template_name = "organisations/joinrequest_thanks.html"


class JoinRequestListView(LoginRequiredMixin, ListView):
    """Requests to join for coordinators, pending first."""

    template_name = "organisations/joinrequest_list.html"
    paginate_by = 25
    queryset = (
        JoinRequest.objects.select_related("decided_by", "organisation")
        .prefetch_related("regions", "sectors")
        .annotate(
            pending_first=Case(
                When(status=JoinRequest.Status.PENDING, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("pending_first", "-created_at")
    )

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)


class JoinRequestDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """One request to join, with the approve and reject forms (coordinators)."""

    template_name = "organisations/joinrequest_detail.html"
    queryset = JoinRequest.objects.select_related(
        "decided_by", "organisation"
    ).prefetch_related("regions", "sectors")
    context_object_name = "join_request"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("approve_form", JoinRequestDecisionForm(prefix="approve"))
        context.setdefault("reject_form", JoinRequestDecisionForm(prefix="reject"))
        return context


def _decide_join_request(request, pk: int, *, approve: bool):
    join_request = get_object_or_404(
        JoinRequest.objects.visible_to(request.user), pk=pk
    )
    prefix = "approve" if approve else "reject"
    form = JoinRequestDecisionForm(request.POST, prefix=prefix)
    try:
        if form.is_valid():
            with service_errors(form):
                note = form.cleaned_data["note"]
                if approve:
                    services.approve_join_request(
                        join_request, actor=request.user, note=note
                    )
                else:
                    services.reject_join_request(
                        join_request, actor=request.user, note=note
                    )
    except Conflict as conflict:
        messages.error(request, conflict.message)
        return redirect("organisations:join_request", pk=join_request.pk)
    if form.errors:
        forms = {
            "approve_form": JoinRequestDecisionForm(prefix="approve"),
            "reject_form": JoinRequestDecisionForm(prefix="reject"),
            f"{prefix}_form": form,
        }
        return render(
            request,
            "organisations/joinrequest_detail.html",
            {"join_request": join_request, "object": join_request, **forms},
            status=400,
        )
    if approve:
        messages.success(
            request,
            _(
                "Request approved: %(name)s is registered (not yet verified) and its "
                "contact has been invited as focal point."
            )
            % {"name": join_request.organisation_name},
        )
    else:
        messages.success(
            request,
            _("Request rejected; the contact has been told why."),
        )
    return redirect("organisations:join_requests")


@require_POST
@login_required
def join_request_approve(request, pk: int):
    return _decide_join_request(request, pk, approve=True)


@require_POST
@login_required
def join_request_reject(request, pk: int):
    return _decide_join_request(request, pk, approve=False)
