"""The registry's pages: the directory of organisations, a profile, editing and
registering one, and the coordinators' verify and (de)activate actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from coordination.exceptions import PermissionDenied
from coordination.forms import service_errors
from coordination.permissions import VisibleToUserMixin, require_coordinator
from organisations import services
from organisations.filters import OrganisationFilter
from organisations.forms import OrganisationForm
from organisations.models import (
    LANGUAGE_CHOICES,
    Membership,
    Organisation,
    Service,
    User,
)

LANGUAGE_NAMES = dict(LANGUAGE_CHOICES)


def is_focal_point_of(user: User, organisation: Organisation) -> bool:
    acting = user.acting_organisation
    return user.is_focal_point and acting is not None and acting.pk == organisation.pk


def require_manager_page(user: User, organisation: Organisation) -> None:
    """An organisation's private pages (members, audit) open to its focal point and to
    coordinators: another organisation's are a 404, a caseworker's own a 403."""
    if user.is_coordinator:
        return
    acting = user.acting_organisation
    if acting is None or acting.pk != organisation.pk:
        raise Http404
    if not user.is_focal_point:
        raise PermissionDenied


class OrganisationListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """The shared registry, filtered, sorted and paginated."""

    queryset = Organisation.objects.with_connected().prefetch_related(
        "regions", "sectors"
    )
    filterset_class = OrganisationFilter
    template_name = "organisations/organisation_list.html"
    paginate_by = 25
    SORTS = {
        "name": (gettext_lazy("Name (A to Z)"), ("name", "pk")),
        "-name": (gettext_lazy("Name (Z to A)"), ("-name", "-pk")),
        "-created_at": (gettext_lazy("Newest first"), ("-created_at", "-pk")),
    }

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        fields = filterset.form.fields
        for name in ("region", "sector"):
            fields[name].label_from_instance = lambda row: row.name
            fields[name].empty_label = _("All")
        fields["verified"].widget.choices = [
            ("unknown", _("All")),
            ("true", _("Verified only")),
            ("false", _("Not verified only")),
        ]
        fields["connected"].widget.choices = [
            ("unknown", _("All")),
            ("true", _("On the platform")),
            ("false", _("Off the platform")),
        ]
        return filterset

    def get_sort(self) -> str:
        sort = self.request.GET.get("sort", "name")
        return sort if sort in self.SORTS else "name"

    def get_context_data(self, **kwargs):
        sort = self.get_sort()
        self.object_list = kwargs["object_list"] = kwargs["object_list"].order_by(
            *self.SORTS[sort][1]
        )
        context = super().get_context_data(**kwargs)
        context["sort"] = sort
        context["sorts"] = [(key, label) for key, (label, _o) in self.SORTS.items()]
        context["language_names"] = LANGUAGE_NAMES
        context["is_filtered"] = any(
            self.request.GET.get(name) for name in self.filterset_class.Meta.fields
        )
        context["can_list"] = services.can_list_organisations(self.request.user)
        return context


class OrganisationDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """An organisation's profile; members only for its own members and coordinators."""

    queryset = (
        Organisation.objects.with_connected()
        .select_related("verified_by", "listed_by", "created_by")
        .prefetch_related("regions", "provinces__region", "sectors")
    )
    template_name = "organisations/organisation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user, org = self.request.user, self.object
        acting = user.acting_organisation
        is_own = acting is not None and acting.pk == org.pk
        context["is_own"] = is_own
        context["can_edit"] = services.can_edit_profile(user, org)
        context["can_manage"] = user.is_coordinator or is_focal_point_of(user, org)
        context["languages"] = [LANGUAGE_NAMES.get(c, c) for c in org.languages]
        context["services"] = (
            Service.objects.visible_to(user)
            .filter(organisation=org)
            .select_related("sector", "service_type")
        )
        context["can_manage_services"] = services.can_manage_services(user, org)
        # Adding a service for an organisation one keeps off the platform names it.
        context["add_service_for"] = None if is_own else org
        if user.is_coordinator or is_own:
            context["members"] = (
                Membership.objects.visible_to(user)
                .filter(organisation=org)
                .select_related("user")
                .order_by("-role", "user__email")
            )
        return context


class OrganisationUpdateView(LoginRequiredMixin, VisibleToUserMixin, FormView):
    """Edit a profile (its focal point, or a coordinator)."""

    queryset = Organisation.objects.all()
    form_class = OrganisationForm
    template_name = "organisations/organisation_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            services.require_profile_editor(request.user, self.object)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def form_valid(self, form):
        with service_errors(form):
            services.update_organisation(
                self.object, actor=self.request.user, **form.cleaned_data
            )
            messages.success(self.request, _("The profile has been saved."))
            return redirect("organisations:detail", pk=self.object.pk)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)


class OrganisationCreateView(LoginRequiredMixin, FormView):
    """Register an organisation directly (coordinators)."""

    form_class = OrganisationForm
    template_name = "organisations/organisation_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        with service_errors(form):
            organisation = services.create_organisation(
                actor=self.request.user, **form.cleaned_data
            )
            messages.success(
                self.request,
                _(
                    "The organisation has been registered. Verify it and invite its focal point."
                ),
            )
            return redirect("organisations:detail", pk=organisation.pk)
        return self.form_invalid(form)


class UnconnectedOrganisationCreateView(OrganisationCreateView):
    """Add an organisation off the platform that referrals go to (a hospital's social
    service, a delegation, a small association without accounts): coordinators, and
    focal points for the services their caseworkers refer to."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            services.require_organisation_lister(request.user)
        return super(OrganisationCreateView, self).dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(unconnected=True, **kwargs)

    def form_valid(self, form):
        with service_errors(form):
            organisation = services.create_organisation(
                actor=self.request.user, **form.cleaned_data
            )
            messages.success(
                self.request,
                _(
                    "The organisation has been added, off the platform. Add the "
                    "services people are referred to there."
                ),
            )
            return redirect("organisations:detail", pk=organisation.pk)
        return self.form_invalid(form)


def _organisation_action(request, pk: int, change, message: str):
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user), pk=pk
    )
    change(organisation, actor=request.user)
    messages.success(request, message)
    return redirect("organisations:detail", pk=organisation.pk)


@require_POST
@login_required
def verify(request, pk: int):
    return _organisation_action(
        request,
        pk,
        lambda org, actor: services.verify_organisation(
            org, actor=actor, verified=True
        ),
        _("The organisation is now verified."),
    )


@require_POST
@login_required
def unverify(request, pk: int):
    return _organisation_action(
        request,
        pk,
        lambda org, actor: services.verify_organisation(
            org, actor=actor, verified=False
        ),
        _("The organisation is no longer marked as verified."),
    )


@require_POST
@login_required
def deactivate(request, pk: int):
    return _organisation_action(
        request,
        pk,
        lambda org, actor: services.set_organisation_active(
            org, actor=actor, active=False
        ),
        _("The organisation has been deactivated and its API tokens revoked."),
    )


@require_POST
@login_required
def reactivate(request, pk: int):
    return _organisation_action(
        request,
        pk,
        lambda org, actor: services.set_organisation_active(
            org, actor=actor, active=True
        ),
        _("The organisation has been reactivated."),
    )
