"""Beneficiaries, consents and the identity access log (`beneficiaries`), and the
referrals between organisations with their timeline (`referrals`)."""

from __future__ import annotations

from .beneficiaries import (
    AGE_BANDS,
    CODE_ALPHABET,
    CODE_LENGTH,
    DISABILITY_ANSWERS,
    HASH_FIELDS,
    IDENTITY_FIELDS,
    NATIONALITY_CHOICES,
    VULNERABILITY_CHOICES,
    WGSS_DOMAINS,
    WGSS_QUESTIONS,
    Beneficiary,
    BeneficiaryQuerySet,
    Consent,
    ConsentQuerySet,
    IdentityAccessLog,
    WGSSAnswer,
    age_band_of,
    new_code,
)
from .feedback import ReferralFeedback
from .links import ReferralLink
from .referrals import (
    PRIORITY_DELAYS,
    Referral,
    ReferralEvent,
    ReferralQuerySet,
    new_referral_code,
)

__all__ = [
    "AGE_BANDS",
    "CODE_ALPHABET",
    "CODE_LENGTH",
    "DISABILITY_ANSWERS",
    "HASH_FIELDS",
    "IDENTITY_FIELDS",
    "NATIONALITY_CHOICES",
    "PRIORITY_DELAYS",
    "VULNERABILITY_CHOICES",
    "WGSS_DOMAINS",
    "WGSS_QUESTIONS",
    "Beneficiary",
    "BeneficiaryQuerySet",
    "Consent",
    "ConsentQuerySet",
    "IdentityAccessLog",
    "Referral",
    "ReferralEvent",
    "ReferralFeedback",
    "ReferralLink",
    "ReferralQuerySet",
    "WGSSAnswer",
    "age_band_of",
    "new_code",
    "new_referral_code",
]
