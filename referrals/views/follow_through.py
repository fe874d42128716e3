"""Follow-through (issue 16) on the referral page, and the public page where the person
writes about their referral with the code on their slip. The person's words are shown
to the referral's sender and receiver only (the referral page is theirs alone); the
sender's answer "was the person served?" is posted to `follow_up.referral_follow_up`."""

from __future__ import annotations

from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from coordination.throttling import over_page_limit
from referrals import services
from referrals.forms import FollowUpForm, PersonFeedbackForm
from referrals.models import Referral
from referrals.services.follow_up import ANSWERABLE_STATUSES

# Messages one client address may send per window (a shared connection in a centre
# or a phone operator's NAT carries several people: not too tight).
FEEDBACK_LIMIT = 20
FEEDBACK_WINDOW = 3600  # seconds


def follow_through_context(
    referral: Referral, *, is_sender: bool, is_receiver: bool, form=None
) -> dict:
    """What the referral page shows of the follow-through: the sender's form, and the
    person's feedback for the sender and the receiver only."""
    context: dict = {}
    if is_sender and referral.status in ANSWERABLE_STATUSES:
        context["follow_up_form"] = form or FollowUpForm(referral=referral)
    if is_sender or is_receiver:
        context["person_feedback"] = list(referral.person_feedback.all())
    return context


def _rate_limited(request) -> bool:
    """This client address's messages past FEEDBACK_LIMIT in the window (the shared
    page limit: address hashed with a key, a cache error lets the message through)."""
    return over_page_limit(
        request, "referral-feedback", limit=FEEDBACK_LIMIT, window=FEEDBACK_WINDOW
    )


def _public(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def person_feedback(request):
    """No account: the person types the code on their slip and a message. A wrong
    code is answered exactly like a right one (the page tells nobody which codes
    exist); a filled honeypot is thanked and dropped."""
    if request.method == "GET":
        form = PersonFeedbackForm()
        return _public(
            TemplateResponse(request, "public/referral_feedback.html", {"form": form})
        )
    if _rate_limited(request):
        form = PersonFeedbackForm()
        context = {"form": form, "rate_limited": True}
        return _public(
            TemplateResponse(
                request, "public/referral_feedback.html", context, status=429
            )
        )
    form = PersonFeedbackForm(request.POST)
    if not form.is_valid():
        return _public(
            TemplateResponse(
                request, "public/referral_feedback.html", {"form": form}, status=400
            )
        )
    data = form.cleaned_data
    if not data["website"]:  # a robot filled the field people never see
        services.record_person_feedback(
            data["code"],
            kind=data["kind"],
            text=data["text"],
            language=translation.get_language() or "",
        )
    return redirect("referral_feedback:thanks")


@never_cache
def person_feedback_thanks(request):
    return _public(
        TemplateResponse(request, "public/referral_feedback_thanks.html", {})
    )
