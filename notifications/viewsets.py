"""API: the user's inbox (`notifications/`) and an organisation's webhooks (`webhooks/`)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from coordination.cursor import SyncPagination
from coordination.drf import error_responses
from coordination.idempotency import IdempotentWritesMixin
from coordination.permissions import VisibleToUserMixin

from .filters import NotificationFilter, OutboxMessageFilter
from .models import Notification, OutboxMessage, WebhookSubscription
from .serializers import (
    NotificationSerializer,
    WebhookDeliverySerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
)
from .services import (
    create_webhook_subscription,
    deactivate_webhook_subscription,
    mark_all_notifications_read,
    mark_notification_read,
    require_webhook_manager,
    update_webhook_subscription,
)


@extend_schema_view(
    list=extend_schema(
        summary="The user's notifications",
        description="Own notifications only, ordered by `updated_at, id`; `subject` is "
        "rendered in the request's language.",
        responses={200: NotificationSerializer(many=True), **error_responses(400, 401)},
    ),
    retrieve=extend_schema(
        summary="One notification",
        responses={200: NotificationSerializer, **error_responses(401, 404)},
    ),
)
class NotificationViewSet(
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """The in-app inbox of the current user."""

    queryset = Notification.objects.select_related("actor").order_by("updated_at", "id")
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    pagination_class = SyncPagination  # `?sync=1` / `?cursor=` walks
    lookup_value_regex = r"[0-9]+"

    @extend_schema(
        summary="Mark a notification read",
        request=None,
        responses={200: NotificationSerializer, **error_responses(401, 404, 422)},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = mark_notification_read(self.get_object(), actor=request.user)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        summary="Mark every notification read",
        request=None,
        responses={
            200: inline_serializer(
                "ReadAllResponse", {"marked": serializers.IntegerField()}
            ),
            **error_responses(401, 422),
        },
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": mark_all_notifications_read(actor=request.user)})


class FocalPointOnlyMixin:
    """Webhooks are the focal points' business: anyone else signed in gets a 403."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require_webhook_manager(request.user)
        # Creating, changing or deleting a webhook needs a focal point's own session
        # (with MFA where required), never an API token (request.auth is the token).
        if (
            request.method not in ("GET", "HEAD", "OPTIONS")
            and request.auth is not None
        ):
            raise PermissionDenied(
                _(
                    "Managing webhooks needs a focal point signed in with two-factor "
                    "authentication, not an API token."
                )
            )


@extend_schema_view(
    list=extend_schema(
        summary="The organisation's webhook subscriptions",
        responses={
            200: WebhookSubscriptionSerializer(many=True),
            **error_responses(400, 401, 403),
        },
    ),
    retrieve=extend_schema(
        summary="One webhook subscription",
        responses={
            200: WebhookSubscriptionSerializer,
            **error_responses(401, 403, 404),
        },
    ),
    create=extend_schema(
        summary="Subscribe a URL to events",
        description="The answer carries the `secret`, shown this once: deliveries are "
        "signed with HMAC-SHA256 of the raw body in `X-Tansiq-Signature: sha256=<hex>`. "
        "Only public http(s) addresses are accepted.",
        responses={
            201: WebhookSubscriptionCreatedSerializer,
            **error_responses(400, 401, 403, 409, 422),
        },
    ),
    partial_update=extend_schema(
        summary="Change a subscription's URL, events or activity",
        description="Reactivating (`is_active: true`) clears the failure count.",
        responses={
            200: WebhookSubscriptionSerializer,
            **error_responses(400, 401, 403, 404, 409, 422),
        },
    ),
    destroy=extend_schema(
        summary="Deactivate a subscription",
        description="Deliveries stop; the subscription and its log are kept.",
        responses={
            204: OpenApiResponse(description="Deactivated."),
            **error_responses(401, 403, 404),
        },
    ),
)
class WebhookSubscriptionViewSet(
    IdempotentWritesMixin,
    FocalPointOnlyMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Webhook subscriptions of the acting organisation (its focal points)."""

    queryset = WebhookSubscription.objects.order_by("updated_at", "id")
    serializer_class = WebhookSubscriptionSerializer
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        subscription, secret = create_webhook_subscription(
            actor=request.user,
            organisation=request.user.acting_organisation,
            url=serializer.validated_data["url"],
            events=serializer.validated_data["events"],
        )
        subscription.secret = secret
        body = WebhookSubscriptionCreatedSerializer(subscription).data
        return Response(
            body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"}
        )

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True  # PATCH only
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        data = serializer.validated_data
        serializer.instance = update_webhook_subscription(
            serializer.instance,
            actor=self.request.user,
            url=data.get("url"),
            events=data.get("events"),
            is_active=data.get("is_active"),
        )

    def perform_destroy(self, instance):
        deactivate_webhook_subscription(instance, actor=self.request.user)

    @extend_schema(
        summary="A subscription's delivery log",
        description="Newest first: status code, duration, attempts and last error of "
        "each delivery.",
        responses={
            200: WebhookDeliverySerializer(many=True),
            **error_responses(401, 403, 404),
        },
        filters=False,
    )
    @action(detail=True, methods=["get"])
    def deliveries(self, request, pk=None):
        subscription = self.get_object()
        filterset = OutboxMessageFilter(
            request.query_params,
            queryset=OutboxMessage.objects.filter(subscription=subscription).order_by(
                "-created_at", "-id"
            ),
        )
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        page = self.paginate_queryset(filterset.qs)
        return self.get_paginated_response(
            WebhookDeliverySerializer(page, many=True).data
        )


__all__ = ["NotificationViewSet", "WebhookSubscriptionViewSet"]
