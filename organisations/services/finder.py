"""The service finder: catalogue services ranked for a person's need, each saying why."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from django.db.models import (
    Case,
    Exists,
    Expression,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from organisations.models import LANGUAGE_CHOICES, Organisation, Service


def _sql_ineligible(age: int | None, sex: str | None) -> Q | None:
    """The services whose age or sex criteria exclude the person, as a condition (None
    when nothing is known about the person)."""
    conditions = Q()
    if age is not None:
        conditions |= Q(age_min__gt=age) | Q(age_max__lt=age)
    if sex:
        conditions |= ~Q(sexes=[]) & ~Q(sexes__contains=[sex])
    return conditions or None


def _eligibility_parts(
    service: Service, age: int | None, sex: str | None
) -> list[tuple[int, str, str]]:
    """Why the person does not meet the service's criteria (none when they do): no
    points, the finder ranks these services last instead."""
    parts = []
    if age is not None and service.age_min is not None and age < service.age_min:
        parts.append(
            (
                0,
                "not_eligible",
                _("Not eligible: age %(age)d, service from %(min)d")
                % {"age": age, "min": service.age_min},
            )
        )
    elif age is not None and service.age_max is not None and age > service.age_max:
        parts.append(
            (
                0,
                "not_eligible",
                _("Not eligible: age %(age)d, service up to %(max)d")
                % {"age": age, "max": service.age_max},
            )
        )
    if sex and service.sexes and sex not in service.sexes:
        parts.append(
            (
                0,
                "not_eligible",
                _("Not eligible: service for %(sexes)s")
                % {"sexes": ", ".join(service.sex_labels)},
            )
        )
    return parts


def _sql_score(service_type, province, region, languages, accessible) -> Expression:
    """rank_services()'s points as a database expression (keep the two in step)."""
    zero = Value(0)
    score: Expression = Greatest(zero, Value(10) - F("response_delay_days"))
    if service_type is not None:
        score += Case(When(service_type=service_type, then=Value(40)), default=zero)
    place = []
    if province is not None:
        in_province = Service.provinces.through.objects.filter(
            service=OuterRef("pk"), province=province
        )
        place.append(When(Exists(in_province), then=Value(30)))
    if region is not None:
        in_region = Service.regions.through.objects.filter(
            service=OuterRef("pk"), region=region
        )
        place.append(When(Exists(in_region), then=Value(15)))
    if place:
        score += Case(*place, default=zero)
    for code in languages:
        score += Case(When(languages__contains=[code], then=Value(10)), default=zero)
    if accessible:
        score += Case(When(accessible=True, then=Value(10)), default=zero)
    score += Case(
        When(Q(status=Service.Status.FULL) | Q(capacity=0), then=Value(-50)),
        When(capacity__gt=0, then=Value(5)),
        default=zero,
    )
    return ExpressionWrapper(score, output_field=IntegerField())


@dataclasses.dataclass
class ServiceMatch:
    """A service the finder proposes, with why (for display) and its score."""

    service: Service
    score: int
    reasons: list[str] = dataclasses.field(default_factory=list)
    codes: list[str] = dataclasses.field(default_factory=list)
    # False when the person's age or sex is outside the service's criteria (ranked last).
    eligible: bool = True


def rank_services(
    *,
    sector,
    service_type=None,
    province=None,
    region=None,
    languages: Sequence[str] = (),
    accessible: bool | None = None,
    exclude_organisation: Organisation | None = None,
    queryset: QuerySet[Service] | None = None,
    limit: int = 50,
    age: int | None = None,
    sex: str | None = None,
) -> list[ServiceMatch]:
    """Services of the sector that can take a referral (not suspended; full ones last),
    best first: same service type, same province > same region, a shared language,
    accessibility, shorter response delay, places left. With the person's `age` and
    `sex`, services whose criteria exclude them are not hidden but ranked after every
    other, saying why ("not_eligible"). Services of organisations off the platform are
    proposed like any other (`service.is_off_platform` says so: they answer through
    the referral slip). Three queries whatever the size."""
    if region is None and province is not None:
        region = province.region
    rows = (
        (queryset if queryset is not None else Service.objects.all())
        .referable()
        .filter(sector=sector)
        .with_connected()
        .select_related("organisation", "sector", "service_type")
        .prefetch_related("regions", "provinces")
    )
    if exclude_organisation is not None:
        rows = rows.exclude(organisation=exclude_organisation)
    names = dict(LANGUAGE_CHOICES)
    wanted = list(dict.fromkeys(languages or ()))
    # The same score in SQL, so that only the best `limit` rows are loaded and
    # explained below, however large the catalogue.
    ineligible = _sql_ineligible(age, sex)
    rows = rows.annotate(
        finder_score=_sql_score(service_type, province, region, wanted, accessible),
        finder_eligible=Case(When(ineligible, then=Value(False)), default=Value(True))
        if ineligible is not None
        else Value(True),
    ).order_by("-finder_eligible", "-finder_score", "response_delay_days", "pk")[:limit]
    matches = []
    for service in rows:
        # (points, code, reason shown to the person referring)
        parts: list[tuple[int, str, str]] = []
        if service_type is not None and service.service_type_id == service_type.pk:
            parts.append(
                (40, "service_type", _("Offers %(type)s") % {"type": service_type.name})
            )
        province_ids = {p.pk for p in service.provinces.all()}
        region_ids = {r.pk for r in service.regions.all()}
        if province is not None and province.pk in province_ids:
            parts.append((30, "same_province", _("Same province")))
        elif region is not None and region.pk in region_ids:
            parts.append((15, "same_region", _("Same region")))
        parts.extend(
            (
                10,
                f"language:{code}",
                _("Speaks %(language)s") % {"language": names.get(code, code)},
            )
            for code in wanted
            if code in service.languages
        )
        if accessible and service.accessible:
            parts.append(
                (10, "accessible", _("Accessible to persons with disabilities"))
            )
        delay = service.response_delay_days
        parts.append(
            (
                max(0, 10 - delay),
                "delay",
                ngettext("Responds in %(days)d day", "Responds in %(days)d days", delay)
                % {"days": delay},
            )
        )
        if service.status == Service.Status.FULL or service.capacity == 0:
            parts.append((-50, "full", _("Full at the moment")))
        elif service.capacity:
            parts.append(
                (
                    5,
                    "capacity",
                    ngettext(
                        "%(count)d place available",
                        "%(count)d places available",
                        service.capacity,
                    )
                    % {"count": service.capacity},
                )
            )
        not_eligible = _eligibility_parts(service, age, sex)
        parts.extend(not_eligible)
        matches.append(
            ServiceMatch(
                service,
                sum(p[0] for p in parts),
                [p[2] for p in parts],
                [p[1] for p in parts],
                eligible=not not_eligible,
            )
        )
    matches.sort(
        key=lambda m: (
            not m.eligible,
            -m.score,
            m.service.response_delay_days,
            m.service.pk,
        )
    )
    return matches[:limit]
