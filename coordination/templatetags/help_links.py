"""`{% page_help_url as url %}`: the user guide's section for the current page."""

from __future__ import annotations

from django import template

from coordination.help import page_help_url as _page_help_url

register = template.Library()


@register.simple_tag(takes_context=True)
def page_help_url(context) -> str:
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return _page_help_url(match.view_name if match else None)
