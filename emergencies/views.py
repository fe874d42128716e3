"""Emergency pages: emergencies with their needs, declared capacities, and alerts (the
coordinator's composer with its recipient preview, and the recipients' answer form).
Views handle HTTP; emergencies.services decides."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from coordination.exceptions import Conflict
from coordination.forms import service_errors
from coordination.permissions import VisibleToUserMixin, require_coordinator

from . import exports, services
from .filters import AlertFilter, CapacityFilter, EmergencyFilter
from .forms import (
    AlertForm,
    AnswerAlertForm,
    CapacityForm,
    EmergencyForm,
    NeedForm,
)
from .models import Alert, AlertRecipient, Capacity, Emergency, Need


def _label_names(filterset) -> None:
    for field in filterset.form.fields.values():
        if hasattr(field, "queryset") and field.queryset is not None:
            model = field.queryset.model
            if model is Emergency:
                field.label_from_instance = lambda row: row.title
            elif hasattr(model, "name_fr"):
                field.label_from_instance = lambda row: row.name


# ---------------------------------------------------------------------------
# Emergencies
# ---------------------------------------------------------------------------
class EmergencyListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """Emergencies, filtered; newest first."""

    # Counting drops the model's default ordering (GROUP BY): pages need it stated.
    queryset = (
        Emergency.objects.prefetch_related("regions")
        .annotate(need_count=Count("needs", distinct=True))
        .order_by(*Emergency._meta.ordering)
    )
    filterset_class = EmergencyFilter
    template_name = "emergencies/emergency_list.html"
    paginate_by = 25

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        _label_names(filterset)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_filtered"] = any(
            self.request.GET.get(name) for name in self.filterset_class.Meta.fields
        )
        export_query = self.request.GET.copy()
        export_query.pop("page", None)
        context["export_query"] = export_query.urlencode()
        return context


@require_GET
@login_required
def export(request):
    """The filtered list as CSV (for Excel, or plain UTF-8) or XLSX, HXL optional."""
    queryset = Emergency.objects.visible_to(request.user).order_by(
        *Emergency._meta.ordering
    )
    filterset = EmergencyFilter(request.GET, queryset=queryset, request=request)
    if not filterset.is_valid():
        messages.error(request, _("These filters are not valid: correct them first."))
        return redirect(reverse("emergencies:list") + "?" + request.GET.urlencode())
    return exports.export_response(
        filterset.qs,
        file_format="xlsx" if request.GET.get("format") == "xlsx" else "csv",
        hxl=request.GET.get("hxl") in ("1", "true", "on"),
        encoding=request.GET.get("encoding"),
    )


class EmergencyDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """An emergency: description, places, needs, capacities declared for it, alerts."""

    queryset = Emergency.objects.select_related("created_by").prefetch_related(
        "regions", "provinces__region"
    )
    template_name = "emergencies/emergency_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, emergency = self.request.user, self.object
        context["needs"] = Need.objects.filter(emergency=emergency).select_related(
            "sector", "service_type", "region", "province"
        )
        context["people_in_need"] = sum(n.people_in_need for n in context["needs"])
        context["capacities"] = (
            Capacity.objects.visible_to(user)
            .filter(emergency=emergency)
            .select_related(
                "organisation", "sector", "service_type", "region", "province"
            )
        )
        context["alerts"] = (
            Alert.objects.visible_to(user)
            .filter(emergency=emergency)
            .annotate(
                told=Count("recipients", distinct=True),
                answered=Count(
                    "recipients",
                    filter=Q(recipients__answered_at__isnull=False),
                    distinct=True,
                ),
            )
        )
        context["can_declare_capacity"] = services.can_declare_capacity(user)
        return context


class EmergencyCreateView(LoginRequiredMixin, FormView):
    """Declare an emergency (coordinators)."""

    form_class = EmergencyForm
    template_name = "emergencies/emergency_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        with service_errors(form):
            emergency = services.create_emergency(
                actor=self.request.user, **form.cleaned_data
            )
            messages.success(
                self.request,
                _(
                    "The emergency has been declared. Add its needs, then alert "
                    "partners."
                ),
            )
            return redirect("emergencies:detail", pk=emergency.pk)
        return self.form_invalid(form)


class EmergencyUpdateView(LoginRequiredMixin, VisibleToUserMixin, FormView):
    """Edit an emergency (coordinators)."""

    queryset = Emergency.objects.all()
    form_class = EmergencyForm
    template_name = "emergencies/emergency_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def form_valid(self, form):
        with service_errors(form):
            services.update_emergency(
                self.object, actor=self.request.user, **form.cleaned_data
            )
            messages.success(self.request, _("The emergency has been saved."))
            return redirect("emergencies:detail", pk=self.object.pk)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)


@require_POST
@login_required
def close(request, pk: int):
    emergency = get_object_or_404(Emergency.objects.visible_to(request.user), pk=pk)
    try:
        services.close_emergency(emergency, actor=request.user)
    except Conflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(request, _("The emergency is now closed."))
    return redirect("emergencies:detail", pk=emergency.pk)


# ---------------------------------------------------------------------------
# Needs
# ---------------------------------------------------------------------------
class NeedsView(LoginRequiredMixin, VisibleToUserMixin, FormView):
    """An emergency's needs and the form to add one (coordinators)."""

    queryset = Emergency.objects.prefetch_related("regions")
    form_class = NeedForm
    template_name = "emergencies/needs.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "regions": self.object.regions.all()}

    def form_valid(self, form):
        with service_errors(form):
            services.add_need(self.object, actor=self.request.user, **form.cleaned_data)
            messages.success(self.request, _("The need has been added."))
            return redirect("emergencies:needs", pk=self.object.pk)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            object=self.object,
            emergency=self.object,
            needs=Need.objects.filter(emergency=self.object).select_related(
                "sector", "service_type", "region", "province"
            ),
            **kwargs,
        )


