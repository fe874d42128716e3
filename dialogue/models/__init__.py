"""Dialogue: coordination meetings and workshops, the recommendations they make and
their follow-up, and the discussion threads on emergencies, meetings and
recommendations. Every change is recorded by pghistory triggers (the audit trail).

- meetings.py: meetings, their participations and calendar file, the shared themes;
- recommendations.py: recommendations and their dated progress updates;
- comments.py: comments, mentions and how their text is shown.
"""

from __future__ import annotations

from .comments import (
    COMMENT_MAX_LENGTH,
    LINK_RE,
    MENTION_RE,
    Comment,
    CommentQuerySet,
    render_text,
)
from .meetings import ORGANISATION, Meeting, MeetingQuerySet, Participation, Theme
from .recommendations import (
    RECOMMENDATION_MAX_LENGTH,
    Recommendation,
    RecommendationQuerySet,
    RecommendationUpdate,
)

__all__ = [
    "COMMENT_MAX_LENGTH",
    "LINK_RE",
    "MENTION_RE",
    "ORGANISATION",
    "RECOMMENDATION_MAX_LENGTH",
    "Comment",
    "CommentQuerySet",
    "Meeting",
    "MeetingQuerySet",
    "Participation",
    "Recommendation",
    "RecommendationQuerySet",
    "RecommendationUpdate",
    "Theme",
    "render_text",
]
