"""The /api/v1/ router, the OpenAPI schema and its browsable docs (served locally)."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from coordination.viewsets import ProvinceViewSet, RegionViewSet, SectorViewSet
from organisations.viewsets import MeView, OrganisationViewSet

app_name = "api"

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("provinces", ProvinceViewSet, basename="province")
router.register("sectors", SectorViewSet, basename="sector")
router.register("organisations", OrganisationViewSet, basename="organisation")

urlpatterns = [
    path("me/", MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"
    ),
    path("", include(router.urls)),
]
