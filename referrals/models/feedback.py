"""What a referred person says about their referral, typed with the code on their slip
on a public page (issue 16). Only the referral's sender and receiver read it: never
coordinators, observers, the pathway, exports, notifications or logs. No address of
the person who wrote it is kept."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .referrals import Referral


class ReferralFeedback(models.Model):
    """One message from the person referred, linked to their referral."""

    class Kind(models.TextChoices):
        HELPED = "helped", _("it helped")
        NOT_HELPED = "not_helped", _("it did not help")
        NOT_RECEIVED = "not_received", _("I was not received")

    referral = models.ForeignKey(
        Referral,
        on_delete=models.PROTECT,
        related_name="person_feedback",
        verbose_name=_("referral"),
    )
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, blank=True)
    text = models.TextField(_("message"), max_length=2000)
    language = models.CharField(_("language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["referral", "created_at"], name="referrals_fbk_idx")
        ]
        verbose_name = _("feedback from the person")
        verbose_name_plural = _("feedback from the people referred")

    def __str__(self) -> str:
        return f"{self.referral_id}:{self.kind or 'message'}"
