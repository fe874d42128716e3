"""API: the acting organisation's API tokens for its focal points: read them, renew one
(POST …/renew/) or revoke one (DELETE). Changing tokens needs a focal point signed in
(a session), never a token: a leaked key must not be able to keep itself alive. Tokens
are created on the API tokens page, where the key is shown once (an API answer holding
the key would be kept by Idempotency-Key replays)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response

from coordination.drf import error_responses
from coordination.idempotency import IdempotentWritesMixin
from coordination.permissions import VisibleToUserMixin

from .models import ApiToken
from .services import renew_api_token, revoke_api_token


class ApiTokenSerializer(serializers.ModelSerializer):
    owner = serializers.EmailField(source="user.email", read_only=True)
    is_expired = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "owner",
            "created_at",
            "expires_at",
            "is_expired",
            "last_used_at",
            "revoked_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="The organisation's API tokens (never their keys)",
        responses={200: ApiTokenSerializer(many=True), **error_responses(401, 403)},
    ),
    retrieve=extend_schema(
        summary="One API token",
        responses={200: ApiTokenSerializer, **error_responses(401, 403, 404)},
    ),
    destroy=extend_schema(
        summary="Revoke a token",
        description="Calls with it get 401 at once. Needs a signed-in focal point.",
        responses={
            204: OpenApiResponse(description="Revoked."),
            **error_responses(401, 403, 404),
        },
    ),
)
class ApiTokenViewSet(
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """API tokens of the acting organisation (its focal points)."""

    queryset = ApiToken.objects.select_related("user").order_by("-created_at", "-id")
    serializer_class = ApiTokenSerializer
    lookup_value_regex = r"[0-9]+"
    pagination_class = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.user.is_focal_point:
            raise PermissionDenied(_("Only focal points manage API tokens."))
        if request.method not in SAFE_METHODS and request.auth is not None:
            raise PermissionDenied(
                _(
                    "Renewing or revoking API tokens needs a focal point signed in with "
                    "two-factor authentication, not an API token."
                )
            )

    def perform_destroy(self, instance):
        revoke_api_token(instance, actor=self.request.user)

    @extend_schema(
        summary="Renew a token",
        description="Its expiry moves to API_TOKEN_TTL_DAYS (365 by default) from now; "
        "the key does not change. Needs a signed-in focal point.",
        request=None,
        responses={200: ApiTokenSerializer, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def renew(self, request, pk=None):
        token = renew_api_token(self.get_object(), actor=request.user)
        return Response(ApiTokenSerializer(token).data)
