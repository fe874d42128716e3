"""Beneficiary pages: list (codes only), registration, detail with consents, edit.
Identity appears only on detail and edit, for the owning organisation, and each display
is logged. Views handle HTTP; services decide."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView, ListView
from django_filters.views import FilterView

from coordination.exceptions import Conflict, PermissionDenied
from coordination.forms import service_errors
from coordination.permissions import VisibleToUserMixin
from referrals import services
from referrals.filters import BeneficiaryFilter
from referrals.forms import BeneficiaryForm, ConsentForm, WithdrawConsentForm
from referrals.models import Beneficiary, Consent


def _require_member(user) -> None:
    if user.acting_organisation is None or user.acting_membership is None:
        raise PermissionDenied(_("Act for an organisation to register people."))


class BeneficiaryListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """The acting organisation's beneficiaries, by code (no identity on this page)."""

    queryset = Beneficiary.objects.select_related("province", "region")
    filterset_class = BeneficiaryFilter
    template_name = "referrals/beneficiary_list.html"
    paginate_by = 25

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require_member(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_filtered"] = any(
            self.request.GET.get(n) for n in self.filterset_class.Meta.fields
        )
        return context


class BeneficiaryCreateView(LoginRequiredMixin, FormView):
    """Register a person for the acting organisation."""

    form_class = BeneficiaryForm
    template_name = "referrals/beneficiary_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require_member(request.user)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        with service_errors(form):
            beneficiary = services.register_beneficiary(
                actor=self.request.user, **form.service_data()
            )
            messages.success(
                self.request,
                _("%(code)s has been registered.") % {"code": beneficiary.code},
            )
            duplicates = services.possible_duplicates(beneficiary)
            if duplicates:
                messages.warning(
                    self.request,
                    _(
                        "This person may already be registered in your organisation as %(codes)s."
                    )
                    % {"codes": ", ".join(duplicates)},
                )
            return redirect(beneficiary)
        return self.form_invalid(form)


class BeneficiaryDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """One person: identity (logged), profile, WG-SS, consents and their forms."""

    queryset = Beneficiary.objects.select_related(
        "organisation", "province", "region", "created_by"
    )
    template_name = "referrals/beneficiary_detail.html"
    slug_field = slug_url_kwarg = "code"
    context_object_name = "beneficiary"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        beneficiary = self.object
        user = self.request.user
        show = services.can_see_identity(user, beneficiary)
        if show:
            services.log_identity_access(
                beneficiary, actor=user, purpose="referrals:detail"
            )
        context["show_identity"] = show
        context["consents"] = list(
            beneficiary.consents.select_related(
                "organisation", "recorded_by", "withdrawn_by"
            )
        )
        context["possible_duplicates"] = services.possible_duplicates(beneficiary)
        context["consent_form"] = self.kwargs.get("consent_form") or ConsentForm(
            exclude_organisation=beneficiary.organisation
        )
        context["withdraw_form"] = WithdrawConsentForm()
        context["referrals"] = list(
            beneficiary.referrals.select_related("to_organisation", "sector")
        )
        context["is_focal_point"] = user.is_focal_point
        if user.is_focal_point:  # accountability: who saw this person's identity
            context["accesses"] = list(
                beneficiary.identity_accesses.select_related("user", "organisation")[
                    :20
                ]
            )
        return context


class BeneficiaryUpdateView(LoginRequiredMixin, VisibleToUserMixin, FormView):
    """Edit a person's record (identity shown in the form: logged)."""

    queryset = Beneficiary.objects.select_related("organisation")
    form_class = BeneficiaryForm
    template_name = "referrals/beneficiary_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), code=kwargs["code"])
            services.require_member(request.user, self.object.organisation)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["object"] = self.object
        if not self.object.identity_erased:
            services.log_identity_access(
                self.object, actor=self.request.user, purpose="referrals:edit"
            )
        return context

    def form_valid(self, form):
        with service_errors(form):
            try:
                services.update_beneficiary(
                    self.object,
                    actor=self.request.user,
                    version=form.cleaned_data.get("version"),
                    **form.service_data(),
                )
            except Conflict as error:  # a stale form, or an erased identity
                form.add_error(None, error.message)
                return self.form_invalid(form)
            messages.success(self.request, _("The record has been saved."))
            return redirect(self.object)
        return self.form_invalid(form)


@require_POST
@login_required
def consent_record(request, code):
    beneficiary = get_object_or_404(
        Beneficiary.objects.visible_to(request.user), code=code
    )
    form = ConsentForm(request.POST, exclude_organisation=beneficiary.organisation)
    if form.is_valid():
        with service_errors(form):
            services.record_consent(
                beneficiary, actor=request.user, **form.cleaned_data
            )
            messages.success(request, _("The consent has been recorded."))
            return redirect(beneficiary)
    view = BeneficiaryDetailView.as_view()
    request.method = "GET"  # re-render the detail with the form's errors
    response = view(request, code=code, consent_form=form)
    response.status_code = 400
    return response


@require_POST
@login_required
def erase(request, code):
    """A focal point erases a person's identity now (the record and logs remain)."""
    beneficiary = get_object_or_404(
        Beneficiary.objects.visible_to(request.user), code=code
    )
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the erasure."))
        return redirect(beneficiary)
    services.erase_identity(beneficiary, actor=request.user)
    messages.success(request, _("The identity has been erased."))
    return redirect(beneficiary)


@require_POST
@login_required
def consent_withdraw(request, code, pk):
    consent = get_object_or_404(
        Consent.objects.visible_to(request.user).select_related("beneficiary"),
        beneficiary__code=code,
        pk=pk,
    )
    form = WithdrawConsentForm(request.POST)
    form.is_valid()
    try:
        services.withdraw_consent(
            consent, actor=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The consent has been withdrawn."))
    return redirect(consent.beneficiary)


class VitalInterestListView(LoginRequiredMixin, ListView):
    """Coordinators' oversight of sharing without consent: who shared with whom, when
    and by whom; no code, no identity, no justification text (it may name the person)."""

    template_name = "referrals/vital_interest_list.html"
    paginate_by = 50
    context_object_name = "consents"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not request.user.is_coordinator:
            raise PermissionDenied(
                _("Only coordinators oversee vital-interest sharing.")
            )
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self):
        return (
            Consent.objects.vital_interest_flagged_to(self.request.user)
            .select_related(
                "beneficiary__organisation",
                "organisation",
                "recorded_by",
                "withdrawn_by",
            )
            .order_by("-recorded_at", "-id")
        )
