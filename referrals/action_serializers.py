"""What the referral actions take (accept, decline, complete, cancel, assign, the
sender's follow-up answer): small input serializers, kept apart from the referral's own."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from organisations.models import User

from .models import Referral


class ReferralAcceptSerializer(serializers.Serializer):
    assigned_to = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("A member of your organisation to handle the person."),
    )


class ReferralDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=4000, help_text=_("Why your organisation cannot take the person.")
    )


class ReferralCompleteSerializer(serializers.Serializer):
    outcome = serializers.CharField(max_length=4000)
    feedback = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ReferralCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True)


class ReferralAssignSerializer(serializers.Serializer):
    assigned_to = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True)
    )


class ReferralFollowUpSerializer(serializers.Serializer):
    served = serializers.ChoiceField(
        Referral.Served.choices,
        help_text=_("Was the person served? `not_yet` asks again later."),
    )
    note = serializers.CharField(
        max_length=4000,
        required=False,
        allow_blank=True,
        help_text=_("Why the person was not served (required with `no`)."),
    )
