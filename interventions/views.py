"""The 4W pages: list, detail with history, log and edit, progress reports, import,
export, templates, gaps and overlaps. Views handle HTTP; services decide."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from coordination.exceptions import PermissionDenied
from coordination.forms import service_errors
from coordination.history import HistoryRenderer
from coordination.permissions import VisibleToUserMixin
from organisations.models import User

from . import exports, imports, services
from .analysis import analyse
from .filters import InterventionFilter
from .forms import AnalysisForm, ImportForm, InterventionForm, ProgressForm
from .models import COUNT_LABELS, COUNTS, Intervention, InterventionImport

LIST_RELATED = ("organisation", "sector", "activity", "region", "province", "emergency")


def _require_member(user: User) -> None:
    """Logging interventions is for members acting for an organisation."""
    if user.acting_organisation is None or user.acting_membership is None:
        raise PermissionDenied(
            _("Act for an organisation to log, import or edit its interventions.")
        )


# ---------------------------------------------------------------------------
# The 4W list and its export
# ---------------------------------------------------------------------------
class InterventionListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """The shared 4W, filtered, sorted and paginated."""

    queryset = Intervention.objects.select_related(*LIST_RELATED)
    filterset_class = InterventionFilter
    template_name = "interventions/intervention_list.html"
    paginate_by = 25
    SORTS = {
        "-start_date": (gettext_lazy("Newest start first"), ("-start_date", "-pk")),
        "start_date": (gettext_lazy("Oldest start first"), ("start_date", "pk")),
        "-updated_at": (gettext_lazy("Recently changed"), ("-updated_at", "-pk")),
        "-reached_total": (
            gettext_lazy("Most people reached"),
            ("-reached_total", "-pk"),
        ),
        "organisation": (
            gettext_lazy("Organisation (A to Z)"),
            ("organisation__name", "pk"),
        ),
    }

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        fields = filterset.form.fields
        fields.pop("ordering", None)  # the page has its own sort menu
        for name in ("emergency", "sector", "region", "organisation"):
            fields[name].label_from_instance = (
                (lambda row: row.title)
                if name == "emergency"
                else (lambda row: row.name)
            )
            fields[name].empty_label = _("All")
        fields["activity"].label_from_instance = lambda row: row.name
        fields["activity"].empty_label = _("All")
        fields["province"].label_from_instance = lambda row: row.name
        fields["province"].empty_label = _("All")
        for name in ("period_start", "period_end"):
            fields[name].widget.input_type = "date"
        return filterset

    def get_sort(self) -> str:
        sort = self.request.GET.get("sort", "-start_date")
        return sort if sort in self.SORTS else "-start_date"

    def get_context_data(self, **kwargs):
        sort = self.get_sort()
        self.object_list = kwargs["object_list"] = kwargs["object_list"].order_by(
            *self.SORTS[sort][1]
        )
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        export_query = query.copy()
        export_query.pop("sort", None)
        context["export_query"] = export_query.urlencode()
        context["sort"] = sort
        context["sorts"] = [(key, label) for key, (label, _o) in self.SORTS.items()]
        context["is_filtered"] = any(
            self.request.GET.get(name) for name in self.filterset_class.Meta.fields
        )
        user = self.request.user
        context["can_log"] = (
            user.acting_organisation is not None and user.acting_membership is not None
        )
        return context


@require_GET
@login_required
def export(request):
    """The filtered list as CSV or XLSX (same filters, same permissions as the page)."""
    queryset = Intervention.objects.visible_to(request.user).order_by(
        "-start_date", "-pk"
    )
    filterset = InterventionFilter(request.GET, queryset=queryset, request=request)
    if not filterset.is_valid():
        messages.error(request, _("These filters are not valid: correct them first."))
        return redirect(reverse("interventions:list") + "?" + request.GET.urlencode())
    file_format = request.GET.get("format", "csv")
    language = request.GET.get("headers", "fr")
    return exports.export_response(
        filterset.qs,
        file_format="xlsx" if file_format == "xlsx" else "csv",
        hxl=request.GET.get("hxl") in ("1", "true", "on"),
        language=language if language in exports.HEADER_LANGUAGES else "fr",
        encoding=request.GET.get("encoding"),
    )


@require_GET
@login_required
def template(request, file_format: str, language: str):
    """An empty spreadsheet to fill in: names and HXL hashtags (and code lists)."""
    if file_format not in ("csv", "xlsx") or language not in exports.HEADER_LANGUAGES:
        raise Http404
    return exports.template_response(file_format=file_format, language=language)


# ---------------------------------------------------------------------------
# One intervention
# ---------------------------------------------------------------------------
# The intervention is the page's subject and its user fields name who acted (shown as
# the actor); the version only counts saves.
HISTORY = HistoryRenderer(
    (Intervention, Intervention.updates.rel.related_model),
    hidden={
        "organisation",
        "version",
        "intervention",
        "created_by",
        "updated_by",
        "reported_by",
    },
    # Changes made outside a request (imports, the API's workers) name no user in
    # their context: the row's own fields say who.
    actor_fields={
        "insert": ("created_by", "reported_by"),
        "update": ("updated_by",),
        "delete": ("created_by", "reported_by"),
    },
)


def history_entries(intervention: Intervention) -> list[dict]:
    """Who changed what and when, from the audit trail (the intervention and its
    progress reports), newest first, through the one history renderer."""
    return HISTORY.render(HISTORY.events(intervention)[:200])


class InterventionDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """An intervention, its progress over time and its history."""

    queryset = Intervention.objects.select_related(
        *LIST_RELATED, "created_by", "updated_by"
    ).prefetch_related("partners")
    template_name = "interventions/intervention_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        intervention = self.object
        context["can_write"] = services.can_write(self.request.user, intervention)
        context["updates"] = intervention.updates.select_related("reported_by")
        context["history"] = history_entries(intervention)
        context["rows"] = [
            (
                COUNT_LABELS[part],
                getattr(intervention, f"targeted_{part}"),
                getattr(intervention, f"reached_{part}"),
            )
            for part in COUNTS
        ]
        return context


class CountFieldsMixin:
    """The form's counts, grouped for the template's two fieldsets."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        for group in ("targeted", "reached"):
            context[f"{group}_fields"] = [form[f"{group}_{part}"] for part in COUNTS]
        return context


