"""Discussion threads on emergencies, meetings and recommendations: every member,
observer and coordinator comments; authors edit and delete their own comments (the
text's history stays in the audit trail); coordinators hide comments. The people a
comment mentions are told, if they can see the discussion."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, PermissionDenied, ValidationError
from coordination.permissions import require_coordinator
from dialogue.models import COMMENT_MAX_LENGTH, Comment, Recommendation
from notifications.models import Notification
from notifications.services import queue_notification
from organisations.models import User

MAX_MENTIONS = 20  # per comment: a longer list is a mass mailing, not a mention


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment before sending it.")})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _(
                    "A comment can have at most %(max)d characters (it has %(count)d)."
                )
                % {"max": COMMENT_MAX_LENGTH, "count": len(body)}
            }
        )
    return body


def can_comment(user: User) -> bool:
    """Members of an organisation, observers and coordinators take part in threads."""
    return (
        user.is_coordinator or user.is_observer or user.acting_organisation is not None
    )


def require_can_comment(actor: User) -> None:
    """Only those who take part in threads comment (403 for anyone else)."""
    if not can_comment(actor):
        raise PermissionDenied(
            _(
                "Only members of an organisation, observers and coordinators may comment."
            )
        )


def _target_title(target) -> str:
    if isinstance(target, Recommendation):
        return f"{target.code} — {Truncator(target.text).chars(80)}"
    return target.title


def _notify_mentions(comment: Comment, emails: set[str], *, actor: User) -> None:
    """Tell the people mentioned (by e-mail address) who can see the discussion."""
    if not emails:
        return
    target = comment.target
    people = [
        user
        for user in User.objects.filter(
            email__in=sorted(emails)[:MAX_MENTIONS], is_active=True
        )
        if type(target).objects.visible_to(user).filter(pk=target.pk).exists()
    ]
    if people:
        queue_notification(
            comment,
            kind=Notification.Kind.MENTION,
            to=people,
            actor=actor,
            context={
                "author": actor.display_name,
                "target_title": _target_title(target),
                "excerpt": Truncator(comment.body).chars(300),
            },
        )


@transaction.atomic
def post_comment(target, *, actor: User, body: str) -> Comment:
    """Add a comment to an emergency, a meeting or a recommendation the actor can
    see (otherwise 404); the people it mentions are told."""
    model = type(target)
    name = model._meta.model_name
    if name not in Comment.TARGETS:
        raise ValidationError(
            {"target": _("Comments are for emergencies, meetings and recommendations.")}
        )
    if not model.objects.visible_to(actor).filter(pk=target.pk).exists():
        raise Http404
    require_can_comment(actor)
    body = _check_body(body)
    comment = Comment.objects.create(
        author=actor,
        organisation=actor.acting_organisation,
        body=body,
        **{name: target},
    )
    _notify_mentions(comment, comment.mentioned_emails, actor=actor)
    return comment


def require_can_edit_comment(comment: Comment, *, actor: User) -> None:
    """Only its author edits a comment (403 for anyone else)."""
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("You may only edit your own comments."))


def require_can_delete_comment(comment: Comment, *, actor: User) -> None:
    """Only its author deletes a comment (403 for anyone else)."""
    if comment.author_id != actor.pk:
        raise PermissionDenied(_("You may only delete your own comments."))


@transaction.atomic
def edit_comment(comment: Comment, *, actor: User, body: str) -> Comment:
    """Change one's own comment (the previous text stays in the audit trail); people
    newly mentioned are told."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    require_can_edit_comment(comment, actor=actor)
    if comment.is_deleted or comment.is_hidden:
        raise Conflict(_("A deleted or hidden comment cannot be edited."))
    body = _check_body(body)
    if body == comment.body:
        return comment
    before = comment.mentioned_emails
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at", "updated_at"])
    _notify_mentions(comment, comment.mentioned_emails - before, actor=actor)
    return comment


@transaction.atomic
def delete_comment(comment: Comment, *, actor: User) -> Comment:
    """Delete one's own comment: it shows as deleted; its text stays in the audit."""
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    require_can_delete_comment(comment, actor=actor)
    if comment.is_deleted:
        raise Conflict(_("This comment is already deleted."))
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["deleted_at", "updated_at"])
    return comment


@transaction.atomic
def hide_comment(comment: Comment, *, actor: User, reason: str) -> Comment:
    """Hide a comment from the discussion, with a reason everyone sees (coordinators)."""
    require_coordinator(actor)
    comment = Comment.objects.select_for_update().get(pk=comment.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the comment is hidden.")})
    if len(reason) > 500:
        raise ValidationError(
            {"reason": _("Keep the reason under %(max)d characters.") % {"max": 500}}
        )
    if comment.is_hidden:
        raise Conflict(_("This comment is already hidden."))
    comment.hidden_at = timezone.now()
    comment.hidden_by = actor
    comment.hidden_reason = reason
    comment.save(
        update_fields=["hidden_at", "hidden_by", "hidden_reason", "updated_at"]
    )
    return comment
