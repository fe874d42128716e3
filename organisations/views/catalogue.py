"""The service catalogue's pages: the members' list and detail, adding and editing a
service and its status; and the public directory, without login."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from coordination.exceptions import PermissionDenied, ValidationError
from coordination.forms import service_errors
from coordination.models import Province
from coordination.permissions import VisibleToUserMixin
from organisations import services
from organisations.filters import ServiceFilter
from organisations.forms import ServiceForm
from organisations.models import Organisation, Service

SERVICE_LIST_RELATED = ("organisation", "sector", "service_type")


def _named_filter_fields(filterset) -> None:
    """Reference rows print their codes; people choose by name."""
    fields = filterset.form.fields
    for name in ("sector", "service_type", "region", "province", "organisation"):
        if name in fields:
            fields[name].label_from_instance = lambda row: row.name
            fields[name].empty_label = _("All")
    for name in ("accessible", "public"):
        if name in fields:  # "All / Yes / No" rather than Django's "Unknown"
            fields[name].widget = forms.Select(
                choices=[("", _("All")), ("true", _("Yes")), ("false", _("No"))]
            )
    for name in ("status", "cost", "language"):
        if name in fields:
            fields[name].choices = [
                (value, capfirst(label) if value else label)
                for value, label in fields[name].choices
            ]


def _filter_context(request, filterset_class) -> dict:
    return {
        "is_filtered": any(
            request.GET.get(name) for name in filterset_class.Meta.fields
        ),
    }


class ServiceListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """The shared catalogue of services, filtered and paginated."""

    queryset = (
        Service.objects.with_connected()
        .select_related(*SERVICE_LIST_RELATED)
        .prefetch_related("provinces", "regions")
        .order_by("organisation__name", "name", "pk")
    )
    filterset_class = ServiceFilter
    template_name = "services/service_list.html"
    paginate_by = 25

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        _named_filter_fields(filterset)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_filter_context(self.request, self.filterset_class))
        user = self.request.user
        acting = user.acting_organisation
        context["can_add"] = acting is not None and services.can_manage_services(
            user, acting
        )
        return context


class ServiceDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """A service: what, where, for whom, how to refer."""

    queryset = (
        Service.objects.with_connected()
        .select_related(*SERVICE_LIST_RELATED, "created_by", "updated_by")
        .prefetch_related("regions", "provinces")
    )
    template_name = "services/service_detail.html"
    context_object_name = "service"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = services.can_manage_services(
            self.request.user, self.object.organisation
        )
        context["statuses"] = [
            (value, label)
            for value, label in Service.Status.choices
            if value != self.object.status
        ]
        return context


class ServiceCreateView(LoginRequiredMixin, FormView):
    """Add a service to the acting organisation's catalogue (its focal points), or,
    with `?organisation=<id>`, to an organisation off the platform the user keeps
    (coordinators, focal points of the organisation that listed it)."""

    form_class = ServiceForm
    template_name = "services/service_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.organisation = self._organisation(request)
            services.require_service_manager(request.user, self.organisation)
        return super().dispatch(request, *args, **kwargs)

    @staticmethod
    def _organisation(request) -> Organisation:
        wanted = request.GET.get("organisation", "")
        if wanted:  # an organisation one cannot see is a 404, as everywhere
            if not wanted.isdigit():
                raise Http404
            return get_object_or_404(
                Organisation.objects.visible_to(request.user), pk=wanted
            )
        acting = request.user.acting_organisation
        if acting is None:
            raise PermissionDenied(_("Act for an organisation to add its services."))
        return acting

    def get_initial(self):
        organisation = self.organisation
        off_platform = not services.has_members(organisation)
        return {
            "regions": list(organisation.regions.values_list("pk", flat=True)),
            "languages": list(organisation.languages),
            "phone": organisation.phone,
            "address": organisation.address,
            "opening_hours": organisation.opening_hours,
            # Off the platform, the person goes with the slip (or calls first).
            "how_to_refer": [Service.Channel.TANSIQ]
            + ([Service.Channel.PHONE] if off_platform and organisation.phone else []),
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(organisation=self.organisation, **kwargs)

    def form_valid(self, form):
        with service_errors(form):
            service = services.create_service(
                actor=self.request.user,
                organisation=self.organisation,
                **form.service_data(),
            )
            messages.success(self.request, _("The service has been added."))
            return redirect("services:detail", pk=service.pk)
        return self.form_invalid(form)


class ServiceUpdateView(LoginRequiredMixin, VisibleToUserMixin, FormView):
    """Edit one of the organisation's services."""

    queryset = Service.objects.select_related("organisation")
    form_class = ServiceForm
    template_name = "services/service_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            services.require_service_manager(request.user, self.object.organisation)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def form_valid(self, form):
        try:
            with service_errors(form):
                services.update_service(
                    self.object,
                    actor=self.request.user,
                    version=form.cleaned_data.get("version"),
                    **form.service_data(),
                )
                messages.success(self.request, _("The service has been saved."))
                return redirect("services:detail", pk=self.object.pk)
        except services.ServicePreconditionFailed as stale:
            form.add_error(None, stale.message)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(service=self.object, **kwargs)


@require_POST
@login_required
def service_status(request, pk: int):
    """Mark a service available, full or suspended."""
    service = get_object_or_404(Service.objects.visible_to(request.user), pk=pk)
    try:
        service = services.set_service_status(
            service, actor=request.user, status=request.POST.get("status", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("services:detail", pk=service.pk)
    messages.success(
        request,
        _("The service is now %(status)s.") % {"status": service.get_status_display()},
    )
    return redirect("services:detail", pk=service.pk)


class PublicServiceListView(FilterView):
    """The public directory: no login, only verified organisations' public services."""

    queryset = (
        Service.objects.public()
        .with_connected()
        .select_related(*SERVICE_LIST_RELATED)
        .prefetch_related("provinces", "regions")
        .order_by("status", "name", "pk")  # available before full
    )
    filterset_class = ServiceFilter
    template_name = "public/service_list.html"
    paginate_by = 20
    FIELDS = ("q", "province", "sector", "service_type", "language", "accessible")

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        fields = filterset.form.fields
        for name in list(fields):
            if name not in self.FIELDS:
                del fields[name]
        _named_filter_fields(filterset)
        fields["q"].label = _("What are you looking for?")
        fields["province"].label = _("Where (province or prefecture)")
        fields["province"].widget.choices = [
            ("", _("Anywhere")),
            *[
                (label, [(p.code, p.name) for p in group])
                for label, group in _provinces_by_region()
            ],
        ]
        fields["accessible"].widget = forms.Select(
            choices=[
                ("", _("No preference")),
                ("true", _("Accessible to persons with disabilities")),
            ]
        )
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(_filter_context(self.request, self.filterset_class))
        return context


def _provinces_by_region():
    groups: dict[int, tuple[str, list]] = {}
    for province in Province.objects.select_related("region").order_by(
        "region__code", "code"
    ):
        groups.setdefault(province.region_id, (province.region.name, []))[1].append(
            province
        )
    return list(groups.values())


class PublicServiceDetailView(DetailView):
    """One service of the public directory: how to get there and what to bring."""

    queryset = (
        Service.objects.public()
        .with_connected()
        .select_related(*SERVICE_LIST_RELATED)
        .prefetch_related("provinces", "regions")
    )
    template_name = "public/service_detail.html"
    context_object_name = "service"
