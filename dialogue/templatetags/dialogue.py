"""`{% comment_thread obj as thread %}`: the discussion of an emergency, a meeting or a
recommendation, for pages of apps below dialogue that cannot import it (emergencies)."""

from __future__ import annotations

from django import template

from dialogue.views import comment_thread as build_thread

register = template.Library()


@register.simple_tag(takes_context=True)
def comment_thread(context, target) -> dict:
    """What includes/_comments.html shows for `target` (three queries)."""
    return build_thread(context["request"], target)
