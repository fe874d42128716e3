"""The reader's side: per-kind e-mail preferences and the read state of the inbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coordination.exceptions import PermissionDenied, ValidationError
from notifications.models import Notification, NotificationPreference

if TYPE_CHECKING:
    from organisations.models import User


# ---------------------------------------------------------------------------
# Preferences
# ---------------------------------------------------------------------------
def email_modes(user_ids: list[int], kind: str) -> dict[int, str]:
    """Each user's e-mail mode for one kind, in one query: immediately unless they
    chose otherwise, and always immediately for a mandatory kind."""
    immediate = NotificationPreference.Mode.IMMEDIATE
    if kind in Notification.MANDATORY_KINDS or not user_ids:
        return dict.fromkeys(user_ids, immediate)
    chosen = dict(
        NotificationPreference.objects.filter(
            user_id__in=user_ids, kind=kind
        ).values_list("user_id", "mode")
    )
    return {pk: chosen.get(pk, immediate) for pk in user_ids}


def notification_modes(user: User) -> dict[str, str]:
    """Every kind with the user's e-mail mode (immediately unless they chose)."""
    chosen = dict(
        NotificationPreference.objects.filter(user=user).values_list("kind", "mode")
    )
    modes = {}
    for kind in Notification.Kind.values:
        if kind in Notification.MANDATORY_KINDS:
            modes[kind] = NotificationPreference.Mode.IMMEDIATE
        else:
            modes[kind] = chosen.get(kind, NotificationPreference.Mode.IMMEDIATE)
    return modes


@transaction.atomic
def set_notification_preferences(
    user: User, *, actor: User, modes: dict[str, str]
) -> dict[str, str]:
    """Change how a user is told, per kind; mandatory kinds stay immediate."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Only you may change your notification settings."))
    errors: dict[str, list[str]] = {}
    for kind, mode in modes.items():
        if kind not in Notification.Kind.values:
            errors.setdefault(kind, []).append(_("Unknown kind of notification."))
        elif mode not in NotificationPreference.Mode.values:
            errors.setdefault(kind, []).append(_("Choose one of the options."))
        elif (
            kind in Notification.MANDATORY_KINDS
            and mode != NotificationPreference.Mode.IMMEDIATE
        ):
            errors.setdefault(kind, []).append(
                _("This notification cannot be turned off or delayed.")
            )
    if errors:
        raise ValidationError(errors)
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=user, kind=kind, mode=mode)
            for kind, mode in modes.items()
            if kind not in Notification.MANDATORY_KINDS
        ],
        update_conflicts=True,
        unique_fields=["user", "kind"],
        update_fields=["mode", "updated_at"],
    )
    return notification_modes(user)


# ---------------------------------------------------------------------------
# Read state
# ---------------------------------------------------------------------------
@transaction.atomic
def mark_notification_read(notification: Notification, *, actor: User) -> Notification:
    """Mark one of the actor's notifications read (again: no change)."""
    if notification.recipient_id != actor.pk:
        raise PermissionDenied(_("This notification is not yours."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


@transaction.atomic
def mark_all_notifications_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    now = timezone.now()
    return (
        Notification.objects.filter(recipient=actor)
        .unread()
        .update(read_at=now, updated_at=now)
    )


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread (the header's badge)."""
    return Notification.objects.filter(recipient=user).unread().count()


__all__ = [
    "email_modes",
    "mark_all_notifications_read",
    "mark_notification_read",
    "notification_modes",
    "set_notification_preferences",
    "unread_count",
]
