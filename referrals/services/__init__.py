"""Every state change of the referrals app, for pages and API alike:

- `beneficiaries`: registration, edits, erasure and retention, the identity-sight rule
  and the access log;
- `consents`: consent to share an identity with another organisation, and withdrawal;
- `duplicates`: the one duplicate-person matcher;
- the referral pathway: `steps` (what every change of a referral shares), `sending`,
  `answering` (accept, decline, complete, assign, cancel), `deadlines` (reminders
  and escalation) and `follow_up` (was the person served? and their own feedback)."""

from __future__ import annotations

from .answering import (
    accept_referral,
    assign_referral,
    cancel_referral,
    complete_referral,
    decline_referral,
)
from .beneficiaries import (
    FIELDS,
    IDENTITY_SHARED_STATUSES,
    PreconditionFailed,
    can_see_identity,
    erase_expired_identities,
    erase_identity,
    expired_beneficiaries,
    log_identity_access,
    register_beneficiary,
    require_member,
    require_registrar,
    rule_errors,
    update_beneficiary,
)
from .consents import record_consent, withdraw_consent
from .deadlines import REMINDER_LEADS, escalate_overdue_referrals, remind_due_referrals
from .duplicates import duplicates_by_pk, known_to, matching_codes, possible_duplicates
from .follow_up import (
    answer_follow_up,
    ask_due_follow_ups,
    follow_up_delay,
    normalise_referral_code,
    record_person_feedback,
)
from .sending import ConsentTerms, referral_errors, send_referral
from .steps import ReferralPreconditionFailed

__all__ = [
    "FIELDS",
    "IDENTITY_SHARED_STATUSES",
    "REMINDER_LEADS",
    "ConsentTerms",
    "PreconditionFailed",
    "ReferralPreconditionFailed",
    "accept_referral",
    "answer_follow_up",
    "ask_due_follow_ups",
    "assign_referral",
    "can_see_identity",
    "cancel_referral",
    "complete_referral",
    "decline_referral",
    "duplicates_by_pk",
    "erase_expired_identities",
    "erase_identity",
    "escalate_overdue_referrals",
    "expired_beneficiaries",
    "follow_up_delay",
    "known_to",
    "log_identity_access",
    "matching_codes",
    "normalise_referral_code",
    "possible_duplicates",
    "record_consent",
    "record_person_feedback",
    "referral_errors",
    "register_beneficiary",
    "remind_due_referrals",
    "require_member",
    "require_registrar",
    "rule_errors",
    "send_referral",
    "update_beneficiary",
    "withdraw_consent",
]
