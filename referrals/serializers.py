"""Beneficiaries and consents as the API serves them. Identity fields appear only when
the view asked for them (a logged display) and `can_see_identity` allows it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coordination.models import Province, Region
from organisations.models import LANGUAGE_CHOICES, Organisation

from .models import (
    IDENTITY_FIELDS,
    NATIONALITY_CHOICES,
    VULNERABILITY_CHOICES,
    Beneficiary,
    Consent,
    WGSSAnswer,
)
from .services import can_see_identity, duplicates_by_pk, possible_duplicates


class WGSSSerializer(serializers.Serializer):
    """The six Washington Group Short Set answers ("" or absent: not asked)."""

    seeing = serializers.ChoiceField(
        WGSSAnswer.choices, source="wg_seeing", required=False, allow_blank=True
    )
    hearing = serializers.ChoiceField(
        WGSSAnswer.choices, source="wg_hearing", required=False, allow_blank=True
    )
    walking = serializers.ChoiceField(
        WGSSAnswer.choices, source="wg_walking", required=False, allow_blank=True
    )
    remembering = serializers.ChoiceField(
        WGSSAnswer.choices, source="wg_remembering", required=False, allow_blank=True
    )
    self_care = serializers.ChoiceField(
        WGSSAnswer.choices, source="wg_self_care", required=False, allow_blank=True
    )
    communicating = serializers.ChoiceField(
        WGSSAnswer.choices, source="wg_communicating", required=False, allow_blank=True
    )


class BeneficiaryListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        # One query for the whole page's possible duplicates.
        self.child.context["duplicates"] = duplicates_by_pk(rows)
        return super().to_representation(rows)


class BeneficiarySerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(
        required=False, allow_blank=True, max_length=300, write_only=False
    )
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    document_numbers = serializers.CharField(
        required=False, allow_blank=True, max_length=500
    )
    address = serializers.CharField(required=False, allow_blank=True, max_length=500)
    organisation = serializers.PrimaryKeyRelatedField(read_only=True)
    nationality = serializers.ChoiceField(
        NATIONALITY_CHOICES, required=False, allow_blank=True
    )
    languages = serializers.ListField(
        child=serializers.ChoiceField(LANGUAGE_CHOICES), required=False
    )
    vulnerabilities = serializers.ListField(
        child=serializers.ChoiceField(VULNERABILITY_CHOICES), required=False
    )
    region = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Region.objects.all(),
        allow_null=True,
        required=False,
    )
    province = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Province.objects.all(),
        allow_null=True,
        required=False,
    )
    household_size = serializers.IntegerField(
        min_value=1, max_value=50, allow_null=True, required=False
    )
    birth_year = serializers.IntegerField(
        min_value=1900, max_value=2100, allow_null=True, required=False
    )
    sex_label = serializers.CharField(source="get_sex_display", read_only=True)
    age_band = serializers.CharField(read_only=True)
    wgss = WGSSSerializer(source="*", required=False)
    disability = serializers.BooleanField(read_only=True)
    identity_erased = serializers.BooleanField(read_only=True)
    possible_duplicates = serializers.SerializerMethodField()

    class Meta:
        model = Beneficiary
        list_serializer_class = BeneficiaryListSerializer
        fields = [
            "code",
            "organisation",
            *IDENTITY_FIELDS,
            "sex",
            "sex_label",
            "birth_year",
            "age_band",
            "nationality",
            "languages",
            "interpreter_needed",
            "region",
            "province",
            "household_size",
            "vulnerabilities",
            "wgss",
            "disability",
            "identity_erased",
            "possible_duplicates",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["code", "version", "created_at", "updated_at"]

    def get_possible_duplicates(self, beneficiary: Beneficiary) -> list[str]:
        """Codes of records of the same organisation that may be the same person."""
        duplicates = self.context.get("duplicates")
        if duplicates is not None:
            return duplicates.get(beneficiary.pk, [])
        return possible_duplicates(beneficiary)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        show = (
            self.context.get("identity")
            and request is not None
            and can_see_identity(request.user, instance)
        )
        if not show:
            for name in IDENTITY_FIELDS:
                data.pop(name, None)
        return data


class ConsentSerializer(serializers.ModelSerializer):
    beneficiary = serializers.SlugRelatedField(slug_field="code", read_only=True)
    organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(),
        help_text=_("The organisation the identity may be shared with."),
    )
    organisation_name = serializers.CharField(
        source="organisation.name", read_only=True
    )
    given_by = serializers.ChoiceField(
        Consent.GivenBy.choices, required=False, allow_blank=True
    )
    legal_basis = serializers.ChoiceField(
        Consent.LegalBasis.choices, default=Consent.LegalBasis.CONSENT
    )
    legal_basis_label = serializers.CharField(
        source="get_legal_basis_display", read_only=True
    )
    active = serializers.BooleanField(source="is_active", read_only=True)

    class Meta:
        model = Consent
        fields = [
            "id",
            "beneficiary",
            "organisation",
            "organisation_name",
            "given_by",
            "scope",
            "legal_basis",
            "legal_basis_label",
            "justification",
            "recorded_at",
            "recorded_by",
            "active",
            "withdrawn_at",
            "withdrawn_by",
            "withdrawal_reason",
        ]
        read_only_fields = [
            "recorded_at",
            "recorded_by",
            "withdrawn_at",
            "withdrawn_by",
            "withdrawal_reason",
        ]


class WithdrawConsentSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
