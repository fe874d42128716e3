"""Organisations and the current user as the API serves them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coordination.models import Province, Region, Sector

from .models import LANGUAGE_CHOICES, Organisation, User


class OrganisationSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    regions = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Region.objects.all(), required=False
    )
    provinces = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Province.objects.all(), required=False
    )
    sectors = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Sector.objects.all(), required=False
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CHOICES), required=False
    )
    verified_at = serializers.DateTimeField(read_only=True)

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
        regions = attrs.get("regions")
        provinces = attrs.get("provinces")
        if provinces is not None:
            region_codes = {
                r.code
                for r in (
                    regions
                    if regions is not None
                    else self.instance.regions.all()
                    if self.instance
                    else []
                )
            }
            outside = [p.code for p in provinces if p.region.code not in region_codes]
            if outside:
                raise serializers.ValidationError(
                    {
                        "provinces": [
                            _(
                                "Province %(codes)s is outside the organisation's regions."
                            )
                            % {"codes": ", ".join(outside)}
                        ]
                    }
                )
        return attrs


class MembershipBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="organisation.id")
    code = serializers.CharField(source="organisation.code")
    name = serializers.CharField(source="organisation.name")
    role = serializers.CharField()


class MeSerializer(serializers.ModelSerializer):
    role = serializers.CharField(
        source="platform_role", read_only=True, allow_null=True
    )
    organisations = MembershipBriefSerializer(
        source="memberships_list", many=True, read_only=True
    )
    organisation = serializers.PrimaryKeyRelatedField(
        source="acting_organisation",
        queryset=Organisation.objects.filter(is_active=True),
        required=False,
        allow_null=False,
    )

    class Meta:
        model = User
        fields = ["email", "name", "language", "role", "organisations", "organisation"]
        read_only_fields = ["email"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["role"] = instance.platform_role or None
        return data
