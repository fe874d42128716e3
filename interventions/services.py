"""Every state change to interventions: logging, editing, progress reports and
spreadsheet imports. Authority rules live here, once, for pages and API alike."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pghistory
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coordination.celery import app as celery_app
from coordination.exceptions import PermissionDenied, ValidationError
from coordination.exceptions import PreconditionFailed as BasePreconditionFailed
from coordination.unset import UNSET, Unset, given

from .imports import check_upload, estimate_rows, is_large, run_import, store_upload
from .models import (
    COUNTS,
    Intervention,
    InterventionImport,
    InterventionUpdate,
    counts_error,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from decimal import Decimal

    from coordination.models import Province, Region, Sector, ServiceType
    from emergencies.models import Emergency
    from organisations.models import Organisation, User

# What a caseworker may set on an intervention (the organisation is the acting one).
FIELDS = (
    "emergency",
    "sector",
    "activity",
    "region",
    "province",
    "commune",
    "latitude",
    "longitude",
    "start_date",
    "end_date",
    "status",
    "modality",
    *(f"targeted_{part}" for part in COUNTS),
    *(f"reached_{part}" for part in COUNTS),
    "funding_source",
    "description",
    "external_ref",
)
M2M = ("partners",)
# The worker's task (tasks.py calls this module: it is published by name, so the two
# modules do not import each other; apps.py registers it).
IMPORT_TASK = "interventions.tasks.import_interventions_task"


class PreconditionFailed(BasePreconditionFailed):
    """Someone saved the object after the version the caller edited (HTTP 412)."""

    default_message = gettext_lazy(
        "Someone else saved this intervention after you opened it. Reload it to see "
        "their changes, then make yours again."
    )


def require_writer(actor: User, organisation: Organisation) -> None:
    """Only caseworkers and focal points acting for the organisation write its 4W."""
    acting = actor.acting_organisation
    if (
        acting is None
        or acting.pk != organisation.pk
        or actor.acting_membership is None
    ):
        raise PermissionDenied(
            _(
                "Only members of the organisation that runs an intervention may change it."
            )
        )


def can_write(actor: User, intervention: Intervention) -> bool:
    try:
        require_writer(actor, intervention.organisation)
    except PermissionDenied:
        return False
    return True


def rule_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    """The intervention's rules on a full set of values, as messages per field."""
    errors: dict[str, list[str]] = {}
    sector, activity = values.get("sector"), values.get("activity")
    if sector is not None and activity is not None and activity.sector_id != sector.pk:
        errors["activity"] = [
            _("“%(activity)s” is not an activity of the sector “%(sector)s”.")
            % {"activity": activity.name, "sector": sector.name}
        ]
    region, province = values.get("region"), values.get("province")
    if region is not None and province is not None and province.region_id != region.pk:
        errors["province"] = [
            _("%(province)s is not in the region %(region)s.")
            % {"province": province.name, "region": region.name}
        ]
    start, end = values.get("start_date"), values.get("end_date")
    if start is not None and end is not None and end < start:
        errors["end_date"] = [_("The end date cannot be before the start date.")]
    for prefix in ("targeted", "reached"):
        problem = counts_error({p: values.get(f"{prefix}_{p}") for p in COUNTS})
        if problem:
            errors[f"{prefix}_{problem[0]}"] = [problem[1]]
    organisation, partners = values.get("organisation"), values.get("partners") or ()
    if organisation is not None and any(p.pk == organisation.pk for p in partners):
        errors["partners"] = [
            _("The organisation running the intervention cannot be its own partner.")
        ]
    return errors


def _check_external_ref(
    organisation: Organisation, ref: str, *, exclude: int | None = None
) -> None:
    if not ref:
        return
    clash = Intervention.objects.filter(organisation=organisation, external_ref=ref)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError(
            {
                "external_ref": _(
                    "Your organisation already has an intervention with this reference."
                )
            }
        )


