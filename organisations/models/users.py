"""The people who log in, and which organisation each acts for."""

from __future__ import annotations

import pghistory
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from .organisations import Membership, Organisation


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
