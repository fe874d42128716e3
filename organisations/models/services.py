"""The services organisations offer: the catalogue behind referrals and, when public,
the public directory."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from coordination.models import Region, Sector, TimeStampedModel

from .choices import LANGUAGE_CHOICES, VULNERABILITY_CHOICES
from .organisations import Organisation, has_members_expression

if TYPE_CHECKING:
    from .users import User


class ServiceQuerySet(models.QuerySet["Service"]):
    def visible_to(self, user: User) -> ServiceQuerySet:
        """The catalogue is shared: every signed-in member, observer and coordinator
        reads the services of active organisations (coordinators: all)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_coordinator:
            return self
        return self.filter(organisation__is_active=True)

    def public(self) -> ServiceQuerySet:
        """What the public directory shows: public, not suspended, of a verified and
        active organisation."""
        return self.filter(
            public=True,
            status__in=(Service.Status.AVAILABLE, Service.Status.FULL),
            organisation__verified=True,
            organisation__is_active=True,
        )

    def with_connected(self) -> ServiceQuerySet:
        """Annotate `organisation_has_members` (read by `Service.is_off_platform`):
        one EXISTS in the same query, whatever the number of rows."""
        return self.annotate(
            organisation_has_members=has_members_expression("organisation_id")
        )

    def referable(self) -> ServiceQuerySet:
        """Services a referral may go to: not suspended, of an active organisation."""
        return self.exclude(status=Service.Status.SUSPENDED).filter(
            organisation__is_active=True
        )


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["updated_at"],
)
class Service(TimeStampedModel):
    """A service an organisation offers, in the catalogue behind referrals (and, when
    public, in the public directory)."""

    class Status(models.TextChoices):
        AVAILABLE = "available", _("available")
        SUSPENDED = "suspended", _("suspended")
        FULL = "full", _("full")

    class Cost(models.TextChoices):
        FREE = "free", _("free")
        PAID = "paid", _("paid")

    class Sex(models.TextChoices):
        FEMALE = "female", _("women and girls")
        MALE = "male", _("men and boys")
        OTHER = "other", _("other")

    class Channel(models.TextChoices):
        TANSIQ = "tansiq_referral", _("Tansiq referral")
        PHONE = "phone", _("phone")
        WALK_IN = "walk_in", _("walk-in")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="services",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="+", verbose_name=_("sector")
    )
    service_type = models.ForeignKey(
        "coordination.ServiceType",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("service type"),
    )
    description = models.TextField(_("description"), max_length=4000, blank=True)
    regions = models.ManyToManyField(
        Region, related_name="+", verbose_name=_("regions")
    )
    provinces = models.ManyToManyField(
        "coordination.Province",
        blank=True,
        related_name="+",
        verbose_name=_("provinces or prefectures"),
    )
    communes = models.CharField(_("communes or places"), max_length=300, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    open_to_all = models.BooleanField(_("open to all"), default=True)
    age_min = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    sexes = ArrayField(
        models.CharField(max_length=10, choices=Sex.choices),
        default=list,
        blank=True,
        verbose_name=_("for"),
    )
    nationality_criteria = models.CharField(
        _("nationality restrictions"), max_length=300, blank=True
    )
    legal_status_criteria = models.CharField(
        _("legal-status restrictions"), max_length=300, blank=True
    )
    vulnerabilities = ArrayField(
        models.CharField(max_length=30, choices=VULNERABILITY_CHOICES),
        default=list,
        blank=True,
        verbose_name=_("for people in these situations"),
    )
    documents_needed = models.TextField(
        _("documents needed"), max_length=2000, blank=True
    )
    languages = ArrayField(
        models.CharField(max_length=8, choices=LANGUAGE_CHOICES),
        default=list,
        blank=True,
        verbose_name=_("languages spoken"),
    )
    accessible = models.BooleanField(
        _("accessible to persons with disabilities"), default=False
    )
    accessibility_note = models.CharField(
        _("accessibility details"), max_length=300, blank=True
    )
    opening_hours = models.CharField(_("opening hours"), max_length=300, blank=True)
    cost = models.CharField(
        _("cost"), max_length=10, choices=Cost.choices, default=Cost.FREE
    )
    cost_note = models.CharField(_("cost details"), max_length=300, blank=True)
    capacity = models.PositiveIntegerField(_("places available"), null=True, blank=True)
    capacity_note = models.CharField(_("capacity details"), max_length=200, blank=True)
    how_to_refer = ArrayField(
        models.CharField(max_length=20, choices=Channel.choices),
        default=list,
        blank=True,
        verbose_name=_("how to refer"),
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    response_delay_days = models.PositiveSmallIntegerField(
        _("expected response delay (days)"), default=3
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.AVAILABLE
    )
    public = models.BooleanField(_("in the public directory"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_min__isnull=True)
                | models.Q(age_max__isnull=True)
                | models.Q(age_max__gte=models.F("age_min")),
                name="organisations_service_age_range",
            ),
        ]
        indexes = [
            models.Index(
                fields=["updated_at", "id"], name="organisations_svc_sync_idx"
            ),
            models.Index(
                fields=["sector", "status"], name="organisations_svc_find_idx"
            ),
        ]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return f"service-{self.pk}"

    @property
    def organisation_connected(self) -> bool:
        """Whether its organisation has members (reads the `with_connected()`
        annotation when the row has it)."""
        if "organisation_has_members" in self.__dict__:
            return bool(self.__dict__["organisation_has_members"])
        return self.organisation.is_connected

    @property
    def is_off_platform(self) -> bool:
        """Whether its organisation has no members yet: a referral reaches it through
        the referral slip, not the inbox."""
        return not self.organisation_connected

    @property
    def language_labels(self) -> list[str]:
        names = dict(LANGUAGE_CHOICES)
        return [str(names.get(code, code)) for code in self.languages]

    @property
    def channel_labels(self) -> list[str]:
        names = dict(self.Channel.choices)
        return [str(names.get(code, code)) for code in self.how_to_refer]

    @property
    def sex_labels(self) -> list[str]:
        names = dict(self.Sex.choices)
        return [str(names.get(code, code)) for code in self.sexes]

    @property
    def vulnerability_labels(self) -> list[str]:
        names = dict(VULNERABILITY_CHOICES)
        return [str(names.get(code, code)) for code in self.vulnerabilities]

    @property
    def has_criteria(self) -> bool:
        """Whether eligibility names any criterion (else: open to all)."""
        return bool(
            self.age_min is not None
            or self.age_max is not None
            or self.sexes
            or self.nationality_criteria
            or self.legal_status_criteria
            or self.vulnerabilities
        )