class InterventionCreateView(LoginRequiredMixin, CountFieldsMixin, FormView):
    """Log an intervention for the acting organisation."""

    form_class = InterventionForm
    template_name = "interventions/intervention_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require_member(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "organisation": self.request.user.acting_organisation,
        }

    def get_initial(self):
        initial = {"start_date": date.today().isoformat()}  # noqa: DTZ011
        if (emergency := self.request.GET.get("emergency", "")).isdigit():
            initial["emergency"] = emergency
        return initial

    def form_valid(self, form):
        with service_errors(form):
            intervention = services.create_intervention(
                actor=self.request.user, **form.service_data()
            )
            messages.success(self.request, _("The intervention has been logged."))
            return redirect("interventions:detail", pk=intervention.pk)
        return self.form_invalid(form)


class InterventionUpdateView(
    LoginRequiredMixin, VisibleToUserMixin, CountFieldsMixin, FormView
):
    """Edit one of the organisation's interventions."""

    queryset = Intervention.objects.select_related("organisation")
    form_class = InterventionForm
    template_name = "interventions/intervention_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            services.require_writer(request.user, self.object.organisation)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "instance": self.object,
            "organisation": self.object.organisation,
        }

    def form_valid(self, form):
        with service_errors(form):
            try:
                services.update_intervention(
                    self.object,
                    actor=self.request.user,
                    version=form.cleaned_data.get("version"),
                    **form.service_data(),
                )
            except services.PreconditionFailed as stale:
                form.add_error(None, stale.message)
                return self.form_invalid(form)
            messages.success(self.request, _("The intervention has been saved."))
            return redirect("interventions:detail", pk=self.object.pk)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)


