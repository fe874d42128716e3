"""The referral slip (issue 16, PRODUCT.md "Beyond the platform"): the page the person
carries to a service that may have no account, as a PDF (A4 or a narrow phone format)
and as a short text for WhatsApp or SMS, in the person's language and the receiver's.

What a slip may say about the person is decided here, once, for the PDF, the texts and
the share links alike (`slip_identity`): nothing unless the consent says so (`Consent.
slip_identity`), initials or the first name at most, never under vital interest (nobody
agreed to anything) nor after withdrawal; and only for a viewer who may see the identity
at all (`can_see_identity`), each reading logged like any display of the identity.

Sharing is written in the referral's timeline (`share_slip`: kind SHARED, the channel,
who, when; never the text). The sending organisation may do it all; the receiving one
may print or download the slip, not send it by WhatsApp or SMS."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.utils import dateformat, timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from coordination.exceptions import Conflict, PermissionDenied
from referrals.crypto import is_unavailable
from referrals.models import Consent, Referral, ReferralEvent

from .beneficiaries import can_see_identity, log_identity_access
from .steps import require_sender, write_event

if TYPE_CHECKING:
    from organisations.models import User

Channel = ReferralEvent.Channel

PAPERS = ("a4", "phone")
# Channels the receiving organisation may use too (it hands the person a paper copy);
# texts leave the platform for the sender only.
PAPER_CHANNELS = (Channel.PDF, Channel.PRINT)
TEXT_CHANNELS = (Channel.WHATSAPP, Channel.SMS)
TEXT_LIMIT = 320  # characters per language, link included
# Darija is rarely written: its speakers read Arabic script.
LANGUAGE_ALIASES = {"ary": "ar"}
# Free texts an organisation wrote, cut so that the slip stays one page.
CUT = {"name": 120, "address": 200, "hours": 160, "documents": 300, "contact": 120}


@dataclass(frozen=True)
class Slip:
    """Everything a slip shows, already cut to size; `person` is the minimum identity
    the consent allows ("" when none)."""

    referral: Referral
    languages: tuple[str, ...]
    person: str
    service_name: str
    organisation_name: str
    address: str
    hours: str
    phone: str
    email: str
    contact_person: str
    documents: str
    sender_name: str
    sender_phone: str
    sender_email: str
    link: str

    @property
    def code(self) -> str:
        return self.referral.code


# ---------------------------------------------------------------- languages


def slip_language_codes() -> tuple[str, ...]:
    """The interface languages (one setting): the ones a slip can be written in."""
    return tuple(code for code, _name in settings.LANGUAGES)


def _first_slip_language(codes) -> str:
    allowed = slip_language_codes()
    for code in codes or ():
        code = LANGUAGE_ALIASES.get(code, code)
        if code in allowed:
            return code
    return ""


def person_language(referral: Referral) -> str:
    """The first of the person's languages a slip can be written in, else the language
    of the caseworker who sent the referral."""
    return (
        _first_slip_language(referral.beneficiary.languages)
        or _first_slip_language([referral.created_by.language])
        or settings.LANGUAGE_CODE
    )


def receiver_language(referral: Referral) -> str:
    """The receiving organisation's first working language a slip can be written in,
    else its service's, else the platform's default."""
    service_languages = referral.service.languages if referral.service_id else []
    return (
        _first_slip_language(referral.to_organisation.languages)
        or _first_slip_language(service_languages)
        or settings.LANGUAGE_CODE
    )


def slip_languages(referral: Referral) -> tuple[str, ...]:
    """The person's language first, then the receiver's when it differs."""
    person, receiver = person_language(referral), receiver_language(referral)
    return (person,) if person == receiver else (person, receiver)


# ---------------------------------------------------------------- identity


def slip_identity_level(referral: Referral) -> str:
    """How much identity the slip may carry under the referral's consent."""
    consent = referral.consent
    if (
        consent.withdrawn_at is not None
        or consent.legal_basis != Consent.LegalBasis.CONSENT
        or referral.beneficiary.identity_erased
    ):
        return Consent.SlipIdentity.NONE
    return consent.slip_identity


