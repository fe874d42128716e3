"""The referrals app's pages: beneficiaries and consents (`beneficiaries`), the
referrals (`referrals`) and the coordinators' pathway (`pathway`). Identity appears
only where `can_see_identity` allows, and each display is logged."""

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
from .follow_through import person_feedback, person_feedback_thanks
from .follow_up import referral_follow_up
from .links import confirm as link_confirm
from .pathway import PathwayView
from .referrals import (
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
from .slips import slip

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
    "link_confirm",
    "person_feedback",
    "person_feedback_thanks",
    "referral_accept",
    "referral_assign",
    "referral_cancel",
    "referral_complete",
    "referral_create",
    "referral_decline",
    "referral_follow_up",
    "slip",
]
