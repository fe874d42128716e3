"""The confirmation link of a referral slip (issue 16, PRODUCT.md "Beyond the
platform"): a receiving service without an account answers the referral through it.

The token is HMAC-SHA256(REFERRAL_LINK_KEY, "<referral id>:<nonce>"), base64url (43
characters). The nonce is random and kept in `ReferralLink`; the key is not in the
database. So the server can derive the same token again for a reprinted slip (the link
is stable), while a copy of the database alone cannot: the table keeps only the
SHA-256 of the token, which is how a visit is matched.

Validity (`link_expires_at`): a pending referral's link works until its answer deadline
plus REFERRAL_LINK_GRACE_DAYS (default 7); once accepted, until the final answer (served
or cannot serve), at most REFERRAL_LINK_ACCEPTED_DAYS (default 60) plus the grace after
the acceptance (or the follow-up date plus the grace, when later). A declined, completed or cancelled referral's link never works again.
Rotating REFERRAL_LINK_KEY (or SECRET_KEY when that key is not set) changes every token:
slips already printed stop working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict
from referrals.crypto import is_unavailable
from referrals.models import Consent, Referral, ReferralLink

from .answering import Answerer, accept_locked, complete_locked, decline_locked
from .slip import minimum_identity, slip_identity_level
from .steps import check_version, lock

KEY_SALT = "tansiq.referrals.confirmation-link"


class LinkClosed(Exception):
    """The link no longer works (answered, expired, or the referral is closed): the
    page answers 404, like a token that never existed."""


def _key() -> bytes:
    key = getattr(settings, "REFERRAL_LINK_KEY", "")
    if key:
        return key.encode()
    # No dedicated key: one derived from SECRET_KEY (never SECRET_KEY itself).
    return salted_hmac(KEY_SALT, "key", algorithm="sha256").digest()


def grace() -> timedelta:
    return timedelta(days=getattr(settings, "REFERRAL_LINK_GRACE_DAYS", 7))


def accepted_bound() -> timedelta:
    return timedelta(days=getattr(settings, "REFERRAL_LINK_ACCEPTED_DAYS", 60))


def token_for(link: ReferralLink) -> str:
    """The link's token, derived again from the server key (never stored)."""
    message = f"{link.referral_id}:{link.nonce}".encode()
    digest = hmac.new(_key(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_expires_at(referral: Referral) -> datetime:
    """Until when the link of this referral works (see the module's docstring)."""
    if referral.status == Referral.Status.ACCEPTED:
        accepted = referral.responded_at or referral.due_at
        bound = accepted + accepted_bound()
        follow_up = getattr(referral, "follow_up_at", None)
        if follow_up is not None:
            bound = max(bound, follow_up)
        return max(referral.due_at, bound) + grace()
    return referral.due_at + grace()


def issue_link(referral: Referral) -> ReferralLink:
    """The referral's link, created the first time (concurrent first calls share one)."""
    link = ReferralLink.objects.filter(referral=referral).first()
    if link is not None:
        return link
    with transaction.atomic():
        # Lock the referral so two first calls create one link, not one each.
        Referral.objects.select_for_update(of=("self",)).filter(pk=referral.pk).get()
        link = ReferralLink.objects.filter(referral=referral).first()
        if link is not None:
            return link
        link = ReferralLink(referral=referral, expires_at=link_expires_at(referral))
        link.token_hash = hash_token(token_for(link))
        link.save()
    return link


def confirmation_url(referral: Referral) -> str:
    """The absolute URL of the referral's one-time confirmation page (the same on every
    call, so a reprinted slip carries the same link and QR code)."""
    token = token_for(issue_link(referral))
    return settings.SITE_URL.rstrip("/") + reverse("links:confirm", args=[token])


def is_usable(
    link: ReferralLink, referral: Referral, now: datetime | None = None
) -> bool:
    """Whether the link may still be opened and answered through."""
    now = now or timezone.now()
    return (
        link.closed_at is None
        and referral.status in Referral.OPEN_STATUSES
        and now < link_expires_at(referral)
    )


def find_link(token: str, now: datetime | None = None) -> ReferralLink | None:
    """The usable link of this token (matched by its hash), or None: a wrong, closed or
    expired token gives nothing, and the caller answers 404 without saying which."""
    if not token or len(token) > 64:
        return None
    link = (
        ReferralLink.objects.select_related(
            "referral__from_organisation",
            "referral__to_organisation",
            "referral__service",
            "referral__consent",
            "referral__beneficiary",
        )
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None or not is_usable(link, link.referral, now):
        return None
    return link


# What the receiving service may answer through the link (the same transitions as a
# member's answer: `answering.accept_locked`, `decline_locked`, `complete_locked`).
RECEIVED, CANNOT_SERVE, SERVED = "received", "cannot_serve", "served"
ACTIONS = (RECEIVED, CANNOT_SERVE, SERVED)


def actions_open(referral: Referral) -> tuple[str, ...]:
    """The answers the page offers for the referral's status."""
    if referral.status == Referral.Status.PENDING:
        return ACTIONS
    if referral.status == Referral.Status.ACCEPTED:
        return (SERVED,)
    return ()


def still_usable(link: ReferralLink) -> bool:
    """Whether the link works now (read again: someone may have answered meanwhile)."""
    fresh = ReferralLink.objects.select_related("referral").filter(pk=link.pk).first()
    return fresh is not None and is_usable(fresh, fresh.referral)


def mark_opened(link: ReferralLink, now: datetime | None = None) -> None:
    """The first visit is kept (the referral page says the link was opened)."""
    if link.first_opened_at is None:
        link.first_opened_at = now or timezone.now()
        ReferralLink.objects.filter(pk=link.pk, first_opened_at__isnull=True).update(
            first_opened_at=link.first_opened_at
        )


@transaction.atomic
def answer_through_link(
    link: ReferralLink,
    *,
    action: str,
    text: str = "",
    version: int | None = None,
) -> Referral:
    """The receiving service answers through the slip's link: "received the person"
    (accept), "cannot serve, because…" (decline), "served, outcome…" (complete; from
    pending it accepts, then completes: both steps on the timeline). No actor; the
    events say `via_link`. The final answer closes the link.

    Raises LinkClosed when the link no longer works (closed, expired, referral closed),
    Conflict when the answer does not fit the referral's status (someone answered
    first), ValidationError for an empty reason or outcome, and the precondition
    failure when `version` is not the current one."""
    referral = lock(link.referral)
    link = ReferralLink.objects.select_for_update().get(pk=link.pk)
    now = timezone.now()
    if not is_usable(link, referral, now):
        raise LinkClosed
    check_version(referral, version)
    by = Answerer.through_link(referral)
    if action == RECEIVED:
        accept_locked(referral, by)
    elif action == CANNOT_SERVE:
        decline_locked(referral, by, reason=text)
    elif action == SERVED:
        if referral.status == Referral.Status.PENDING and (text or "").strip():
            accept_locked(referral, by)
        complete_locked(referral, by, outcome=text)
    else:
        raise Conflict(_("This answer is not possible."))
    link.used_at = now
    fields = ["used_at"]
    if referral.status in Referral.CLOSED_STATUSES:
        link.closed_at = now
        fields.append("closed_at")
    link.expires_at = link_expires_at(referral)
    link.save(update_fields=[*fields, "expires_at"])
    return referral


def link_status(referral: Referral) -> dict[str, object]:
    """What the referral page says about the link: issued, opened, answered through."""
    link = ReferralLink.objects.filter(referral=referral).first()
    if link is None:
        return {"issued": False}
    return {
        "issued": True,
        "issued_at": link.created_at,
        "opened_at": link.first_opened_at,
        "used_at": link.used_at,
        "closed": link.closed_at is not None or not referral.is_open,
    }


def slip_identity(referral: Referral) -> str:
    """The most of the person's identity the slip (and so this page) may show: the
    slip's own rule (`slip.slip_identity_level`, `slip.minimum_identity`: nothing
    unless consented, initials or the first name at most, nothing after withdrawal or
    under vital interest). No viewer account, so no access log: this is what the
    person agreed to carry on paper."""
    level = slip_identity_level(referral)
    if level == Consent.SlipIdentity.NONE:
        return ""
    name = referral.beneficiary.full_name
    if not name or is_unavailable(name):
        return ""
    return minimum_identity(str(name), level)
