"""Referrals between organisations and their timeline. pghistory records every change;
a referral holds no identity (the beneficiary's code is what it points to)."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from coordination.models import Province, Region, TimeStampedModel
from organisations.models import Organisation

from .beneficiaries import CODE_ALPHABET, CODE_LENGTH, Beneficiary, Consent

# PRODUCT.md "Referrals": the response deadline of each priority.
PRIORITY_DELAYS = {
    "emergency": timedelta(hours=24),
    "urgent": timedelta(hours=72),
    "normal": timedelta(days=14),
}

# "Accepted, not completed after 30 days" on the pathway and the dashboards.
STALE_ACCEPTED_DAYS = 30


def new_referral_code() -> str:
    return "REF-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class ReferralQuerySet(models.QuerySet["Referral"]):
    def visible_to(self, user) -> ReferralQuerySet:
        """Referrals the acting organisation sent or received; nobody else's (the
        coordinators' pathway view reads metadata through `pathway_visible_to`)."""
        if not user.is_authenticated:
            return self.none()
        organisation = user.acting_organisation
        if organisation is None or user.acting_membership is None:
            return self.none()
        return self.filter(
            Q(from_organisation=organisation) | Q(to_organisation=organisation)
        )

    def pathway_visible_to(self, user) -> ReferralQuerySet:
        """Every referral's metadata, for coordinators (no identity is ever read)."""
        if not user.is_authenticated or not user.is_coordinator:
            return self.none()
        return self

    def incoming(self, organisation) -> ReferralQuerySet:
        return self.filter(to_organisation=organisation)

    def outgoing(self, organisation) -> ReferralQuerySet:
        return self.filter(from_organisation=organisation)

    def open(self) -> ReferralQuerySet:
        return self.filter(status__in=Referral.OPEN_STATUSES)

    def overdue(self, now=None) -> ReferralQuerySet:
        """Pending past their response deadline."""
        return self.filter(
            status=Referral.Status.PENDING, due_at__lt=now or timezone.now()
        )

    def follow_up_due(self, now=None) -> ReferralQuerySet:
        """Accepted, past their follow-up date, not asked yet, and not answered
        "yes" or "no" by the sender already."""
        return self.filter(
            status=Referral.Status.ACCEPTED,
            follow_up_at__lte=now or timezone.now(),
            follow_up_asked_at__isnull=True,
        ).exclude(served__in=(Referral.Served.YES, Referral.Served.NO))

    def stale_accepted(self, now=None) -> ReferralQuerySet:
        """Accepted more than STALE_ACCEPTED_DAYS ago (setting
        REFERRAL_STALE_ACCEPTED_DAYS) and still not completed: accepted is not served
        (the partial index of dashboards/migrations/0003 serves it)."""
        days = getattr(settings, "REFERRAL_STALE_ACCEPTED_DAYS", STALE_ACCEPTED_DAYS)
        return self.filter(
            status=Referral.Status.ACCEPTED,
            responded_at__lt=(now or timezone.now()) - timedelta(days=days),
        )

    def inbox_order(self, now=None) -> ReferralQuerySet:
        """Overdue first, then open by deadline, then closed, newest first."""
        now = now or timezone.now()
        return self.annotate(
            inbox_rank=models.Case(
                models.When(
                    status=Referral.Status.PENDING, due_at__lt=now, then=models.Value(0)
                ),
                models.When(status__in=Referral.OPEN_STATUSES, then=models.Value(1)),
                default=models.Value(2),
                output_field=models.IntegerField(),
            )
        ).order_by("inbox_rank", "due_at", "-id")


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    exclude=["updated_at"],
    # "ReferralEvent" and `referral.events` are the timeline users see.
    model_name="ReferralHistory",
    obj_field=pghistory.ObjForeignKey(related_name="history"),
)
class Referral(TimeStampedModel):
    """One organisation asking another to take a person for a service, with consent."""

    class Priority(models.TextChoices):
        EMERGENCY = "emergency", _("emergency (24 hours)")
        URGENT = "urgent", _("urgent (72 hours)")
        NORMAL = "normal", _("normal (14 days)")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    class Served(models.TextChoices):
        """The sender's answer at the follow-up date: was the person served?"""

        YES = "yes", _("yes, served")
        NOT_YET = "not_yet", _("not yet")
        NO = "no", _("no, not served")

    OPEN_STATUSES = ("pending", "accepted")
    CLOSED_STATUSES = ("declined", "completed", "cancelled")

    code = models.CharField(_("code"), max_length=10, unique=True, editable=False)
    from_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="referrals_sent",
        verbose_name=_("from"),
    )
    to_organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("to"),
    )
    service = models.ForeignKey(
        "organisations.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("service"),
    )
    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("beneficiary"),
    )
    consent = models.ForeignKey(
        Consent,
        on_delete=models.PROTECT,
        related_name="referrals",
        verbose_name=_("consent"),
    )
    emergency = models.ForeignKey(
        "emergencies.Emergency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("emergency"),
    )
    sector = models.ForeignKey(
        "coordination.Sector",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sector"),
    )
    service_type = models.ForeignKey(
        "coordination.ServiceType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service type"),
    )
    # Where the person is (copied from the beneficiary when sent): statistics by place
    # without reading beneficiaries.
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province or prefecture"),
    )
    reason = models.TextField(
        _("reason for the referral"),
        max_length=4000,
        help_text=_("What the person needs. No name or contact details here."),
    )
    priority = models.CharField(
        _("priority"), max_length=12, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    due_at = models.DateTimeField(_("answer due"))
    responded_at = models.DateTimeField(_("answered"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    outcome = models.TextField(_("outcome"), max_length=4000, blank=True)
    decline_reason = models.TextField(
        _("reason for declining"), max_length=4000, blank=True
    )
    cancel_reason = models.TextField(
        _("reason for cancelling"), max_length=4000, blank=True
    )
    feedback = models.TextField(
        _("feedback to the referring organisation"), max_length=4000, blank=True
    )
    reminded_at = models.DateTimeField(_("reminded"), null=True, blank=True)
    # Follow-through (issue 16): accepted is not served. The sender is asked at
    # `follow_up_at` whether the person was served.
    follow_up_at = models.DateTimeField(_("follow-up"), null=True, blank=True)
    follow_up_asked_at = models.DateTimeField(
        _("follow-up requested"), null=True, blank=True
    )
    served = models.CharField(
        _("person served"),
        max_length=10,
        choices=Served.choices,
        blank=True,
        db_default="",
    )
    served_note = models.TextField(
        _("why not served"), max_length=4000, blank=True, db_default=""
    )
    served_answered_at = models.DateTimeField(
        _("follow-up answered"), null=True, blank=True
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sent by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_organisation=models.F("to_organisation")),
                name="referrals_referral_not_to_self",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="referrals_referral_decline_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | ~Q(outcome=""),
                name="referrals_referral_completed_has_outcome",
            ),
            models.CheckConstraint(
                condition=~Q(served="no") | ~Q(served_note=""),
                name="referrals_referral_not_served_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="referrals_ref_sync_idx"),
            models.Index(
                fields=["to_organisation", "status", "due_at"],
                name="referrals_ref_inbox_idx",
            ),
            models.Index(
                fields=["from_organisation", "status", "due_at"],
                name="referrals_ref_outbox_idx",
            ),
            models.Index(
                fields=["due_at"],
                condition=Q(status="pending"),
                name="referrals_ref_pending_due_idx",
            ),
            models.Index(fields=["sent_at"], name="referrals_ref_sent_idx"),
            models.Index(
                fields=["follow_up_at"],
                condition=Q(status="accepted", follow_up_asked_at__isnull=True),
                name="referrals_ref_follow_up_idx",
            ),
        ]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("referrals:referral_detail", args=[self.code])

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.PENDING and self.due_at < timezone.now()

    @property
    def response_time(self) -> timedelta | None:
        if self.responded_at is None:
            return None
        return self.responded_at - self.sent_at


class ReferralEvent(models.Model):
    """One step of a referral's timeline: what happened, who did it, when."""

    class Kind(models.TextChoices):
        """What happened: read as a timeline entry ("Sent — Youssef, 3 Dec"), so each
        label has its own context, apart from the statuses and date fields that share
        the English word ("sent" the date, "accepted" the status)."""

        SENT = "sent", pgettext_lazy("referral timeline event", "sent")
        ACCEPTED = "accepted", pgettext_lazy("referral timeline event", "accepted")
        DECLINED = "declined", pgettext_lazy("referral timeline event", "declined")
        COMPLETED = "completed", pgettext_lazy("referral timeline event", "completed")
        CANCELLED = "cancelled", pgettext_lazy("referral timeline event", "cancelled")
        ASSIGNED = "assigned", pgettext_lazy("referral timeline event", "assigned")
        REMINDED = "reminded", pgettext_lazy("referral timeline event", "reminder sent")
        OVERDUE = "overdue", pgettext_lazy("referral timeline event", "deadline passed")
        CONSENT_WITHDRAWN = (
            "consent_withdrawn",
            pgettext_lazy("referral timeline event", "consent withdrawn"),
        )
        FEEDBACK = "feedback", pgettext_lazy("referral timeline event", "feedback")
        # Issue 16: the slip shared off the platform, the follow-through and the
        # person's own feedback.
        SHARED = "shared", pgettext_lazy("referral timeline event", "slip shared")
        FOLLOW_UP_DUE = (
            "follow_up_due",
            pgettext_lazy("referral timeline event", "follow-up requested"),
        )
        FOLLOW_UP = (
            "follow_up",
            pgettext_lazy("referral timeline event", "follow-up answered"),
        )
        PERSON_FEEDBACK = (
            "person_feedback",
            pgettext_lazy("referral timeline event", "feedback from the person"),
        )

    class Channel(models.TextChoices):
        """How a slip left the platform (the timeline keeps the channel, never the
        text)."""

        WHATSAPP = "whatsapp", _("WhatsApp")
        SMS = "sms", _("SMS")
        PRINT = "print", _("printed")
        PDF = "pdf", _("PDF downloaded")

    referral = models.ForeignKey(
        Referral,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("referral"),
    )
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.TextField(_("note"), max_length=4000, blank=True)
    # Database defaults too: rows written without these columns (raw SQL, an older
    # release during a deploy) stay valid.
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, blank=True, db_default=""
    )
    # An answer given by the receiving service through the slip's one-time link
    # (no account, so no actor): shown as "receiving service (link)".
    via_link = models.BooleanField(
        _("through the confirmation link"), default=False, db_default=False
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["referral", "at"], name="referrals_evt_idx")]
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")

    def __str__(self) -> str:
        return f"{self.referral_id}:{self.kind}"
