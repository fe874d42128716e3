"""The referral slip from the referral page: print it, download it (A4 or phone), or
send it by WhatsApp or SMS without any API (a click-to-chat or `sms:` link). Every use
is a timeline event written by `share_slip` (the channel, never the text).

The four buttons are links (a form posting to wa.me would break the page's CSP
`form-action 'self'` on the redirect): each carries a token signed for that user,
referral and channel, valid an hour, so another site cannot make a user's browser
record a share it did not make (what CSRF protection does for a POST)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from coordination.exceptions import Conflict
from referrals.models import Referral, ReferralEvent
from referrals.services.slip import (
    PAPERS,
    TEXT_CHANNELS,
    require_slip_channel,
    share_slip,
    share_url,
    slip_message,
)
from referrals.services.slip_pdf import PDF_TYPE, render_slip_pdf

Channel = ReferralEvent.Channel
SHARE_SALT = "referrals.slip-share"
SHARE_MAX_AGE = 3600  # seconds: the page was opened within the hour


def share_token(user, referral: Referral, channel: str) -> str:
    return signing.dumps([user.pk, referral.pk, str(channel)], salt=SHARE_SALT)


def _token_valid(request, referral: Referral, channel: str) -> bool:
    try:
        value = signing.loads(
            request.GET.get("t", ""), salt=SHARE_SALT, max_age=SHARE_MAX_AGE
        )
    except signing.BadSignature:  # also expired
        return False
    return value == [request.user.pk, referral.pk, channel]


def slip_share_url(user, referral: Referral, channel: str, paper: str = "") -> str:
    """The link of one button of the referral page."""
    query = {"t": share_token(user, referral, channel)}
    if paper:
        query["format"] = paper
    path = reverse("referrals:referral_slip", args=[referral.code, channel])
    return f"{path}?{urlencode(query)}"


class ShareRedirect(HttpResponseRedirect):
    """To wa.me or an `sms:` URL, built by the server only."""

    allowed_schemes = ["https", "sms"]


@require_GET
@login_required
def slip(request, code, channel):
    """Record the share, then hand over the PDF (inline to print, as a file to
    download) or redirect to WhatsApp or the SMS app with the short text."""
    referral = get_object_or_404(
        Referral.objects.visible_to(request.user).select_related(
            "from_organisation",
            "to_organisation",
            "service",
            "beneficiary",
            "consent",
            "created_by",
        ),
        code=code,
    )
    if channel not in Channel.values:
        raise Http404
    paper = request.GET.get("format") or "a4"
    if paper not in PAPERS:
        return HttpResponse(
            _("Choose the A4 or the phone format."),
            status=400,
            content_type="text/plain",
        )
    try:
        require_slip_channel(request.user, referral, channel)  # 403 before anything
        if not _token_valid(request, referral, channel):
            messages.error(
                request,
                _("This button had expired: nothing was shared. Use it again."),
            )
            return redirect(referral)
        shared = share_slip(
            referral, actor=request.user, channel=channel, purpose=request.path
        )
    except Conflict as error:
        messages.error(request, error.message)
        return redirect(referral)
    if channel in TEXT_CHANNELS:
        response = ShareRedirect(share_url(channel, slip_message(shared)))
    else:
        response = HttpResponse(
            render_slip_pdf(shared, paper=paper), content_type=PDF_TYPE
        )
        disposition = "inline" if channel == Channel.PRINT else "attachment"
        response["Content-Disposition"] = (
            f'{disposition}; filename="{referral.code}-{paper}.pdf"'
        )
    # The slip may carry initials or a first name: kept by no cache, and the page it
    # came from is not told to WhatsApp.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
