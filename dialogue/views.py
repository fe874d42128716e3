"""Dialogue pages: meetings (with their iCalendar file and follow-up report), the
recommendation board and follow-up, and the comment threads' actions. Views handle
HTTP; dialogue.services decides.

Any page can show a thread: put `comment_thread(request, obj)` in its context as
`thread` and `{% include "includes/_comments.html" %}` in its template."""

from __future__ import annotations

import csv
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Case, Count, F, Prefetch, Q, When
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.forms import add_service_errors
from coordination.permissions import VisibleToUserMixin, require_coordinator

from . import services
from .filters import MeetingFilter, RecommendationFilter
from .forms import (
    AttendanceForm,
    CommentForm,
    HideCommentForm,
    MeetingForm,
    ProgressForm,
    RecommendationForm,
)
from .models import (
    Comment,
    Emergency,
    Meeting,
    Participation,
    Recommendation,
    RecommendationUpdate,
)

STUCK_AFTER = timedelta(days=60)  # an open recommendation without news this long
TARGET_MODELS = {
    "emergency": Emergency,
    "meeting": Meeting,
    "recommendation": Recommendation,
}
PARTICIPATIONS = Participation.objects.select_related("organisation").order_by(
    "organisation__name"
)
BOARD_QUERYSET = Recommendation.objects.select_related(
    "meeting", "owner", "owner_user"
).prefetch_related("addressed_to")


def _label_names(filterset) -> None:
    for field in filterset.form.fields.values():
        queryset = getattr(field, "queryset", None)
        if queryset is None:
            continue
        if queryset.model is Meeting:
            field.label_from_instance = lambda m: f"{m.title} ({m.starts_on:%d/%m/%Y})"
        elif queryset.model._meta.model_name == "organisation":
            field.label_from_instance = lambda org: org.name


# ---------------------------------------------------------------------------
# Threads
# ---------------------------------------------------------------------------
def comment_thread(request, target) -> dict:
    """What includes/_comments.html needs to show the thread of `target` (an
    emergency, a meeting or a recommendation): three queries whatever its length."""
    name = target._meta.model_name
    user = request.user
    comments = list(
        Comment.objects.filter(**{name: target}).select_related(
            "author", "organisation", "hidden_by"
        )
    )
    return {
        "comments": comments,
        "form": CommentForm(),
        "target": name,
        "target_id": target.pk,
        "can_comment": user.is_coordinator
        or user.is_observer
        or user.acting_organisation is not None,
        "can_moderate": user.is_coordinator,
    }


def _target_url(comment: Comment) -> str:
    return comment.get_absolute_url()


