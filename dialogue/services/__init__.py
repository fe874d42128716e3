"""Dialogue: every state change of meetings, recommendations and discussion threads.
Authority rules live here, once, for pages and API alike.

Who may do what:
- coordinators convene meetings, record attendance, and manage recommendations;
- the owner (its organisation's members, and the person in charge) and the addressees
  (their members, and the observers of an addressed public body) change a
  recommendation's status along Recommendation.TRANSITIONS and report progress;
- every member, observer and coordinator comments; authors edit and delete their own
  comments (the text's history stays in the audit trail); coordinators hide comments.

- meetings.py: meetings, invitations and attendance;
- recommendations.py: recording and editing recommendations;
- follow_up.py: status changes, progress updates and reminders;
- comments.py: comments, mentions and moderation;
- audience.py: observers of public bodies, active organisations (shared).
"""

from __future__ import annotations

from dialogue.models import MENTION_RE

from .comments import (
    can_comment,
    delete_comment,
    edit_comment,
    hide_comment,
    post_comment,
    require_can_comment,
    require_can_delete_comment,
    require_can_edit_comment,
)
from .follow_up import (
    PreconditionFailed,
    add_progress_update,
    can_follow_up,
    change_recommendation_status,
    remind_recommendation,
    require_follow_up,
    send_recommendation_reminders,
)
from .meetings import (
    create_meeting,
    invite_participants,
    meeting_context,
    record_attendance,
    update_meeting,
)
from .recommendations import (
    create_recommendation,
    is_valid_evidence,
    update_recommendation,
)

__all__ = [
    "MENTION_RE",
    "PreconditionFailed",
    "add_progress_update",
    "can_comment",
    "can_follow_up",
    "change_recommendation_status",
    "create_meeting",
    "create_recommendation",
    "delete_comment",
    "edit_comment",
    "hide_comment",
    "invite_participants",
    "is_valid_evidence",
    "meeting_context",
    "post_comment",
    "record_attendance",
    "remind_recommendation",
    "require_can_comment",
    "require_can_delete_comment",
    "require_can_edit_comment",
    "require_follow_up",
    "send_recommendation_reminders",
    "update_meeting",
    "update_recommendation",
]
