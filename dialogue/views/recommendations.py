"""Recommendation pages: the board, a recommendation with its follow-up form and
discussion, and the coordinators' record and edit forms. Views handle HTTP;
dialogue.services decides."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Case, Count, F, Q, When
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from coordination.exceptions import Conflict
from coordination.forms import service_errors
from coordination.permissions import VisibleToUserMixin, require_coordinator
from dialogue import services
from dialogue.filters import RecommendationFilter
from dialogue.forms import ProgressForm, RecommendationForm
from dialogue.models import Meeting, Recommendation, RecommendationUpdate

from .comments import comment_thread

STUCK_AFTER = timedelta(days=60)  # an open recommendation without news this long
BOARD_QUERYSET = Recommendation.objects.select_related(
    "meeting", "owner", "owner_user"
).prefetch_related("addressed_to")


def label_names(filterset) -> None:
    """Meetings and organisations in the filters' choices by name and date, not by
    the codes their __str__ shows."""
    for field in filterset.form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        if queryset.model is Meeting:
            field.label_from_instance = lambda m: f"{m.title} ({m.starts_on:%d/%m/%Y})"
        elif queryset.model._meta.model_name == "organisation":
            field.label_from_instance = lambda org: org.name


class RecommendationBoardView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """Every recommendation at a glance: filters, overdue and stuck ones marked."""

    # Open recommendations first, soonest due first; then the implemented and dropped.
    queryset = BOARD_QUERYSET.order_by(
        Case(When(status__in=Recommendation.OPEN_STATUSES, then=0), default=1),
        F("due_date").asc(nulls_last=True),
        "id",
    )
    filterset_class = RecommendationFilter
    template_name = "recommendations/board.html"
    paginate_by = 50

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        label_names(filterset)
        filterset.form.fields.pop("updated_since", None)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        today = timezone.localdate()
        totals = self.filterset.qs.order_by().aggregate(
            overdue=Count(
                "pk",
                filter=Q(status__in=Recommendation.OPEN_STATUSES, due_date__lt=today),
            ),
            **{
                value: Count("pk", filter=Q(status=value))
                for value in Recommendation.Status.values
            },
        )
        context["status_counts"] = [
            (value, label, totals[value])
            for value, label in Recommendation.Status.choices
        ]
        context["overdue_count"] = totals["overdue"]
        context["stuck_before"] = timezone.now() - STUCK_AFTER
        context["is_filtered"] = any(
            self.request.GET.get(name) for name in self.filterset_class.Meta.fields
        )
        return context


class RecommendationDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """A recommendation: its status history and progress, evidence, discussion; the
    follow-up form for those who may use it (POST here too, so errors show in place)."""

    queryset = Recommendation.objects.select_related(
        "meeting", "owner", "owner_user", "created_by"
    ).prefetch_related("addressed_to")
    template_name = "recommendations/recommendation_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        recommendation, user = self.object, self.request.user
        context["updates"] = RecommendationUpdate.objects.filter(
            recommendation=recommendation
        ).select_related("author", "organisation")
        context["can_follow_up"] = services.can_follow_up(user, recommendation)
        if context["can_follow_up"] and "progress_form" not in kwargs:
            context["progress_form"] = ProgressForm(recommendation=recommendation)
        context["thread"] = comment_thread(self.request, recommendation)
        context["stuck"] = (
            recommendation.is_open
            and recommendation.last_activity_at < timezone.now() - STUCK_AFTER
        )
        return context

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        services.require_follow_up(request.user, self.object)
        form = ProgressForm(request.POST, recommendation=self.object)
        if form.is_valid():
            try:
                with service_errors(form):
                    services.add_progress_update(
                        self.object,
                        actor=request.user,
                        text=form.cleaned_data["text"],
                        status=form.cleaned_data["status"] or None,
                    )
                    messages.success(request, _("Your update has been recorded."))
                    return redirect(self.object.get_absolute_url())
            except Conflict as conflict:
                form.add_error("status", conflict.message)
        context = self.get_context_data(object=self.object, progress_form=form)
        return self.render_to_response(context)


class RecommendationCreateView(LoginRequiredMixin, FormView):
    """Record a recommendation (coordinators), from a meeting with ?meeting=."""

    form_class = RecommendationForm
    template_name = "recommendations/recommendation_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        initial = super().get_initial()
        meeting = self.request.GET.get("meeting", "")
        if meeting.isdigit():
            initial["meeting"] = meeting
            found = Meeting.objects.filter(pk=meeting).first()
            if found and len(found.themes) == 1:
                initial["theme"] = found.themes[0]
        return initial

    def form_valid(self, form):
        with service_errors(form):
            recommendation = services.create_recommendation(
                actor=self.request.user, **form.cleaned_data
            )
            messages.success(self.request, _("The recommendation has been recorded."))
            if self.request.POST.get("another") and recommendation.meeting_id:
                return redirect(
                    reverse("dialogue:recommendation_create")
                    + f"?meeting={recommendation.meeting_id}"
                )
            return redirect(
                recommendation.meeting.get_absolute_url() + "#recommendations"
                if recommendation.meeting_id
                else recommendation.get_absolute_url()
            )
        return self.form_invalid(form)


class RecommendationUpdateView(LoginRequiredMixin, VisibleToUserMixin, FormView):
    """Edit a recommendation (coordinators); the form carries the version it edits."""

    queryset = Recommendation.objects.all()
    form_class = RecommendationForm
    template_name = "recommendations/recommendation_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def form_valid(self, form):
        version = self.request.POST.get("version", "")
        try:
            with service_errors(form):
                services.update_recommendation(
                    self.object,
                    actor=self.request.user,
                    version=int(version) if version.isdigit() else None,
                    **form.cleaned_data,
                )
                messages.success(self.request, _("The recommendation has been saved."))
                return redirect(self.object.get_absolute_url())
        except services.PreconditionFailed as stale:
            form.add_error(None, stale.message)
        return self.form_invalid(form)

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)
