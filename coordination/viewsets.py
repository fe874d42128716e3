"""Read-only API over reference data (every signed-in user and token), by code."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from .drf import error_responses
from .filters import ProvinceFilter, RegionFilter, SectorFilter
from .models import Province, Region, Sector, ServiceType
from .serializers import ProvinceSerializer, RegionSerializer, SectorSerializer

# What a reference code may contain (anything else, e.g. a NUL byte, is a 404).
CODE_REGEX = r"[-a-zA-Z0-9_.]+"


def _reference_schema(kind: str, serializer):
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {kind}",
            description="Ordered by `updated_at, id`; `name` is in the active language.",
            responses={200: serializer(many=True), **error_responses(400, 401, 429)},
        ),
        retrieve=extend_schema(
            summary=f"One of the {kind}, by code",
            responses={200: serializer, **error_responses(401, 404, 429)},
        ),
    )


@_reference_schema("regions", RegionSerializer)
class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Regions, by HCP code."""

    queryset = Region.objects.order_by("updated_at", "id")
    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX


@_reference_schema("provinces and prefectures", ProvinceSerializer)
class ProvinceViewSet(viewsets.ReadOnlyModelViewSet):
    """Provinces and prefectures, by HCP code; `?region=<code>` narrows to a region."""

    queryset = Province.objects.select_related("region").order_by("updated_at", "id")
    serializer_class = ProvinceSerializer
    filterset_class = ProvinceFilter
    lookup_field = "code"
    lookup_value_regex = r"[0-9.]+"


@_reference_schema("sectors", SectorSerializer)
class SectorViewSet(viewsets.ReadOnlyModelViewSet):
    """Sectors with their service types."""

    queryset = Sector.objects.prefetch_related(
        Prefetch(
            "service_types", queryset=ServiceType.objects.order_by("position", "code")
        )
    ).order_by("updated_at", "id")
    serializer_class = SectorSerializer
    filterset_class = SectorFilter
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
