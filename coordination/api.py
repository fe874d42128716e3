"""The /api/v1/ router, the OpenAPI schema and its browsable docs (served locally)."""

from __future__ import annotations

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from coordination.viewsets import ProvinceViewSet, RegionViewSet, SectorViewSet
from dashboards.viewsets import (
    EmergencyStatsView,
    FourWStatsView,
    PublicStatsView,
    ReachedStatsView,
    RecommendationStatsView,
    ReferralStatsView,
)
from dialogue.viewsets import CommentViewSet, MeetingViewSet, RecommendationViewSet
from emergencies.viewsets import AlertViewSet, CapacityViewSet, EmergencyViewSet
from interventions.viewsets import InterventionViewSet
from notifications.viewsets import NotificationViewSet, WebhookSubscriptionViewSet
from organisations.api_docs import DocsView, SchemaView, docs_page
from organisations.token_api import ApiTokenViewSet
from organisations.viewsets import (
    MeView,
    OrganisationViewSet,
    PublicServiceViewSet,
    ServiceViewSet,
)
from referrals.viewsets import BeneficiaryViewSet, ConsentViewSet, ReferralViewSet

app_name = "api"

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("provinces", ProvinceViewSet, basename="province")
router.register("sectors", SectorViewSet, basename="sector")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("webhooks", WebhookSubscriptionViewSet, basename="webhook")
router.register("interventions", InterventionViewSet, basename="intervention")
router.register("emergencies", EmergencyViewSet, basename="emergency")
router.register("capacities", CapacityViewSet, basename="capacity")
router.register("alerts", AlertViewSet, basename="alert")
router.register("meetings", MeetingViewSet, basename="meeting")
router.register("recommendations", RecommendationViewSet, basename="recommendation")
router.register("comments", CommentViewSet, basename="comment")
router.register("services", ServiceViewSet, basename="service")
router.register("tokens", ApiTokenViewSet, basename="token")
router.register("public/services", PublicServiceViewSet, basename="public-service")
router.register("beneficiaries", BeneficiaryViewSet, basename="beneficiary")
router.register(
    r"beneficiaries/(?P<beneficiary_code>BNF-[0-9A-Z]{6})/consents",
    ConsentViewSet,
    basename="consent",
)
router.register("referrals", ReferralViewSet, basename="referral")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("stats/4w/", FourWStatsView.as_view(), name="stats-4w"),
    path("stats/reached/", ReachedStatsView.as_view(), name="stats-reached"),
    path("stats/referrals/", ReferralStatsView.as_view(), name="stats-referrals"),
    path("stats/emergencies/", EmergencyStatsView.as_view(), name="stats-emergencies"),
    path(
        "stats/recommendations/",
        RecommendationStatsView.as_view(),
        name="stats-recommendations",
    ),
    path("public/stats/", PublicStatsView.as_view(), name="public-stats"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", docs_page(DocsView.as_view(url_name="api:schema")), name="docs"),
    path("", include(router.urls)),
]
