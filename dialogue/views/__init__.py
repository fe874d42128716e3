"""Dialogue pages: meetings (with their iCalendar file and follow-up report), the
recommendation board and follow-up, and the comment threads' actions. Views handle
HTTP; dialogue.services decides.

- meetings.py: meeting pages and actions, the calendar file, the follow-up report;
- recommendations.py: the board, a recommendation and its follow-up, the forms;
- comments.py: `comment_thread` (any page can show a thread) and comment actions.
"""

from __future__ import annotations

from .comments import (
    comment_delete,
    comment_edit,
    comment_hide,
    comment_post,
    comment_thread,
)
from .meetings import (
    MeetingCreateView,
    MeetingDetailView,
    MeetingListView,
    MeetingReportView,
    MeetingUpdateView,
    meeting_attendance,
    meeting_ics_download,
    meeting_invite,
    meeting_report_csv,
)
from .recommendations import (
    RecommendationBoardView,
    RecommendationCreateView,
    RecommendationDetailView,
    RecommendationUpdateView,
)

__all__ = [
    "MeetingCreateView",
    "MeetingDetailView",
    "MeetingListView",
    "MeetingReportView",
    "MeetingUpdateView",
    "RecommendationBoardView",
    "RecommendationCreateView",
    "RecommendationDetailView",
    "RecommendationUpdateView",
    "comment_delete",
    "comment_edit",
    "comment_hide",
    "comment_post",
    "comment_thread",
    "meeting_attendance",
    "meeting_ics_download",
    "meeting_invite",
    "meeting_report_csv",
]