@transaction.atomic
def create_intervention(
    *,
    actor: User,
    sector: Sector,
    activity: ServiceType,
    region: Region,
    start_date: date,
    end_date: date | None = None,
    emergency: Emergency | None = None,
    province: Province | None = None,
    commune: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    status: str = Intervention.Status.ONGOING,
    modality: str = Intervention.Modality.SERVICE,
    targeted_women: int | None = None,
    targeted_men: int | None = None,
    targeted_girls: int | None = None,
    targeted_boys: int | None = None,
    targeted_disabled: int | None = None,
    targeted_total: int | None = None,
    reached_women: int | None = None,
    reached_men: int | None = None,
    reached_girls: int | None = None,
    reached_boys: int | None = None,
    reached_disabled: int | None = None,
    reached_total: int | None = None,
    funding_source: str = "",
    description: str = "",
    external_ref: str = "",
    partners: Iterable[Organisation] = (),
) -> Intervention:
    """Log an intervention for the actor's acting organisation (a count left None is
    0; a total left None is the sum of its four parts)."""
    organisation = actor.acting_organisation
    if organisation is None:
        raise PermissionDenied(_("Act for an organisation to log its interventions."))
    require_writer(actor, organisation)
    values = {
        "emergency": emergency,
        "sector": sector,
        "activity": activity,
        "region": region,
        "province": province,
        "commune": commune,
        "latitude": latitude,
        "longitude": longitude,
        "start_date": start_date,
        "end_date": end_date,
        "status": status,
        "modality": modality,
        "targeted_women": targeted_women,
        "targeted_men": targeted_men,
        "targeted_girls": targeted_girls,
        "targeted_boys": targeted_boys,
        "targeted_disabled": targeted_disabled,
        "targeted_total": targeted_total,
        "reached_women": reached_women,
        "reached_men": reached_men,
        "reached_girls": reached_girls,
        "reached_boys": reached_boys,
        "reached_disabled": reached_disabled,
        "reached_total": reached_total,
        "funding_source": funding_source,
        "description": description,
        "external_ref": external_ref,
    }
    for prefix in ("targeted", "reached"):
        _fill_total(values, prefix)
    partners = list(partners or [])
    errors = rule_errors({**values, "organisation": organisation, "partners": partners})
    if errors:
        raise ValidationError(errors)
    _check_external_ref(organisation, external_ref)
    intervention = Intervention.objects.create(
        organisation=organisation, created_by=actor, **values
    )
    if partners:
        intervention.partners.set(partners)
    return intervention


def _fill_total(values: dict[str, Any], prefix: str) -> None:
    # An empty total means "the sum of the parts", as in the spreadsheets.
    key = f"{prefix}_total"
    if key in values and values[key] is None:
        values[key] = sum(values.get(f"{prefix}_{p}") or 0 for p in COUNTS[:4])
    for part in COUNTS:
        if f"{prefix}_{part}" in values and values[f"{prefix}_{part}"] is None:
            values[f"{prefix}_{part}"] = 0


