"""API over reference data, by code: read by every signed-in user and token;
coordinators add activities to a sector."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .drf import AuthorityFirstMixin, error_responses
from .filters import ProvinceFilter, RegionFilter, SectorFilter
from .idempotency import IdempotentWritesMixin
from .models import Province, Region, Sector, ServiceType
from .permissions import require_coordinator
from .serializers import (
    ActivityCreateSerializer,
    ProvinceSerializer,
    RegionSerializer,
    SectorSerializer,
    ServiceTypeSerializer,
)
from .services import add_activity

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


def _coordinator(user, obj=None) -> None:
    require_coordinator(user)


@_reference_schema("sectors", SectorSerializer)
class SectorViewSet(
    IdempotentWritesMixin, AuthorityFirstMixin, viewsets.ReadOnlyModelViewSet
):
    """Sectors with their cluster codes and service types (activities)."""

    queryset = Sector.objects.prefetch_related(
        Prefetch(
            "service_types", queryset=ServiceType.objects.order_by("position", "code")
        )
    ).order_by("updated_at", "id")
    serializer_class = SectorSerializer
    filterset_class = SectorFilter
    lookup_field = "code"
    lookup_value_regex = CODE_REGEX
    authority = {"activities": _coordinator}

    @extend_schema(
        summary="Add an activity to a sector",
        description="Coordinators. The activity is accepted at once by imports, forms "
        "and the API; a name the sector already has (in any language) is refused.",
        request=ActivityCreateSerializer,
        responses={
            201: ServiceTypeSerializer,
            **error_responses(400, 401, 403, 404, 422, 429),
        },
    )
    @action(detail=True, methods=["post"], url_path="activities")
    def activities(self, request, code=None):
        sector = self.get_object()  # 404, then the coordinator's 403
        serializer = ActivityCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = add_activity(sector, actor=request.user, **serializer.validated_data)
        return Response(
            ServiceTypeSerializer(activity).data, status=status.HTTP_201_CREATED
        )
