"""Organisations, their services and the current user as the API serves them."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coordination.models import Province, Region, Sector, ServiceType

from .models import (
    LANGUAGE_CHOICES,
    VULNERABILITY_CHOICES,
    Membership,
    Organisation,
    Service,
    User,
)


class OrganisationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    regions = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Region.objects.all(), required=False
    )
    provinces = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=Province.objects.select_related("region"),
        required=False,
    )
    sectors = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Sector.objects.all(), required=False
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CHOICES), required=False
    )
    verified_at = serializers.DateTimeField(read_only=True, allow_null=True)
    connected = serializers.BooleanField(
        source="is_connected",
        read_only=True,
        help_text="Whether anyone is a member. `false`: the organisation is off the "
        "platform and answers referrals through the referral slip; coordinators and "
        "the focal points of the organisation that listed it (`listed_by`) keep its "
        "profile and services until its own focal point joins.",
    )
    listed_by = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="The organisation whose focal point added it (null: a coordinator "
        "or a request to join).",
    )

    class Meta:
        model = Organisation
        fields = [
            "id",
            "code",
            "name",
            "acronym",
            "kind",
            "kind_label",
            "description",
            "email",
            "phone",
            "website",
            "address",
            "contact_person",
            "opening_hours",
            "regions",
            "provinces",
            "sectors",
            "languages",
            "verified",
            "verified_at",
            "is_active",
            "connected",
            "listed_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "code",
            "verified",
            "verified_at",
            "is_active",
            "created_at",
            "updated_at",
        ]

    def validate(self, attrs):
        """Provinces of operation lie in the organisation's regions (as changed)."""
        regions = attrs.get("regions")
        provinces = attrs.get("provinces")
        if regions is None and provinces is None:
            return attrs
        if regions is None:
            regions = list(self.instance.regions.all()) if self.instance else []
        if provinces is None:
            provinces = (
                list(self.instance.provinces.select_related("region"))
                if self.instance
                else []
            )
        region_ids = {r.pk for r in regions}
        outside = sorted(p.code for p in provinces if p.region_id not in region_ids)
        if outside:
            # Report it on the field the request changed.
            field = "provinces" if "provinces" in attrs else "regions"
            raise serializers.ValidationError(
                {
                    field: [
                        _("Provinces outside the organisation's regions: %(codes)s.")
                        % {"codes": ", ".join(outside)}
                    ]
                }
            )
        return attrs


class MembershipBriefSerializer(serializers.ModelSerializer):
    """One of the user's organisations, with their role there."""

    id = serializers.IntegerField(source="organisation.id", read_only=True)
    code = serializers.CharField(source="organisation.code", read_only=True)
    name = serializers.CharField(source="organisation.name", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "code", "name", "role", "role_label"]
        read_only_fields = ["role"]


@extend_schema_field(
    {"type": "integer", "nullable": True},  # null for coordinators and observers
)
class ActingOrganisationField(serializers.PrimaryKeyRelatedField):
    """The organisation the user acts for, by id (a property, not a column); null when
    the user acts for none (coordinators, observers). Setting it to null is refused."""

    def use_pk_only_optimization(self) -> bool:
        return False


class MeSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(
        help_text="The platform role (coordinator, observer), or null."
    )
    organisations = MembershipBriefSerializer(
        source="memberships_list", many=True, read_only=True
    )
    organisation = ActingOrganisationField(
        source="acting_organisation",
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
        allow_null=False,
        help_text="The id of the organisation the user acts for (one of `organisations`).",
    )

    class Meta:
        model = User
        fields = ["email", "name", "language", "role", "organisations", "organisation"]
        read_only_fields = ["email"]

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[r for r in User.PlatformRole.values if r], allow_null=True
        )
    )
    def get_role(self, user: User) -> str | None:
        return user.platform_role or None


# ---------------------------------------------------------------------------
# Services
# ---------------------------------------------------------------------------
class EligibilitySerializer(serializers.Serializer):
    """Who the service is for: open to all, or the criteria below (all optional)."""

    open_to_all = serializers.BooleanField(required=False, default=True)
    age_min = serializers.IntegerField(
        min_value=0, max_value=120, required=False, allow_null=True
    )
    age_max = serializers.IntegerField(
        min_value=0, max_value=120, required=False, allow_null=True
    )
    sexes = serializers.ListField(
        child=serializers.ChoiceField(choices=Service.Sex.choices), required=False
    )
    nationality = serializers.CharField(
        source="nationality_criteria",
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="Nationality restrictions, in words (empty: none).",
    )
    legal_status = serializers.CharField(
        source="legal_status_criteria",
        max_length=300,
        required=False,
        allow_blank=True,
        help_text="Legal-status restrictions, in words (empty: none).",
    )
    vulnerabilities = serializers.ListField(
        child=serializers.ChoiceField(choices=VULNERABILITY_CHOICES), required=False
    )