@transaction.atomic
def update_intervention(
    intervention: Intervention,
    *,
    actor: User,
    version: int | None = None,
    emergency: Emergency | Unset | None = UNSET,
    sector: Sector | Unset = UNSET,
    activity: ServiceType | Unset = UNSET,
    region: Region | Unset = UNSET,
    province: Province | Unset | None = UNSET,
    commune: str | Unset = UNSET,
    latitude: Decimal | Unset | None = UNSET,
    longitude: Decimal | Unset | None = UNSET,
    start_date: date | Unset = UNSET,
    end_date: date | Unset | None = UNSET,
    status: str | Unset = UNSET,
    modality: str | Unset = UNSET,
    targeted_women: int | Unset | None = UNSET,
    targeted_men: int | Unset | None = UNSET,
    targeted_girls: int | Unset | None = UNSET,
    targeted_boys: int | Unset | None = UNSET,
    targeted_disabled: int | Unset | None = UNSET,
    targeted_total: int | Unset | None = UNSET,
    reached_women: int | Unset | None = UNSET,
    reached_men: int | Unset | None = UNSET,
    reached_girls: int | Unset | None = UNSET,
    reached_boys: int | Unset | None = UNSET,
    reached_disabled: int | Unset | None = UNSET,
    reached_total: int | Unset | None = UNSET,
    funding_source: str | Unset = UNSET,
    description: str | Unset = UNSET,
    external_ref: str | Unset = UNSET,
    partners: Iterable[Organisation] | Unset = UNSET,
) -> Intervention:
    """Edit an intervention of the actor's organisation: only the fields given change.
    With `version`, refuse (PreconditionFailed) if someone saved it since then."""
    require_writer(actor, intervention.organisation)
    # Lock first: two caseworkers (or a partner system) may save at once.
    intervention = (
        Intervention.objects.select_for_update(of=("self",))
        .select_related("organisation", "sector", "activity", "region", "province")
        .get(pk=intervention.pk)
    )
    if version is not None and version != intervention.version:
        raise PreconditionFailed
    values = given(
        emergency=emergency,
        sector=sector,
        activity=activity,
        region=region,
        province=province,
        commune=commune,
        latitude=latitude,
        longitude=longitude,
        start_date=start_date,
        end_date=end_date,
        status=status,
        modality=modality,
        targeted_women=targeted_women,
        targeted_men=targeted_men,
        targeted_girls=targeted_girls,
        targeted_boys=targeted_boys,
        targeted_disabled=targeted_disabled,
        targeted_total=targeted_total,
        reached_women=reached_women,
        reached_men=reached_men,
        reached_girls=reached_girls,
        reached_boys=reached_boys,
        reached_disabled=reached_disabled,
        reached_total=reached_total,
        funding_source=funding_source,
        description=description,
        external_ref=external_ref,
    )
    _save_changes(intervention, actor=actor, values=values, partners=partners)
    return intervention


def _save_changes(
    intervention: Intervention,
    *,
    actor: User,
    values: dict[str, Any],
    partners: Iterable[Organisation] | Unset,
) -> None:
    """Check the changed fields against the rules with the rest as saved, then save
    them (and the partners, when given)."""
    changed = list(values)
    for prefix in ("targeted", "reached"):
        _fill_total(values, prefix)
    merged = {f: getattr(intervention, f) for f in FIELDS}
    merged.update(values)
    merged["organisation"] = intervention.organisation
    merged["partners"] = list(
        intervention.partners.all() if isinstance(partners, Unset) else partners
    )
    errors = rule_errors(merged)
    if errors:
        raise ValidationError(errors)
    if "external_ref" in values:
        _check_external_ref(
            intervention.organisation, values["external_ref"], exclude=intervention.pk
        )
    for field, value in values.items():
        setattr(intervention, field, value)
    intervention.version += 1
    intervention.updated_by = actor
    intervention.save(update_fields=[*changed, "version", "updated_by", "updated_at"])
    if not isinstance(partners, Unset):
        intervention.partners.set(partners)


@transaction.atomic
def record_progress(
    intervention: Intervention,
    *,
    actor: User,
    reported_on: date,
    counts: dict[str, int],
    note: str = "",
) -> InterventionUpdate:
    """Report people reached since the last report: adds to the reached figures."""
    require_writer(actor, intervention.organisation)
    counts = {part: counts.get(part) or 0 for part in COUNTS}
    if not counts["total"]:
        counts["total"] = sum(counts[p] for p in COUNTS[:4])
    errors: dict[str, list[str]] = {}
    if problem := counts_error(counts):
        errors[problem[0]] = [problem[1]]
    if not counts["total"]:
        errors["total"] = [_("Report at least one person reached.")]
    if reported_on < intervention.start_date:
        errors["reported_on"] = [
            _("The report cannot be dated before the intervention started.")
        ]
    elif reported_on > timezone.localdate():
        errors["reported_on"] = [_("The report cannot be dated in the future.")]
    if errors:
        raise ValidationError(errors)
    # F() so that two reports saved at once both count.
    Intervention.objects.filter(pk=intervention.pk).update(
        **{f"reached_{part}": F(f"reached_{part}") + n for part, n in counts.items()},
        version=F("version") + 1,
        updated_by=actor,
        updated_at=timezone.now(),
    )
    return InterventionUpdate.objects.create(
        intervention=intervention,
        reported_on=reported_on,
        note=note,
        reported_by=actor,
        **counts,
    )


