"""Emergencies and preparedness: emergencies, their needs, declared capacities, alerts."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coordination.models import Province, Region, Sector, ServiceType, TimeStampedModel
from coordination.validators import validate_plausible_date

from .glide import validate_glide_number

# Organisations and users are named as strings: coordination imports no app.
ORGANISATION = "organisations.Organisation"


class EmergencyQuerySet(models.QuerySet["Emergency"]):
    def visible_to(self, user) -> EmergencyQuerySet:
        """Emergencies are shared with every signed-in member, observer and coordinator."""
        if not user.is_authenticated:
            return self.none()
        return self

    def active(self) -> EmergencyQuerySet:
        return self.filter(status=Emergency.Status.ACTIVE)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    exclude=["updated_at"],
    meta={"db_table": "coordination_emergencyevent"},
)
class Emergency(TimeStampedModel):
    """A crisis the partners coordinate around (a cold wave, arrivals, a fire…)."""

    class Kind(models.TextChoices):
        MASS_ARRIVAL = "mass_arrival", _("Mass arrival")
        NATURAL_DISASTER = "natural_disaster", _("Natural disaster")
        COLD_WAVE = "cold_wave", _("Cold wave")
        EPIDEMIC = "epidemic", _("Epidemic")
        EVICTION = "eviction", _("Eviction or displacement")
        SEA_RESCUE = "sea_rescue", _("Shipwreck or sea rescue")
        FIRE = "fire", _("Fire")
        OTHER = "other", _("Other")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        CRITICAL = "critical", _("Critical")

    class Status(models.TextChoices):
        MONITORING = "monitoring", _("Monitoring")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    regions = models.ManyToManyField(
        Region, related_name="emergencies", verbose_name=_("affected regions")
    )
    provinces = models.ManyToManyField(
        Province,
        blank=True,
        related_name="emergencies",
        verbose_name=_("affected provinces"),
    )
    started_on = models.DateField(_("started on"), validators=[validate_plausible_date])
    ended_on = models.DateField(
        _("ended on"), null=True, blank=True, validators=[validate_plausible_date]
    )
    severity = models.CharField(
        _("severity"), max_length=20, choices=Severity.choices, default=Severity.MEDIUM
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE
    )
    people_affected = models.PositiveIntegerField(
        _("people affected (estimate)"), null=True, blank=True
    )
    description = models.TextField(_("description"), max_length=10000, blank=True)
    glide_number = models.CharField(
        _("GLIDE number"),
        max_length=40,
        blank=True,
        validators=[validate_glide_number],
        help_text=_("Optional, e.g. EQ-2023-000166-MAR."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = EmergencyQuerySet.as_manager()

    class Meta:
        db_table = "coordination_emergency"  # kept when the model left coordination
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="coordination_emergency_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["glide_number"],
                condition=~Q(glide_number=""),
                name="emergencies_glide_unique",
                violation_error_message=_(
                    "Another emergency already has this GLIDE number."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="emergencies_sync_idx")
        ]
        verbose_name = _("emergency")
        verbose_name_plural = _("emergencies")

    def __str__(self) -> str:
        return f"emergency-{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("emergencies:detail", args=[self.pk])


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["updated_at"],
    meta={"db_table": "coordination_needevent"},
)
class Need(TimeStampedModel):
    """What an emergency needs in one sector and place: people in need and priority."""

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    emergency = models.ForeignKey(
        Emergency, on_delete=models.CASCADE, related_name="needs"
    )
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="+", verbose_name=_("sector")
    )
    service_type = models.ForeignKey(
        ServiceType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service type"),
    )
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    people_in_need = models.PositiveIntegerField(_("people in need"))
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)

    class Meta:
        db_table = "coordination_need"  # kept when the model left coordination
        ordering = ["emergency_id", "region__code", "sector__position", "id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")

    def __str__(self) -> str:
        return f"need-{self.pk}"


class CapacityQuerySet(models.QuerySet["Capacity"]):
    def visible_to(self, user) -> CapacityQuerySet:
        """Declared capacities are shared with every signed-in member and observer."""
        if not user.is_authenticated:
            return self.none()
        return self


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["updated_at"],
    meta={"db_table": "coordination_capacityevent"},
)
class Capacity(TimeStampedModel):
    """What an organisation declares it can mobilise, where, as of a date."""

    organisation = models.ForeignKey(
        ORGANISATION,
        on_delete=models.PROTECT,
        related_name="capacities",
        verbose_name=_("organisation"),
    )
    emergency = models.ForeignKey(
        Emergency,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="capacities",
        verbose_name=_("emergency"),
    )
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="+", verbose_name=_("sector")
    )
    service_type = models.ForeignKey(
        ServiceType,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service type"),
    )
    description = models.CharField(
        _("what can be mobilised"),
        max_length=300,
        help_text=_("For example: emergency shelter places, winterisation kits."),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="+", verbose_name=_("region")
    )
    province = models.ForeignKey(
        Province,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("province"),
    )
    as_of = models.DateField(_("as of"), validators=[validate_plausible_date])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = CapacityQuerySet.as_manager()

    class Meta:
        db_table = "coordination_capacity"  # kept when the model left coordination
        ordering = ["-as_of", "-id"]
        verbose_name = _("capacity")
        verbose_name_plural = _("capacities")

    def __str__(self) -> str:
        return f"capacity-{self.pk}"


class AlertQuerySet(models.QuerySet["Alert"]):
    def visible_to(self, user) -> AlertQuerySet:
        """Coordinators see every alert; members the alerts sent to their organisation."""
        if not user.is_authenticated:
            return self.none()
        if user.is_coordinator:
            return self
        org = user.acting_organisation
        if org is None:
            return self.none()
        return self.filter(recipients__organisation=org).distinct()


@pghistory.track(
    pghistory.InsertEvent(),
    exclude=["updated_at"],
    meta={"db_table": "coordination_alertevent"},
)
class Alert(TimeStampedModel):
    """A coordinator's message about an emergency to the organisations able to respond."""

    emergency = models.ForeignKey(
        Emergency,
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name=_("emergency"),
    )
    message = models.TextField(_("message"), max_length=5000)
    regions = models.ManyToManyField(
        Region, blank=True, related_name="+", verbose_name=_("regions")
    )
    provinces = models.ManyToManyField(
        Province, blank=True, related_name="+", verbose_name=_("provinces")
    )
    sectors = models.ManyToManyField(
        Sector, blank=True, related_name="+", verbose_name=_("sectors")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        db_table = "coordination_alert"  # kept when the model left coordination
        ordering = ["-created_at", "-id"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"alert-{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("emergencies:alert", args=[self.pk])


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    exclude=["updated_at"],
    meta={"db_table": "coordination_alertrecipientevent"},
)
class AlertRecipient(TimeStampedModel):
    """One organisation an alert was sent to, and its answer."""

    class Response(models.TextChoices):
        RESPOND = "respond", _("We can respond")
        CANNOT_RESPOND = "cannot_respond", _("We cannot respond")

    alert = models.ForeignKey(
        Alert, on_delete=models.CASCADE, related_name="recipients"
    )
    organisation = models.ForeignKey(
        ORGANISATION, on_delete=models.PROTECT, related_name="alert_receipts"
    )
    response = models.CharField(
        _("response"), max_length=20, choices=Response.choices, blank=True
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        db_table = (
            "coordination_alertrecipient"  # kept when the model left coordination
        )
        ordering = ["alert_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "organisation"],
                name="coordination_alertrecipient_unique",
            )
        ]
        verbose_name = _("alert recipient")
        verbose_name_plural = _("alert recipients")

    def __str__(self) -> str:
        return f"alert-{self.alert_id}-recipient-{self.pk}"
