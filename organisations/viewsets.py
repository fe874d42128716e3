"""API: the organisation registry and the current user."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coordination.permissions import VisibleToUserMixin

from .filters import OrganisationFilter
from .models import Organisation
from .serializers import MeSerializer, OrganisationSerializer
from .services import (
    set_acting_organisation,
    update_organisation,
    update_profile,
    verify_organisation,
)


class OrganisationViewSet(
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The shared registry; focal points PATCH their own organisation."""

    queryset = Organisation.objects.prefetch_related(
        "regions", "provinces", "sectors"
    ).order_by("updated_at", "id")
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    http_method_names = ["get", "patch", "post", "head", "options"]

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.instance = update_organisation(
            serializer.instance, actor=self.request.user, data=serializer.validated_data
        )

    @extend_schema(
        request=None,
        responses={
            200: OrganisationSerializer,
            403: OpenApiResponse(description="not a coordinator"),
        },
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Mark the organisation verified (coordinators)."""
        organisation = verify_organisation(self.get_object(), actor=request.user)
        return Response(self.get_serializer(organisation).data)


class MeView(generics.RetrieveUpdateAPIView):
    """The current user; PATCH changes name, language and the acting organisation."""

    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        data = serializer.validated_data
        user = self.request.user
        if "acting_organisation" in data:
            user = set_acting_organisation(
                user, organisation=data["acting_organisation"]
            )
        serializer.instance = update_profile(
            user, name=data.get("name"), language=data.get("language")
        )
