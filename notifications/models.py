"""Notifications: the in-app inbox, per-kind preferences, the outbox of deliveries
(e-mail, webhooks) and partner systems' webhook subscriptions."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from coordination.models import TimeStampedModel

# Organisations and users are named as strings: coordination imports no app.
ORGANISATION = "organisations.Organisation"


def render_notification_template(notification: Notification, part: str) -> str:
    """One part (`subject`, `body.txt`, `body.html`) of a notification's message, in the
    active language, from templates/notifications/<kind>_<part> (or the default one)."""
    name, _dot, ext = part.partition(".")
    ext = ext or "txt"
    template = select_template(
        [
            f"notifications/{notification.kind}_{name}.{ext}",
            f"notifications/default_{name}.{ext}",
        ]
    )
    context = {
        **(notification.context or {}),
        "notification": notification,
        "site_url": settings.SITE_URL.rstrip("/"),
        "LANGUAGE_CODE": translation.get_language(),
        "LANGUAGE_BIDI": translation.get_language_bidi(),
    }
    return template.render(context)


class NotificationQuerySet(models.QuerySet["Notification"]):
    def visible_to(self, user) -> NotificationQuerySet:
        """A user's own notifications, and nobody else's (coordinators included)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(recipient=user)

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(TimeStampedModel):
    """One thing the platform tells one user: an in-app inbox row (and the source of
    the e-mails about it). The text is rendered when read, in the reader's language."""

    class Kind(models.TextChoices):
        REFERRAL_RECEIVED = "referral_received", _("Referral received")
        REFERRAL_ACCEPTED = "referral_accepted", _("Referral accepted")
        REFERRAL_DECLINED = "referral_declined", _("Referral declined")
        REFERRAL_COMPLETED = "referral_completed", _("Referral completed")
        REFERRAL_CANCELLED = "referral_cancelled", _("Referral cancelled")
        REFERRAL_REMINDER = "referral_reminder", _("Referral reminder")
        REFERRAL_OVERDUE = "referral_overdue", _("Referral overdue")
        # Follow-through: the sender asked, the receiver reminded, an answer, the
        # person's feedback (its text never in a notification).
        REFERRAL_FOLLOW_UP = "referral_follow_up", _("Referral follow-up")
        ALERT_RECEIVED = "alert_received", _("Alert received")
        ALERT_ANSWERED = "alert_answered", _("Alert answered")
        RECOMMENDATION_ASSIGNED = (
            "recommendation_assigned",
            _("Recommendation assigned"),
        )
        RECOMMENDATION_UPDATED = "recommendation_updated", _("Recommendation updated")
        MEETING_INVITATION = "meeting_invitation", _("Meeting invitation")
        MENTION = "mention", _("Mention")
        WEBHOOK_DISABLED = "webhook_disabled", _("Webhook disabled")
        DELIVERY_FAILED = "delivery_failed", _("Delivery failed")

    # Kinds nobody may turn off (PRODUCT.md: a referral sent to your organisation, an alert).
    MANDATORY_KINDS = frozenset({Kind.REFERRAL_RECEIVED, Kind.ALERT_RECEIVED})

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    organisation = models.ForeignKey(
        ORGANISATION,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
        help_text=_("The organisation through which the recipient was reached."),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    target_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    url = models.CharField(_("link"), max_length=500, blank=True)
    # Parameters of the message text; never identity data of a beneficiary.
    context = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Set when the recipient wants this kind in the daily digest, until it is sent.
    digest_pending = models.BooleanField(default=False)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "coordination_notification"  # kept when the model left coordination
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                name="coordination_notif_inbox",
            ),
            models.Index(  # the API's sync cursor, per recipient
                fields=["recipient", "updated_at", "id"],
                name="notifications_sync_idx",
            ),
            models.Index(
                fields=["recipient"],
                condition=Q(read_at__isnull=True),
                name="coordination_notif_unread",
            ),
            models.Index(
                fields=["recipient"],
                condition=Q(digest_pending=True),
                name="coordination_notif_digest",
            ),
        ]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return f"notification-{self.pk}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

    @property
    def subject(self) -> str:
        """The one-line message, in the active language."""
        try:
            return " ".join(render_notification_template(self, "subject").split())
        except TemplateDoesNotExist:
            return str(self.get_kind_display())

    def render(self, part: str) -> str:
        return render_notification_template(self, part)


class NotificationPreference(TimeStampedModel):
    """How one user wants to be told about one kind of notification by e-mail."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DIGEST = "digest", _("In a daily digest")
        OFF = "off", _("Not by e-mail")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=40, choices=Notification.Kind.choices)
    mode = models.CharField(
        _("e-mail"), max_length=20, choices=Mode.choices, default=Mode.IMMEDIATE
    )

    class Meta:
        db_table = "coordination_notificationpreference"  # kept when the model left coordination
        ordering = ["user_id", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                name="coordination_notificationpreference_unique",
            )
        ]
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return f"preference-{self.user_id}-{self.kind}"


class WebhookSubscriptionQuerySet(models.QuerySet["WebhookSubscription"]):
    def visible_to(self, user) -> WebhookSubscriptionQuerySet:
        """The subscriptions of the organisation a focal point acts for; nobody else's."""
        if not user.is_authenticated:
            return self.none()
        org = user.acting_organisation
        if org is None:
            return self.none()
        return self.filter(organisation=org)

    def active(self) -> WebhookSubscriptionQuerySet:
        return self.filter(is_active=True)


