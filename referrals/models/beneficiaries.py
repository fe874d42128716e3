"""Beneficiaries (case records owned by one organisation, identity encrypted at rest),
the consents that let their identity be shared with another organisation, and the log of
every display of an identity.

pghistory records every change to beneficiaries and consents, but never the encrypted
identity columns nor the duplicate keys: the audit trail holds no identity."""

from __future__ import annotations

import secrets

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coordination.models import Province, Region, TimeStampedModel
from coordination.validators import validate_date_of_birth
from organisations.models import LANGUAGE_CHOICES, Organisation
from referrals.crypto import EncryptedDateField, EncryptedTextField

# Crockford-like: no 0/O, 1/I/L, U, so a code read over the phone is not misheard.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 6

IDENTITY_FIELDS = ("full_name", "phone", "date_of_birth", "document_numbers", "address")
HASH_FIELDS = ("duplicate_key", "duplicate_phone_key")

# PRODUCT.md "Referrals". Defined here: the service catalogue does not need them yet.
VULNERABILITY_CHOICES = [
    ("unaccompanied_child", _("unaccompanied or separated child")),
    ("child_at_risk", _("child at risk")),
    ("woman_at_risk", _("woman at risk")),
    ("pregnant_lactating", _("pregnant or lactating woman")),
    ("serious_medical", _("serious medical condition")),
    ("gbv_survivor", _("survivor of gender-based violence")),
    ("trafficking", _("presumed victim of trafficking")),
    ("torture_survivor", _("survivor of torture or violence")),
    ("older_at_risk", _("older person at risk")),
    ("single_caregiver", _("single caregiver")),
    ("international_protection", _("person in need of international protection")),
    ("stranded", _("stranded without resources")),
    ("mental_health", _("mental-health condition")),
]

# ISO 3166-1 alpha-2 of the nationalities most often met among migrants in Morocco, plus
# "other" (ZZ, the user-assigned code for "unknown or other"). A curated list rather than
# django-countries: forms stay short on a phone and every name is in our catalogues.
NATIONALITY_CHOICES = [
    ("MA", _("Morocco")),
    ("DZ", _("Algeria")),
    ("BF", _("Burkina Faso")),
    ("CM", _("Cameroon")),
    ("CF", _("Central African Republic")),
    ("TD", _("Chad")),
    ("CG", _("Congo")),
    ("CD", _("Congo (Democratic Republic)")),
    ("CI", _("Côte d'Ivoire")),
    ("ER", _("Eritrea")),
    ("ET", _("Ethiopia")),
    ("GM", _("Gambia")),
    ("GH", _("Ghana")),
    ("GN", _("Guinea")),
    ("GW", _("Guinea-Bissau")),
    ("LR", _("Liberia")),
    ("LY", _("Libya")),
    ("ML", _("Mali")),
    ("MR", _("Mauritania")),
    ("NE", _("Niger")),
    ("NG", _("Nigeria")),
    ("PS", _("Palestine")),
    ("SN", _("Senegal")),
    ("SL", _("Sierra Leone")),
    ("SO", _("Somalia")),
    ("SD", _("Sudan")),
    ("SS", _("South Sudan")),
    ("SY", _("Syria")),
    ("TG", _("Togo")),
    ("YE", _("Yemen")),
    ("ZZ", _("other or unknown")),
]

# Washington Group Short Set: the six questions, word for word (they are the standard;
# translations must follow the WG's own translated versions).
WGSS_QUESTIONS = {
    "seeing": _("Do you have difficulty seeing, even if wearing glasses?"),
    "hearing": _("Do you have difficulty hearing, even if using a hearing aid?"),
    "walking": _("Do you have difficulty walking or climbing steps?"),
    "remembering": _("Do you have difficulty remembering or concentrating?"),
    "self_care": _(
        "Do you have difficulty (with self-care such as) washing all over or dressing?"
    ),
    "communicating": _(
        "Using your usual (customary) language, do you have difficulty communicating, "
        "for example understanding or being understood?"
    ),
}
WGSS_DOMAINS = tuple(WGSS_QUESTIONS)


class WGSSAnswer(models.TextChoices):
    NO_DIFFICULTY = "no_difficulty", _("No difficulty")
    SOME_DIFFICULTY = "some_difficulty", _("Some difficulty")
    A_LOT_OF_DIFFICULTY = "a_lot_of_difficulty", _("A lot of difficulty")
    CANNOT_DO_AT_ALL = "cannot_do_at_all", _("Cannot do at all")


# The WG's disability cut-off: at least one domain "a lot of difficulty" or worse.
DISABILITY_ANSWERS = frozenset(
    {WGSSAnswer.A_LOT_OF_DIFFICULTY, WGSSAnswer.CANNOT_DO_AT_ALL}
)

AGE_BANDS = ((0, 4), (5, 11), (12, 17), (18, 59), (60, None))


