"""Meeting pages: the list, a meeting with its participants, recommendations and
discussion, the coordinators' forms and actions (invite, attendance), its iCalendar
file and the follow-up report of its recommendations (page and CSV). Views handle HTTP;
dialogue.services decides."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Count, Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import DetailView, FormView
from django_filters.views import FilterView

from coordination.exceptions import Conflict, ValidationError
from coordination.forms import service_errors
from coordination.permissions import VisibleToUserMixin, require_coordinator
from coordination.spreadsheets import csv_response
from dialogue import services
from dialogue.filters import MeetingFilter
from dialogue.forms import AttendanceForm, MeetingForm
from dialogue.models import Meeting, Participation, Recommendation, RecommendationUpdate

from .comments import comment_thread
from .recommendations import BOARD_QUERYSET, label_names

PARTICIPATIONS = Participation.objects.select_related("organisation").order_by(
    "organisation__name"
)


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
        label_names(filterset)
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
        with service_errors(form):
            meeting = services.create_meeting(
                actor=self.request.user, **form.cleaned_data
            )
            messages.success(
                self.request,
                _("The meeting has been recorded. Add its recommendations below."),
            )
            return redirect(meeting.get_absolute_url())
        return self.form_invalid(form)


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
        with service_errors(form):
            services.update_meeting(
                self.object, actor=self.request.user, **form.cleaned_data
            )
            messages.success(self.request, _("The meeting has been saved."))
            return redirect(self.object.get_absolute_url())
        return self.form_invalid(form)

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


@require_safe
@login_required
def meeting_report_csv(request, pk: int):
    if not request.user.is_authenticated:
        return redirect(f"{settings.LOGIN_URL}?next={request.path}")
    meeting = get_object_or_404(Meeting.objects.visible_to(request.user), pk=pk)
    # Built before the response streams, while the request's language is active.
    rows = [
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
    ]
    for row in _report_rows(meeting):
        updates = [u for u in row.updates.all() if u.text]
        rows.append(
            [
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
            ]
        )
    # The one spreadsheet writer: UTF-8 with BOM, formula guard on every cell.
    return csv_response(
        rows, filename=f"tansiq-meeting-{meeting.pk}-recommendations.csv"
    )