class WebhookSubscription(TimeStampedModel):
    """A partner system's URL that receives an organisation's events, signed."""

    class Event(models.TextChoices):
        ALERT_CREATED = "alert.created", _("An alert is sent to the organisation")
        ALERT_ANSWERED = "alert.answered", _("An alert is answered")
        EMERGENCY_CREATED = "emergency.created", _("An emergency is declared")
        EMERGENCY_UPDATED = "emergency.updated", _("An emergency is updated")
        MEETING_INVITED = (
            "meeting.invited",
            _("The organisation is invited to a meeting"),
        )
        REFERRAL_RECEIVED = "referral.received", _("A referral is received")
        REFERRAL_ACCEPTED = "referral.accepted", _("A referral is accepted")
        REFERRAL_DECLINED = "referral.declined", _("A referral is declined")
        REFERRAL_COMPLETED = "referral.completed", _("A referral is completed")
        REFERRAL_CANCELLED = "referral.cancelled", _("A referral is cancelled")

    organisation = models.ForeignKey(
        ORGANISATION,
        on_delete=models.PROTECT,
        related_name="webhook_subscriptions",
        verbose_name=_("organisation"),
    )
    url = models.URLField(_("URL"), max_length=500)
    events = ArrayField(
        models.CharField(max_length=40, choices=Event.choices),
        verbose_name=_("events"),
    )
    # Kept as is: signing needs it. Shown once, at creation.
    secret = models.CharField(max_length=100, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(_("disabled"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        db_table = (
            "coordination_webhooksubscription"  # kept when the model left coordination
        )
        ordering = ["-created_at", "-id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return f"webhook-{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("notifications:webhook_detail", args=[self.pk])

    @staticmethod
    def new_secret() -> str:
        return secrets.token_urlsafe(32)


class OutboxMessageQuerySet(models.QuerySet["OutboxMessage"]):
    def visible_to(self, user) -> OutboxMessageQuerySet:
        """Coordinators see every delivery; a focal point those of their webhooks."""
        if not user.is_authenticated:
            return self.none()
        if user.is_coordinator:
            return self
        org = user.acting_organisation
        if org is None or not user.is_focal_point:
            return self.none()
        return self.filter(subscription__organisation=org)

    def undelivered(self) -> OutboxMessageQuerySet:
        return self.filter(
            status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.FAILED]
        )

    def troubled(self) -> OutboxMessageQuerySet:
        """Deliveries that failed at least once and are not sent, or whose sending is
        unconfirmed (coordinators' page)."""
        return self.filter(
            status__in=[
                OutboxMessage.Status.FAILED,
                OutboxMessage.Status.DEAD,
                OutboxMessage.Status.UNCERTAIN,
            ]
        )


class OutboxMessage(TimeStampedModel):
    """One delivery to make outside the application (an e-mail, a webhook call), written
    in the transaction of the change it reports and delivered by a worker."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-mail")
        WEBHOOK = "webhook", _("Webhook")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, will retry")
        DEAD = "dead", _("Given up")
        # An attempt recorded before the network call and not concluded yet; if the
        # worker died meanwhile, the sweep makes an e-mail UNCERTAIN (never resent on
        # its own: the server may have accepted it) and retries a webhook.
        SENDING = "sending", _("Being sent")
        UNCERTAIN = "uncertain", _("Sent, unconfirmed")

    # The `event` of a daily digest e-mail (other e-mails carry their notification kind).
    DIGEST = "digest"

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    # E-mail: the notification kind, or "digest"; webhook: the event ("alert.created").
    event = models.CharField(_("event"), max_length=40)
    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox_messages",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="E-mail: the user it is for (none: the address in the payload).",
    )
    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    organisation = models.ForeignKey(
        ORGANISATION,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recipient organisation"),
    )
    # Webhook: the JSON body sent; digest: the notification ids; an e-mail to an address:
    # its address, template, language and parameters (queue_email). No message text.
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=Status.choices,
        default=Status.PENDING,
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    last_status_code = models.PositiveIntegerField(
        _("status code"), null=True, blank=True
    )
    last_duration_ms = models.PositiveIntegerField(
        _("duration (ms)"), null=True, blank=True
    )
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # When the current (or last) attempt started, recorded before the network call.
    attempt_started_at = models.DateTimeField(null=True, blank=True)
    # E-mail: the Message-ID header, chosen once and kept on every attempt, so the
    # receiving side can recognise a copy.
    email_message_id = models.CharField(max_length=255, blank=True)

    objects = OutboxMessageQuerySet.as_manager()

    class Meta:
        db_table = "coordination_outboxmessage"  # kept when the model left coordination
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "failed"]),
                name="coordination_outbox_due",
            ),
            models.Index(
                fields=["recipient", "event", "-created_at"],
                condition=Q(channel="email"),
                name="coordination_outbox_emails",
            ),
            models.Index(
                fields=["attempt_started_at"],
                condition=Q(status="sending"),
                name="notifications_outbox_sending",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                # An e-mail goes to a user, or to an address (queue_email: payload "to").
                condition=Q(channel="email", recipient__isnull=False)
                | Q(channel="email", recipient__isnull=True, payload__has_key="to")
                | Q(channel="webhook", subscription__isnull=False),
                name="coordination_outboxmessage_has_destination",
            )
        ]
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")

    def __str__(self) -> str:
        return f"outbox-{self.pk}"
