"""Dialogue pages: /meetings/, /recommendations/ and the comment actions /comments/."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "dialogue"

urlpatterns = [
    path("meetings/", views.MeetingListView.as_view(), name="meeting_list"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting_create"),
    path(
        "meetings/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"
    ),
    path(
        "meetings/<int:pk>/edit/",
        views.MeetingUpdateView.as_view(),
        name="meeting_edit",
    ),
    path("meetings/<int:pk>/invite/", views.meeting_invite, name="meeting_invite"),
    path(
        "meetings/<int:pk>/attendance/",
        views.meeting_attendance,
        name="meeting_attendance",
    ),
    path("meetings/<int:pk>/ics/", views.meeting_ics_download, name="meeting_ics"),
    path(
        "meetings/<int:pk>/report/",
        views.MeetingReportView.as_view(),
        name="meeting_report",
    ),
    path(
        "meetings/<int:pk>/report.csv",
        views.meeting_report_csv,
        name="meeting_report_csv",
    ),
    path(
        "recommendations/",
        views.RecommendationBoardView.as_view(),
        name="recommendation_board",
    ),
    path(
        "recommendations/new/",
        views.RecommendationCreateView.as_view(),
        name="recommendation_create",
    ),
    path(
        "recommendations/<int:pk>/",
        views.RecommendationDetailView.as_view(),
        name="recommendation_detail",
    ),
    path(
        "recommendations/<int:pk>/edit/",
        views.RecommendationUpdateView.as_view(),
        name="recommendation_edit",
    ),
    path("comments/", views.comment_post, name="comment_post"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
    path("comments/<int:pk>/hide/", views.comment_hide, name="comment_hide"),
]
