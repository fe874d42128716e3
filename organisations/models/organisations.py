"""Organisations of the shared registry, and the memberships that tie people to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from coordination.models import Region, Sector, TimeStampedModel

from .choices import LANGUAGE_CHOICES

if TYPE_CHECKING:
    from .users import User


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def visible_to(self, user: User) -> OrganisationQuerySet:
        """The registry is shared: members, observers and coordinators see every
        active organisation; coordinators also see deactivated ones."""
        if not user.is_authenticated:
            return self.none()
        if user.is_coordinator:
            return self
        return self.filter(is_active=True)

    def public(self) -> OrganisationQuerySet:
        """Organisations anyone may see (verified and active)."""
        return self.filter(is_active=True, verified=True)

    def with_connected(self) -> OrganisationQuerySet:
        """Annotate `has_members` (read by `Organisation.is_connected`): one EXISTS in
        the same query, whatever the number of rows."""
        return self.annotate(has_members=has_members_expression("pk"))

    def unconnected(self) -> OrganisationQuerySet:
        """Organisations off the platform: nobody is a member yet."""
        return self.exclude(has_members_expression("pk"))


def has_members_expression(organisation_ref: str) -> Exists:
    """Whether the organisation `organisation_ref` (a field of the outer query) has at
    least one member: the one definition of "connected" (PRODUCT.md "Beyond the
    platform")."""
    return Exists(Membership.objects.filter(organisation=OuterRef(organisation_ref)))


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["updated_at"],
)
class Organisation(TimeStampedModel):
    """A civil-society, international or public organisation taking part in Tansiq.

    An organisation nobody is a member of yet is *unconnected* (off the platform): a
    public hospital's social service, a delegation, a small association without
    accounts. Its contact details (contact person, phone, e-mail, address, opening
    hours, languages) are what a referral slip carries; a coordinator, or a focal point
    of the organisation that listed it (`listed_by`), keeps them up to date until its
    own focal point joins (see organisations.services.organisations)."""

    class Kind(models.TextChoices):
        LOCAL_ASSOCIATION = "local_association", _("local association")
        MIGRANT_LED = "migrant_led", _("migrant-led association")
        NATIONAL_NGO = "national_ngo", _("national NGO")
        INTERNATIONAL_NGO = "international_ngo", _("international NGO")
        UN_AGENCY = "un_agency", _("UN agency or international organisation")
        PUBLIC_SERVICE = "public_service", _("public service")
        TECHNICAL_PARTNER = "technical_partner", _("technical partner or academia")
        DONOR = "donor", _("donor")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    email = models.EmailField(_("contact e-mail"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    # Database defaults: rows written by raw SQL or COPY without these columns stay
    # valid (as the benchmarks' loaders do).
    contact_person = models.CharField(
        _("contact person"), max_length=200, blank=True, db_default=""
    )
    opening_hours = models.CharField(
        _("opening hours"), max_length=300, blank=True, db_default=""
    )
    regions = models.ManyToManyField(
        Region,
        blank=True,
        related_name="organisations",
        verbose_name=_("regions of operation"),
    )
    provinces = models.ManyToManyField(
        "coordination.Province",
        blank=True,
        related_name="organisations",
        verbose_name=_("provinces of operation"),
    )
    sectors = models.ManyToManyField(
        Sector, blank=True, related_name="organisations", verbose_name=_("sectors")
    )
    languages = ArrayField(
        models.CharField(max_length=8, choices=LANGUAGE_CHOICES),
        default=list,
        blank=True,
        verbose_name=_("languages spoken by staff"),
    )
    verified = models.BooleanField(_("verified"), default=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    listed_by = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="listed_organisations",
        verbose_name=_("listed by"),
        help_text=_(
            "The organisation whose focal point added it while it was off the platform "
            "(empty: added by a coordinator or through a request to join)."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [  # the API's sync cursor (coordination/cursor.py)
            models.Index(fields=["updated_at", "id"], name="organisations_org_sync_idx")
        ]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.code

    @property
    def short_name(self) -> str:
        return self.acronym or self.name

    @property
    def is_connected(self) -> bool:
        """Whether anyone is a member (else the organisation is off the platform and
        answers referrals through the slip). Reads the `with_connected()` annotation
        when the row has it, so lists stay at a constant number of queries."""
        if "has_members" in self.__dict__:
            return bool(self.__dict__["has_members"])
        if self.pk is None:
            return False
        self.has_members = self.memberships.exists()
        return self.has_members


class MembershipQuerySet(models.QuerySet["Membership"]):
    def visible_to(self, user: User) -> MembershipQuerySet:
        """Members of the user's acting organisation (coordinators: all)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_coordinator:
            return self
        org = user.acting_organisation
        if org is None:
            return self.none()
        return self.filter(organisation=org)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["updated_at"],
)
class Membership(TimeStampedModel):
    """A user's membership of an organisation, with a role."""

    class Role(models.TextChoices):
        CASEWORKER = "caseworker", _("caseworker")
        FOCAL_POINT = "focal_point", _("focal point")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.CASEWORKER
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="organisations_membership_unique"
            )
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.organisation.code}:{self.role}:{self.user_id}"
