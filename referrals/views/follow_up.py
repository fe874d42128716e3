"""The sender's answer at the follow-up date (issue 16): was the person served? Posted
from the referral page; the rules are `services.answer_follow_up`'s."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from referrals import services
from referrals.forms import FollowUpForm

from .referrals import _referral_action


@require_POST
@login_required
def referral_follow_up(request, code):
    """The sender answers "was the person served?" (yes / not yet / no, why)."""
    return _referral_action(
        request,
        code,
        form_class=FollowUpForm,
        form_name="follow_up_form",
        act=services.answer_follow_up,
        done=_(
            "Your answer on %(code)s is recorded: the receiving organisation has "
            "been told."
        ),
    )