class ProgressView(LoginRequiredMixin, VisibleToUserMixin, FormView):
    """Report people reached since the last report (a phone-sized form)."""

    queryset = Intervention.objects.select_related(
        "organisation", "activity", "province", "region"
    )
    form_class = ProgressForm
    template_name = "interventions/progress_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            services.require_writer(request.user, self.object.organisation)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        with service_errors(form):
            services.record_progress(
                self.object,
                actor=self.request.user,
                reported_on=data["reported_on"],
                counts=data["counts"],
                note=data["note"],
            )
            messages.success(
                self.request,
                ngettext(
                    "Progress recorded: %(total)d more person reached.",
                    "Progress recorded: %(total)d more people reached.",
                    data["counts"]["total"],
                )
                % {"total": data["counts"]["total"]},
            )
            return redirect("interventions:detail", pk=self.object.pk)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)


# ---------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------
class ImportView(LoginRequiredMixin, FormView):
    """Upload a spreadsheet: it is checked first, imported when confirmed."""

    form_class = ImportForm
    template_name = "interventions/import_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            _require_member(request.user)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = self.request.user
        with service_errors(form):
            record = services.start_import(actor=user, upload=form.cleaned_data["file"])
            # A small file is checked while the page waits, a large one by a worker.
            services.check_or_queue_import(record, actor=user, dry_run=True)
            return redirect("interventions:import_detail", pk=record.pk)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["recent"] = InterventionImport.objects.visible_to(
            self.request.user
        ).select_related("created_by")[:10]
        return context


class ImportDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """A kept upload: its progress, its report and the confirm button."""

    queryset = InterventionImport.objects.select_related("organisation", "created_by")
    template_name = "interventions/import_detail.html"
    context_object_name = "upload"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        upload = self.object
        context["report"] = upload.report or {}
        context["progress"] = _progress(upload)
        context["rows_done"] = imports.progress_of(upload) if upload.is_running else 0
        context["can_confirm"] = (
            upload.status == InterventionImport.Status.CHECKED
            and services.can_write_import(self.request.user, upload)
        )
        return context


def _progress(upload: InterventionImport) -> int:
    if not upload.is_running:
        return 100
    done = imports.progress_of(upload)
    return min(99, round(100 * done / upload.total_rows)) if upload.total_rows else 0


@require_GET
@login_required
def import_status(request, pk: int):
    """The import's progress, for the page's progress bar."""
    upload = get_object_or_404(
        InterventionImport.objects.visible_to(request.user), pk=pk
    )
    return JsonResponse(
        {
            "status": upload.status,
            "status_label": upload.get_status_display(),
            "running": upload.is_running,
            "progress": _progress(upload),
            "rows": imports.progress_of(upload)
            if upload.is_running
            else upload.processed_rows,
            "total_rows": upload.total_rows,
        }
    )


@require_POST
@login_required
def import_confirm(request, pk: int):
    """Import a checked file for real."""
    upload = get_object_or_404(
        InterventionImport.objects.visible_to(request.user), pk=pk
    )
    if upload.status != InterventionImport.Status.CHECKED:
        messages.error(request, _("This file is not ready to be imported."))
        return redirect("interventions:import_detail", pk=upload.pk)
    upload = services.check_or_queue_import(upload, actor=request.user, dry_run=False)
    report = upload.report
    if upload.status == InterventionImport.Status.DONE:
        messages.success(
            request,
            _(
                "Imported: %(created)d new, %(updated)d updated, %(unchanged)d unchanged."
            )
            % report,
        )
    return redirect("interventions:import_detail", pk=upload.pk)


# ---------------------------------------------------------------------------
# Gaps and overlaps
# ---------------------------------------------------------------------------
class AnalysisView(LoginRequiredMixin, FormView):
    """Gaps (needs without response) and overlaps (three or more organisations)."""

    form_class = AnalysisForm
    template_name = "interventions/analysis.html"

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.GET:
            kwargs["data"] = self.request.GET
        return kwargs

    def get(self, request, *args, **kwargs):
        form = self.get_form()
        result = None
        if request.GET and form.is_valid():
            result = analyse(
                emergency=form.cleaned_data["emergency"],
                start=form.cleaned_data["period_start"],
                end=form.cleaned_data["period_end"],
            )
        return self.render_to_response(self.get_context_data(form=form, result=result))
