"""API: the organisation registry, the service catalogue (and its public directory) and
the current user."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from coordination.cursor import SyncPagination
from coordination.drf import (
    IF_MATCH_PARAMETER,
    PRECONDITION_RESPONSES,
    PreconditionFailedError,
    error_responses,
    if_match_version,
)
from coordination.exceptions import ValidationError as DjangoValidationError
from coordination.idempotency import IdempotentWritesMixin
from coordination.permissions import VisibleToUserMixin
from coordination.throttling import AnonRateThrottle

from .filters import OrganisationFilter, ServiceFilter
from .models import ApiToken, Organisation, Service
from .serializers import (
    MeSerializer,
    OrganisationSerializer,
    PublicServiceSerializer,
    ServiceMatchQuerySerializer,
    ServiceMatchSerializer,
    ServiceSerializer,
)
from .services import (
    ServicePreconditionFailed,
    create_organisation,
    create_service,
    rank_services,
    require_organisation_lister,
    require_service_manager,
    set_acting_organisation,
    update_organisation,
    update_profile,
    update_service,
    verify_organisation,
)


class ServiceMatchPersonQuerySerializer(ServiceMatchQuerySerializer):
    """The need, and what the finder checks the services' criteria against."""

    age = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=120,
        help_text="The person's age in years: services whose age range excludes it "
        "come last, with a `not_eligible` reason.",
    )
    sex = serializers.ChoiceField(
        choices=Service.Sex.choices,
        required=False,
        allow_blank=True,
        help_text="The person's sex: services for other sexes come last, with a "
        "`not_eligible` reason.",
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
    create=extend_schema(
        summary="Add an organisation (off the platform until someone joins)",
        description="A coordinator, or a focal point listing an organisation their "
        "caseworkers refer to that does not use Tansiq (a hospital's social service, "
        "a delegation): recorded with `listed_by` their organisation. It has no "
        "members, so `connected` is false: referrals reach it through the referral "
        "slip, which shows `contact_person`, `phone`, `email`, `address`, "
        "`opening_hours` and `languages`. Its services are added with "
        "`POST services/` and `organisation`. Not verified until a coordinator "
        "verifies it.",
        responses={
            201: OrganisationSerializer,
            **error_responses(400, 401, 403, 409, 422, 429),
        },
    ),
    partial_update=extend_schema(
        summary="Edit an organisation's profile",
        description="Its focal point (or a token of the organisation whose owner is "
        "one), or a coordinator; while it is off the platform (`connected` false), "
        "also a focal point of the organisation that listed it. Regions, provinces "
        "and sectors by code; provinces must lie in the organisation's regions.",
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
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The shared registry; focal points PATCH their own organisation; coordinators
    and focal points POST organisations off the platform."""

    queryset = (
        Organisation.objects.with_connected()
        .prefetch_related("regions", "provinces", "sectors")
        .order_by("updated_at", "id")
    )
    serializer_class = OrganisationSerializer
    filterset_class = OrganisationFilter
    pagination_class = SyncPagination  # `?sync=1` / `?cursor=` walks
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "patch", "post", "head", "options"]

    def create(self, request, *args, **kwargs):
        require_organisation_lister(request.user)  # 403 before the body is read
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = create_organisation(
            actor=self.request.user, **serializer.validated_data
        )

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True  # PATCH only: no PUT
        return super().update(request, *args, **kwargs)

    def perform_update(self, serializer):
        serializer.instance = update_organisation(
            serializer.instance, actor=self.request.user, **serializer.validated_data
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


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------
def _service_data(validated: dict) -> dict:
    """The serializer's values as the service's keyword arguments (M2M as lists)."""
    return {
        key: list(value) if key in ("regions", "provinces") else value
        for key, value in validated.items()
    }


SERVICE_RELATED = ("organisation", "sector", "service_type")
# The service names eligibility fields as the model does; the API nests them.
ELIGIBILITY_KEYS = {
    "open_to_all": "eligibility.open_to_all",
    "age_min": "eligibility.age_min",
    "age_max": "eligibility.age_max",
    "sexes": "eligibility.sexes",
    "nationality_criteria": "eligibility.nationality",
    "legal_status_criteria": "eligibility.legal_status",
    "vulnerabilities": "eligibility.vulnerabilities",
}


def _api_keys(error: DjangoValidationError) -> DjangoValidationError:
    if not hasattr(error, "error_dict"):
        return error
    return DjangoValidationError(
        {ELIGIBILITY_KEYS.get(k, k): v for k, v in error.error_dict.items()}
    )


@extend_schema_view(
    list=extend_schema(
        summary="List services (the catalogue)",
        description="Every signed-in member, observer and coordinator reads the "
        "services of active organisations, ordered by `updated_at, id`.",
        responses={200: ServiceSerializer(many=True), **error_responses(400, 401, 429)},
    ),
    retrieve=extend_schema(
        summary="One service",
        description="The `ETag` header carries its version.",
        responses={200: ServiceSerializer, **error_responses(401, 404, 429)},
    ),
    create=extend_schema(
        summary="Add a service",
        description="For the organisation the caller acts for, by its focal point (or "
        "a token of the organisation whose owner is one); or, with `organisation`, "
        "for an organisation off the platform that the caller keeps (a coordinator, "
        "or a focal point of the organisation that listed it). The service type must "
        "belong to the sector, the provinces to the regions, and the age range must "
        "be sane.",
        responses={
            201: ServiceSerializer,
            **error_responses(400, 401, 403, 409, 422, 429),
        },
    ),
    partial_update=extend_schema(
        summary="Edit a service",
        description="Focal points of the owning organisation only. Requires "
        '`If-Match: "<version>"`: 428 without it, 412 when someone saved a newer '
        "version first.",
        parameters=[IF_MATCH_PARAMETER],
        responses={
            200: ServiceSerializer,
            **PRECONDITION_RESPONSES,
            **error_responses(400, 401, 403, 404, 409, 422, 429),
        },
    ),
)
class ServiceViewSet(
    IdempotentWritesMixin,
    VisibleToUserMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The shared catalogue; focal points POST and PATCH their organisation's services."""

    queryset = (
        Service.objects.with_connected()
        .select_related(*SERVICE_RELATED)
        .prefetch_related("regions", "provinces")
        .order_by("updated_at", "id")
    )
    serializer_class = ServiceSerializer
    filterset_class = ServiceFilter
    pagination_class = SyncPagination  # `?sync=1` / `?cursor=` walks
    lookup_value_regex = r"[0-9]+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def update(self, request, *args, **kwargs):
        kwargs["partial"] = True  # PATCH only: no PUT
        instance = self.get_object()  # an invisible row is a 404, before anything
        require_service_manager(request.user, instance.organisation)  # 403, then 428
        self.if_match = if_match_version(request)
        response = super().update(request, *args, **kwargs)
        response["ETag"] = f'"{response.data["version"]}"'
        return response

    def perform_create(self, serializer):
        try:
            serializer.instance = create_service(
                actor=self.request.user, **_service_data(serializer.validated_data)
            )
        except DjangoValidationError as error:
            raise _api_keys(error) from None

    def perform_update(self, serializer):
        data = _service_data(serializer.validated_data)
        moved_to = data.pop("organisation", serializer.instance.organisation)
        if moved_to.pk != serializer.instance.organisation_id:
            raise ValidationError(
                {"organisation": [_("A service stays with its organisation.")]}
            )
        try:
            serializer.instance = update_service(
                serializer.instance,
                actor=self.request.user,
                version=self.if_match,
                **data,
            )
        except ServicePreconditionFailed as stale:
            raise PreconditionFailedError(str(stale.message)) from None
        except DjangoValidationError as error:
            raise _api_keys(error) from None

    @extend_schema(
        summary="Find services for a need (the service finder)",
        description="Services of the sector that can take a referral (suspended ones "
        "never; full ones last), best first: same service type, same province (then "
        "region), a language the person speaks, accessibility, a shorter response "
        "delay, places left. Each result says why. The caller's own organisation is "
        "left out. With `age` and `sex`, services whose criteria exclude the person "
        "come after all others, with a `not_eligible` reason. At most 50 results.",
        parameters=[ServiceMatchPersonQuerySerializer],
        responses={
            200: ServiceMatchSerializer(many=True),
            **error_responses(400, 401, 429),
        },
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None)
    def match(self, request):
        """Rank catalogue services for a need."""
        query = ServiceMatchPersonQuerySerializer(
            data={
                **{k: v for k, v in request.query_params.items() if k != "language"},
                "language": request.query_params.getlist("language"),
            }
        )
        query.is_valid(raise_exception=True)
        data = query.validated_data
        matches = rank_services(
            sector=data["sector"],
            service_type=data.get("service_type"),
            province=data.get("province"),
            region=data.get("region"),
            languages=data.get("language") or [],
            accessible=data.get("accessible"),
            exclude_organisation=request.user.acting_organisation,
            queryset=self.get_queryset(),
            age=data.get("age"),
            sex=data.get("sex") or None,
        )
        return Response(ServiceMatchSerializer(matches, many=True).data)


@extend_schema_view(
    list=extend_schema(
        summary="The public service directory",
        description="No authentication. Public services of verified, active "
        "organisations that are available or full (never suspended), with how to reach "
        "them; the same filters as `services/`. Throttled per address.",
        auth=[],
        responses={
            200: PublicServiceSerializer(many=True),
            **error_responses(400, 429),
        },
    ),
    retrieve=extend_schema(
        summary="One service of the public directory",
        auth=[],
        responses={200: PublicServiceSerializer, **error_responses(404, 429)},
    ),
)
class PublicServiceViewSet(viewsets.ReadOnlyModelViewSet):
    """The public directory: read-only, no login, only public fields."""

    queryset = (
        Service.objects.public()
        .select_related(*SERVICE_RELATED)
        .prefetch_related("regions", "provinces")
        .order_by("updated_at", "id")
    )
    serializer_class = PublicServiceSerializer
    filterset_class = ServiceFilter
    lookup_value_regex = r"[0-9]+"
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [AnonRateThrottle]  # one budget per address
