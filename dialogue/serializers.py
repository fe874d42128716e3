"""Meetings, recommendations (with their progress updates) and comments as the API
serves them: organisations by id, enumerations with their translated labels."""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from .models import (
    COMMENT_MAX_LENGTH,
    RECOMMENDATION_MAX_LENGTH,
    Comment,
    Meeting,
    Participation,
    Recommendation,
    RecommendationUpdate,
)


def _organisations(**kwargs):
    return serializers.PrimaryKeyRelatedField(
        queryset=apps.get_model("organisations", "Organisation").objects.filter(
            is_active=True
        ),
        **kwargs,
    )


class ParticipationSerializer(serializers.ModelSerializer):
    organisation_name = serializers.CharField(
        source="organisation.name", read_only=True
    )

    class Meta:
        model = Participation
        fields = ["organisation", "organisation_name", "invited_at", "present"]
        read_only_fields = fields


class MeetingSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    organiser = _organisations(required=False, allow_null=True)
    participants = _organisations(many=True, required=False)
    themes = serializers.ListField(
        child=serializers.ChoiceField(choices=Meeting.Theme.choices),
        required=False,
    )
    theme_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    participations = ParticipationSerializer(many=True, read_only=True)
    ics_url = serializers.SerializerMethodField()
    invite = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="On creation: notify the participants at once (or POST invite/).",
    )

    # Title, dates, place and themes are dialogue.services' rules: a 400 per field
    # from there, the same for pages and the API.
    class Meta:
        model = Meeting
        fields = [
            "id",
            "title",
            "kind",
            "kind_label",
            "starts_at",
            "ends_at",
            "place",
            "online_url",
            "organiser",
            "participants",
            "participations",
            "themes",
            "theme_labels",
            "agenda",
            "minutes",
            "ics_url",
            "invite",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def get_ics_url(self, meeting: Meeting) -> str:
        return settings.SITE_URL.rstrip("/") + reverse(
            "dialogue:meeting_ics", args=[meeting.pk]
        )


class AttendanceSerializer(serializers.Serializer):
    present = _organisations(
        many=True, help_text="The participating organisations that attended."
    )


class RecommendationUpdateSerializer(serializers.ModelSerializer):
    """A dated progress update (also the body of POST `updates/`)."""

    status = serializers.ChoiceField(
        choices=Recommendation.Status.choices,
        required=False,
        write_only=True,
        help_text="Optional: the new status, along the allowed transitions.",
    )
    text = serializers.CharField(
        max_length=RECOMMENDATION_MAX_LENGTH, required=False, allow_blank=True
    )
    status_from_label = serializers.CharField(
        source="get_status_from_display", read_only=True
    )
    status_to_label = serializers.CharField(
        source="get_status_to_display", read_only=True
    )
    author = serializers.CharField(source="author.display_name", read_only=True)

    class Meta:
        model = RecommendationUpdate
        fields = [
            "id",
            "text",
            "status",
            "status_from",
            "status_from_label",
            "status_to",
            "status_to_label",
            "author",
            "organisation",
            "created_at",
        ]
        read_only_fields = [
            "id",
            "status_from",
            "status_to",
            "organisation",
            "created_at",
        ]
        # A note without a change of status has neither (nor has a first update
        # a status before it).
        extra_kwargs = {
            "status_from": {"allow_blank": True},
            "status_to": {"allow_blank": True},
        }


class RecommendationSerializer(serializers.ModelSerializer):
    code = serializers.CharField(read_only=True)
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.all(), required=False, allow_null=True
    )
    theme_label = serializers.CharField(source="get_theme_display", read_only=True)
    dimensions = serializers.ListField(
        child=serializers.ChoiceField(choices=Recommendation.Dimension.choices),
        required=False,
    )
    dimension_labels = serializers.ListField(
        child=serializers.CharField(), read_only=True
    )
    addressed_to = _organisations(many=True, required=False)
    owner = _organisations(required=False, allow_null=True)
    owner_user = serializers.SlugRelatedField(
        slug_field="email",
        queryset=apps.get_model(settings.AUTH_USER_MODEL).objects.filter(
            is_active=True
        ),
        required=False,
        allow_null=True,
        help_text="The person in charge, by e-mail address (a member of the owner).",
    )
    status = serializers.ChoiceField(
        choices=Recommendation.Status.choices, required=False
    )
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)
    evidence = serializers.ListField(
        child=serializers.CharField(max_length=500),
        required=False,
        help_text="Links: https:// addresses or pages of Tansiq (/emergencies/3/).",
    )
    updates = RecommendationUpdateSerializer(many=True, read_only=True)

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "code",
            "text",
            "meeting",
            "theme",
            "theme_label",
            "dimensions",
            "dimension_labels",
            "addressed_to",
            "owner",
            "owner_user",
            "due_date",
            "status",
            "status_label",
            "overdue",
            "evidence",
            "version",
            "updates",
            "last_activity_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "version",
            "updates",
            "last_activity_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"text": {"max_length": RECOMMENDATION_MAX_LENGTH}}


class CommentSerializer(serializers.ModelSerializer):
    """A comment on exactly one of `emergency`, `meeting`, `recommendation` (ids)."""

    emergency = serializers.IntegerField(
        source="emergency_id", required=False, allow_null=True
    )
    meeting = serializers.IntegerField(
        source="meeting_id", required=False, allow_null=True
    )
    recommendation = serializers.IntegerField(
        source="recommendation_id", required=False, allow_null=True
    )
    body = serializers.CharField(max_length=COMMENT_MAX_LENGTH)
    author = serializers.CharField(source="author.display_name", read_only=True)
    deleted = serializers.BooleanField(source="is_deleted", read_only=True)
    hidden = serializers.BooleanField(source="is_hidden", read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "emergency",
            "meeting",
            "recommendation",
            "body",
            "author",
            "organisation",
            "edited_at",
            "deleted",
            "hidden",
            "hidden_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "organisation",
            "edited_at",
            "hidden_reason",
            "created_at",
            "updated_at",
        ]

    def validate(self, attrs):
        if self.instance is None:
            targets = [
                name for name in Comment.TARGETS if attrs.get(f"{name}_id") is not None
            ]
            if len(targets) != 1:
                raise serializers.ValidationError(
                    {
                        "non_field_errors": [
                            _(
                                "Give exactly one of emergency, meeting or "
                                "recommendation."
                            )
                        ]
                    }
                )
        return attrs

    def to_representation(self, comment: Comment):
        data = super().to_representation(comment)
        request = self.context.get("request")
        coordinator = bool(request and request.user.is_coordinator)
        if comment.is_deleted or (comment.is_hidden and not coordinator):
            data["body"] = ""
        return data


class HideCommentSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)