def _initial(word: str) -> str:
    letter = next((c for c in word if c.isalpha()), "")
    return f"{letter.upper()}." if letter else ""


def minimum_identity(full_name: str, level: str) -> str:
    """Initials of the given and family names ("A. D."), or the first name only."""
    words = (full_name or "").split()
    if not words or level == Consent.SlipIdentity.NONE:
        return ""
    if level == Consent.SlipIdentity.FIRST_NAME:
        return words[0]
    if level == Consent.SlipIdentity.INITIALS:
        chosen = words[:1] if len(words) == 1 else [words[0], words[-1]]
        return " ".join(i for i in map(_initial, chosen) if i)
    return ""


def slip_identity(referral: Referral, *, actor: User, purpose: str) -> str:
    """The identity the slip shows for this viewer: the consent's minimum, only if the
    viewer may see the identity at all; reading it is logged (route, no value)."""
    level = slip_identity_level(referral)
    beneficiary = referral.beneficiary
    if level == Consent.SlipIdentity.NONE or not can_see_identity(actor, beneficiary):
        return ""
    full_name = beneficiary.full_name
    if not full_name or is_unavailable(full_name):
        return ""
    log_identity_access(beneficiary, actor=actor, purpose=purpose)
    return minimum_identity(full_name, level)


# ---------------------------------------------------------------- content


def confirmation_link(referral: Referral) -> str:
    """The receiving service's confirmation URL (the same for every reprint), or ""
    while that feature is not installed (the QR code then carries the code)."""
    try:
        from referrals.services.links import confirmation_url
    except ImportError:  # pragma: no cover - the links module ships with issue 16
        return ""
    return confirmation_url(referral)


def _cut(text: str, key: str) -> str:
    return Truncator(" ".join((text or "").split())).chars(CUT[key])


def build_slip(referral: Referral, *, actor: User, purpose: str) -> Slip:
    """The slip of a referral as `actor` may see it (identity logged when shown)."""
    service = referral.service if referral.service_id else None
    organisation = referral.to_organisation
    sender = referral.from_organisation

    def pick(field: str) -> str:
        # The service's own detail first, then its organisation's (contact person
        # and opening hours of organisations off the platform, issue 16).
        own = getattr(service, field, "") if service is not None else ""
        return own or getattr(organisation, field, "") or ""

    return Slip(
        referral=referral,
        languages=slip_languages(referral),
        person=slip_identity(referral, actor=actor, purpose=purpose),
        service_name=_cut(service.name if service else organisation.name, "name"),
        organisation_name=_cut(organisation.name, "name") if service else "",
        address=_cut(pick("address"), "address"),
        hours=_cut(pick("opening_hours"), "hours"),
        phone=pick("phone"),
        email=getattr(organisation, "email", "") or "",
        contact_person=_cut(getattr(organisation, "contact_person", ""), "contact"),
        documents=_cut(service.documents_needed if service else "", "documents"),
        sender_name=_cut(sender.name, "name"),
        sender_phone=sender.phone,
        sender_email=sender.email,
        link=confirmation_link(referral),
    )


def written_date(when: date, language: str) -> str:
    """Day first, month in words (PRODUCT.md "Languages"), in `language`."""
    with translation.override(language):
        return dateformat.format(when, "j F Y")


def sent_on(referral: Referral) -> date:
    return timezone.localtime(referral.sent_at).date()


# ---------------------------------------------------------------- short texts


def _value(text: str) -> str:
    # "A. D." or an address ending with a full stop: no ".." in the sentence.
    return text.rstrip(". ")


