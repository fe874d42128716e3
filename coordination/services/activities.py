"""Coordinators add activities (service types) to a sector, without a deploy: the 4W
imports, the forms and the API accept them at once."""

from __future__ import annotations

import re

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from coordination.exceptions import ValidationError
from coordination.models import Sector, ServiceType
from coordination.names import normalise
from coordination.permissions import require_coordinator

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]{1,39}$")
NAME_FIELDS = ("name_fr", "name_ar", "name_en")


def _code_from(name: str) -> str:
    return slugify(name).replace("-", "_")[:40].strip("_")


def _free_code(stem: str) -> str:
    """`stem`, or `stem_2`, `stem_3`… when taken."""
    code, number = stem or "activity", 1
    while ServiceType.objects.filter(code=code).exists():
        number += 1
        suffix = f"_{number}"
        code = (stem or "activity")[: 40 - len(suffix)] + suffix
    return code


def _check(sector: Sector, names: dict[str, str], code: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not names["name_fr"]:
        errors["name_fr"] = [_("Give the activity's name in French.")]
    for field, value in names.items():
        if len(value) > 200:
            errors[field] = [_("A name has at most 200 characters.")]
    if code and not CODE_PATTERN.match(code):
        errors["code"] = [
            _(
                "A code has 2 to 40 lower-case letters, digits or underscores, e.g. cash_for_work."
            )
        ]
    elif code and ServiceType.objects.filter(code=code).exists():
        errors["code"] = [_("This code is already used by another activity.")]
    taken = {
        normalise(name): activity
        for activity in sector.service_types.all()
        for name in (activity.name_fr, activity.name_ar, activity.name_en)
        if name
    }
    for field, value in names.items():
        existing = taken.get(normalise(value)) if value else None
        if existing is not None and field not in errors:
            errors[field] = [
                _("The sector already has this activity: “%(name)s” (%(code)s).")
                % {"name": existing.name, "code": existing.code}
            ]
    return errors


@transaction.atomic
def add_activity(
    sector: Sector,
    *,
    actor,
    name_fr: str,
    name_ar: str = "",
    name_en: str = "",
    code: str = "",
    other_names: list[str] | tuple[str, ...] = (),
) -> ServiceType:
    """A new activity of the sector (coordinators). The code is made from the English
    or French name unless given; a name the sector already has is refused."""
    require_coordinator(actor)
    Sector.objects.select_for_update().get(pk=sector.pk)  # one addition at a time
    names = {
        "name_fr": (name_fr or "").strip(),
        "name_ar": (name_ar or "").strip(),
        "name_en": (name_en or "").strip(),
    }
    code = (code or "").strip()
    errors = _check(sector, names, code)
    if errors:
        raise ValidationError(errors)
    if not code:
        code = _free_code(_code_from(names["name_en"] or names["name_fr"]))
    position = sector.service_types.aggregate(last=Max("position"))["last"]
    activity = ServiceType.objects.create(
        sector=sector,
        code=code,
        position=0 if position is None else position + 1,
        other_names=[n.strip()[:200] for n in other_names if n and n.strip()],
        **names,
    )
    # The sector's list of activities changed: `?updated_since=` syncs it again.
    Sector.objects.filter(pk=sector.pk).update(updated_at=timezone.now())
    return activity
