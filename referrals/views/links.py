"""The public confirmation page of a referral slip (issue 16, PRODUCT.md "Receiving
service off the platform"): no account, reached by the link or QR code on the slip. It
shows only what the slip shows and takes the receiving service's answer.

Every request counts against the address's budget first (wrong tokens too: guessing is
rate-limited), then the token is matched by its hash. A wrong, expired or closed token
is the site's ordinary 404 page. The path holds the token: logs and error reports blank
it (coordination/observability.py), and so does the audit trail's context here."""

from __future__ import annotations

from functools import wraps

import pghistory
from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from coordination.exceptions import Conflict
from coordination.forms import service_errors
from coordination.observability import redact_path
from coordination.throttling import over_page_limit
from coordination.views import page_not_found
from referrals.services import ReferralPreconditionFailed
from referrals.services import links as link_services

RATE_SCOPE = "referral-link"


class LinkAnswerForm(forms.Form):
    """One of the three answers; the service says which text each one needs."""

    action = forms.ChoiceField(
        choices=[(action, action) for action in link_services.ACTIONS],
        widget=forms.HiddenInput,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label=gettext_lazy("Why can you not serve the person?"),
        help_text=gettext_lazy("The referring organisation reads it."),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )
    outcome = forms.CharField(
        label=gettext_lazy("What was done for the person?"),
        help_text=gettext_lazy("The outcome, for the referring organisation."),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
    )

    def answer_text(self) -> str:
        data = self.cleaned_data
        if data["action"] == link_services.CANNOT_SERVE:
            return data.get("reason") or ""
        return data.get("outcome") or ""


def _public(view):
    """Never cached or indexed, the audit trail's URL blanked, and the address's
    budget counted before anything."""

    @wraps(view)
    def wrapped(request, token: str):
        pghistory.context(url=redact_path(request.path))
        if over_page_limit(
            request,
            RATE_SCOPE,
            limit=settings.REFERRAL_LINK_RATE_LIMIT,
            window=settings.REFERRAL_LINK_RATE_WINDOW,
        ):
            response = TemplateResponse(
                request, "referrals/link_too_many.html", status=429
            )
            response["Retry-After"] = str(settings.REFERRAL_LINK_RATE_WINDOW)
        else:
            link = link_services.find_link(token)
            response = page_not_found(request) if link is None else view(request, link)
        response["X-Robots-Tag"] = "noindex, nofollow"
        # The site's "same-origin" referrer policy keeps the token from other sites
        # ("no-referrer" would make browsers send `Origin: null`, failing CSRF).
        return response

    return never_cache(wrapped)


def _page(request, link, form: LinkAnswerForm | None = None, status: int = 200):
    referral = link.referral
    context = {
        "referral": referral,
        "identity": link_services.slip_identity(referral),
        "actions": link_services.actions_open(referral),
        "form": form or LinkAnswerForm(),
    }
    return TemplateResponse(
        request, "referrals/link_confirm.html", context, status=status
    )


@require_http_methods(["GET", "POST"])
@_public
def confirm(request, link):
    """The slip's page: what the slip shows, and the answers still open."""
    if request.method != "POST":
        link_services.mark_opened(link)
        return _page(request, link)
    form = LinkAnswerForm(request.POST)
    if form.is_valid():
        with service_errors(form):
            try:
                referral = link_services.answer_through_link(
                    link,
                    action=form.cleaned_data["action"],
                    text=form.answer_text(),
                    version=form.cleaned_data["version"],
                )
            except link_services.LinkClosed:
                return page_not_found(request)
            except ReferralPreconditionFailed as error:
                messages.error(request, error.message)
                return redirect(request.path)
            except Conflict:
                if not link_services.still_usable(link):
                    return page_not_found(request)
                messages.error(
                    request,
                    _("The referral was answered meanwhile. Nothing was changed."),
                )
                return redirect(request.path)
            if referral.status in referral.CLOSED_STATUSES:
                return TemplateResponse(
                    request, "referrals/link_done.html", {"referral": referral}
                )
            messages.success(
                request,
                _("Thank you: the referring organisation has been told."),
            )
            return redirect(request.path)
    return _page(request, link, form=form, status=400)
