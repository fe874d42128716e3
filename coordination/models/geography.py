"""Reference data: geography and sectors, and the shared abstract base."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Abstract base: creation and last-change times, for incremental sync."""

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class NamedReference(TimeStampedModel):
    """Abstract base: a reference row with a stable code and names per language."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_ar = models.CharField(_("name (Arabic)"), max_length=200, blank=True)
    name_en = models.CharField(
        _("name (English)"),
        max_length=200,
        blank=True,
        help_text=_("Only where it differs."),
    )

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    @property
    def name(self) -> str:
        """The name in the active language, falling back to French."""
        lang = (get_language() or "fr").split("-")[0]
        return getattr(self, f"name_{lang}", "") or self.name_fr


class Region(NamedReference):
    """An administrative region (HCP code, e.g. "01")."""

    population = models.PositiveIntegerField(
        _("population (2024 census)"), null=True, blank=True
    )

    class Meta(NamedReference.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Province(NamedReference):
    """A province or prefecture (HCP code, e.g. "01.511") inside a region."""

    class Kind(models.TextChoices):
        PROVINCE = "province", _("province")
        PREFECTURE = "prefecture", _("prefecture")

    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="provinces",
        verbose_name=_("region"),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=Kind.choices, default=Kind.PROVINCE
    )
    population = models.PositiveIntegerField(
        _("population (2024 census)"), null=True, blank=True
    )

    class Meta(NamedReference.Meta):
        verbose_name = _("province or prefecture")
        verbose_name_plural = _("provinces and prefectures")


class Sector(NamedReference):
    """A humanitarian sector (e.g. health, shelter) with the SDGs it serves."""

    sdgs = ArrayField(
        models.PositiveSmallIntegerField(),
        default=list,
        blank=True,
        verbose_name=_("SDGs"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta(NamedReference.Meta):
        ordering = ["position", "code"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")


class ServiceType(NamedReference):
    """A type of service or activity within a sector (e.g. health: primary care)."""

    sector = models.ForeignKey(
        Sector,
        on_delete=models.PROTECT,
        related_name="service_types",
        verbose_name=_("sector"),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta(NamedReference.Meta):
        ordering = ["sector__position", "position", "code"]
        verbose_name = _("service type")
        verbose_name_plural = _("service types")
