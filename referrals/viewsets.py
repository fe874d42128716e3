"""API: beneficiaries of the acting organisation only (everyone else: 404), their
consents, and consent withdrawal. Every response carrying identity is logged."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from coordination.drf import PreconditionFailedError, error_responses, if_match_version
from coordination.idempotency import IdempotentWritesMixin
from coordination.permissions import VisibleToUserMixin

from .filters import BeneficiaryFilter
from .models import Beneficiary, Consent
from .serializers import (
    BeneficiarySerializer,
    ConsentSerializer,
    WithdrawConsentSerializer,
)
from .services import (
    PreconditionFailed,
    log_identity_access,
    record_consent,
    register_beneficiary,
    require_member,
    update_beneficiary,
    withdraw_consent,
)

CODE = OpenApiParameter(
    "beneficiary_code", OpenApiTypes.STR, OpenApiParameter.PATH, description="BNF-…"
)


@extend_schema_view(
    list=extend_schema(
        summary="List your organisation's beneficiaries",
        description="Codes and statistics fields only (no identity), ordered by "
        "`updated_at, id`. Other organisations' beneficiaries never appear.",
        responses={200: BeneficiarySerializer(many=True), **error_responses(400, 401)},
    ),
    retrieve=extend_schema(
        summary="One beneficiary",
        description="Identity fields for members of the owning organisation; the "
        "display is written to the identity access log. `ETag` carries the version.",
        responses={200: BeneficiarySerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Register a beneficiary",
        description="For the organisation the caller acts for. `possible_duplicates` "
        "lists codes of your records that may be the same person.",
        responses={201: BeneficiarySerializer, **error_responses(400, 401, 403, 422)},
    ),
    partial_update=extend_schema(
        summary="Edit a beneficiary",
        description='Requires `If-Match: "<version>"`: 428 without it, 412 when '
        "someone saved first.",
        parameters=[
            OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=True)
        ],
        responses={
            200: BeneficiarySerializer,
            412: OpenApiResponse(description="Someone saved a newer version first."),
            428: OpenApiResponse(description="If-Match is missing."),
            **error_responses(400, 401, 403, 404, 409, 422),
        },
    ),
)
class BeneficiaryViewSet(
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Beneficiaries of the acting organisation; no DELETE (retention erases identity)."""

    queryset = Beneficiary.objects.select_related("region", "province").order_by(
        "updated_at", "id"
    )
    serializer_class = BeneficiarySerializer
    filterset_class = BeneficiaryFilter
    lookup_field = "code"
    lookup_value_regex = r"BNF-[0-9A-Z]{6}"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def _with_identity(self, beneficiary: Beneficiary, route: str) -> Response:
        serializer = self.get_serializer(beneficiary)
        serializer.context["identity"] = True
        data = serializer.data
        if "full_name" in data:  # identity shown: log it
            log_identity_access(beneficiary, actor=self.request.user, purpose=route)
        return data

    def retrieve(self, request, *args, **kwargs):
        beneficiary = self.get_object()
        response = Response(self._with_identity(beneficiary, "api:beneficiary-detail"))
        response["ETag"] = f'"{beneficiary.version}"'
        return response

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        beneficiary = register_beneficiary(
            actor=request.user, data=serializer.validated_data
        )
        return Response(
            self._with_identity(beneficiary, "api:beneficiary-create"),
            status=status.HTTP_201_CREATED,
        )

    def update(self, request, *args, **kwargs):
        beneficiary = self.get_object()  # 404 first
        require_member(request.user, beneficiary.organisation)  # then 403, then 428
        version = if_match_version(request)
        serializer = self.get_serializer(beneficiary, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            beneficiary = update_beneficiary(
                beneficiary,
                actor=request.user,
                data=serializer.validated_data,
                version=version,
            )
        except PreconditionFailed as error:
            raise PreconditionFailedError(str(error.message)) from None
        response = Response(self._with_identity(beneficiary, "api:beneficiary-update"))
        response["ETag"] = f'"{beneficiary.version}"'
        return response


@extend_schema_view(
    list=extend_schema(
        summary="Consents recorded for a beneficiary",
        parameters=[CODE],
        responses={200: ConsentSerializer(many=True), **error_responses(401, 404)},
    ),
    retrieve=extend_schema(
        summary="One consent",
        parameters=[CODE],
        responses={200: ConsentSerializer, **error_responses(401, 404)},
    ),
    create=extend_schema(
        summary="Record consent (or vital interest) to share with an organisation",
        description="`vital_interest` needs a `justification` and a focal point (403).",
        parameters=[CODE],
        responses={201: ConsentSerializer, **error_responses(400, 401, 403, 404, 422)},
    ),
)
class ConsentViewSet(
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Consents of one beneficiary of the acting organisation."""

    queryset = Consent.objects.select_related("organisation", "beneficiary")
    serializer_class = ConsentSerializer
    pagination_class = None
    lookup_value_regex = r"[0-9]+"

    @cached_property
    def beneficiary(self) -> Beneficiary:
        # An invisible beneficiary is a 404 on every consent route.
        return get_object_or_404(
            Beneficiary.objects.visible_to(self.request.user),
            code=self.kwargs.get("beneficiary_code"),
        )

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).filter(beneficiary=self.beneficiary)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = record_consent(
            self.beneficiary,
            actor=self.request.user,
            organisation=data["organisation"],
            scope=data.get("scope", ""),
            given_by=data.get("given_by", ""),
            legal_basis=data.get("legal_basis", Consent.LegalBasis.CONSENT),
            justification=data.get("justification", ""),
        )

    def create(self, request, *args, **kwargs):
        self.beneficiary  # noqa: B018  (404 before validating anything)
        return super().create(request, *args, **kwargs)

    @extend_schema(
        summary="Withdraw a consent",
        description="The receiving organisation loses sight of the identity at once.",
        parameters=[CODE],
        request=WithdrawConsentSerializer,
        responses={200: ConsentSerializer, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        consent = self.get_object()
        body = WithdrawConsentSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consent = withdraw_consent(
            consent, actor=request.user, reason=body.validated_data.get("reason", "")
        )
        return Response(self.get_serializer(consent).data)
