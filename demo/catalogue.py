"""Demo service catalogue: the organisations' services, with eligibility and places."""

from __future__ import annotations

from typing import Any

from coordination.models import Province, ServiceType
from demo.base import BERKANE, DRIOUCH, NADOR, OUJDA, Demo
from organisations.models import Service

# ---------------------------------------------------------------------------
# Service catalogue: hand-written services for A, B and C (so that a referral A → B can
# be shown), two or three generated ones for every other organisation.
# (organisation, name, service type, provinces, languages, extra fields)
# ---------------------------------------------------------------------------
SERVICES: list[tuple[str, str, str, list[str], list[str], dict[str, Any]]] = [
    ("org-a", "Repas chauds du soir", "hot_meals", [OUJDA], ["ar", "ary", "fr", "en"],
     {"opening_hours": "Tous les jours, 18 h - 20 h", "how_to_refer": ["walk_in", "tansiq_referral"],
      "response_delay_days": 1, "accessible": True, "documents_needed": ""}),
    ("org-a", "Distribution de kits d'hiver", "winterisation_kit", [OUJDA, NADOR], ["ar", "fr", "en"],
     {"opening_hours": "Lundi, mercredi, vendredi, 9 h - 12 h", "capacity": 120,
      "capacity_note": "kits en stock", "response_delay_days": 2}),
    ("org-a", "Accueil de jour et orientation", "case_management", [OUJDA], ["ar", "ary", "fr", "en"],
     {"opening_hours": "Du lundi au vendredi, 9 h - 17 h", "response_delay_days": 2,
      "how_to_refer": ["tansiq_referral", "phone", "walk_in"]}),
    ("org-b", "Consultations de soins primaires", "primary_care", [OUJDA, NADOR], ["fr", "ar", "bm", "wo"],
     {"opening_hours": "Du lundi au samedi, 8 h 30 - 16 h 30", "response_delay_days": 1,
      "accessible": True, "accessibility_note": "Entrée de plain-pied, salle d'attente au rez-de-chaussée",
      "documents_needed": "Aucun document exigé ; apporter les ordonnances et carnets de santé s'il y en a.",
      "how_to_refer": ["tansiq_referral", "phone", "walk_in"], "capacity": 25,
      "capacity_note": "consultations libres par jour"}),
    ("org-b", "Suivi des femmes enceintes", "maternal_care", [OUJDA, BERKANE], ["fr", "ar", "bm", "wo"],
     {"open_to_all": False, "sexes": ["female"], "vulnerabilities": ["pregnant_lactating"],
      "opening_hours": "Mardi et jeudi, 9 h - 13 h", "response_delay_days": 3,
      "how_to_refer": ["tansiq_referral", "phone"]}),
    ("org-b", "Soutien psychosocial", "counselling", [OUJDA, NADOR], ["fr", "ar", "en", "bm", "wo"],
     {"opening_hours": "Sur rendez-vous", "response_delay_days": 5,
      "how_to_refer": ["tansiq_referral", "phone"]}),
    ("org-b", "Prise en charge des survivantes de VBG", "gbv_case_management", [OUJDA, NADOR], ["fr", "ar", "bm", "wo"],
     {"open_to_all": False, "vulnerabilities": ["gbv_survivor"], "public": False,
      "opening_hours": "Tous les jours, ligne d'écoute 24 h / 24", "response_delay_days": 1,
      "how_to_refer": ["tansiq_referral", "phone"]}),
    ("org-c", "Hébergement d'urgence", "emergency_shelter", [NADOR], ["ar", "fr", "es", "ff"],
     {"status": "full", "capacity": 0, "capacity_note": "40 lits, tous occupés",
      "opening_hours": "Admissions de 17 h à 21 h", "response_delay_days": 1,
      "how_to_refer": ["tansiq_referral", "phone"]}),
    ("org-c", "Kits d'hygiène", "hygiene_kit", [NADOR, DRIOUCH], ["ar", "fr", "es"],
     {"opening_hours": "Mercredi, 10 h - 14 h", "capacity": 300, "response_delay_days": 3}),
    ("org-c", "Conseil juridique", "legal_counselling", [NADOR, OUJDA], ["ar", "fr", "en", "es", "ff"],
     {"status": "suspended", "opening_hours": "Permanence suspendue jusqu'au recrutement d'un juriste",
      "response_delay_days": 7, "documents_needed": "Toute pièce d'identité ou récépissé disponible."}),
]  # fmt: skip


def seed_services(demo: Demo) -> None:
    """The service catalogue: A, B and C by hand, two or three for every other
    organisation from its sectors and provinces; most public, a few full or
    suspended. A service is created once (by organisation and name)."""

    types = {t.code: t for t in ServiceType.objects.select_related("sector")}
    provinces = {p.code: p for p in Province.objects.select_related("region")}
    if not types or not provinces:
        return
    specs = list(SERVICES)
    first_type: dict[int, ServiceType] = {}
    for service_type in types.values():
        first_type.setdefault(service_type.sector_id, service_type)
    hand_written = {spec[0] for spec in SERVICES}
    for code, org in sorted(demo.organisations.items()):
        if code in hand_written:
            continue
        org_provinces = [p.code for p in org.provinces.all()][:2]
        for n, sector in enumerate(org.sectors.all()[:3]):
            service_type = first_type.get(sector.pk)
            if service_type is None or not org_provinces:
                continue
            specs.append(
                (
                    code,
                    f"{service_type.name_fr} · {org.short_name}",
                    service_type.code,
                    org_provinces,
                    list(org.languages),
                    {"status": "suspended" if n == 2 and len(code) % 3 == 0 else "available",
                     "response_delay_days": 2 + n * 3,
                     # Coordination services are for partners, not the public.
                     "public": sector.code != "coordination"},
                )
            )  # fmt: skip
    for org_code, name, type_code, province_codes, languages, extra in specs:
        org = demo.organisations.get(org_code)
        if org is None or Service.objects.filter(organisation=org, name=name).exists():
            continue
        member = org.memberships.order_by("-role", "pk").select_related("user").first()
        service_type = types[type_code]
        fields = {
            "description": org.description[:400],
            "address": org.address,
            "phone": org.phone,
            "how_to_refer": ["tansiq_referral", "phone"],
            **extra,
        }
        service = Service.objects.create(
            organisation=org,
            name=name,
            sector=service_type.sector,
            service_type=service_type,
            languages=languages,
            created_by=member.user if member else demo.coordinator,
            **fields,
        )
        chosen = [provinces[c] for c in province_codes]
        service.provinces.set(chosen)
        service.regions.set({p.region for p in chosen})
        demo.count(Service)


# Fictional people, as met by associations in Oujda, Nador, Rabat and Tangier:
# (name, sex, birth year, nationality, languages, vulnerabilities, WG-SS answers).