@require_POST
@login_required
def comment_post(request):
    name = request.POST.get("target", "")
    model = TARGET_MODELS.get(name)
    target_id = request.POST.get("target_id", "")
    if model is None or not target_id.isdigit():
        raise Http404
    target = get_object_or_404(model.objects.visible_to(request.user), pk=target_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comment = services.post_comment(
                target, actor=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your comment has been posted."))
            return redirect(_target_url(comment))
    return render(
        request,
        "comments/comment_form.html",
        {
            "form": form,
            "target": target,
            "target_name": name,
            "action": reverse("dialogue:comment_post"),
            "hidden": {"target": name, "target_id": target.pk},
            "title": _("Post a comment"),
            "submit": _("Post"),
        },
    )


def _own_comment(request, pk: int) -> Comment:
    return get_object_or_404(
        Comment.objects.visible_to(request.user).select_related(
            "emergency", "meeting", "recommendation"
        ),
        pk=pk,
    )


@login_required
def comment_edit(request, pk: int):
    comment = _own_comment(request, pk)
    if comment.author_id != request.user.pk:
        raise PermissionDenied
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_comment(
                comment, actor=request.user, body=form.cleaned_data["body"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect(_target_url(comment))
        else:
            messages.success(request, _("Your comment has been saved."))
            return redirect(_target_url(comment))
    return render(
        request,
        "comments/comment_form.html",
        {
            "form": form,
            "target": comment.target,
            "comment": comment,
            "action": reverse("dialogue:comment_edit", args=[comment.pk]),
            "title": _("Edit your comment"),
            "submit": _("Save"),
        },
    )


@require_POST
@login_required
def comment_delete(request, pk: int):
    comment = _own_comment(request, pk)
    try:
        services.delete_comment(comment, actor=request.user)
    except Conflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(request, _("Your comment has been deleted."))
    return redirect(_target_url(comment))


@login_required
def comment_hide(request, pk: int):
    comment = _own_comment(request, pk)
    require_coordinator(request.user)
    form = HideCommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.hide_comment(
                comment, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect(_target_url(comment))
        else:
            messages.success(request, _("The comment is now hidden."))
            return redirect(_target_url(comment))
    return render(
        request,
        "comments/comment_form.html",
        {
            "form": form,
            "target": comment.target,
            "comment": comment,
            "action": reverse("dialogue:comment_hide", args=[comment.pk]),
            "title": _("Hide a comment"),
            "submit": _("Hide it"),
        },
    )


# ---------------------------------------------------------------------------
# Meetings
# ---------------------------------------------------------------------------
class MeetingListView(LoginRequiredMixin, VisibleToUserMixin, FilterView):
    """Meetings and workshops, newest first."""

    queryset = (
        Meeting.objects.select_related("organiser")
        .annotate(
            participant_count=Count("participations", distinct=True),
            recommendation_count=Count("recommendations", distinct=True),
        )
        .order_by("-starts_at", "-id")
    )
    filterset_class = MeetingFilter
    template_name = "meetings/meeting_list.html"
    paginate_by = 25

    def get_filterset(self, filterset_class):
        filterset = super().get_filterset(filterset_class)
        _label_names(filterset)
        filterset.form.fields.pop("updated_since", None)
        return filterset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["is_filtered"] = any(
            self.request.GET.get(name) for name in self.filterset_class.Meta.fields
        )
        context["now"] = timezone.now()
        return context


class MeetingDetailView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """A meeting: agenda, minutes, participants and attendance, its recommendations,
    its discussion."""

    queryset = Meeting.objects.select_related(
        "organiser", "created_by"
    ).prefetch_related(Prefetch("participations", queryset=PARTICIPATIONS))
    template_name = "meetings/meeting_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting, user = self.object, self.request.user
        context["participations"] = list(meeting.participations.all())
        context["recommendations"] = BOARD_QUERYSET.filter(meeting=meeting)
        context["thread"] = comment_thread(self.request, meeting)
        context["uninvited"] = sum(
            1 for p in context["participations"] if p.invited_at is None
        )
        if user.is_coordinator:
            context["attendance_form"] = AttendanceForm(meeting=meeting)
        return context


class MeetingCreateView(LoginRequiredMixin, FormView):
    """Record a meeting or workshop (coordinators)."""

    form_class = MeetingForm
    template_name = "meetings/meeting_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            meeting = services.create_meeting(
                actor=self.request.user,
                data=form.service_data(),
                invite=form.cleaned_data.get("invite", False),
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("The meeting has been recorded. Add its recommendations below."),
        )
        return redirect(meeting.get_absolute_url())


class MeetingUpdateView(LoginRequiredMixin, VisibleToUserMixin, FormView):
    """Edit a meeting, its minutes and participants (coordinators)."""

    queryset = Meeting.objects.all()
    form_class = MeetingForm
    template_name = "meetings/meeting_form.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.object = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
            require_coordinator(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.object}

    def form_valid(self, form):
        try:
            services.update_meeting(
                self.object, actor=self.request.user, data=form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The meeting has been saved."))
        return redirect(self.object.get_absolute_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)


@require_POST
@login_required
def meeting_invite(request, pk: int):
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=pk)
    try:
        count = services.invite_participants(meeting, actor=request.user)
    except Conflict as conflict:
        messages.error(request, conflict.message)
    else:
        messages.success(
            request,
            ngettext(
                "Invitation sent to %(count)d organisation.",
                "Invitations sent to %(count)d organisations.",
                count,
            )
            % {"count": count},
        )
    return redirect(meeting.get_absolute_url())


@require_POST
@login_required
def meeting_attendance(request, pk: int):
    meeting = get_object_or_404(
        Meeting.objects.visible_to(request.user).prefetch_related(
            Prefetch("participations", queryset=PARTICIPATIONS)
        ),
        pk=pk,
    )
    require_coordinator(request.user)
    form = AttendanceForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            services.record_attendance(
                meeting, actor=request.user, present=form.cleaned_data["present"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Attendance has been recorded."))
    else:
        messages.error(request, _("Choose participating organisations only."))
    return redirect(meeting.get_absolute_url() + "#participants")


@login_required
def meeting_ics_download(request, pk: int):
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=pk)
    response = HttpResponse(
        meeting.to_ics(), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="tansiq-meeting-{meeting.pk}.ics"'
    )
    return response


def _report_rows(meeting: Meeting) -> list[Recommendation]:
    return list(
        BOARD_QUERYSET.filter(meeting=meeting).prefetch_related(
            Prefetch(
                "updates",
                queryset=RecommendationUpdate.objects.select_related(
                    "author", "organisation"
                ),
            )
        )
    )


class MeetingReportView(LoginRequiredMixin, VisibleToUserMixin, DetailView):
    """The follow-up report of a meeting's recommendations, for printing."""

    queryset = Meeting.objects.select_related("organiser")
    template_name = "meetings/meeting_report.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = _report_rows(self.object)
        context["rows"] = rows
        counts = dict.fromkeys(Recommendation.Status.values, 0)
        for row in rows:
            counts[row.status] += 1
        context["status_counts"] = [
            (value, label, counts[value])
            for value, label in Recommendation.Status.choices
        ]
        context["overdue_count"] = sum(1 for row in rows if row.is_overdue)
        context["today"] = timezone.localdate()
        return context


def _cell(value) -> str:
    # Spreadsheets run cells starting with = + - @ as formulas.
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def meeting_report_csv(request, pk: int):
    if not request.user.is_authenticated:
        return redirect(f"{settings.LOGIN_URL}?next={request.path}")
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="tansiq-meeting-{meeting.pk}-recommendations.csv"'
    )
    response.write("\ufeff")  # so spreadsheet programs read UTF-8
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Code"),
            _("Recommendation"),
            _("Theme"),
            _("Dimensions"),
            _("Addressed to"),
            _("Owner"),
            _("Person in charge"),
            _("Due date"),
            _("Status"),
            _("Overdue"),
            _("Last activity"),
            _("Latest progress"),
        ]
    )
    for row in _report_rows(meeting):
        updates = [u for u in row.updates.all() if u.text]
        writer.writerow(
            [
                _cell(value)
                for value in (
                    row.code,
                    row.text,
                    row.get_theme_display(),
                    ", ".join(row.dimension_labels),
                    ", ".join(org.name for org in row.addressed_to.all()),
                    row.owner.name if row.owner else "",
                    row.owner_user.display_name if row.owner_user else "",
                    row.due_date.isoformat() if row.due_date else "",
                    row.get_status_display(),
                    _("yes") if row.is_overdue else _("no"),
                    timezone.localtime(row.last_activity_at).date().isoformat(),
                    updates[0].text if updates else "",
                )
            ]
        )
    return response


# ---------------------------------------------------------------------------
# Recommendations
# ---------------------------------------------------------------------------
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
        _label_names(filterset)
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
        if not services.can_follow_up(request.user, self.object):
            raise PermissionDenied
        form = ProgressForm(request.POST, recommendation=self.object)
        if form.is_valid():
            try:
                services.add_progress_update(
                    self.object,
                    actor=request.user,
                    text=form.cleaned_data["text"],
                    status=form.cleaned_data["status"] or None,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            except Conflict as conflict:
                form.add_error("status", conflict.message)
            else:
                messages.success(request, _("Your update has been recorded."))
                return redirect(self.object.get_absolute_url())
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
        try:
            recommendation = services.create_recommendation(
                actor=self.request.user, data=form.service_data()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
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
            services.update_recommendation(
                self.object,
                actor=self.request.user,
                data=form.service_data(),
                version=int(version) if version.isdigit() else None,
            )
        except services.PreconditionFailed as conflict:
            form.add_error(None, conflict.message)
            return self.form_invalid(form)
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("The recommendation has been saved."))
        return redirect(self.object.get_absolute_url())

    def get_context_data(self, **kwargs):
        return super().get_context_data(object=self.object, **kwargs)
