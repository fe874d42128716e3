"""`{% slip_share referral %}`: the referral page's slip buttons (print, download,
WhatsApp, SMS) for who may use them; `{{ event|slip_event_label }}`: how the timeline
names a shared slip ("Slip shared by WhatsApp")."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, PermissionDenied
from referrals.models import Consent, ReferralEvent
from referrals.services.slip import require_slip_channel, slip_identity_level
from referrals.views.slips import slip_share_url

register = template.Library()
Channel = ReferralEvent.Channel


def _allowed(user, referral, channel: str) -> bool:
    try:
        require_slip_channel(user, referral, channel)
    except (PermissionDenied, Conflict):
        return False
    return True


@register.inclusion_tag("referrals/_slip_share.html", takes_context=True)
def slip_share(context, referral) -> dict:
    """The buttons `user` may use on this referral (none when it is closed)."""
    user = context["request"].user
    links = {
        channel: slip_share_url(user, referral, channel)
        for channel in (Channel.WHATSAPP, Channel.SMS, Channel.PRINT)
        if _allowed(user, referral, channel)
    }
    if _allowed(user, referral, Channel.PDF):
        links["pdf_a4"] = slip_share_url(user, referral, Channel.PDF, "a4")
        links["pdf_phone"] = slip_share_url(user, referral, Channel.PDF, "phone")
    return {
        "referral": referral,
        "links": links,
        "identity": slip_identity_level(referral),
        "Identity": Consent.SlipIdentity,
    }


@register.filter
def slip_event_label(event: ReferralEvent) -> str:
    labels = {
        Channel.WHATSAPP: _("Slip shared by WhatsApp"),
        Channel.SMS: _("Slip shared by SMS"),
        Channel.PRINT: _("Slip printed"),
        Channel.PDF: _("Slip downloaded (PDF)"),
    }
    return labels.get(event.channel) or _("Slip shared")