class NeedUpdateView(LoginRequiredMixin, FormView):
    """Edit a need (coordinators)."""

    form_class = NeedForm
    template_name = "emergencies/need_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.need = get_object_or_404(
                Need.objects.filter(
                    emergency__in=Emergency.objects.visible_to(request.user)
                ).select_related("emergency"),
                pk=kwargs["pk"],
            )
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.need,
            "regions": self.need.emergency.regions.all(),
        }

    def form_valid(self, form):
        with service_errors(form):
            services.update_need(
                self.need, actor=self.request.user, **form.cleaned_data
            )
            messages.success(self.request, _("The need has been saved."))
            return redirect("emergencies:needs", pk=self.need.emergency_id)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            need=self.need, emergency=self.need.emergency, **kwargs
        )


@require_POST
@login_required
def need_remove(request, pk: int):
    need = get_object_or_404(
        Need.objects.filter(emergency__in=Emergency.objects.visible_to(request.user)),
        pk=pk,
    )
    services.remove_need(need, actor=request.user)
    messages.success(request, _("The need has been removed."))
    return redirect("emergencies:needs", pk=need.emergency_id)


# ---------------------------------------------------------------------------
# Capacities
# ---------------------------------------------------------------------------
class CapacityListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """Capacities the organisations declared, filtered."""

    queryset = Capacity.objects.select_related(
        "organisation", "emergency", "sector", "service_type", "region", "province"
    )
    filterset_class = CapacityFilter
    template_name = "emergencies/capacity_list.html"
    paginate_by = 50

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        _label_names(filterset)
        filterset.form.fields.pop("organisation", None)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_filtered"] = any(
            self.request.GET.get(name) for name in self.filterset_class.Meta.fields
        )
        return context


class CapacityCreateView(LoginRequiredMixin, FormView):
    """Declare a capacity for the acting organisation (its members)."""

    form_class = CapacityForm
    template_name = "emergencies/capacity_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.require_can_declare_capacity(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        emergency = self.request.GET.get("emergency", "")
        if emergency.isdigit():
            initial["emergency"] = emergency
        return initial

    def form_valid(self, form):
        with service_errors(form):
            capacity = services.declare_capacity(
                actor=self.request.user, **form.cleaned_data
            )
            messages.success(self.request, _("The capacity has been declared."))
            if capacity.emergency_id:
                return redirect("emergencies:detail", pk=capacity.emergency_id)
            return redirect("emergencies:capacities")
        return self.form_invalid(form)


class CapacityUpdateView(LoginRequiredMixin, VisibleToUserMixin, FormView):
    """Update a capacity (members of its organisation)."""

    queryset = Capacity.objects.select_related("organisation")
    form_class = CapacityForm
    template_name = "emergencies/capacity_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            services.require_can_change_capacity(self.object, actor=request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def form_valid(self, form):
        with service_errors(form):
            services.update_capacity(
                self.object, actor=self.request.user, **form.cleaned_data
            )
            messages.success(self.request, _("The capacity has been updated."))
            return redirect("emergencies:capacities")
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)


@require_POST
@login_required
def capacity_withdraw(request, pk: int):
    capacity = get_object_or_404(Capacity.objects.visible_to(request.user), pk=pk)
    services.withdraw_capacity(capacity, actor=request.user)
    messages.success(request, _("The capacity has been withdrawn."))
    return redirect("emergencies:capacities")


