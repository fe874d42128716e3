"""Beneficiary and referral pages, under /referrals/. Codes only in URLs, never identity."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "referrals"

urlpatterns = [
    path("beneficiaries/", views.BeneficiaryListView.as_view(), name="list"),
    path(
        "vital-interest/", views.VitalInterestListView.as_view(), name="vital_interest"
    ),
    path("beneficiaries/new/", views.BeneficiaryCreateView.as_view(), name="create"),
    path(
        "beneficiaries/<str:code>/",
        views.BeneficiaryDetailView.as_view(),
        name="detail",
    ),
    path(
        "beneficiaries/<str:code>/edit/",
        views.BeneficiaryUpdateView.as_view(),
        name="edit",
    ),
    path("beneficiaries/<str:code>/erase/", views.erase, name="erase"),
    path(
        "beneficiaries/<str:code>/consents/",
        views.consent_record,
        name="consent_record",
    ),
    path(
        "beneficiaries/<str:code>/consents/<int:pk>/withdraw/",
        views.consent_withdraw,
        name="consent_withdraw",
    ),
]

urlpatterns += [
    path("incoming/", views.ReferralListView.as_view(), name="referral_inbox"),
    path("outgoing/", views.ReferralOutgoingView.as_view(), name="referral_outgoing"),
    path("pathway/", views.PathwayView.as_view(), name="pathway"),
    path(
        "beneficiaries/<str:code>/refer/",
        views.referral_create,
        name="referral_create",
    ),
    path("r/<str:code>/", views.ReferralDetailView.as_view(), name="referral_detail"),
    path("r/<str:code>/accept/", views.referral_accept, name="referral_accept"),
    path("r/<str:code>/decline/", views.referral_decline, name="referral_decline"),
    path("r/<str:code>/complete/", views.referral_complete, name="referral_complete"),
    path("r/<str:code>/assign/", views.referral_assign, name="referral_assign"),
    path("r/<str:code>/cancel/", views.referral_cancel, name="referral_cancel"),
    path(
        "r/<str:code>/follow-up/", views.referral_follow_up, name="referral_follow_up"
    ),
    # The slip: pdf, print, whatsapp or sms (views/slips.py).
    path("r/<str:code>/slip/<str:channel>/", views.slip, name="referral_slip"),
]

# The slip's one-time confirmation page, public and short (QR code): /l/<token>/.
link_urlpatterns = [
    path("<str:token>/", views.link_confirm, name="confirm"),
]

# The referred person's feedback with the code on their slip (public, no account):
# /public/referral-feedback/.
feedback_urlpatterns = [
    path("", views.person_feedback, name="form"),
    path("thanks/", views.person_feedback_thanks, name="thanks"),
]
