"""E-mails to an address rather than to a user (an invitation to someone without an
account yet, the answer to a request to join): queued in the caller's transaction like
every other delivery, so they are retried, swept after a broker outage and never sent
twice, and rendered at delivery in the language chosen when queued.

The row's payload holds the address, the template name (templates/emails/<name>_
{subject,body}.txt and _body.html), the language, plain parameters, and the objects the
template shows as (model label, id) pairs re-read at delivery; or, for e-mails another
library renders (allauth's address confirmation and password reset), the rendered
subject and bodies. Parameters and bodies may hold a secret (an invitation's one-time
link, a password-reset link): they are erased once the e-mail is sent or given up.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.template.loader import render_to_string
from django.utils import translation

from notifications.models import OutboxMessage

from .errors import PermanentDeliveryError
from .outbox import enqueue_deliveries

# What a sent address e-mail keeps: enough for the delivery log, no secret.
KEPT_AFTER_SENDING = ("to", "template", "language", "objects", "subject")
SECRET_KEYS = ("context", "text", "html")


def queue_email(
    *,
    to: str,
    template: str,
    language: str,
    context: dict[str, Any] | None = None,
    objects: dict[str, models.Model] | None = None,
    organisation: models.Model | None = None,
) -> OutboxMessage:
    """Write the outbox row of an e-mail to `to` in the caller's transaction; a worker
    renders and sends it once the transaction commits."""
    message = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.EMAIL,
        event=template,
        organisation=organisation,
        payload={
            "to": to,
            "template": template,
            "language": language,
            "context": dict(context or {}),
            "objects": {
                name: [obj._meta.label_lower, obj.pk]
                for name, obj in (objects or {}).items()
            },
        },
    )
    enqueue_deliveries([message])
    return message


def queue_rendered_email(
    *, to: str, subject: str, text: str, html: str = "", event: str
) -> OutboxMessage:
    """Write the outbox row of an e-mail already rendered (by allauth, in the request's
    language); a worker sends it once the transaction commits."""
    message = OutboxMessage.objects.create(
        channel=OutboxMessage.Channel.EMAIL,
        event=event[:40],
        payload={"to": to, "subject": subject, "text": text, "html": html},
    )
    enqueue_deliveries([message])
    return message


def has_secrets(message: OutboxMessage) -> bool:
    """Whether an address e-mail still holds what it needs to be sent."""
    return message.recipient_id is None and any(
        key in message.payload for key in SECRET_KEYS
    )


def render_address_email(message: OutboxMessage) -> tuple[str, str, str, str]:
    """(address, subject, text, html) of a queued address e-mail."""
    payload = message.payload
    if not has_secrets(message):
        raise PermanentDeliveryError("The e-mail's content was erased; send a new one.")
    if "text" in payload:  # rendered when queued
        return payload["to"], payload["subject"], payload["text"], payload["html"]
    context = dict(payload["context"])
    for name, (label, pk) in payload.get("objects", {}).items():
        obj = apps.get_model(label)._default_manager.filter(pk=pk).first()
        if obj is None:
            raise PermanentDeliveryError(f"The {name} this e-mail is about is gone.")
        context[name] = obj
    name = payload["template"]
    with translation.override(payload.get("language") or settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{name}_subject.txt", context).strip()
        text = render_to_string(f"emails/{name}_body.txt", context)
        html = render_to_string(f"emails/{name}_body.html", context)
    return payload["to"], settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject, text, html


def forget_secrets(message: OutboxMessage) -> list[str]:
    """Drop the parameters and bodies of an address e-mail sent or given up (they may
    hold a one-time link); the fields to save."""
    if not has_secrets(message):
        return []
    message.payload = {
        key: message.payload[key]
        for key in KEPT_AFTER_SENDING
        if key in message.payload
    }
    return ["payload"]


__all__ = [
    "forget_secrets",
    "has_secrets",
    "queue_email",
    "queue_rendered_email",
    "render_address_email",
]
