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
    other_names = ArrayField(
        models.CharField(max_length=200),
        default=list,
        blank=True,
        verbose_name=_("other names"),
        help_text=_("Spellings, abbreviations and codes also accepted on import."),
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


def _pcode_field():
    return models.CharField(
        _("OCHA P-code"),
        max_length=20,
        blank=True,
        help_text=_(
            "OCHA COD-AB place code (e.g. MA001, MA001001), where OCHA has one."
        ),
    )


def _unique_when_set(field: str, name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=[field], condition=~models.Q(**{field: ""}), name=name
    )


class Region(NamedReference):
    """An administrative region (HCP code, e.g. "01"; OCHA P-code, e.g. "MA010")."""

    pcode = _pcode_field()
    population = models.PositiveIntegerField(
        _("population (2024 census)"), null=True, blank=True
    )

    class Meta(NamedReference.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [_unique_when_set("pcode", "region_pcode_unique")]


class Province(NamedReference):
    """A province or prefecture (HCP code, e.g. "01.511"; OCHA P-code, e.g.
    "MA010006") inside a region."""

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
    pcode = _pcode_field()
    population = models.PositiveIntegerField(
        _("population (2024 census)"), null=True, blank=True
    )

    class Meta(NamedReference.Meta):
        verbose_name = _("province or prefecture")
        verbose_name_plural = _("provinces and prefectures")
        constraints = [_unique_when_set("pcode", "province_pcode_unique")]


class Sector(NamedReference):
    """A humanitarian sector (e.g. health, shelter) with the SDGs it serves and, when
    it is one, its IASC global cluster or area of responsibility code (e.g. WSH,
    PRO-GBV)."""

    cluster_code = models.CharField(
        _("cluster code"),
        max_length=20,
        blank=True,
        help_text=_(
            "IASC global cluster or area of responsibility (e.g. WSH, PRO-CPN)."
        ),
    )
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
        constraints = [_unique_when_set("cluster_code", "sector_cluster_code_unique")]


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
