"""E-mails about accounts and organisations, rendered in the recipient's language.
(The notification outbox of a later issue will carry these too.)"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import Invitation, JoinRequest


def send_templated_email(name: str, *, to: str, language: str, context: dict) -> None:
    """Render templates/emails/<name>_{subject,body}.txt and _body.html and send them."""
    with translation.override(language):
        subject = render_to_string(f"emails/{name}_subject.txt", context).strip()
        text = render_to_string(f"emails/{name}_body.txt", context)
        html = render_to_string(f"emails/{name}_body.html", context)
    message = EmailMultiAlternatives(
        settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, text, to=[to]
    )
    message.attach_alternative(html, "text/html")
    message.send()


def send_invitation_email(invitation_id: int, key: str, language: str) -> None:
    """Send the one-time invitation link (the key is never stored in clear)."""
    invitation = Invitation.objects.select_related("organisation", "invited_by").get(
        pk=invitation_id
    )
    link = settings.SITE_URL.rstrip("/") + reverse(
        "organisations:invitation_accept", args=[key]
    )
    send_templated_email(
        "invitation",
        to=invitation.email,
        language=language,
        context={
            "invitation": invitation,
            "link": link,
            "ttl_days": settings.INVITATION_TTL_DAYS,
        },
    )


def send_join_request_decision_email(join_request_id: int) -> None:
    """Tell the contact of a rejected request why (approval sends an invitation)."""
    join_request = JoinRequest.objects.get(pk=join_request_id)
    send_templated_email(
        "join_request_rejected",
        to=join_request.contact_email,
        language=settings.LANGUAGE_CODE,
        context={"join_request": join_request},
    )