# ---------------------------------------------------------------------------
# Alerts
# ---------------------------------------------------------------------------
class AlertListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """Alerts sent to the acting organisation (coordinators: every alert)."""

    queryset = (
        Alert.objects.select_related("emergency", "sent_by")
        .annotate(
            told=Count("recipients", distinct=True),
            answered_count=Count(
                "recipients",
                filter=Q(recipients__answered_at__isnull=False),
                distinct=True,
            ),
        )
        .order_by(*Alert._meta.ordering)
    )
    filterset_class = AlertFilter
    template_name = "alerts/alert_list.html"
    paginate_by = 25

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        _label_names(filterset)
        filterset.form.fields.pop("updated_since", None)
        if self.request.user.acting_organisation is None:
            filterset.form.fields.pop("answered", None)
        else:
            filterset.form.fields["answered"].widget.choices = [
                ("unknown", _("All")),
                ("false", _("Waiting for our answer")),
                ("true", _("Answered")),
            ]
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        org = self.request.user.acting_organisation
        if org is not None:
            # Our own answers, for the alerts of this page, in one query.
            answers = AlertRecipient.objects.filter(
                organisation=org, alert__in=[a.pk for a in context["object_list"]]
            )
            by_alert = {r.alert_id: r for r in answers}
            for alert in context["object_list"]:
                alert.my_answer = by_alert.get(alert.pk)
        return context


class AlertCreateView(LoginRequiredMixin, VisibleToUserMixin, FormView):
    """The coordinator's alert composer: write, compute and preview the recipients
    (tick or untick by hand), then send."""

    queryset = Emergency.objects.prefetch_related("regions", "provinces")
    form_class = AlertForm
    template_name = "alerts/alert_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.emergency = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def organisations(self):
        organisation = apps.get_model("organisations", "Organisation")
        return organisation.objects.filter(is_active=True).order_by("name")

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "emergency": self.emergency,
            "organisations": self.organisations(),
        }

    def get_initial(self):
        return {
            "regions": list(self.emergency.regions.all()),
            "provinces": list(self.emergency.provinces.all()),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        scope = {
            "regions": data["regions"],
            "provinces": data["provinces"],
            "sectors": data["sectors"],
        }
        try:
            return self.send_or_preview(form, data, scope)
        except Conflict as conflict:  # e.g. the emergency was closed meanwhile
            messages.error(self.request, conflict.message)
            return redirect("emergencies:detail", pk=self.emergency.pk)

    def send_or_preview(self, form, data, scope):
        with service_errors(form):
            if self.request.POST.get("action") == "send":
                # Hand-picked recipients: none ticked is the service's refusal.
                alert = services.send_alert(
                    actor=self.request.user,
                    emergency=self.emergency,
                    message=data["message"],
                    recipients=list(data["recipients"]),
                    **scope,
                )
                count = alert.recipients.count()
                messages.success(
                    self.request,
                    ngettext(
                        "The alert has been sent to %(count)s organisation.",
                        "The alert has been sent to %(count)s organisations.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect("emergencies:alert", pk=alert.pk)
            matched = list(
                services.preview_alert(
                    actor=self.request.user, emergency=self.emergency, **scope
                )
            )
            matched_ids = {org.pk for org in matched}
            others = [org for org in self.organisations() if org.pk not in matched_ids]
            return self.render_to_response(
                self.get_context_data(
                    form=form, preview=True, matched=matched, others=others
                )
            )
        return self.form_invalid(form)

    def form_invalid(self, form):
        # Keep the preview on screen when sending fails (e.g. nobody ticked).
        context = {"form": form}
        if self.request.POST.get("action") == "send":
            chosen = {
                int(pk)
                for pk in self.request.POST.getlist("recipients")
                if pk.isdigit()
            }
            orgs = list(self.organisations())
            context.update(
                preview=True,
                matched=[o for o in orgs if o.pk in chosen],
                others=[o for o in orgs if o.pk not in chosen],
            )
        return self.render_to_response(self.get_context_data(**context))

    def get_context_data(self, **kwargs):
        return super().get_context_data(emergency=self.emergency, **kwargs)


class AlertDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """An alert: for a recipient, its answer form; for coordinators, per organisation
    who was told, who received it, who read it and who answered."""

    queryset = Alert.objects.select_related("emergency", "sent_by").prefetch_related(
        "regions", "provinces", "sectors"
    )
    template_name = "alerts/alert_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, alert = self.request.user, self.object
        org = user.acting_organisation
        if user.is_coordinator:
            context["statuses"] = services.alert_recipient_status(alert)
        if org is not None:
            mine = AlertRecipient.objects.filter(alert=alert, organisation=org).first()
            context["my_answer"] = mine
            if mine is not None:
                context["form"] = kwargs.get("form") or AnswerAlertForm(
                    initial={"response": mine.response, "note": mine.note}
                )
        return context


@require_POST
@login_required
def alert_answer(request, pk: int):
    alert = get_object_or_404(Alert.objects.visible_to(request.user), pk=pk)
    form = AnswerAlertForm(request.POST)
    if form.is_valid():
        with service_errors(form):
            services.answer_alert(alert, actor=request.user, **form.cleaned_data)
            messages.success(request, _("Your organisation's answer has been sent."))
            return redirect("emergencies:alert", pk=alert.pk)
    view = AlertDetailView(request=request, kwargs={"pk": pk}, args=())
    view.object = alert
    if request.user.acting_organisation is None:
        raise Http404
    return render(
        request,
        view.template_name,
        view.get_context_data(object=alert, form=form),
        status=400,
    )
