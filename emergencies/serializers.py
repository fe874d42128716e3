"""Emergencies, needs, capacities and alerts as the API serves them: reference data by
code, enumerations with their translated labels."""

from __future__ import annotations

from django.apps import apps
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from coordination.validators import validate_plausible_date

from .glide import normalise_glide_number, validate_glide_number
from .models import (
    Alert,
    AlertRecipient,
    Capacity,
    Emergency,
    Need,
    Province,
    Region,
    Sector,
    ServiceType,
)


def _codes(model, **kwargs):
    return serializers.SlugRelatedField(
        slug_field="code", queryset=model.objects.all(), **kwargs
    )


class NeedSerializer(serializers.ModelSerializer):
    sector = _codes(Sector)
    service_type = _codes(ServiceType, required=False, allow_null=True)
    region = _codes(Region)
    province = _codes(Province, required=False, allow_null=True)
    priority_label = serializers.CharField(
        source="get_priority_display", read_only=True
    )

    class Meta:
        model = Need
        fields = [
            "id",
            "emergency",
            "sector",
            "service_type",
            "region",
            "province",
            "people_in_need",
            "priority",
            "priority_label",
            "note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "emergency", "created_at", "updated_at"]


class EmergencySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    severity_label = serializers.CharField(
        source="get_severity_display", read_only=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    regions = _codes(Region, many=True)
    provinces = _codes(Province, many=True, required=False)
    needs = NeedSerializer(many=True, read_only=True)
    glide_number = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text="GLIDE number (HXL `#crisis+code`), e.g. `EQ-2023-000166-MAR`: "
        "hazard code, year, six digits, ISO 3166-1 alpha-3 country; unique. "
        "Lower case is accepted and stored in capitals.",
    )

    def validate_glide_number(self, value: str) -> str:
        value = normalise_glide_number(value)
        validate_glide_number(value)  # Django's ValidationError: a 400 on the field
        return value

    # Title, places and dates are emergencies.services' rules: a 400 per field from
    # there, the same for pages and the API.
    class Meta:
        model = Emergency
        fields = [
            "id",
            "title",
            "kind",
            "kind_label",
            "regions",
            "provinces",
            "started_on",
            "ended_on",
            "severity",
            "severity_label",
            "status",
            "status_label",
            "people_affected",
            "description",
            "glide_number",
            "needs",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "needs", "created_at", "updated_at"]


class CapacitySerializer(serializers.ModelSerializer):
    emergency = serializers.PrimaryKeyRelatedField(
        queryset=Emergency.objects.all(), required=False, allow_null=True
    )
    sector = _codes(Sector)
    service_type = _codes(ServiceType, required=False, allow_null=True)
    region = _codes(Region)
    province = _codes(Province, required=False, allow_null=True)
    as_of = serializers.DateField(
        required=False,
        validators=[validate_plausible_date],
        help_text="Defaults to today when omitted.",
    )

    class Meta:
        model = Capacity
        fields = [
            "id",
            "organisation",
            "emergency",
            "sector",
            "service_type",
            "description",
            "quantity",
            "region",
            "province",
            "as_of",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "organisation", "created_at", "updated_at"]


class AlertAnswerSerializer(serializers.ModelSerializer):
    """One organisation's answer to an alert (also the body of `answer/`)."""

    response = serializers.ChoiceField(choices=AlertRecipient.Response.choices)
    response_label = serializers.CharField(
        source="get_response_display", read_only=True
    )
    note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )

    class Meta:
        model = AlertRecipient
        fields = ["organisation", "response", "response_label", "note", "answered_at"]
        read_only_fields = ["organisation", "answered_at"]


class AlertRecipientStatusSerializer(serializers.ModelSerializer):
    """Per organisation, what the coordinator sees of an alert."""

    organisation_name = serializers.CharField(
        source="organisation.name", read_only=True
    )
    told = serializers.SerializerMethodField()
    delivered = serializers.BooleanField(
        read_only=True, help_text="An in-app notification reached a member."
    )
    emailed = serializers.BooleanField(
        read_only=True, help_text="An e-mail to a member was handed to the mail server."
    )
    read = serializers.BooleanField(read_only=True, help_text="A member read it.")
    answered = serializers.SerializerMethodField()
    response_label = serializers.CharField(
        source="get_response_display", read_only=True
    )

    class Meta:
        model = AlertRecipient
        fields = [
            "organisation",
            "organisation_name",
            "told",
            "delivered",
            "emailed",
            "read",
            "answered",
            "response",
            "response_label",
            "note",
            "answered_at",
        ]
        read_only_fields = fields
        extra_kwargs = {"response": {"allow_blank": True}}  # "" until answered

    def get_told(self, row) -> bool:
        return True

    def get_answered(self, row) -> bool:
        return row.answered_at is not None


class OrganisationBriefSerializer(serializers.Serializer):
    """An organisation an alert would reach."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    acronym = serializers.CharField()
    verified = serializers.BooleanField()


class AlertPreviewSerializer(serializers.Serializer):
    recipients = OrganisationBriefSerializer(many=True)


def _active_organisations():
    return apps.get_model("organisations", "Organisation").objects.filter(
        is_active=True
    )


class RecipientsField(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return _active_organisations()


class AlertSerializer(serializers.ModelSerializer):
    emergency = serializers.PrimaryKeyRelatedField(queryset=Emergency.objects.all())
    regions = _codes(Region, many=True, required=False)
    provinces = _codes(Province, many=True, required=False)
    sectors = _codes(Sector, many=True, required=False)
    recipients = RecipientsField(
        many=True,
        required=False,
        help_text="Organisation ids. On POST, optional: the organisations picked by "
        "hand; without it, those active in the places and sectors.",
    )
    preview = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="POST only: return the recipients it would reach, without sending.",
    )
    my_answer = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "emergency",
            "message",
            "regions",
            "provinces",
            "sectors",
            "recipients",
            "preview",
            "my_answer",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "my_answer", "created_at", "updated_at"]

    def to_representation(self, alert):
        data = super().to_representation(alert)
        data["recipients"] = [r.organisation_id for r in alert.recipients.all()]
        return data

    @extend_schema_field(AlertAnswerSerializer(allow_null=True))
    def get_my_answer(self, alert):
        """The answer of the organisation the caller acts for, if it received it."""
        request = self.context.get("request")
        org = request.user.acting_organisation if request else None
        if org is None:
            return None
        mine = next(
            (r for r in alert.recipients.all() if r.organisation_id == org.pk), None
        )
        return AlertAnswerSerializer(mine).data if mine is not None else None
