"""Read-only API over reference data (every signed-in user and token)."""

from __future__ import annotations

from django.db.models import Prefetch
from rest_framework import viewsets

from .filters import ProvinceFilter, RegionFilter, SectorFilter
from .models import Province, Region, Sector, ServiceType
from .serializers import ProvinceSerializer, RegionSerializer, SectorSerializer


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions, by HCP code."""

    queryset = Region.objects.order_by("code")
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"


class ProvinceViewSet(viewsets.ReadOnlyModelViewSet):
    """Provinces and prefectures, by HCP code."""

    queryset = Province.objects.select_related("region").order_by("code")
    serializer_class = ProvinceSerializer
    filterset_class = ProvinceFilter
    lookup_field = "code"
    lookup_value_regex = r"[0-9.]+"


class SectorViewSet(viewsets.ReadOnlyModelViewSet):
    """Sectors with their service types."""

    queryset = Sector.objects.prefetch_related(
        Prefetch(
            "service_types", queryset=ServiceType.objects.order_by("position", "code")
        )
    )
    serializer_class = SectorSerializer
    filterset_class = SectorFilter
    lookup_field = "code"
