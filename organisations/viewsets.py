"""API: the organisation registry and the current user."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import generics, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from coordination.drf import error_responses
from coordination.idempotency import IdempotentWritesMixin
from coordination.permissions import VisibleToUserMixin

from .filters import OrganisationFilter
from .models import ApiToken, Organisation
from .serializers import MeSerializer, OrganisationSerializer
from .services import (
    set_acting_organisation,
    update_organisation,
    update_profile,
    verify_organisation,
)


@extend_schema_view(
    list=extend_schema(
        summary="List organisations",
        description="The shared registry, ordered by `updated_at, id`. Members and "
        "observers see active organisations; coordinators also see deactivated ones.",
        responses={
            200: OrganisationSerializer(many=True),
            **error_responses(400, 401, 429),
        },
    ),
    retrieve=extend_schema(
        summary="One organisation",
        responses={200: OrganisationSerializer, **error_responses(401, 404, 429)},
    ),
    partial_update=extend_schema(
        summary="Edit an organisation's profile",
        description="Its focal point (or a token of the organisation whose owner is "
        "one), or a coordinator. Regions, provinces and sectors by code; provinces "
        "must lie in the organisation's regions.",
        responses={
            200: OrganisationSerializer,
            **error_responses(400, 401, 403, 404, 409, 422, 429),
        },
    ),
)
class OrganisationViewSet(
    IdempotentWritesMixin,
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
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "patch", "post", "head", "options"]

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True  # PATCH only: no PUT
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.instance = update_organisation(
            serializer.instance, actor=self.request.user, data=serializer.validated_data
        )

    @extend_schema(
        summary="Verify an organisation",
        description="Coordinators only; records who verified it and when.",
        request=None,
        responses={
            200: OrganisationSerializer,
            **error_responses(401, 403, 404, 409, 422, 429),
        },
    )
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """Mark the organisation verified (coordinators)."""
        organisation = verify_organisation(self.get_object(), actor=request.user)
        return Response(self.get_serializer(organisation).data)

    @extend_schema(
        summary="Withdraw an organisation's verification",
        description="Coordinators only.",
        request=None,
        responses={
            200: OrganisationSerializer,
            **error_responses(401, 403, 404, 409, 422, 429),
        },
    )
    @action(detail=True, methods=["post"])
    def unverify(self, request, pk=None):
        """Mark the organisation not verified (coordinators)."""
        organisation = verify_organisation(
            self.get_object(), actor=request.user, verified=False
        )
        return Response(self.get_serializer(organisation).data)


@extend_schema_view(
    get=extend_schema(
        summary="The current user",
        responses={200: MeSerializer, **error_responses(401, 429)},
    ),
    patch=extend_schema(
        summary="Change one's name, language or acting organisation",
        responses={200: MeSerializer, **error_responses(400, 401, 409, 422, 429)},
    ),
)
class MeView(IdempotentWritesMixin, generics.RetrieveUpdateAPIView):
    """The current user; PATCH changes name, language and the acting organisation."""

    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return self.request.user

    def perform_update(self, serializer):
        data = serializer.validated_data
        user = self.request.user
        if "acting_organisation" in data:
            organisation = data["acting_organisation"]
            token = self.request.auth
            if isinstance(token, ApiToken) and organisation != token.organisation:
                raise ValidationError(
                    {
                        "organisation": [
                            _("An API token always acts for its own organisation.")
                        ]
                    }
                )
            user = set_acting_organisation(user, organisation=organisation)
        serializer.instance = update_profile(
            user, name=data.get("name"), language=data.get("language")
        )