def new_code() -> str:
    return "BNF-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def age_band_of(age: int | None) -> str:
    """ "0-4", "5-11", "12-17", "18-59", "60+" (statistics), or "" when unknown."""
    if age is None or age < 0:
        return ""
    for low, high in AGE_BANDS:
        if high is None:
            return f"{low}+"
        if low <= age <= high:
            return f"{low}-{high}"
    return ""


def _wgss_field(domain: str) -> models.CharField:
    return models.CharField(
        WGSS_QUESTIONS[domain],
        max_length=20,
        choices=WGSSAnswer,
        blank=True,
        help_text=_("Leave empty if the question was not asked."),
    )


class BeneficiaryQuerySet(models.QuerySet["Beneficiary"]):
    def visible_to(self, user) -> BeneficiaryQuerySet:
        """Beneficiaries of the user's acting organisation; nobody else's, ever
        (coordinators and observers see none). Referrals will add the receiver's."""
        if not user.is_authenticated:
            return self.none()
        organisation = user.acting_organisation
        if organisation is None or user.acting_membership is None:
            return self.none()
        return self.filter(organisation=organisation)

    def identity_kept(self) -> BeneficiaryQuerySet:
        return self.filter(identity_erased_at__isnull=True)


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    exclude=[*IDENTITY_FIELDS, *HASH_FIELDS, "updated_at"],
)
class Beneficiary(TimeStampedModel):
    """A person an organisation assists: a pseudonymous case record it owns."""

    class Sex(models.TextChoices):
        FEMALE = "female", _("female")
        MALE = "male", _("male")
        OTHER = "other", _("other")

    code = models.CharField(_("code"), max_length=10, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="beneficiaries",
        verbose_name=_("organisation"),
    )
    full_name = EncryptedTextField(_("full name"), blank=True)
    phone = EncryptedTextField(_("phone"), blank=True)
    date_of_birth = EncryptedDateField(
        _("date of birth"), blank=True, null=True, validators=[validate_date_of_birth]
    )
    document_numbers = EncryptedTextField(
        _("document numbers"),
        blank=True,
        help_text=_("Passport, residence card, UNHCR or other numbers."),
    )
    address = EncryptedTextField(_("address"), blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    birth_year = models.PositiveSmallIntegerField(
        _("birth year"), null=True, blank=True
    )
    nationality = models.CharField(
        _("nationality"), max_length=2, choices=NATIONALITY_CHOICES, blank=True
    )
    languages = ArrayField(
        models.CharField(max_length=8, choices=LANGUAGE_CHOICES),
        verbose_name=_("languages"),
        default=list,
        blank=True,
    )
    interpreter_needed = models.BooleanField(_("interpreter needed"), default=False)
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
    household_size = models.PositiveSmallIntegerField(
        _("household size"), null=True, blank=True
    )
    vulnerabilities = ArrayField(
        models.CharField(max_length=32, choices=VULNERABILITY_CHOICES),
        verbose_name=_("vulnerabilities"),
        default=list,
        blank=True,
    )
    wg_seeing = _wgss_field("seeing")
    wg_hearing = _wgss_field("hearing")
    wg_walking = _wgss_field("walking")
    wg_remembering = _wgss_field("remembering")
    wg_self_care = _wgss_field("self_care")
    wg_communicating = _wgss_field("communicating")
    duplicate_key = models.CharField(max_length=64, blank=True, editable=False)
    duplicate_phone_key = models.CharField(max_length=64, blank=True, editable=False)
    identity_erased_at = models.DateTimeField(
        _("identity erased"), null=True, blank=True, editable=False
    )
    last_activity_at = models.DateTimeField(
        _("last activity"), default=timezone.now, editable=False
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    objects = BeneficiaryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(household_size__isnull=True) | Q(household_size__gte=1),
                name="referrals_beneficiary_household_positive",
            ),
            models.CheckConstraint(
                condition=Q(birth_year__isnull=True) | Q(birth_year__gte=1900),
                name="referrals_beneficiary_birth_year_plausible",
            ),
        ]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="referrals_bnf_sync_idx"),
            models.Index(
                fields=["organisation", "duplicate_key"], name="referrals_bnf_dup_idx"
            ),
            models.Index(
                fields=["organisation", "duplicate_phone_key"],
                name="referrals_bnf_dup_phone_idx",
            ),
            models.Index(
                fields=["last_activity_at"],
                condition=Q(identity_erased_at__isnull=True),
                name="referrals_bnf_retention_idx",
            ),
        ]
        verbose_name = _("beneficiary")
        verbose_name_plural = _("beneficiaries")

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("referrals:detail", args=[self.code])

    @property
    def wgss(self) -> dict[str, str]:
        return {domain: getattr(self, f"wg_{domain}") for domain in WGSS_DOMAINS}

    @property
    def disability(self) -> bool:
        """Computed, never typed: a lot of difficulty or worse in at least one domain."""
        return any(answer in DISABILITY_ANSWERS for answer in self.wgss.values())

    @property
    def age(self) -> int | None:
        today = timezone.localdate()
        if self.date_of_birth:
            born = self.date_of_birth
            return (
                today.year
                - born.year
                - ((today.month, today.day) < (born.month, born.day))
            )
        if self.birth_year:
            return today.year - self.birth_year
        return None

    @property
    def age_band(self) -> str:
        return age_band_of(self.age)

    @property
    def identity_erased(self) -> bool:
        return self.identity_erased_at is not None

    @property
    def language_labels(self) -> list[str]:
        labels = dict(LANGUAGE_CHOICES)
        return [str(labels.get(code, code)) for code in self.languages]

    @property
    def vulnerability_labels(self) -> list[str]:
        labels = dict(VULNERABILITY_CHOICES)
        return [str(labels.get(code, code)) for code in self.vulnerabilities]

    @property
    def wgss_rows(self) -> list[tuple[str, str]]:
        """(question, answer label) for the six domains, in order."""
        labels = dict(WGSSAnswer.choices)
        return [
            (WGSS_QUESTIONS[domain], str(labels.get(answer, "")))
            for domain, answer in self.wgss.items()
        ]


