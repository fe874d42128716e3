"""Referral pages: the inbox and outgoing lists, the detail with its actions, the
create flow with the service finder (the coordinators' pathway is in `pathway`).
Views handle HTTP; services decide."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import (
    Count,
    F,
    Q,
)
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView
from django_filters.views import FilterView

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.forms import service_errors
from coordination.permissions import VisibleToUserMixin
from organisations.models import Service
from organisations.services import rank_services
from referrals import services
from referrals.filters import ReferralFilter
from referrals.forms import (
    AcceptReferralForm,
    AssignReferralForm,
    CancelReferralForm,
    CompleteReferralForm,
    DeclineReferralForm,
    ReferralChoiceForm,
    ReferralConsentForm,
    ReferralNeedForm,
)
from referrals.models import Beneficiary, Referral
from referrals.services.links import link_status

from .follow_through import follow_through_context

# What a list row shows; the beneficiary's code is annotated so that no identity
# column is ever loaded for a list.
REFERRAL_LIST_RELATED = (
    "from_organisation",
    "to_organisation",
    "sector",
    "service_type",
    "assigned_to",
)


def _require_referral_member(user) -> None:
    # Referrals belong to organisations: without one acted for, there is nothing to see.
    if user.acting_organisation is None or user.acting_membership is None:
        raise Http404


def _status_totals(queryset) -> dict[str, int]:
    """Counts by status and overdue, in one aggregate query."""
    return queryset.order_by().aggregate(
        overdue=Count(
            "pk",
            filter=Q(status=Referral.Status.PENDING, due_at__lt=timezone.now()),
        ),
        closed=Count("pk", filter=Q(status__in=Referral.CLOSED_STATUSES)),
        **{
            value: Count("pk", filter=Q(status=value))
            for value in Referral.Status.values
        },
    )


def _name_filter_fields(filterset) -> None:
    fields = filterset.form.fields
    for name in (
        "sector",
        "service_type",
        "province",
        "to_organisation",
        "from_organisation",
    ):
        if name in fields:
            fields[name].label_from_instance = lambda row: row.name
    if "status" in fields:
        fields["status"].choices = [
            (value, capfirst(label)) for value, label in Referral.Status.choices
        ]
    if "priority" in fields:
        fields["priority"].choices = [
            ("", _("All")),
            *((value, capfirst(label)) for value, label in Referral.Priority.choices),
        ]
    for name in ("overdue", "assigned_to_me"):
        if name in fields:
            fields[name].widget = forms.Select(
                choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]
            )


class ReferralListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """The acting organisation's incoming (or outgoing) referrals: overdue first,
    counts by status as filter chips, codes only (never a person's identity)."""

    queryset = Referral.objects.all()
    filterset_class = ReferralFilter
    template_name = "referrals/referral_list.html"
    paginate_by = 25
    direction = "incoming"
    # Place and period are the pathway's filters (and the API's).
    HIDDEN_FILTERS = (
        "direction",
        "updated_since",
        "province",
        "sent_after",
        "sent_before",
    )

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require_referral_member(request.user)
        return super().dispatch(request, *args, **kwargs)

    def _scope(self, queryset):
        organisation = self.request.user.acting_organisation
        if self.direction == "incoming":
            return queryset.incoming(organisation)
        return queryset.outgoing(organisation)

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        self.scoped = self._scope(kwargs["queryset"])
        kwargs["queryset"] = self.scoped.inbox_order()
        return kwargs

    def paginate_queryset(self, queryset, page_size):
        """Order and cut the page on the referrals table alone (thousands of rows
        for a busy receiver), then load that page's 25 rows with what they show."""
        paginator, page, ids, is_paginated = super().paginate_queryset(
            queryset.values_list("pk", flat=True), page_size
        )
        ids = list(ids)
        rows = Referral.objects.select_related(*REFERRAL_LIST_RELATED).annotate(
            beneficiary_code=F("beneficiary__code")
        )
        by_pk = rows.in_bulk(ids)
        page.object_list = [by_pk[pk] for pk in ids]
        return paginator, page, page.object_list, is_paginated

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        fields = filterset.form.fields
        for name in self.HIDDEN_FILTERS:
            fields.pop(name, None)
        # The other end of the referral is the one worth filtering by.
        fields.pop(
            "to_organisation" if self.direction == "incoming" else "from_organisation"
        )
        if self.direction == "outgoing":
            fields.pop("assigned_to_me", None)
        _name_filter_fields(filterset)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["direction"] = self.direction
        context["totals"] = _status_totals(self.scoped)
        context["closed_query"] = "&".join(
            f"status={value}" for value in Referral.CLOSED_STATUSES
        )
        context["list_url"] = self.request.path
        context["is_filtered"] = any(
            self.request.GET.get(name) for name in self.filterset_class.Meta.fields
        )
        return context


class ReferralOutgoingView(ReferralListView):
    direction = "outgoing"


class ReferralDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """One referral for its sender or receiver: metadata, the person (identity only
    where consented, and logged), consent, timeline and the actions the viewer may take."""

    queryset = Referral.objects.select_related(
        "from_organisation",
        "to_organisation",
        "service",
        "sector",
        "service_type",
        "emergency",
        "assigned_to",
        "created_by",
        "consent__recorded_by",
        "consent__withdrawn_by",
        "beneficiary__province",
        "beneficiary__region",
    )
    template_name = "referrals/referral_detail.html"
    slug_field = slug_url_kwarg = "code"
    context_object_name = "referral"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        referral = self.object
        user = self.request.user
        organisation = user.acting_organisation
        beneficiary = referral.beneficiary
        is_receiver = organisation is not None and (
            organisation.pk == referral.to_organisation_id
        )
        is_sender = organisation is not None and (
            organisation.pk == referral.from_organisation_id
        )
        show = services.can_see_identity(user, beneficiary)
        if show:
            services.log_identity_access(
                beneficiary, actor=user, purpose=self.request.path
            )
        context.update(
            beneficiary=beneficiary,
            show_identity=show,
            is_receiver=is_receiver,
            is_sender=is_sender,
            known_codes=services.known_to(organisation, beneficiary)
            if is_receiver
            else [],
            events=list(referral.events.select_related("actor", "organisation")),
            confirmation_link=link_status(referral),
        )
        pending = referral.status == Referral.Status.PENDING
        accepted = referral.status == Referral.Status.ACCEPTED
        forms_shown = {
            "accept_form": (AcceptReferralForm, is_receiver and pending),
            "decline_form": (DeclineReferralForm, is_receiver and pending),
            "complete_form": (CompleteReferralForm, is_receiver and accepted),
            "assign_form": (AssignReferralForm, is_receiver and referral.is_open),
            "cancel_form": (CancelReferralForm, is_sender and referral.is_open),
        }
        for name, (form_class, shown) in forms_shown.items():
            if shown:
                context[name] = self.kwargs.get(name) or form_class(referral=referral)
        context.update(  # was the person served? and their feedback (issue 16)
            follow_through_context(
                referral,
                is_sender=is_sender,
                is_receiver=is_receiver,
                form=self.kwargs.get("follow_up_form"),
            )
        )
        return context


def _referral_action(request, code, *, form_class, form_name, act, done):
    """POST-only: look the referral up among those the user sees (404 otherwise),
    validate, call the service, say what happened. A form error re-renders the page
    (400); someone else's answer first, or a stale form, redirects with a message."""
    referral = get_object_or_404(Referral.objects.visible_to(request.user), code=code)
    form = form_class(request.POST, referral=referral)
    if form.is_valid():
        with service_errors(form):
            try:
                act(referral, actor=request.user, **form.service_kwargs())
            except services.ReferralPreconditionFailed as error:
                messages.error(request, error.message)
                return redirect(referral)
            except Conflict:
                referral.refresh_from_db(fields=["status"])
                messages.error(
                    request,
                    _(
                        "Someone else answered this referral first: it is now %(status)s. "
                        "Nothing was changed."
                    )
                    % {"status": referral.get_status_display()},
                )
                return redirect(referral)
            messages.success(request, done % {"code": referral.code})
            return redirect(referral)
    request.method = "GET"  # re-render the detail with the form's errors
    response = ReferralDetailView.as_view()(request, code=code, **{form_name: form})
    response.status_code = 400
    return response


@require_POST
@login_required
def referral_accept(request, code):
    def act(referral, *, actor, version=None, assign_to=None):
        return services.accept_referral(
            referral, actor=actor, version=version, assign_to=assign_to
        )

    return _referral_action(
        request,
        code,
        form_class=AcceptReferralForm,
        form_name="accept_form",
        act=act,
        done=_("You accepted %(code)s: the referring organisation has been told."),
    )


@require_POST
@login_required
def referral_decline(request, code):
    return _referral_action(
        request,
        code,
        form_class=DeclineReferralForm,
        form_name="decline_form",
        act=services.decline_referral,
        done=_("You declined %(code)s: the referring organisation has been told."),
    )


@require_POST
@login_required
def referral_complete(request, code):
    return _referral_action(
        request,
        code,
        form_class=CompleteReferralForm,
        form_name="complete_form",
        act=services.complete_referral,
        done=_("%(code)s is completed: the referring organisation has been told."),
    )


@require_POST
@login_required
def referral_assign(request, code):
    return _referral_action(
        request,
        code,
        form_class=AssignReferralForm,
        form_name="assign_form",
        act=services.assign_referral,
        done=_("%(code)s has been assigned."),
    )


@require_POST
@login_required
def referral_cancel(request, code):
    return _referral_action(
        request,
        code,
        form_class=CancelReferralForm,
        form_name="cancel_form",
        act=services.cancel_referral,
        done=_("You cancelled %(code)s: the receiving organisation has been told."),
    )


# The create flow: three steps on one URL, each a POST carrying the earlier steps
# as hidden fields (the reason may be sensitive: it never goes into a URL).
STEP_NEED, STEP_CHOOSE, STEP_CONSENT, STEP_SEND = "need", "choose", "consent", "send"


@login_required
def referral_create(request, code):
    """Refer a person: the need, then the service finder, then consent and send."""
    beneficiary = get_object_or_404(
        Beneficiary.objects.visible_to(request.user).select_related(
            "organisation", "province__region", "region"
        ),
        code=code,
    )
    user = request.user
    services.require_member(user, beneficiary.organisation)
    own = beneficiary.organisation
    data = request.POST if request.method == "POST" else None
    step = (data or {}).get("step", STEP_NEED)
    back = (data or {}).get("back")
    need_form = ReferralNeedForm(data, user=user)
    choice_form = ReferralChoiceForm(
        data if step in (STEP_CONSENT, STEP_SEND) or back == STEP_CHOOSE else None,
        user=user,
        exclude_organisation=own,
    )
    consent_form = ReferralConsentForm(
        data if step == STEP_SEND else None, focal_point=user.is_focal_point
    )
    context = {
        "beneficiary": beneficiary,
        "need_form": need_form,
        "choice_form": choice_form,
        "consent_form": consent_form,
        "is_focal_point": user.is_focal_point,
    }
    if data is None or back == STEP_NEED:
        return _create_step(request, context, STEP_NEED, status=200)
    if not need_form.is_valid() or not _need_rules(beneficiary, need_form):
        return _create_step(request, context, STEP_NEED)
    need = need_form.cleaned_data
    if step == STEP_NEED or back == STEP_CHOOSE:  # on to the finder
        return _create_step(request, context, STEP_CHOOSE, status=200)
    if not choice_form.is_valid():
        return _create_step(request, context, STEP_CHOOSE)
    choice = choice_form.cleaned_data
    context["chosen"] = choice
    if step == STEP_CONSENT:
        return _create_step(request, context, STEP_CONSENT, status=200)
    if not consent_form.is_valid():
        return _create_step(request, context, STEP_CONSENT)
    try:
        referral = services.send_referral(
            beneficiary,
            actor=user,
            to_organisation=choice["to_organisation"],
            service=choice.get("service"),
            sector=need["sector"],
            service_type=need["service_type"],
            reason=need["reason"],
            priority=need["priority"],
            emergency=need["emergency"],
            new_consent=consent_form.consent_terms(),
        )
    except ValidationError as error:
        # Each rule's message goes to the step that asked for its field.
        for form in (need_form, choice_form, consent_form):
            fields = {
                name: messages_
                for name, messages_ in getattr(error, "error_dict", {}).items()
                if name in form.fields
            }
            for name, messages_ in fields.items():
                hidden = form.fields[name].widget.is_hidden  # e.g. the chosen service
                form.add_error(None if hidden else name, messages_)
        if not any(f.errors for f in (need_form, choice_form, consent_form)):
            consent_form.add_error(None, error.messages)
        step = STEP_NEED if need_form.errors else STEP_CONSENT
        if choice_form.errors and not need_form.errors:
            step = STEP_CHOOSE
        return _create_step(request, context, step)
    except PermissionDenied as error:  # vital interest by someone not a focal point
        consent_form.add_error(
            "legal_basis" if "legal_basis" in consent_form.fields else None,
            str(error) or _("You may not do this."),
        )
        return _create_step(request, context, STEP_CONSENT)
    messages.success(
        request,
        _("%(code)s has been sent to %(organisation)s.")
        % {"code": referral.code, "organisation": referral.to_organisation.name},
    )
    return redirect(referral)


def _need_rules(beneficiary, need_form) -> bool:
    """The service's rules on the need alone (the organisation comes later)."""
    data = need_form.cleaned_data
    errors = services.referral_errors(
        beneficiary,
        to_organisation=beneficiary.organisation,  # checked at the next step
        service=None,
        sector=data.get("sector"),
        service_type=data.get("service_type"),
        reason=data.get("reason", ""),
        priority=data.get("priority", ""),
    )
    errors.pop("to_organisation", None)
    for name, messages_ in errors.items():
        need_form.add_error(name if name in need_form.fields else None, messages_)
    return not errors


def _create_step(request, context, step, status=400):
    if step == STEP_CHOOSE:  # the service finder, for this person's need
        need = context["need_form"].cleaned_data
        beneficiary = context["beneficiary"]
        context["matches"] = rank_services(
            sector=need["sector"],
            service_type=need["service_type"],
            province=beneficiary.province,
            region=beneficiary.region,
            languages=beneficiary.languages,
            accessible=beneficiary.disability or None,
            exclude_organisation=beneficiary.organisation,
            queryset=Service.objects.visible_to(request.user),
            limit=20,
        )
    context["step"] = step
    context["steps"] = [
        (STEP_NEED, _("The need")),
        (STEP_CHOOSE, _("Where to")),
        (STEP_CONSENT, _("Consent and send")),
    ]
    return TemplateResponse(
        request, "referrals/referral_create.html", context, status=status
    )