def _text_parts(slip: Slip, language: str) -> list[str]:
    """The sentences of the short text in `language`, most important first."""
    referral = slip.referral
    with translation.override(language):
        service = slip.service_name
        if slip.organisation_name:
            service = f"{service} ({slip.organisation_name})"
        parts = [
            _("Referral %(code)s to %(service)s.")
            % {"code": slip.code, "service": service},
            _("For: %(person)s.") % {"person": _value(slip.person)}
            if slip.person
            else "",
            _("Address: %(address)s.") % {"address": _value(slip.address)}
            if slip.address
            else "",
            _("Phone: %(phone)s.") % {"phone": slip.phone} if slip.phone else "",
            _("Hours: %(hours)s.") % {"hours": _value(slip.hours)}
            if slip.hours
            else "",
            _("Priority: %(priority)s, %(date)s.")
            % {
                "priority": referral.get_priority_display(),
                "date": written_date(sent_on(referral), language),
            },
            _("Bring: %(documents)s.") % {"documents": _value(slip.documents)}
            if slip.documents
            else "",
            _("Show this message at the service."),
        ]
    return [part for part in parts if part]


def _body(slip: Slip, language: str, budget: int) -> str:
    """The sentences that fit in `budget` characters, in order (the first is cut to
    fit if it must: the code and the service are never dropped)."""
    parts = _text_parts(slip, language)
    body = Truncator(parts[0]).chars(budget)
    for part in parts[1:]:
        if len(body) + 1 + len(part) <= budget:
            body = f"{body} {part}"
    return body


def slip_texts(slip: Slip) -> dict[str, str]:
    """The short text in each of the slip's languages, each at most 320 characters
    with the confirmation link (or the code alone when there is no link)."""
    link = slip.link
    budget = TEXT_LIMIT - (len(link) + 1 if link else 0)
    return {
        language: _body(slip, language, budget) + (f"\n{link}" if link else "")
        for language in slip.languages
    }


def slip_message(slip: Slip) -> str:
    """The one message shared by WhatsApp or SMS: each language's text, the link once
    at the end."""
    link = slip.link
    budget = TEXT_LIMIT - (len(link) + 1 if link else 0)
    bodies = [_body(slip, language, budget) for language in slip.languages]
    return "\n\n".join(bodies) + (f"\n{link}" if link else "")


def share_url(channel: str, message: str) -> str:
    """The click-to-chat (no number: the caseworker picks the contact) or SMS URL."""
    text = quote(message, safe="")
    if channel == Channel.WHATSAPP:
        return f"https://wa.me/?text={text}"
    if channel == Channel.SMS:
        # "?&body=" is read by Android and iOS alike.
        return f"sms:?&body={text}"
    raise ValueError(channel)


# ---------------------------------------------------------------- sharing


def require_slip_channel(actor: User, referral: Referral, channel: str) -> None:
    """Who may produce the slip through which channel, and when: the sender always,
    the receiver on paper only; only while the referral is open."""
    if channel not in Channel.values:
        raise ValueError(channel)
    if channel in TEXT_CHANNELS:
        require_sender(actor, referral)
    else:
        acting = actor.acting_organisation
        if (
            acting is None
            or actor.acting_membership is None
            or acting.pk
            not in (referral.from_organisation_id, referral.to_organisation_id)
        ):
            raise PermissionDenied(
                _("Only the organisations of the referral may produce its slip.")
            )
    if not referral.is_open:
        raise Conflict(
            _("This referral is closed: there is no slip to give the person any more.")
        )


@transaction.atomic
def share_slip(referral: Referral, *, actor: User, channel: str, purpose: str) -> Slip:
    """Check who shares how, build the slip for `actor` and write the timeline event
    (the channel, never the text)."""
    require_slip_channel(actor, referral, channel)
    slip = build_slip(referral, actor=actor, purpose=purpose)
    write_event(referral, ReferralEvent.Kind.SHARED, actor=actor, channel=channel)
    return slip
