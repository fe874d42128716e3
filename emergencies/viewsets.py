"""API: emergencies (with nested needs), declared capacities and alerts. Viewsets handle
HTTP; emergencies.services decides."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coordination.cursor import SyncPagination
from coordination.drf import AuthorityFirstMixin, error_responses
from coordination.exceptions import PermissionDenied
from coordination.idempotency import IdempotentWritesMixin
from coordination.permissions import VisibleToUserMixin, require_coordinator

from . import services
from .filters import AlertFilter, CapacityFilter, EmergencyFilter
from .models import Alert, AlertRecipient, Capacity, Emergency, Need
from .serializers import (
    AlertAnswerSerializer,
    AlertPreviewSerializer,
    AlertRecipientStatusSerializer,
    AlertSerializer,
    CapacitySerializer,
    EmergencySerializer,
    NeedSerializer,
)

READ_ERRORS = error_responses(400, 401, 429)
WRITE_ERRORS = error_responses(400, 401, 403, 404, 409, 422, 429)

NEEDS = Need.objects.select_related("sector", "service_type", "region", "province")


def _coordinator(user, obj=None) -> None:
    require_coordinator(user)


def _capacity_changer(user, capacity: Capacity) -> None:
    services.require_can_change_capacity(capacity, actor=user)


@extend_schema_view(
    list=extend_schema(
        summary="List emergencies",
        description="Every signed-in user and token; ordered by `updated_at, id`, with "
        "their needs.",
        responses={200: EmergencySerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One emergency",
        responses={200: EmergencySerializer, **error_responses(401, 404, 429)},
    ),
    create=extend_schema(
        summary="Declare an emergency",
        description="Coordinators. Regions and provinces by code; provinces must lie in "
        "the regions; `ended_on` cannot be before `started_on`.",
        responses={201: EmergencySerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Edit an emergency",
        description="Coordinators. Setting `status` to `closed` ends it today unless "
        "`ended_on` is given.",
        responses={200: EmergencySerializer, **WRITE_ERRORS},
    ),
)
class EmergencyViewSet(
    AuthorityFirstMixin,
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Emergencies, shared with everyone signed in; coordinators declare and edit them."""

    queryset = Emergency.objects.prefetch_related(
        "regions", "provinces", Prefetch("needs", queryset=NEEDS)
    ).order_by("updated_at", "id")
    serializer_class = EmergencySerializer
    filterset_class = EmergencyFilter
    pagination_class = SyncPagination  # `?sync=1` / `?cursor=` walks
    authority = {
        "create": _coordinator,
        "partial_update": _coordinator,
        "needs": _coordinator,
        "need": _coordinator,
    }
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True  # PATCH only: no PUT
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.create_emergency(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_emergency(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def _reloaded(self, pk: int) -> Emergency:
        return self.queryset.get(pk=pk)

    @extend_schema(
        methods=["get"],
        summary="An emergency's needs",
        responses={200: NeedSerializer(many=True), **error_responses(401, 404, 429)},
    )
    @extend_schema(
        methods=["post"],
        summary="Add a need",
        description="Coordinators. The region must be one of the emergency's; the "
        "province in the region; the service type in the sector.",
        request=NeedSerializer,
        responses={201: NeedSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=NeedSerializer,
        filterset_class=None,
        pagination_class=None,
    )
    def needs(self, request, pk=None):
        emergency = self.get_object()
        if request.method == "GET":
            needs = NEEDS.filter(emergency=emergency)
            return Response(NeedSerializer(needs, many=True).data)
        body = NeedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        need = services.add_need(emergency, actor=request.user, **body.validated_data)
        return Response(NeedSerializer(need).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["patch"],
        summary="Change a need",
        description="Coordinators.",
        request=NeedSerializer,
        responses={200: NeedSerializer, **WRITE_ERRORS},
    )
    @extend_schema(
        methods=["delete"],
        summary="Remove a need",
        description="Coordinators.",
        request=None,
        responses={204: None, **error_responses(401, 403, 404, 429)},
    )
    @action(
        detail=True,
        methods=["patch", "delete"],
        url_path=r"needs/(?P<need_id>[0-9]+)",
        url_name="need",
        serializer_class=NeedSerializer,
        filterset_class=None,
    )
    def need(self, request, pk=None, need_id=None):
        emergency = self.get_object()
        need = get_object_or_404(NEEDS, emergency=emergency, pk=need_id)
        if request.method == "DELETE":
            services.remove_need(need, actor=request.user)
            return Response(status=status.HTTP_204_NO_CONTENT)
        body = NeedSerializer(need, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        need = services.update_need(need, actor=request.user, **body.validated_data)
        return Response(NeedSerializer(need).data)


@extend_schema_view(
    list=extend_schema(
        summary="List declared capacities",
        description="Every signed-in user and token; ordered by `updated_at, id`.",
        responses={200: CapacitySerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One declared capacity",
        responses={200: CapacitySerializer, **error_responses(401, 404, 429)},
    ),
    create=extend_schema(
        summary="Declare a capacity",
        description="For the organisation the caller acts for (its members, or its "
        "token). Sector, service type, region and province by code.",
        responses={201: CapacitySerializer, **WRITE_ERRORS},
    ),
    partial_update=extend_schema(
        summary="Update a capacity",
        description="Members of the organisation that declared it.",
        responses={200: CapacitySerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(
        summary="Withdraw a capacity",
        description="Members of the organisation that declared it.",
        responses={204: None, **error_responses(401, 403, 404, 429)},
    ),
)
class CapacityViewSet(
    AuthorityFirstMixin,
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """What organisations declare they can mobilise; each changes only its own."""

    queryset = Capacity.objects.select_related(
        "sector", "service_type", "region", "province"
    ).order_by("updated_at", "id")
    serializer_class = CapacitySerializer
    filterset_class = CapacityFilter
    authority = {
        "create": services.require_can_declare_capacity,
        "partial_update": _capacity_changer,
        "destroy": _capacity_changer,
    }
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True
        return super().update(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = services.declare_capacity(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.update_capacity(
            serializer.instance, actor=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.withdraw_capacity(instance, actor=self.request.user)


@extend_schema_view(
    list=extend_schema(
        summary="List alerts",
        description="Alerts sent to the organisation the caller acts for (coordinators: "
        "all), with `my_answer`; ordered by `updated_at, id`.",
        responses={200: AlertSerializer(many=True), **READ_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One alert",
        responses={200: AlertSerializer, **error_responses(401, 404, 429)},
    ),
    create=extend_schema(
        summary="Send an alert",
        description="Coordinators. Without `recipients`, the alert goes to the active, "
        "verified organisations working in its places (by default the emergency's) "
        "and sectors; every member is notified in-app and by e-mail, and subscribed "
        "webhooks receive `alert.created`. With `preview: true`, nothing is sent: the "
        "answer (200) lists the organisations it would reach.",
        responses={
            201: AlertSerializer,
            200: AlertPreviewSerializer,
            **WRITE_ERRORS,
        },
    ),
)
class AlertViewSet(
    AuthorityFirstMixin,
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Coordinators' alerts about emergencies, and the recipients' answers."""

    queryset = Alert.objects.prefetch_related(
        "regions",
        "provinces",
        "sectors",
        Prefetch("recipients", queryset=AlertRecipient.objects.order_by("id")),
    ).order_by("updated_at", "id")
    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    authority = {
        "create": _coordinator,
        "preview": _coordinator,
        "answer": lambda user, alert: services.require_alert_answerer(user),
    }
    lookup_value_regex = r"[0-9]+"

    def _scope(self, data: dict) -> dict:
        return {
            "emergency": data["emergency"],
            "regions": data.get("regions", []),
            "provinces": data.get("provinces", []),
            "sectors": data.get("sectors", []),
        }

    def _preview(self, data: dict) -> Response:
        organisations = services.preview_alert(
            actor=self.request.user, **self._scope(data)
        )
        return Response(AlertPreviewSerializer({"recipients": organisations}).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("preview"):
            return self._preview(data)
        alert = services.send_alert(
            actor=request.user,
            message=data["message"],
            recipients=data.get("recipients"),
            **self._scope(data),
        )
        alert = self.queryset.get(pk=alert.pk)
        return Response(self.get_serializer(alert).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Preview an alert's recipients",
        description="Coordinators: the organisations an alert with these places and "
        "sectors would reach, without sending it (same body as POST `alerts/`).",
        request=AlertSerializer,
        responses={200: AlertPreviewSerializer, **WRITE_ERRORS},
    )
    @action(detail=False, methods=["post"], filterset_class=None)
    def preview(self, request):
        serializer = AlertSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        return self._preview(serializer.validated_data)

    @extend_schema(
        summary="Answer an alert",
        description="A member (or token) of an organisation the alert was sent to: "
        "`respond` or `cannot_respond`, with a note. Answering again changes the "
        "answer; the coordinator who sent it is notified.",
        request=AlertAnswerSerializer,
        responses={200: AlertAnswerSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def answer(self, request, pk=None):
        alert = self.get_object()
        body = AlertAnswerSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        recipient = services.answer_alert(
            alert,
            actor=request.user,
            response=body.validated_data["response"],
            note=body.validated_data.get("note", ""),
        )
        return Response(AlertAnswerSerializer(recipient).data)

    @extend_schema(
        summary="Who was told, who received, read and answered",
        description="Coordinators: per recipient organisation, `told`, `delivered` "
        "(in-app), `emailed`, `read` (by any member) and the answer.",
        responses={
            200: AlertRecipientStatusSerializer(many=True),
            **error_responses(401, 403, 404, 429),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="recipients",
        filterset_class=None,
        pagination_class=None,
    )
    def recipients(self, request, pk=None):
        alert = self.get_object()
        if not request.user.is_coordinator:
            raise PermissionDenied
        rows = services.alert_recipient_status(alert)
        return Response(AlertRecipientStatusSerializer(rows, many=True).data)
