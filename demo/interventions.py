"""Demo 4W: interventions of the demo organisations across the regions."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import translation

from coordination.models import Province, ServiceType
from demo.base import Demo
from emergencies.models import Emergency
from interventions.models import Intervention
from organisations.models import (
    Membership,
)

# ---------------------------------------------------------------------------
# Interventions (the 4W): a few hundred, generated with a fixed seed so every run
# produces the same ones; each has a stable reference (demo-0001…) in its organisation.
# ---------------------------------------------------------------------------
DEMO_INTERVENTIONS = 320
FUNDERS = ["Union européenne", "OIM", "HCR", "UNICEF", "Coopération espagnole",
           "Fonds propres", "Ministère délégué chargé des MRE", ""]  # fmt: skip


def seed_interventions(demo: Demo) -> None:
    """A few hundred realistic interventions across regions, sectors, statuses and
    organisations; those in the Oriental during the demo emergencies are linked to them.
    Created only where the organisation has no intervention with that reference."""

    rng = random.Random(4)  # deterministic: the same demo on every machine
    today = demo.now.date()
    activities = list(ServiceType.objects.select_related("sector").order_by("code"))
    provinces = list(Province.objects.select_related("region").order_by("code"))
    orgs = sorted(demo.organisations.values(), key=lambda o: o.code)
    if not (activities and provinces and orgs):
        return
    by_org = {
        org.pk: list(org.provinces.all()) or [p for p in provinces if p.region_id in {r.pk for r in org.regions.all()}] or provinces
        for org in orgs
    }  # fmt: skip
    members = {
        m.organisation_id: m.user
        for m in Membership.objects.filter(organisation__in=orgs).select_related("user")
    }
    emergencies = {
        e.pk: e
        for e in Emergency.objects.filter(
            title__in=[
                "Vague de froid dans l'Oriental",
                "Arrivées de personnes migrantes à Nador",
            ]
        ).order_by("pk")
    }
    # A demo reference is made once, whichever organisation it went to.
    existing = set(
        Intervention.objects.filter(external_ref__startswith="demo-").values_list(
            "external_ref", flat=True
        )
    )
    statuses = [("ongoing", 5), ("completed", 3), ("planned", 2), ("suspended", 1)]
    new = []
    for n in range(1, DEMO_INTERVENTIONS + 1):
        org = orgs[n % len(orgs)] if n % 3 else rng.choice(orgs)
        province = rng.choice(by_org[org.pk])
        activity = rng.choice(activities)
        status = rng.choices([s for s, _w in statuses], [w for _s, w in statuses])[0]
        start = today - timedelta(days=rng.randint(0, 420))
        if status == "planned":
            start = today + timedelta(days=rng.randint(3, 60))
        end = (
            None
            if status == "ongoing" and rng.random() < 0.5
            else start + timedelta(days=rng.randint(14, 180))
        )
        if status == "completed" and end > today:
            start, end = (
                start - (end - today) - timedelta(days=1),
                today - timedelta(days=1),
            )
        parts = [rng.randint(0, 120) for _ in range(4)]
        total = sum(parts) + rng.randint(0, 20)
        share = {
            "planned": 0,
            "ongoing": rng.uniform(0.2, 0.9),
            "completed": rng.uniform(0.8, 1.0),
            "suspended": rng.uniform(0, 0.4),
        }[status]
        reached = [int(p * share) for p in parts]
        emergency = next(
            (e for e in emergencies.values() if province.region.code == "02" and start >= e.started_on and rng.random() < 0.6),
            None,
        )  # fmt: skip
        ref = f"demo-{n:04d}"
        if ref in existing:
            continue
        new.append(
            Intervention(
                organisation=org, emergency=emergency, sector=activity.sector, activity=activity,
                region=province.region, province=province, start_date=start, end_date=end,
                status=status, modality=rng.choice(["in_kind", "cash", "service", "service"]),
                targeted_women=parts[0], targeted_men=parts[1], targeted_girls=parts[2], targeted_boys=parts[3],
                targeted_disabled=rng.randint(0, total // 10), targeted_total=total,
                reached_women=reached[0], reached_men=reached[1], reached_girls=reached[2], reached_boys=reached[3],
                reached_disabled=min(int(rng.randint(0, total // 10) * share), sum(reached)), reached_total=sum(reached),
                funding_source=rng.choice(FUNDERS), external_ref=ref,
                description=f"{activity.name_fr} — {province.name_fr}",
                created_by=members.get(org.pk, demo.coordinator),
            )
        )  # fmt: skip
    Intervention.objects.bulk_create(new, batch_size=500)
    if new:
        with translation.override(None):
            demo.created[str(Intervention._meta.verbose_name_plural)] += len(new)
