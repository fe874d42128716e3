"""E-mails about accounts and organisations to people who may have no account yet,
handed to the notification outbox (retried, swept, never sent twice) and rendered at
delivery in the recipient's language from templates/emails/<name>_*."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from notifications.services import queue_email

from .models import Invitation, JoinRequest


def send_invitation_email(invitation_id: int, key: str, language: str) -> None:
    """Queue the one-time invitation link. The key is stored nowhere else in clear, and
    the outbox erases it from the queued e-mail once sent."""
    invitation = Invitation.objects.select_related("organisation").get(pk=invitation_id)
    link = settings.SITE_URL.rstrip("/") + reverse(
        "organisations:invitation_accept", args=[key]
    )
    queue_email(
        to=invitation.email,
        template="invitation",
        language=language,
        context={"link": link, "ttl_days": settings.INVITATION_TTL_DAYS},
        objects={"invitation": invitation},
        organisation=invitation.organisation,
    )


def send_join_request_decision_email(join_request_id: int) -> None:
    """Tell the contact of a rejected request why (approval sends an invitation)."""
    join_request = JoinRequest.objects.get(pk=join_request_id)
    queue_email(
        to=join_request.contact_email,
        template="join_request_rejected",
        language=settings.LANGUAGE_CODE,
        objects={"join_request": join_request},
    )
