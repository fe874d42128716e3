"""allauth hooks: no open sign-up (invitations only); first MFA set-up right after login;
account e-mails through the notification outbox; the client's address (for the login rate
limits, per address and per account) read behind the trusted proxies."""

from __future__ import annotations

import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.mfa.models import Authenticator

from coordination.client_ip import client_ip
from notifications.services import queue_rendered_email


class OutboxEmail:
    """What allauth's send_mail sends: handed to the notification outbox instead, so an
    address confirmation or a password reset survives a mail server that is down."""

    def __init__(self, message, *, event: str) -> None:
        self.message = message
        self.event = event

    def send(self, fail_silently: bool = False) -> int:
        text, html = self.message.body, ""
        if getattr(self.message, "content_subtype", "plain") == "html":
            text, html = "", self.message.body
        for content, mimetype in getattr(self.message, "alternatives", []):
            if mimetype == "text/html":
                html = content
        for address in self.message.to:
            queue_rendered_email(
                to=address,
                subject=self.message.subject,
                text=text,
                html=html,
                event=self.event,
            )
        return len(self.message.to)


class AccountAdapter(DefaultAccountAdapter):
    def render_mail(self, template_prefix, email, context, headers=None):
        """allauth renders (in the request's language); the outbox delivers."""
        message = super().render_mail(template_prefix, email, context, headers=headers)
        return OutboxEmail(message, event=template_prefix.rsplit("/", 1)[-1])

    def get_client_ip(self, request) -> str:
        """The address allauth's rate limits count per IP ("10/m/ip" failed logins…),
        its user sessions and its e-mails show: the one the trusted proxies saw
        (coordination/client_ip.py), never a forgeable X-Forwarded-For entry."""
        return client_ip(request)

    def is_open_for_signup(self, request) -> bool:
        """Accounts are created by accepting an invitation, never by open sign-up."""
        return False

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """Someone who has just signed in with their password and must now set up their
        first authenticator (coordinators, focal points) is not asked for it again."""
        request = getattr(self, "request", None)
        user = getattr(request, "user", None)
        if (
            app == "allauth.mfa"
            and user is not None
            and user.is_authenticated
            and not Authenticator.objects.filter(user=user).exists()
        ):
            records = get_authentication_records(request, user)
            if (
                records
                and time.time() - records[-1]["at"]
                < account_settings.REAUTHENTICATION_TIMEOUT
            ):
                return False
        return super().is_reauthentication_required(app=app, **kwargs)