# ---------------------------------------------------------------------------
# Spreadsheet imports
# ---------------------------------------------------------------------------
def start_import(*, actor: User, upload) -> InterventionImport:
    """Keep an uploaded spreadsheet (in pieces, in PostgreSQL) for checking and import."""
    organisation = actor.acting_organisation
    if organisation is None:
        raise PermissionDenied(
            _("Act for an organisation to import its interventions.")
        )
    require_writer(actor, organisation)
    check_upload(upload)
    with transaction.atomic():
        record = InterventionImport.objects.create(
            organisation=organisation,
            created_by=actor,
            file_name=(upload.name or "file")[:255],
            size=upload.size or 0,
        )
        store_upload(record, upload)
        if not is_large(record.size):  # a large one is counted by the worker
            record.total_rows = estimate_rows(record)
            record.save(update_fields=["total_rows", "updated_at"])
    return record


def runs_in_worker(record: InterventionImport) -> bool:
    """A file too large to check or import while the page waits: by its size first
    (the web process never reads a large file), then by its rows."""
    return (
        is_large(record.size)
        or record.total_rows > settings.INTERVENTION_IMPORT_SYNC_ROWS
    )


def check_or_queue_import(
    record: InterventionImport, *, actor: User, dry_run: bool
) -> InterventionImport:
    """Check or import a small file now; hand a large one to a worker."""
    if runs_in_worker(record):
        return queue_import(record, actor=actor, dry_run=dry_run)
    return import_interventions(record, actor=actor, dry_run=dry_run)


def count_import_rows(record: InterventionImport) -> InterventionImport:
    """The worker counts a large file's rows before reading them (the progress bar's
    total); nothing is parsed."""
    if not record.total_rows:
        record.total_rows = estimate_rows(record)
        record.save(update_fields=["total_rows", "updated_at"])
    return record


def import_interventions(
    record: InterventionImport, *, actor: User, dry_run: bool
) -> InterventionImport:
    """Check (dry_run) or import a kept spreadsheet: every error by row and column; a
    real import saves every row or none, and updates rows whose reference it knows."""
    require_writer(actor, record.organisation)
    InterventionImport.objects.filter(pk=record.pk).update(
        status=(
            InterventionImport.Status.CHECKING
            if dry_run
            else InterventionImport.Status.IMPORTING
        ),
        processed_rows=0,
        updated_at=timezone.now(),
    )
    # The audit trail's context (who, which import) is set once for every row; it
    # also spares pghistory's trigger a failing lookup per row, which dominates the
    # cost of a large import without it.
    with pghistory.context(user=actor.pk, intervention_import=record.pk):
        report = run_import(record, actor=actor, dry_run=dry_run)
    if report.valid and not dry_run:
        status = InterventionImport.Status.DONE
    elif report.valid:
        status = InterventionImport.Status.CHECKED
    else:
        status = InterventionImport.Status.FAILED
    record.status = status
    record.report = report.as_dict()
    record.processed_rows = record.total_rows = report.rows
    record.finished_at = timezone.now()
    record.save(
        update_fields=[
            "status",
            "report",
            "processed_rows",
            "total_rows",
            "finished_at",
            "updated_at",
        ]
    )
    if status in (InterventionImport.Status.DONE, InterventionImport.Status.FAILED):
        record.chunks.all().delete()  # the file is no longer needed
    return record


def queue_import(
    record: InterventionImport, *, actor: User, dry_run: bool
) -> InterventionImport:
    """Hand a large file to a worker; the page polls its progress."""
    require_writer(actor, record.organisation)
    with transaction.atomic():
        InterventionImport.objects.filter(pk=record.pk).update(
            status=(
                InterventionImport.Status.CHECKING
                if dry_run
                else InterventionImport.Status.IMPORTING
            ),
            processed_rows=0,
            updated_at=timezone.now(),
        )
        task = celery_app.signature(IMPORT_TASK, args=(record.pk, actor.pk, dry_run))
        transaction.on_commit(task.apply_async)
    record.refresh_from_db()
    return record


def can_write_import(actor: User, record: InterventionImport) -> bool:
    try:
        require_writer(actor, record.organisation)
    except PermissionDenied:
        return False
    return True