class ServiceSerializer(serializers.ModelSerializer):
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
        help_text="On creation only: an organisation off the platform that the caller "
        "keeps (a coordinator, or a focal point of the organisation that listed it). "
        "Omitted: the organisation the caller acts for.",
    )
    organisation_name = serializers.CharField(
        source="organisation.name", read_only=True
    )
    organisation_connected = serializers.BooleanField(
        read_only=True,
        help_text="`false`: the organisation is off the platform; a referral reaches "
        "it through the referral slip.",
    )
    sector = serializers.SlugRelatedField(
        slug_field="code", queryset=Sector.objects.all()
    )
    service_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceType.objects.all()
    )
    regions = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Region.objects.all()
    )
    provinces = serializers.SlugRelatedField(
        slug_field="code",
        many=True,
        queryset=Province.objects.select_related("region"),
        required=False,
    )
    eligibility = EligibilitySerializer(source="*", required=False)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CHOICES), required=False
    )
    how_to_refer = serializers.ListField(
        child=serializers.ChoiceField(choices=Service.Channel.choices), required=False
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    cost_label = serializers.CharField(source="get_cost_display", read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "organisation_connected",
            "name",
            "sector",
            "service_type",
            "description",
            "regions",
            "provinces",
            "communes",
            "address",
            "latitude",
            "longitude",
            "eligibility",
            "documents_needed",
            "languages",
            "accessible",
            "accessibility_note",
            "opening_hours",
            "cost",
            "cost_label",
            "cost_note",
            "capacity",
            "capacity_note",
            "how_to_refer",
            "phone",
            "response_delay_days",
            "status",
            "status_label",
            "public",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]
        extra_kwargs = {"response_delay_days": {"max_value": 365}}


class ServiceMatchSerializer(serializers.Serializer):
    """A service the finder proposes: its score and why, in the active language."""

    service = ServiceSerializer()
    score = serializers.IntegerField()
    reasons = serializers.ListField(
        child=serializers.CharField(),
        help_text='Why it ranks here, e.g. "Same province", "Speaks Wolof".',
    )
    codes = serializers.ListField(
        child=serializers.CharField(),
        help_text="The reasons as stable codes: `service_type`, `same_province`, "
        "`same_region`, `language:<code>`, `accessible`, `delay`, `capacity`, `full`.",
    )


class ServiceMatchQuerySerializer(serializers.Serializer):
    """The need the finder matches services against."""

    sector = serializers.SlugRelatedField(
        slug_field="code", queryset=Sector.objects.all()
    )
    service_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceType.objects.all(), required=False
    )
    province = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Province.objects.select_related("region"),
        required=False,
    )
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all(), required=False
    )
    language = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CHOICES),
        required=False,
        help_text="Repeat for several languages: `language=fr&language=wo`.",
    )
    accessible = serializers.BooleanField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        service_type, sector = attrs.get("service_type"), attrs["sector"]
        if service_type is not None and service_type.sector_id != sector.pk:
            raise serializers.ValidationError(
                {
                    "service_type": [
                        _(
                            "“%(type)s” is not a service type of the sector “%(sector)s”."
                        )
                        % {"type": service_type.name, "sector": sector.name}
                    ]
                }
            )
        return attrs


class PublicServiceSerializer(serializers.ModelSerializer):
    """What anyone may read about a public service: how to reach it, nothing else."""

    organisation = serializers.CharField(source="organisation.name", read_only=True)
    organisation_acronym = serializers.CharField(
        source="organisation.acronym", read_only=True
    )
    sector = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sector_name = serializers.CharField(source="sector.name", read_only=True)
    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service_type_name = serializers.CharField(
        source="service_type.name", read_only=True
    )
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    provinces = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    eligibility = EligibilitySerializer(source="*", read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    how_to_refer = serializers.ListField(child=serializers.CharField(), read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    cost_label = serializers.CharField(source="get_cost_display", read_only=True)

    class Meta:
        model = Service
        fields = [
            "id",
            "organisation",
            "organisation_acronym",
            "name",
            "sector",
            "sector_name",
            "service_type",
            "service_type_name",
            "description",
            "regions",
            "provinces",
            "communes",
            "address",
            "latitude",
            "longitude",
            "eligibility",
            "documents_needed",
            "languages",
            "accessible",
            "accessibility_note",
            "opening_hours",
            "cost",
            "cost_label",
            "cost_note",
            "how_to_refer",
            "phone",
            "status",
            "status_label",
            "updated_at",
        ]
        read_only_fields = fields
