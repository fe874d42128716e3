"""Users, organisations and how people belong to them, invitations, join requests and API
tokens. Every change to these rows is recorded by pghistory triggers (the audit trail)."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from coordination.models import Region, Sector, TimeStampedModel

if TYPE_CHECKING:
    from collections.abc import Iterable

# ISO 639 codes of languages staff and migrants commonly speak (labels are translated).
LANGUAGE_CHOICES = [
    ("ar", _("Arabic")),
    ("ary", _("Moroccan Arabic (Darija)")),
    ("zgh", _("Tamazight")),
    ("fr", _("French")),
    ("en", _("English")),
    ("es", _("Spanish")),
    ("bm", _("Bambara")),
    ("wo", _("Wolof")),
    ("ln", _("Lingala")),
    ("ff", _("Pular (Fula)")),
    ("pt", _("Portuguese")),
    ("ha", _("Hausa")),
    ("ti", _("Tigrinya")),
]


def hash_secret(raw: str) -> str:
    """SHA-256 of a random secret (tokens, invitation keys): they carry full entropy."""
    return hashlib.sha256(raw.encode()).hexdigest()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, email: str, password: str | None = None, **extra
    ) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    fields=["email", "name", "platform_role", "observer_body", "is_active"],
    model_name="UserEvent",
)
class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with a verified e-mail address."""

    class PlatformRole(models.TextChoices):
        NONE = "", _("none")
        COORDINATOR = "coordinator", _("coordinator")
        OBSERVER = "observer", _("public-actor observer")

    class Language(models.TextChoices):
        FR = "fr", _("French")
        AR = "ar", _("Arabic")
        EN = "en", _("English")

    email = models.EmailField(_("e-mail address"), unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.FR
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Africa/Casablanca"
    )
    platform_role = models.CharField(
        _("platform role"),
        max_length=20,
        choices=PlatformRole.choices,
        blank=True,
        default="",
    )
    observer_body = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="observers",
        verbose_name=_("public body"),
        help_text=_("The public body an observer works for."),
    )
    current_organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acting for"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def is_coordinator(self) -> bool:
        return self.platform_role == self.PlatformRole.COORDINATOR

    @property
    def is_observer(self) -> bool:
        return self.platform_role == self.PlatformRole.OBSERVER

    @cached_property
    def memberships_list(self) -> list[Membership]:
        """This user's memberships of active organisations, organisation loaded."""
        return list(
            self.memberships.filter(organisation__is_active=True)
            .select_related("organisation")
            .order_by("organisation__name")
        )

    @property
    def acting_organisation(self) -> Organisation | None:
        """The organisation this user acts for now: the API token's, else their choice."""
        token_org = getattr(self, "_token_organisation", None)
        if token_org is not None:
            return token_org
        memberships = self.memberships_list
        for membership in memberships:
            if membership.organisation_id == self.current_organisation_id:
                return membership.organisation
        return memberships[0].organisation if memberships else None

    @property
    def acting_membership(self) -> Membership | None:
        org = self.acting_organisation
        if org is None:
            return None
        return next(
            (m for m in self.memberships_list if m.organisation_id == org.pk), None
        )

    @property
    def is_focal_point(self) -> bool:
        """Focal point of the organisation they act for."""
        membership = self.acting_membership
        return membership is not None and membership.role == Membership.Role.FOCAL_POINT

    @property
    def requires_mfa(self) -> bool:
        """Coordinators and focal points must use MFA (PRODUCT.md)."""
        return self.is_coordinator or any(
            m.role == Membership.Role.FOCAL_POINT for m in self.memberships_list
        )


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def visible_to(self, user) -> OrganisationQuerySet:
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


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["updated_at"],
)
class Organisation(TimeStampedModel):
    """A civil-society, international or public organisation taking part in Tansiq."""

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
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("verified by"),
    )
    verified_at = models.DateTimeField(_("verified on"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.code

    @property
    def short_name(self) -> str:
        return self.acronym or self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def visible_to(self, user) -> MembershipQuerySet:
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

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
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


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def visible_to(self, user) -> InvitationQuerySet:
        """Invitations of the user's acting organisation (coordinators: all)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_coordinator:
            return self
        org = user.acting_organisation
        if org is None:
            return self.none()
        return self.filter(organisation=org)

    def usable(self) -> InvitationQuerySet:
        """Neither accepted, revoked nor expired."""
        return self.filter(
            accepted_at__isnull=True,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
        )


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    exclude=["updated_at", "key_hash"],
)
class Invitation(TimeStampedModel):
    """An e-mailed, expiring, single-use invitation to join Tansiq in a role."""

    class Role(models.TextChoices):
        CASEWORKER = "caseworker", _("caseworker")
        FOCAL_POINT = "focal_point", _("focal point")
        OBSERVER = "observer", _("public-actor observer")
        COORDINATOR = "coordinator", _("coordinator")

    email = models.EmailField(_("e-mail address"))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("organisation"),
        help_text=_("For observers, the public body they work for."),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"invitation-{self.pk}"

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "expired" if self.is_expired else "pending"


class JoinRequestQuerySet(models.QuerySet["JoinRequest"]):
    def visible_to(self, user) -> JoinRequestQuerySet:
        """Requests to join hold a contact's details: coordinators only."""
        if not user.is_authenticated or not user.is_coordinator:
            return self.none()
        return self


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), exclude=["updated_at"]
)
class JoinRequest(TimeStampedModel):
    """A new organisation's public request to join, which a coordinator decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    organisation_name = models.CharField(_("organisation name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=Organisation.Kind.choices)
    description = models.TextField(_("what the organisation does"), max_length=4000)
    website = models.URLField(_("website"), blank=True)
    regions = models.ManyToManyField(
        Region, blank=True, related_name="+", verbose_name=_("regions of operation")
    )
    sectors = models.ManyToManyField(
        Sector, blank=True, related_name="+", verbose_name=_("sectors")
    )
    contact_name = models.CharField(_("your name"), max_length=150)
    contact_email = models.EmailField(_("your e-mail address"))
    contact_phone = models.CharField(_("your phone"), max_length=40, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(_("note"), max_length=2000, blank=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = JoinRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("request to join")
        verbose_name_plural = _("requests to join")

    def __str__(self) -> str:
        return f"join-request-{self.pk}"


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def visible_to(self, user) -> ApiTokenQuerySet:
        """Tokens of the user's acting organisation, for its focal points."""
        if not user.is_authenticated or not user.is_focal_point:
            return self.none()
        return self.filter(organisation=user.acting_organisation)

    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(
        condition=pghistory.AnyChange(exclude=["last_used_at", "updated_at"])
    ),
    exclude=["key_hash", "last_used_at", "updated_at"],
)
class ApiToken(TimeStampedModel):
    """A partner system's key to the API, scoped to one organisation; stored hashed."""

    PREFIX = "tsq_"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="api_tokens"
    )
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}…"

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)


def audit_models() -> Iterable[type[models.Model]]:
    """Models whose history the organisation audit page shows."""
    return (Organisation, Membership, Invitation, ApiToken)
