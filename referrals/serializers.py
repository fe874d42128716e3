"""Beneficiaries and consents as the API serves them. Identity fields appear only when
the view asked for them (a logged display) and `can_see_identity` allows it."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from coordination.models import Province, Region, Sector, ServiceType
from coordination.validators import validate_date_of_birth
from emergencies.models import Emergency
from organisations.models import LANGUAGE_CHOICES, Organisation, Service

from .models import (
    IDENTITY_FIELDS,
    NATIONALITY_CHOICES,
    VULNERABILITY_CHOICES,
    Beneficiary,
    Consent,
    Referral,
    ReferralEvent,
    WGSSAnswer,
)
from .services import (
    can_see_identity,
    duplicates_by_pk,
    known_to,
    matching_codes,
    possible_duplicates,
)


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
    date_of_birth = serializers.DateField(
        required=False, allow_null=True, validators=[validate_date_of_birth]
    )
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
    slip_identity = serializers.ChoiceField(
        Consent.SlipIdentity.choices,
        default=Consent.SlipIdentity.NONE,
        help_text=_(
            "What the referral slip may show besides the code: none, initials or "
            "first_name (always none under vital interest)."
        ),
    )

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
            "slip_identity",
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


# ---------------------------------------------------------------------------
# Referrals
# ---------------------------------------------------------------------------
class ReferralPersonSerializer(serializers.Serializer):
    """The person a referral is about: statistics fields for sender and receiver; the
    identity fields are added by `ReferralSerializer` only when it may show them."""

    sex = serializers.CharField(read_only=True)
    age_band = serializers.CharField(read_only=True)
    nationality = serializers.CharField(read_only=True)
    languages = serializers.ListField(child=serializers.CharField(), read_only=True)
    interpreter_needed = serializers.BooleanField(read_only=True)
    vulnerabilities = serializers.ListField(
        child=serializers.CharField(), read_only=True
    )
    disability = serializers.BooleanField(read_only=True)
    region = serializers.CharField(source="region.code", read_only=True, default=None)
    province = serializers.CharField(
        source="province.code", read_only=True, default=None
    )
    # Identity fields: present only where the identity is shared, so not required
    # (and not marked read-only, which the schema would make required; this whole
    # serializer is output only).
    full_name = serializers.CharField(
        required=False, help_text=_("Only where the identity is shared.")
    )
    phone = serializers.CharField(required=False)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    document_numbers = serializers.CharField(required=False)
    address = serializers.CharField(required=False)

    @property
    def _readable_fields(self):
        # Identity is never read here (the schema lists it); ReferralSerializer adds it
        # when `can_see_identity` allows, for a logged display.
        for field in super()._readable_fields:
            if field.field_name not in IDENTITY_FIELDS:
                yield field


class _UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(source="display_name", read_only=True)


class _ConsentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    legal_basis = serializers.CharField(read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)


class ReferralEventSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    actor = serializers.SerializerMethodField()
    organisation = serializers.SerializerMethodField()
    channel = serializers.ChoiceField(
        ReferralEvent.Channel.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("How a slip was shared (`shared` events); empty otherwise."),
    )

    class Meta:
        model = ReferralEvent
        fields = [
            "kind",
            "kind_label",
            "actor",
            "organisation",
            "at",
            "note",
            "channel",
            "via_link",
        ]
        read_only_fields = fields

    def get_actor(self, event: ReferralEvent) -> str:
        return event.actor.display_name if event.actor_id else ""

    def get_organisation(self, event: ReferralEvent) -> str:
        return event.organisation.name if event.organisation_id else ""


class ReferralListSerializer(serializers.ListSerializer):
    def to_representation(self, data):
        rows = list(data.all() if hasattr(data, "all") else data)
        # One query for the whole page's "known as" codes.
        self.child.context["known_as"] = _known_as_by_pk(
            rows, self.child.context.get("request")
        )
        return super().to_representation(rows)


def _known_as_by_pk(referrals, request) -> dict[int, list[str]]:
    """For each referral the acting organisation received: codes under which it already
    knows the person (`known_to`), in one query for the page."""
    organisation = getattr(getattr(request, "user", None), "acting_organisation", None)
    if organisation is None:
        return {}
    received = [r for r in referrals if r.to_organisation_id == organisation.pk]
    known = matching_codes([r.beneficiary for r in received], organisation=organisation)
    return {r.pk: known[r.beneficiary.pk] for r in received}


class ReferralSerializer(serializers.ModelSerializer):
    """A referral as its sender and receiver read it. `person` carries identity only
    when the view asked for it (`context["identity"]`, a logged display) and
    `can_see_identity` allows it; `events` only when the view asked for the timeline."""

    from_organisation_name = serializers.CharField(
        source="from_organisation.name", read_only=True
    )
    to_organisation_name = serializers.CharField(
        source="to_organisation.name", read_only=True
    )
    service_name = serializers.CharField(
        source="service.name", read_only=True, default=None
    )
    beneficiary = serializers.SlugRelatedField(slug_field="code", read_only=True)
    person = ReferralPersonSerializer(source="beneficiary", read_only=True)
    known_as = serializers.SerializerMethodField()
    sector = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    priority_label = serializers.CharField(
        source="get_priority_display", read_only=True
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    assigned_to = _UserRefSerializer(read_only=True, allow_null=True)
    consent = _ConsentRefSerializer(read_only=True)
    events = ReferralEventSerializer(many=True, read_only=True, required=False)
    confirmed_via_link = serializers.SerializerMethodField()
    served = serializers.ChoiceField(
        Referral.Served.choices,
        allow_blank=True,
        read_only=True,
        help_text=_("The sender's follow-up answer; empty until it is given."),
    )

    class Meta:
        model = Referral
        list_serializer_class = ReferralListSerializer
        fields = [
            "code",
            "from_organisation",
            "from_organisation_name",
            "to_organisation",
            "to_organisation_name",
            "service",
            "service_name",
            "emergency",
            "beneficiary",
            "person",
            "known_as",
            "sector",
            "service_type",
            "reason",
            "priority",
            "priority_label",
            "status",
            "status_label",
            "sent_at",
            "due_at",
            "overdue",
            "responded_at",
            "closed_at",
            "assigned_to",
            "outcome",
            "decline_reason",
            "cancel_reason",
            "feedback",
            "follow_up_at",
            "served",
            "served_note",
            "served_answered_at",
            "confirmed_via_link",
            "consent",
            "version",
            "updated_at",
            "events",
        ]
        read_only_fields = fields

    def get_confirmed_via_link(self, referral: Referral) -> bool:
        """Whether the receiving service answered through the slip's link (the
        viewset selects the link with the row: no query per referral)."""
        try:
            link = referral.confirmation_link
        except ObjectDoesNotExist:
            return False
        return link.used_at is not None

    def get_known_as(self, referral: Referral) -> list[str]:
        """For the receiving organisation: codes under which it already knows the
        person. Empty for the sender."""
        known = self.context.get("known_as")
        if known is not None:
            return known.get(referral.pk, [])
        request = self.context.get("request")
        organisation = getattr(
            getattr(request, "user", None), "acting_organisation", None
        )
        if organisation is None or organisation.pk != referral.to_organisation_id:
            return []
        return known_to(organisation, referral.beneficiary)

    @property
    def _readable_fields(self):
        # The timeline is read for one referral only (never per row of a list).
        show_events = self.context.get("events")
        for field in super()._readable_fields:
            if show_events or field.field_name != "events":
                yield field

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        show = (
            self.context.get("identity")
            and request is not None
            and can_see_identity(request.user, instance.beneficiary)
        )
        person = data["person"]
        for name in IDENTITY_FIELDS:
            if show:
                value = getattr(instance.beneficiary, name)
                person[name] = (
                    value.isoformat() if hasattr(value, "isoformat") else value
                )
            else:
                person.pop(name, None)
        return data


class ReferralListItemSerializer(ReferralSerializer):
    """A referral as lists show it: no timeline (the schema of `list` only)."""

    class Meta(ReferralSerializer.Meta):
        fields = [f for f in ReferralSerializer.Meta.fields if f != "events"]


class ConsentDataSerializer(serializers.Serializer):
    given_by = serializers.ChoiceField(
        Consent.GivenBy.choices, required=False, allow_blank=True
    )
    scope = serializers.CharField(max_length=4000)
    legal_basis = serializers.ChoiceField(
        Consent.LegalBasis.choices, default=Consent.LegalBasis.CONSENT
    )
    justification = serializers.CharField(
        required=False, allow_blank=True, max_length=4000
    )
    slip_identity = serializers.ChoiceField(
        Consent.SlipIdentity.choices, default=Consent.SlipIdentity.NONE
    )


class ReferralCreateSerializer(serializers.Serializer):
    """What a sender posts: the person by code, where to (organisation and/or service),
    the need, and the consent (an existing one's id, or `consent_data` to record one)."""

    beneficiary = serializers.CharField(
        max_length=10, help_text=_("The person's code, e.g. BNF-7K3Q9X.")
    )
    to_organisation = serializers.PrimaryKeyRelatedField(
        queryset=Organisation.objects.all(), required=False, allow_null=True
    )
    service = serializers.PrimaryKeyRelatedField(
        queryset=Service.objects.select_related(
            "organisation", "sector", "service_type"
        ),
        required=False,
        allow_null=True,
    )
    sector = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Sector.objects.all(),
        required=False,
        allow_null=True,
    )
    service_type = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ServiceType.objects.all(),
        required=False,
        allow_null=True,
    )
    reason = serializers.CharField(max_length=4000)
    priority = serializers.ChoiceField(
        Referral.Priority.choices, default=Referral.Priority.NORMAL
    )
    emergency = serializers.PrimaryKeyRelatedField(
        queryset=Emergency.objects.all(), required=False, allow_null=True
    )
    consent = serializers.IntegerField(
        required=False, allow_null=True, help_text=_("The id of a recorded consent.")
    )
    consent_data = ConsentDataSerializer(
        required=False,
        allow_null=True,
        help_text=_("A consent to record with the referral, instead of `consent`."),
    )

    def _user(self):
        return self.context["request"].user

    def validate_beneficiary(self, value: str) -> Beneficiary:
        beneficiary = (
            Beneficiary.objects.visible_to(self._user())
            .filter(code=value.strip().upper())
            .first()
        )
        if beneficiary is None:
            raise serializers.ValidationError(
                _("No person of your organisation has this code.")
            )
        return beneficiary

    def validate(self, attrs):
        consent_id = attrs.get("consent")
        if consent_id is not None and attrs.get("consent_data"):
            raise serializers.ValidationError(
                {
                    "consent": [
                        _("Send either a consent's id or consent_data, not both.")
                    ]
                }
            )
        if consent_id is not None:
            consent = (
                Consent.objects.visible_to(self._user())
                .filter(pk=consent_id, beneficiary=attrs["beneficiary"])
                .first()
            )
            if consent is None:
                raise serializers.ValidationError(
                    {
                        "consent": [
                            _("No consent with this id was recorded for this person.")
                        ]
                    }
                )
            attrs["consent"] = consent
        return attrs
