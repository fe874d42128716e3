"""Interventions as the API serves them: reference data by code, counts as nested
objects {women, men, girls, boys, disabled, total}."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coordination.models import Province, Region, Sector, ServiceType
from coordination.validators import validate_plausible_date
from emergencies.models import Emergency
from organisations.models import Organisation

from .models import (
    COUNTS,
    Intervention,
    InterventionImport,
    InterventionUpdate,
    counts_error,
)


def _counts_serializer(
    prefix: str, name: str, doc: str
) -> type[serializers.Serializer]:
    """A nested {women, men, girls, boys, disabled, total} over `<prefix>_<part>`."""

    def validate(self, attrs):
        values = {part: attrs.get(f"{prefix}_{part}") for part in COUNTS}
        if values["total"] is None and all(values[p] is not None for p in COUNTS[:4]):
            attrs[f"{prefix}_total"] = values["total"] = sum(
                values[p] for p in COUNTS[:4]
            )
        # Partial updates are checked by the service against the saved figures.
        if all(v is not None for v in values.values()) and (
            problem := counts_error(values)
        ):
            raise serializers.ValidationError({problem[0]: [problem[1]]})
        return attrs

    fields = {
        part: serializers.IntegerField(
            source=f"{prefix}_{part}",
            min_value=0,
            max_value=2_000_000_000,
            required=False,
            default=0 if part != "total" else None,
            allow_null=part == "total",
        )
        for part in COUNTS
    }
    return type(
        name,
        (serializers.Serializer,),
        {**fields, "validate": validate, "__doc__": doc},
    )


TargetedSerializer = _counts_serializer(
    "targeted",
    "TargetedSerializer",
    "People targeted. Persons with disabilities are also counted in the four parts; "
    "women + men + girls + boys and disabled never exceed total (null or absent: the "
    "sum of the parts).",
)
ReachedSerializer = _counts_serializer(
    "reached",
    "ReachedSerializer",
    "People reached so far (progress reports add to it).",
)


class InterventionSerializer(serializers.ModelSerializer):
    organisation = serializers.PrimaryKeyRelatedField(read_only=True)
    organisation_name = serializers.CharField(
        source="organisation.name", read_only=True
    )
    partners = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Organisation.objects.filter(is_active=True), required=False
    )
    emergency = serializers.PrimaryKeyRelatedField(
        queryset=Emergency.objects.all(), allow_null=True, required=False
    )
    sector = serializers.SlugRelatedField(
        slug_field="code", queryset=Sector.objects.all()
    )
    activity = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceType.objects.all()
    )
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.all()
    )
    province = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Province.objects.all(),
        allow_null=True,
        required=False,
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    modality_label = serializers.CharField(
        source="get_modality_display", read_only=True
    )
    targeted = TargetedSerializer(source="*", required=False)
    reached = ReachedSerializer(source="*", required=False)

    class Meta:
        model = Intervention
        fields = [
            "id",
            "organisation",
            "organisation_name",
            "partners",
            "emergency",
            "sector",
            "activity",
            "region",
            "province",
            "commune",
            "latitude",
            "longitude",
            "start_date",
            "end_date",
            "status",
            "status_label",
            "modality",
            "modality_label",
            "targeted",
            "reached",
            "funding_source",
            "description",
            "external_ref",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "version", "created_at", "updated_at"]


class ProgressSerializer(serializers.ModelSerializer):
    """A progress report: people reached since the previous one."""

    total = serializers.IntegerField(
        min_value=0,
        max_value=2_000_000_000,
        required=False,
        allow_null=True,
        default=None,
        help_text="Null or absent: the sum of women, men, girls and boys.",
    )
    reported_on = serializers.DateField(
        required=False, validators=[validate_plausible_date]
    )

    class Meta:
        model = InterventionUpdate
        fields = [
            "id",
            "reported_on",
            "women",
            "men",
            "girls",
            "boys",
            "disabled",
            "total",
            "note",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            part: {"min_value": 0, "max_value": 2_000_000_000} for part in COUNTS[:5]
        }

    def validate(self, attrs):
        attrs.setdefault("reported_on", timezone.localdate())
        return attrs


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A CSV (UTF-8) or XLSX file: HXL hashtags or French/English headers."
    )
    dry_run = serializers.BooleanField(
        default=False, help_text="Check every row and report; save nothing."
    )


class ImportErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The spreadsheet's row number.")
    column = serializers.CharField(help_text="The column header as in the file.")
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    dry_run = serializers.BooleanField()
    valid = serializers.BooleanField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error_count = serializers.IntegerField()
    file_error = serializers.CharField()
    errors = ImportErrorSerializer(many=True)
    header_style = serializers.CharField()
    ignored_columns = serializers.ListField(child=serializers.CharField())


class ImportStatusSerializer(serializers.Serializer):
    """A file checked or imported by a worker: its progress, then its report."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(
        choices=InterventionImport.Status.choices,
        help_text="`checking` or `importing` while a worker reads the file; `checked`, "
        "`done` or `failed` when it has finished.",
    )
    processed_rows = serializers.IntegerField(help_text="Rows read so far.")
    total_rows = serializers.IntegerField(
        help_text="The file's rows (0 while they are being counted)."
    )
    finished_at = serializers.DateTimeField(allow_null=True)
    report = ImportReportSerializer(
        allow_null=True,
        help_text="The report once the worker has finished; null before.",
    )


class AnalysisQuerySerializer(serializers.Serializer):
    emergency = serializers.PrimaryKeyRelatedField(
        queryset=Emergency.objects.all(), required=False, allow_null=True
    )
    period_start = serializers.DateField(
        required=False, allow_null=True, validators=[validate_plausible_date]
    )
    period_end = serializers.DateField(
        required=False, allow_null=True, validators=[validate_plausible_date]
    )

    def validate(self, attrs):
        if not (
            attrs.get("emergency")
            or attrs.get("period_start")
            or attrs.get("period_end")
        ):
            raise serializers.ValidationError(
                _("Choose an emergency or a period (period_start and period_end).")
            )
        start, end = attrs.get("period_start"), attrs.get("period_end")
        if start and end and end < start:
            raise serializers.ValidationError(
                {"period_end": [_("The end of the period cannot be before its start.")]}
            )
        return attrs


class GapSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    sector = serializers.CharField(source="sector.code")
    sector_name = serializers.CharField(source="sector.name")
    people_in_need = serializers.IntegerField()
    needs = serializers.IntegerField()


class OverlapSerializer(serializers.Serializer):
    province = serializers.CharField(source="province.code")
    province_name = serializers.CharField(source="province.name")
    activity = serializers.CharField(source="activity.code")
    activity_name = serializers.CharField(source="activity.name")
    start = serializers.DateField()
    end = serializers.DateField(allow_null=True)
    organisations = serializers.SerializerMethodField()

    def get_organisations(self, overlap) -> list[int]:
        return [org.pk for org in overlap.organisations]


class AnalysisSerializer(serializers.Serializer):
    emergency = serializers.IntegerField(
        source="emergency.pk", read_only=True, allow_null=True, default=None
    )
    period_start = serializers.DateField(source="start", allow_null=True)
    period_end = serializers.DateField(source="end", allow_null=True)
    gaps = GapSerializer(many=True)
    overlaps = OverlapSerializer(many=True)
