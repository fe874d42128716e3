"""API: beneficiaries of the acting organisation only (everyone else: 404), their
consents, and consent withdrawal. Every response carrying identity is logged."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
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

from coordination.cursor import SyncPagination
from coordination.drf import (
    AuthorityFirstMixin,
    PreconditionFailedError,
    error_responses,
    if_match_version,
)
from coordination.exceptions import PermissionDenied, ValidationError
from coordination.idempotency import IdempotentWritesMixin
from coordination.permissions import VisibleToUserMixin

from .action_serializers import (
    ReferralAcceptSerializer,
    ReferralAssignSerializer,
    ReferralCancelSerializer,
    ReferralCompleteSerializer,
    ReferralDeclineSerializer,
    ReferralFollowUpSerializer,
)
from .filters import BeneficiaryFilter, ReferralFilter
from .models import Beneficiary, Consent, Referral
from .serializers import (
    BeneficiarySerializer,
    ConsentSerializer,
    ReferralCreateSerializer,
    ReferralListItemSerializer,
    ReferralSerializer,
    WithdrawConsentSerializer,
)
from .services import (
    ConsentTerms,
    PreconditionFailed,
    accept_referral,
    answer_follow_up,
    assign_referral,
    cancel_referral,
    complete_referral,
    decline_referral,
    log_identity_access,
    record_consent,
    register_beneficiary,
    require_member,
    require_registrar,
    send_referral,
    update_beneficiary,
    withdraw_consent,
)
from .services.steps import require_receiver, require_sender
from .slip_api import ReferralSlipMixin


def _registrar_member(user, beneficiary: Beneficiary) -> None:
    require_member(user, beneficiary.organisation)


def _consent_member(user, consent: Consent) -> None:
    require_member(user, consent.beneficiary.organisation)


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
    AuthorityFirstMixin,
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
    # 404 first (`get_object()`), then 403, then If-Match's 428, then the body.
    authority = {"create": require_registrar, "partial_update": _registrar_member}
    lookup_field = "code"
    lookup_value_regex = r"BNF-[0-9A-Z]{6}"
    http_method_names = ["get", "post", "patch", "head", "options"]
    # Replays keep no identity: only the code, and the beneficiary is shown as it is now.
    idempotency_reference_fields = ("code",)

    def replay_response(self, reference: dict) -> Response:
        # Visible now or 404; erased identity stays erased; the display is logged.
        beneficiary = get_object_or_404(self.get_queryset(), code=reference.get("code"))
        response = Response(self._with_identity(beneficiary, "api:beneficiary-replay"))
        response["ETag"] = f'"{beneficiary.version}"'
        return response

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
            actor=request.user, **serializer.validated_data
        )
        return Response(
            self._with_identity(beneficiary, "api:beneficiary-create"),
            status=status.HTTP_201_CREATED,
        )

    def update(self, request, *args, **kwargs):
        beneficiary = self.get_object()  # 404, then `authority`'s 403
        version = if_match_version(request)
        serializer = self.get_serializer(beneficiary, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        try:
            beneficiary = update_beneficiary(
                beneficiary,
                actor=request.user,
                version=version,
                **serializer.validated_data,
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
    AuthorityFirstMixin,
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
    authority = {"withdraw": _consent_member}
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
            slip_identity=data.get("slip_identity", Consent.SlipIdentity.NONE),
        )

    def create(self, request, *args, **kwargs):
        # 404, then 403, before validating anything.
        require_member(request.user, self.beneficiary.organisation)
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


# ---------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------
REFERRAL_CODE = OpenApiParameter(
    "code", OpenApiTypes.STR, OpenApiParameter.PATH, description="REF-…"
)
OPTIONAL_IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description='The version you saw, in quotes (`"3"`): 412 when someone changed the '
    "referral since.",
)
TRANSITION_ERRORS = {
    412: OpenApiResponse(description="Someone changed the referral since If-Match."),
    **error_responses(400, 401, 403, 404, 409, 422, 429),
}
# Keys of record_consent's errors, as the API names them (inside `consent_data`).
_CONSENT_DATA_KEYS = {"given_by", "scope", "legal_basis", "justification"}


def _optional_version(request) -> int | None:
    """Transitions take `If-Match` when the client sends it (412 when stale)."""
    if not (request.headers.get("If-Match") or "").strip():
        return None
    return if_match_version(request)


@extend_schema_view(
    list=extend_schema(
        summary="Referrals your organisation sent or received",
        description="Ordered by `updated_at, id`. No identity in the list. "
        "`direction=incoming|outgoing` is relative to the organisation you act for. "
        "Coordinators, observers and other organisations see none.",
        responses={
            200: ReferralListItemSerializer(many=True),
            **error_responses(400, 401, 429),
        },
    ),
    retrieve=extend_schema(
        summary="One referral, with its timeline",
        description="`person` carries the identity only for the referring organisation "
        "and, under an active consent, the receiving one; each such display is logged. "
        "`ETag` carries the version.",
        parameters=[REFERRAL_CODE],
        responses={200: ReferralSerializer, **error_responses(401, 404, 429)},
    ),
    create=extend_schema(
        summary="Refer a person to another organisation",
        description="For the organisation you act for, which registered the person. "
        "Give `to_organisation` and/or `service`, the need (`sector`, `service_type`, "
        "`reason`, `priority`) and the consent: `consent` (id of a recorded, "
        "non-withdrawn consent for that organisation) or `consent_data` to record one "
        "with the referral.",
        request=ReferralCreateSerializer,
        responses={
            201: ReferralSerializer,
            **error_responses(400, 401, 403, 409, 422, 429),
        },
    ),
)
class ReferralViewSet(
    ReferralSlipMixin,  # slip/ and slip-text/ (issue 16)
    AuthorityFirstMixin,
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Referrals of the acting organisation, sent or received; everyone else: 404."""

    queryset = Referral.objects.select_related(
        "from_organisation",
        "to_organisation",
        "service",
        "beneficiary__region",
        "beneficiary__province",
        "sector",
        "service_type",
        "assigned_to",
        "consent",
        "confirmation_link",  # `confirmed_via_link`, no query per row
    ).order_by("updated_at", "id")
    serializer_class = ReferralSerializer
    filterset_class = ReferralFilter
    pagination_class = SyncPagination  # `?sync=1` / `?cursor=` walks
    authority = {
        "accept": require_receiver,
        "decline": require_receiver,
        "complete": require_receiver,
        "assign": require_receiver,
        "cancel": require_sender,
        "follow_up": require_sender,
    }
    lookup_field = "code"
    lookup_value_regex = r"REF-[0-9A-Z]{6}"
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action != "list":  # the timeline, for one referral
            queryset = queryset.prefetch_related(
                "events__actor", "events__organisation"
            )
        return queryset

    def _detail(self, referral: Referral, *, identity: bool = False) -> Response:
        """One referral with its timeline; identity only on `retrieve`, logged."""
        serializer = self.get_serializer(referral)
        serializer.context["events"] = True
        serializer.context["identity"] = identity
        data = serializer.data
        if "full_name" in data["person"]:  # identity shown: log it
            log_identity_access(
                referral.beneficiary,
                actor=self.request.user,
                purpose="api:referral-detail",
            )
        response = Response(data)
        response["ETag"] = f'"{referral.version}"'
        return response

    def _reloaded(self, referral: Referral) -> Referral:
        return self.get_queryset().get(pk=referral.pk)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object(), identity=True)

    def create(self, request, *args, **kwargs):
        if request.user.acting_membership is None:  # coordinators, observers
            raise PermissionDenied(_("Act for an organisation to refer a person."))
        body = ReferralCreateSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        consent_data = data.pop("consent_data", None)
        try:
            referral = send_referral(
                data.pop("beneficiary"),
                actor=request.user,
                new_consent=ConsentTerms(**consent_data) if consent_data else None,
                **data,
            )
        except ValidationError as error:
            if consent_data and hasattr(error, "error_dict"):
                raise ValidationError(
                    {
                        (
                            f"consent_data.{field}"
                            if field in _CONSENT_DATA_KEYS
                            else field
                        ): errors
                        for field, errors in error.error_dict.items()
                    }
                ) from None
            raise
        response = self._detail(self._reloaded(referral))
        response.status_code = status.HTTP_201_CREATED
        return response

    def _transition(self, serializer_class, apply) -> Response:
        referral = self.get_object()  # 404 for anyone but sender and receiver
        version = _optional_version(self.request)
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        referral = apply(referral, body.validated_data, version)
        return self._detail(self._reloaded(referral))

    @extend_schema(
        summary="Accept a referral",
        description="The receiving organisation takes the person on (optionally "
        "assigning a member); the sender is told. 409 unless pending.",
        parameters=[REFERRAL_CODE, OPTIONAL_IF_MATCH],
        request=ReferralAcceptSerializer,
        responses={200: ReferralSerializer, **TRANSITION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        return self._transition(
            ReferralAcceptSerializer,
            lambda referral, data, version: accept_referral(
                referral,
                actor=request.user,
                assign_to=data.get("assigned_to"),
                version=version,
            ),
        )

    @extend_schema(
        summary="Decline a referral",
        description="The receiving organisation cannot take the person on; `reason` "
        "is required. 409 unless pending.",
        parameters=[REFERRAL_CODE, OPTIONAL_IF_MATCH],
        request=ReferralDeclineSerializer,
        responses={200: ReferralSerializer, **TRANSITION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        return self._transition(
            ReferralDeclineSerializer,
            lambda referral, data, version: decline_referral(
                referral, actor=request.user, reason=data["reason"], version=version
            ),
        )

    @extend_schema(
        summary="Complete a referral",
        description="The receiving organisation closes an accepted referral with its "
        "`outcome` (required) and `feedback` for the sender. 409 unless accepted.",
        parameters=[REFERRAL_CODE, OPTIONAL_IF_MATCH],
        request=ReferralCompleteSerializer,
        responses={200: ReferralSerializer, **TRANSITION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        return self._transition(
            ReferralCompleteSerializer,
            lambda referral, data, version: complete_referral(
                referral,
                actor=request.user,
                outcome=data["outcome"],
                feedback=data.get("feedback", ""),
                version=version,
            ),
        )

    @extend_schema(
        summary="Cancel a referral",
        description="The referring organisation withdraws an open referral; the "
        "receiver is told. 409 once closed.",
        parameters=[REFERRAL_CODE, OPTIONAL_IF_MATCH],
        request=ReferralCancelSerializer,
        responses={200: ReferralSerializer, **TRANSITION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        return self._transition(
            ReferralCancelSerializer,
            lambda referral, data, version: cancel_referral(
                referral,
                actor=request.user,
                reason=data.get("reason", ""),
                version=version,
            ),
        )

    @extend_schema(
        summary="Assign a referral to a member",
        description="The receiving organisation gives an open referral to one of its "
        "members (400 for anyone else).",
        parameters=[REFERRAL_CODE, OPTIONAL_IF_MATCH],
        request=ReferralAssignSerializer,
        responses={200: ReferralSerializer, **TRANSITION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request, *args, **kwargs):
        return self._transition(
            ReferralAssignSerializer,
            lambda referral, data, version: assign_referral(
                referral,
                actor=request.user,
                assignee=data["assigned_to"],
                version=version,
            ),
        )

    @extend_schema(
        summary="Say whether the person was served (follow-up)",
        description="The referring organisation answers `served`: `yes` (shown beside "
        "the status; only the receiver completes), `not_yet` (asked again after the "
        "same delay) or `no` with a `note` saying why. The receiver is told. 409 "
        "unless accepted or completed.",
        parameters=[REFERRAL_CODE, OPTIONAL_IF_MATCH],
        request=ReferralFollowUpSerializer,
        responses={200: ReferralSerializer, **TRANSITION_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="follow-up")
    def follow_up(self, request, *args, **kwargs):
        return self._transition(
            ReferralFollowUpSerializer,
            lambda referral, data, version: answer_follow_up(
                referral,
                actor=request.user,
                served=data["served"],
                note=data.get("note", ""),
                version=version,
            ),
        )
