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
        fields = ["code", "name", "name_fr", "name_ar", "name_en"]


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
            "sdgs",
            "service_types",
            "updated_at",
        ]
