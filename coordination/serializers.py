"""Reference data as the API serves it: stable codes, names in each language."""

from __future__ import annotations

from rest_framework import serializers

from .models import Province, Region, Sector, ServiceType


class RegionSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Region
        fields = [
            "code",
            "name",
            "name_fr",
            "name_ar",
            "name_en",
            "pcode",
            "other_names",
            "population",
            "updated_at",
        ]


class ProvinceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Province
        fields = [
            "code",
            "name",
            "name_fr",
            "name_ar",
            "name_en",
            "pcode",
            "other_names",
            "region",
            "kind",
            "kind_label",
            "population",
            "updated_at",
        ]


class ServiceTypeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = ServiceType
        fields = ["code", "name", "name_fr", "name_ar", "name_en", "other_names"]


class ActivityCreateSerializer(serializers.Serializer):
    """A coordinator's new activity of a sector (coordination.services.add_activity
    checks the names against the sector's activities)."""

    name_fr = serializers.CharField(max_length=200)
    name_ar = serializers.CharField(max_length=200, required=False, allow_blank=True)
    name_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    code = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="Lower-case letters, digits and underscores; made from the name "
        "when left out.",
    )
    other_names = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        max_length=50,
        help_text="Other spellings accepted on import.",
    )


class SectorSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)
    service_types = ServiceTypeSerializer(many=True, read_only=True)

    class Meta:
        model = Sector
        fields = [
            "code",
            "name",
            "name_fr",
            "name_ar",
            "name_en",
            "cluster_code",
            "other_names",
            "sdgs",
            "service_types",
            "updated_at",
        ]
