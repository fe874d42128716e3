"""Beneficiary pages, under /referrals/. Codes only in URLs, never identity."""

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
