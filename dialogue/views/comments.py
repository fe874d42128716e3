"""Discussion threads on pages: what a page needs to show one (`comment_thread`), and
the comment actions (post, edit, delete, hide). Views handle HTTP; dialogue.services
decides.

Any page can show a thread: put `comment_thread(request, obj)` in its context as
`thread` and `{% include "includes/_comments.html" %}` in its template (pages of apps
below dialogue use the `{% comment_thread %}` tag)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from coordination.exceptions import Conflict
from coordination.forms import service_errors
from coordination.permissions import require_coordinator
from dialogue import services
from dialogue.forms import CommentForm, HideCommentForm
from dialogue.models import Comment


def comment_thread(request, target) -> dict[str, Any]:
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
        "can_comment": services.can_comment(user),
        "can_moderate": user.is_coordinator,
    }


def _target_url(comment: Comment) -> str:
    return comment.get_absolute_url()


@require_POST
@login_required
def comment_post(request):
    name = request.POST.get("target", "")
    model = Comment.target_model(name)
    target_id = request.POST.get("target_id", "")
    if model is None or not target_id.isdigit():
        raise Http404
    target = get_object_or_404(model.objects.visible_to(request.user), pk=target_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        with service_errors(form):
            comment = services.post_comment(
                target, actor=request.user, body=form.cleaned_data["body"]
            )
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
    services.require_can_edit_comment(comment, actor=request.user)
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            with service_errors(form):
                services.edit_comment(
                    comment, actor=request.user, body=form.cleaned_data["body"]
                )
                messages.success(request, _("Your comment has been saved."))
                return redirect(_target_url(comment))
        except Conflict as conflict:
            messages.error(request, conflict.message)
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
            with service_errors(form):
                services.hide_comment(
                    comment, actor=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("The comment is now hidden."))
                return redirect(_target_url(comment))
        except Conflict as conflict:
            messages.error(request, conflict.message)
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
