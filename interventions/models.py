"""The 4W: who does what, where, when, for whom. Interventions, their dated progress
reports and spreadsheet imports. Every change to an intervention is recorded by pghistory
triggers (the audit trail), bulk imports included."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from coordination.models import Province, Region, Sector, ServiceType, TimeStampedModel
from coordination.validators import validate_plausible_date
from emergencies.models import Emergency
from organisations.models import Organisation

# The disaggregation every count carries, in display order.
PARTS = ("women", "men", "girls", "boys")
COUNTS = (*PARTS, "disabled", "total")
COUNT_LABELS = {
    "women": _("women"),
    "men": _("men"),
    "girls": _("girls"),
    "boys": _("boys"),
    "disabled": _("persons with disabilities"),
    "total": _("total"),
}


def _parts_rules(prefix: str, model: str) -> list[models.CheckConstraint]:
    """Women + men + girls + boys never exceed the total, nor do persons with
    disabilities (who are also counted among the four parts)."""
    parts = F(f"{prefix}women") + F(f"{prefix}men") + F(f"{prefix}girls")
    parts = parts + F(f"{prefix}boys")
    name = prefix.rstrip("_") or "counts"
    return [
        models.CheckConstraint(
            condition=Q(**{f"{prefix}total__gte": parts}),
            name=f"interventions_{model}_{name}_parts_within_total",
        ),
        models.CheckConstraint(
            condition=Q(**{f"{prefix}total__gte": F(f"{prefix}disabled")}),
            name=f"interventions_{model}_{name}_disabled_within_total",
        ),
    ]


def _count_field(label) -> models.PositiveIntegerField:
    return models.PositiveIntegerField(label, default=0)


class InterventionQuerySet(models.QuerySet["Intervention"]):
    def visible_to(self, user) -> InterventionQuerySet:
        """The 4W is shared: every signed-in member, observer and coordinator reads it."""
        if not user.is_authenticated:
            return self.none()
        return self

    def active_between(self, start, end) -> InterventionQuerySet:
        """Running at some point of [start, end] (either bound may be None)."""
        queryset = self
        if end is not None:
            queryset = queryset.filter(start_date__lte=end)
        if start is not None:
            queryset = queryset.filter(
                Q(end_date__isnull=True) | Q(end_date__gte=start)
            )
        return queryset


@pghistory.track(
    pghistory.InsertEvent(),
    pghistory.UpdateEvent(),
    pghistory.DeleteEvent(),
    exclude=["updated_at"],
)
class Intervention(TimeStampedModel):
    """One organisation's activity in one place and period, with the people it serves."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        ONGOING = "ongoing", _("ongoing")
        COMPLETED = "completed", _("completed")
        SUSPENDED = "suspended", _("suspended")

    class Modality(models.TextChoices):
        IN_KIND = "in_kind", _("in kind")
        CASH = "cash", _("cash or voucher")
        SERVICE = "service", _("service")

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="interventions",
        verbose_name=_("organisation"),
    )
    partners = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="partner_interventions",
        verbose_name=_("partner organisations"),
    )
    emergency = models.ForeignKey(
        Emergency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="interventions",
        verbose_name=_("emergency"),
    )
    sector = models.ForeignKey(
        Sector, on_delete=models.PROTECT, related_name="+", verbose_name=_("sector")
    )
    activity = models.ForeignKey(
        ServiceType,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("activity"),
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
        verbose_name=_("province or prefecture"),
    )
    commune = models.CharField(_("commune or place"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    start_date = models.DateField(_("start date"), validators=[validate_plausible_date])
    end_date = models.DateField(
        _("end date"), null=True, blank=True, validators=[validate_plausible_date]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.ONGOING
    )
    modality = models.CharField(
        _("modality"), max_length=20, choices=Modality.choices, default=Modality.SERVICE
    )
    targeted_women = _count_field(_("women targeted"))
    targeted_men = _count_field(_("men targeted"))
    targeted_girls = _count_field(_("girls targeted"))
    targeted_boys = _count_field(_("boys targeted"))
    targeted_disabled = _count_field(_("persons with disabilities targeted"))
    targeted_total = _count_field(_("total targeted"))
    reached_women = _count_field(_("women reached"))
    reached_men = _count_field(_("men reached"))
    reached_girls = _count_field(_("girls reached"))
    reached_boys = _count_field(_("boys reached"))
    reached_disabled = _count_field(_("persons with disabilities reached"))
    reached_total = _count_field(_("total reached"))
    funding_source = models.CharField(_("funding source"), max_length=200, blank=True)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    external_ref = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_(
            "Your organisation's own reference (e.g. the spreadsheet's row id): "
            "re-importing a file with the same references updates these interventions."
        ),
    )
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

    objects = InterventionQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "-id"]
        constraints = [
            *_parts_rules("targeted_", "intervention"),
            *_parts_rules("reached_", "intervention"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="interventions_intervention_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["organisation", "external_ref"],
                condition=~Q(external_ref=""),
                name="interventions_intervention_external_ref_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["updated_at", "id"], name="interventions_sync_idx"),
            models.Index(
                fields=["start_date", "end_date"], name="interventions_dates_idx"
            ),
            models.Index(fields=["sector", "region"], name="interventions_where_idx"),
            # An emergency's possible overlaps (dashboard): read from the index alone.
            models.Index(
                fields=["emergency", "province", "activity", "organisation"],
                include=["status", "start_date", "end_date"],
                condition=models.Q(emergency__isnull=False),
                name="interventions_overlap_idx",
            ),
        ]
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")

    def __str__(self) -> str:
        return f"intervention-{self.pk}"

    def counts(self, prefix: str) -> dict[str, int]:
        """{women, men, girls, boys, disabled, total} of "targeted" or "reached"."""
        return {part: getattr(self, f"{prefix}_{part}") for part in COUNTS}

    @property
    def targeted(self) -> dict[str, int]:
        return self.counts("targeted")

    @property
    def reached(self) -> dict[str, int]:
        return self.counts("reached")

    @property
    def reached_share(self) -> int | None:
        """Per cent of the targeted total reached so far (None without a target)."""
        if not self.targeted_total:
            return None
        return round(100 * self.reached_total / self.targeted_total)


@pghistory.track(pghistory.InsertEvent(), exclude=["updated_at"])
class InterventionUpdate(TimeStampedModel):
    """A dated progress report: people reached since the previous one (added to the
    intervention's reached figures)."""

    intervention = models.ForeignKey(
        Intervention, on_delete=models.PROTECT, related_name="updates"
    )
    reported_on = models.DateField(_("date"), validators=[validate_plausible_date])
    women = _count_field(_("women"))
    men = _count_field(_("men"))
    girls = _count_field(_("girls"))
    boys = _count_field(_("boys"))
    disabled = _count_field(_("persons with disabilities"))
    total = _count_field(_("total"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-reported_on", "-id"]
        constraints = _parts_rules("", "interventionupdate")
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")

    def __str__(self) -> str:
        return f"intervention-{self.intervention_id}-update-{self.pk}"

    @property
    def counts(self) -> dict[str, int]:
        return {part: getattr(self, part) for part in COUNTS}


class InterventionImportQuerySet(models.QuerySet["InterventionImport"]):
    def visible_to(self, user) -> InterventionImportQuerySet:
        """An organisation's imports are its own (the file may hold internal notes)."""
        if not user.is_authenticated:
            return self.none()
        org = user.acting_organisation
        if org is None:
            return self.none()
        return self.filter(organisation=org)


class InterventionImport(TimeStampedModel):
    """An uploaded spreadsheet: checked first (dry run), imported when confirmed."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("checking")
        CHECKED = "checked", _("checked")
        IMPORTING = "importing", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("not imported")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="intervention_imports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("file"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.CHECKING
    )
    # Rows read so far and the file's row count (estimated first), for the progress bar.
    processed_rows = models.PositiveIntegerField(default=0)
    total_rows = models.PositiveIntegerField(default=0)
    # The last check's or import's report (see imports.ImportReport.as_dict()).
    report = models.JSONField(default=dict, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = InterventionImportQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("intervention import")
        verbose_name_plural = _("intervention imports")

    def __str__(self) -> str:
        return f"intervention-import-{self.pk}"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)

    @property
    def progress(self) -> int:
        """Per cent done, for the progress bar."""
        if not self.is_running:
            return 100
        if not self.total_rows:
            return 0
        return min(99, round(100 * self.processed_rows / self.total_rows))


class ImportChunk(models.Model):
    """A piece of an uploaded file, kept in PostgreSQL so a worker on another machine
    can read it, one piece at a time (never the whole file in memory)."""

    upload = models.ForeignKey(
        InterventionImport, on_delete=models.CASCADE, related_name="chunks"
    )
    position = models.PositiveIntegerField()
    data = models.BinaryField()

    class Meta:
        ordering = ["upload_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["upload", "position"], name="interventions_importchunk_unique"
            )
        ]

    def __str__(self) -> str:
        return f"import-{self.upload_id}-chunk-{self.position}"


def counts_error(counts: dict[str, int | None]) -> tuple[str, str] | None:
    """The disaggregation rule on one set of counts: (the part at fault, message), or
    None when women + men + girls + boys and persons with disabilities fit the total."""
    from django.utils.translation import gettext

    total = counts.get("total") or 0
    parts = sum(counts.get(part) or 0 for part in PARTS)
    if parts > total:
        return (
            "total",
            gettext(
                "Women, men, girls and boys add up to %(parts)d, more than the total "
                "(%(total)d): raise the total or correct the parts."
            )
            % {"parts": parts, "total": total},
        )
    disabled = counts.get("disabled") or 0
    if disabled > total:
        return (
            "disabled",
            gettext(
                "Persons with disabilities (%(disabled)d) cannot exceed the total "
                "(%(total)d): they are counted among the people in the total."
            )
            % {"disabled": disabled, "total": total},
        )
    return None
