"""Users, organisations and how people belong to them, invitations, join requests, API
tokens and the services organisations offer. Every change to these rows is recorded by
pghistory triggers (the audit trail)."""

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

# Vulnerabilities of PRODUCT.md ("Referrals"): a service's eligibility criteria name them,
# and the referrals app records them on beneficiaries (one list, shared).
VULNERABILITY_CHOICES = [
    ("unaccompanied_child", _("unaccompanied or separated child")),
    ("child_at_risk", _("child at risk")),
    ("woman_at_risk", _("woman at risk")),
    ("pregnant_lactating", _("pregnant or lactating woman")),
    ("serious_medical", _("serious medical condition")),
    ("gbv_survivor", _("survivor of gender-based violence")),
    ("trafficking_victim", _("presumed victim of trafficking")),
    ("torture_survivor", _("survivor of torture or violence")),
    ("older_at_risk", _("older person at risk")),
    ("single_caregiver", _("single caregiver")),
    ("international_protection", _("person in need of international protection")),
    ("stranded", _("stranded without resources")),
    ("mental_health", _("mental-health condition")),
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


class ServiceQuerySet(models.QuerySet["Service"]):
    def visible_to(self, user) -> ServiceQuerySet:
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
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    updated_by = models.ForeignKey(
        User,
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


def audit_models() -> Iterable[type[models.Model]]:
    """Models whose history the organisation audit page shows."""
    return (Organisation, Membership, Invitation, ApiToken, Service)