class ConsentQuerySet(models.QuerySet["Consent"]):
    def visible_to(self, user) -> ConsentQuerySet:
        """Consents of the beneficiaries the user may see."""
        return self.filter(beneficiary__in=Beneficiary.objects.visible_to(user))

    def active(self) -> ConsentQuerySet:
        return self.filter(withdrawn_at__isnull=True)

    def vital_interest_flagged_to(self, user) -> ConsentQuerySet:
        """Vital-interest consents, which coordinators oversee (metadata only)."""
        if not user.is_authenticated or not user.is_coordinator:
            return self.none()
        return self.filter(legal_basis=Consent.LegalBasis.VITAL_INTEREST)


@pghistory.track(
    pghistory.InsertEvent(), pghistory.UpdateEvent(), exclude=["updated_at"]
)
class Consent(TimeStampedModel):
    """Permission to share a beneficiary's identity with one receiving organisation."""

    class GivenBy(models.TextChoices):
        SELF = "self", _("the person")
        CAREGIVER = "caregiver", _("a caregiver")

    class SlipIdentity(models.TextChoices):
        """How much of the person's identity the referral slip (and the texts shared
        by WhatsApp or SMS) may carry: the code only unless the person agreed to more."""

        NONE = "none", _("referral code only")
        INITIALS = "initials", _("initials")
        FIRST_NAME = "first_name", _("first name")

    class LegalBasis(models.TextChoices):
        CONSENT = "consent", _("consent")
        VITAL_INTEREST = "vital_interest", _("vital interest")

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="consents",
        verbose_name=_("beneficiary"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("shared with"),
    )
    given_by = models.CharField(
        _("given by"), max_length=12, choices=GivenBy.choices, blank=True
    )
    scope = models.TextField(
        _("what may be shared"),
        max_length=2000,
        help_text=_(
            "What the person agreed to share, e.g. name, phone, medical needs."
        ),
    )
    slip_identity = models.CharField(
        _("identity on the referral slip"),
        max_length=12,
        choices=SlipIdentity.choices,
        default=SlipIdentity.NONE,
        db_default=SlipIdentity.NONE,
        help_text=_(
            "What the slip the person carries may show besides the referral code."
        ),
    )
    legal_basis = models.CharField(
        _("legal basis"),
        max_length=20,
        choices=LegalBasis.choices,
        default=LegalBasis.CONSENT,
    )
    justification = models.TextField(
        _("justification"),
        max_length=2000,
        blank=True,
        help_text=_("Required for vital interest: why consent could not be obtained."),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("withdrawn by"),
    )
    withdrawal_reason = models.TextField(
        _("reason for withdrawal"), max_length=2000, blank=True
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(legal_basis="vital_interest") | ~Q(justification=""),
                name="referrals_consent_vital_interest_justified",
            ),
            models.CheckConstraint(
                condition=~Q(legal_basis="consent") | ~Q(given_by=""),
                name="referrals_consent_given_by_known",
            ),
        ]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"consent-{self.pk}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


class IdentityAccessLog(models.Model):
    """One display of a beneficiary's identity: who, for which organisation, when, where.
    Kept after erasure; holds no identity value."""

    beneficiary = models.ForeignKey(
        Beneficiary,
        on_delete=models.PROTECT,
        related_name="identity_accesses",
        verbose_name=_("beneficiary"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    purpose = models.CharField(_("route"), max_length=200)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("identity access")
        verbose_name_plural = _("identity accesses")

    def __str__(self) -> str:
        return f"access-{self.pk}"
