"""The referrals app's pages: beneficiaries and consents (`beneficiaries`), and the
referral pathway (`referrals`). Identity appears only where `can_see_identity` allows,
and each display is logged."""

from __future__ import annotations

from .beneficiaries import (
    BeneficiaryCreateView,
    BeneficiaryDetailView,
    BeneficiaryListView,
    BeneficiaryUpdateView,
    VitalInterestListView,
    consent_record,
    consent_withdraw,
    erase,
)
from .referrals import (
    PathwayView,
    ReferralDetailView,
    ReferralListView,
    ReferralOutgoingView,
    referral_accept,
    referral_assign,
    referral_cancel,
    referral_complete,
    referral_create,
    referral_decline,
)

__all__ = [
    "BeneficiaryCreateView",
    "BeneficiaryDetailView",
    "BeneficiaryListView",
    "BeneficiaryUpdateView",
    "PathwayView",
    "ReferralDetailView",
    "ReferralListView",
    "ReferralOutgoingView",
    "VitalInterestListView",
    "consent_record",
    "consent_withdraw",
    "erase",
    "referral_accept",
    "referral_assign",
    "referral_cancel",
    "referral_complete",
    "referral_create",
    "referral_decline",
]
