"""Organisations and the current user as the API serves them."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coordination.models import Province, Region, Sector

from .models import LANGUAGE_CHOICES, Membership, Organisation, User


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
            "regions",
            "provinces",
            "sectors",
            "languages",
            "verified",
            "verified_at",
            "is_active",
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


class ActingOrganisationField(serializers.PrimaryKeyRelatedField):
    """The organisation the user acts for, by id (a property, not a column)."""

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
