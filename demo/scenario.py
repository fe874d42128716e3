"""The demo scenario of PRODUCT.md "Demo": a fictional Moroccan coordination platform.

Imported only by the `seed_demo` management command. Like `coordination/dashboards/`, it
may import every app; coordination's reference data and config modules never import it.

Seeding is idempotent: every row is looked up by a stable key (an organisation's code, a
user's e-mail, an invitation's address and role) and created only when missing, and an
existing row is never written to, so a second run creates nothing and keeps whatever
users changed. Later issues add their data as a step: write `def seed_things(demo: Demo)`
below, using `demo.get_or_create()` and the objects earlier steps left in `demo`, and
append it to `STEPS`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db import models
from django.utils import timezone, translation

from coordination.models import Province, Region, Sector
from organisations.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    User,
    hash_secret,
)
from organisations.services import verify_organisation

if TYPE_CHECKING:
    from collections.abc import Callable

DEMO_PASSWORD = "tansiq-demo"
Kind = Organisation.Kind

# ---------------------------------------------------------------------------
# Organisations: all fictional. A, B and C work in the Oriental (Oujda-Angad, Nador)
# so a referral from A to B can be shown end to end.
# Province codes are HCP's; an organisation's regions are those of its provinces plus
# `regions` (for nationwide work without a province list).
# ---------------------------------------------------------------------------
OUJDA, NADOR, BERKANE, DRIOUCH = "02.411", "02.381", "02.113", "02.167"
TANGER, TETOUAN, RABAT, SALE = "01.511", "01.571", "04.421", "04.441"
CASABLANCA, FES, MEKNES, MARRAKECH = "06.141", "03.231", "03.061", "07.351"
AGADIR, INEZGANE, GUELMIM, TANTAN = "09.001", "09.273", "10.261", "10.521"
LAAYOUNE, DAKHLA, ERRACHIDIA = "11.321", "12.391", "08.201"
ALL_REGIONS = [f"{n:02d}" for n in range(1, 13)]

ORGANISATIONS: list[dict[str, Any]] = [
    {
        "code": "org-a",
        "name": "Association Oujda Accueil et Solidarité",
        "acronym": "AOAS",
        "kind": Kind.LOCAL_ASSOCIATION,
        "description": "Association de quartier fondée en 2009 à Oujda : accueil de jour, "
        "repas chauds, kits d'hiver et orientation des personnes migrantes vers les "
        "services de santé et de protection de la région.",
        "phone": "+212 536 00 41 10",
        "address": "12, rue des Orangers, Oujda",
        "provinces": [OUJDA, NADOR],
        "sectors": ["food_security", "shelter_nfi", "protection"],
        "languages": ["ar", "ary", "fr", "en"],
    },
    {
        "code": "org-b",
        "name": "Santé Migrations Maroc",
        "acronym": "SMM",
        "kind": Kind.NATIONAL_NGO,
        "description": "ONG nationale de santé : consultations de soins primaires, suivi "
        "des femmes enceintes, soutien psychosocial et prise en charge des survivantes "
        "de violences basées sur le genre, avec des médiateurs interculturels.",
        "phone": "+212 536 00 52 20",
        "address": "Centre de santé partenaire, boulevard Mohammed V, Oujda",
        "provinces": [OUJDA, NADOR, BERKANE],
        "sectors": ["health", "mhpss", "gbv"],
        "languages": ["ar", "fr", "en", "bm", "wo"],
    },
    {
        "code": "org-c",
        "name": "Solidarités Méditerranée Internationale",
        "acronym": "SMI",
        "kind": Kind.INTERNATIONAL_NGO,
        "description": "ONG internationale présente à Nador depuis 2015 : hébergement "
        "d'urgence, eau, hygiène et assainissement, aide juridique et documentation.",
        "phone": "+212 536 00 63 30",
        "address": "Quartier administratif, Nador",
        "provinces": [NADOR, DRIOUCH, OUJDA],
        "sectors": ["shelter_nfi", "wash", "legal_aid"],
        "languages": ["ar", "fr", "en", "es", "ff"],
    },
    {
        "code": "atmt",
        "name": "Association Tanger Main Tendue",
        "acronym": "ATMT",
        "kind": Kind.LOCAL_ASSOCIATION,
        "description": "Distribution alimentaire, cours d'alphabétisation et accompagnement "
        "scolaire des enfants migrants à Tanger et Tétouan.",
        "phone": "+212 539 00 14 25",
        "provinces": [TANGER, TETOUAN],
        "sectors": ["food_security", "education", "child_protection"],
        "languages": ["ar", "ary", "fr", "es"],
    },
    {
        "code": "ashs",
        "name": "Association Souss Horizons Solidaires",
        "acronym": "ASHS",
        "kind": Kind.LOCAL_ASSOCIATION,
        "description": "Formation professionnelle, activités génératrices de revenus et "
        "cours de langue pour les personnes migrantes du Grand Agadir.",
        "phone": "+212 528 00 27 36",
        "provinces": [AGADIR, INEZGANE],
        "sectors": ["livelihoods", "education"],
        "languages": ["ar", "zgh", "fr"],
    },
    {
        "code": "aafi",
        "name": "Association Amal Fès pour l'Insertion",
        "acronym": "AAFI",
        "kind": Kind.LOCAL_ASSOCIATION,
        "description": "Jeune association d'insertion socio-économique à Fès et Meknès : "
        "paniers alimentaires et ateliers d'orientation professionnelle.",
        "phone": "+212 535 00 38 47",
        "provinces": [FES, MEKNES],
        "sectors": ["livelihoods", "food_security"],
        "languages": ["ar", "ary", "fr"],
        "verified": False,
    },
    {
        "code": "aosg",
        "name": "Association Oasis Secours Guelmim",
        "acronym": "AOSG",
        "kind": Kind.LOCAL_ASSOCIATION,
        "description": "Aide d'urgence aux personnes de passage dans le Sud : repas, "
        "couvertures, kits d'hygiène et mise à l'abri temporaire.",
        "phone": "+212 528 00 49 58",
        "provinces": [GUELMIM, TANTAN],
        "sectors": ["food_security", "shelter_nfi"],
        "languages": ["ar", "fr"],
    },
    {
        "code": "ufms",
        "name": "Union des Femmes Migrantes Solidaires",
        "acronym": "UFMS",
        "kind": Kind.MIGRANT_LED,
        "description": "Association créée par des femmes migrantes : écoute, groupes de "
        "parole, accompagnement des survivantes de violences et micro-projets.",
        "phone": "+212 537 00 51 62",
        "provinces": [RABAT, SALE],
        "sectors": ["gbv", "protection", "livelihoods"],
        "languages": ["fr", "en", "ln", "wo", "bm"],
    },
    {
        "code": "ccac",
        "name": "Collectif des Communautés Africaines de Casablanca",
        "acronym": "CCAC",
        "kind": Kind.MIGRANT_LED,
        "description": "Représentation communautaire, médiation, permanences juridiques "
        "et soutien psychosocial entre pairs à Casablanca.",
        "phone": "+212 522 00 62 73",
        "provinces": [CASABLANCA],
        "sectors": ["protection", "legal_aid", "mhpss"],
        "languages": ["fr", "en", "ff", "bm", "wo", "ln"],
    },
    {
        "code": "aljmo",
        "name": "Association Lumière des Jeunes Migrants de l'Oriental",
        "acronym": "ALJMO",
        "kind": Kind.MIGRANT_LED,
        "description": "Soutien scolaire, activités sportives et écoute pour les jeunes "
        "migrants d'Oujda, animés par d'anciens bénéficiaires.",
        "phone": "+212 536 00 73 84",
        "provinces": [OUJDA],
        "sectors": ["education", "mhpss"],
        "languages": ["fr", "en", "ff", "ha"],
        "verified": False,
    },
    {
        "code": "omad",
        "name": "Organisation Marocaine pour l'Accès au Droit",
        "acronym": "OMAD",
        "kind": Kind.NATIONAL_NGO,
        "description": "Réseau d'avocats et de parajuristes : information juridique, "
        "accès aux documents d'état civil et de séjour, accompagnement devant les "
        "administrations.",
        "phone": "+212 537 00 84 95",
        "provinces": [RABAT, CASABLANCA, TANGER, OUJDA],
        "sectors": ["legal_aid", "protection"],
        "languages": ["ar", "fr", "en", "es"],
    },
    {
        "code": "fep",
        "name": "Fondation Enfance Protégée",
        "acronym": "FEP",
        "kind": Kind.NATIONAL_NGO,
        "description": "Protection de l'enfance : identification et suivi des mineurs non "
        "accompagnés, familles d'accueil, scolarisation.",
        "phone": "+212 522 00 95 06",
        "provinces": [CASABLANCA, TANGER, MARRAKECH],
        "sectors": ["child_protection", "education"],
        "languages": ["ar", "ary", "fr", "en"],
    },
    {
        "code": "air",
        "name": "Alliance Inclusion et Réadaptation",
        "acronym": "AIR",
        "kind": Kind.INTERNATIONAL_NGO,
        "description": "ONG internationale de réadaptation : aides techniques, "
        "kinésithérapie, santé mentale et inclusion des personnes handicapées dans la "
        "réponse humanitaire.",
        "phone": "+212 537 00 16 17",
        "provinces": [RABAT, OUJDA, NADOR],
        "sectors": ["disability", "mhpss"],
        "languages": ["ar", "fr", "en"],
    },
    {
        "code": "amt",
        "name": "Aide Médicale Transméditerranéenne",
        "acronym": "AMT",
        "kind": Kind.INTERNATIONAL_NGO,
        "description": "Cliniques mobiles, soins d'urgence et promotion de l'hygiène le "
        "long des routes migratoires, du Nord au Sud.",
        "phone": "+212 539 00 27 28",
        "provinces": [TANGER, TETOUAN, LAAYOUNE, DAKHLA],
        "sectors": ["health", "wash"],
        "languages": ["ar", "fr", "en", "es", "pt"],
    },
    {
        "code": "oimh",
        "name": "Organisation internationale pour la mobilité humaine",
        "acronym": "OIMH",
        "kind": Kind.UN_AGENCY,
        "description": "Organisation internationale (fictive) : aide au retour volontaire "
        "et à la réintégration, protection, abris d'urgence et appui à la coordination "
        "dans tout le Royaume.",
        "phone": "+212 537 00 38 39",
        "provinces": [RABAT, OUJDA, NADOR],
        "regions": ALL_REGIONS,
        "sectors": [
            "return_reintegration",
            "protection",
            "shelter_nfi",
            "coordination",
        ],
        "languages": ["ar", "fr", "en", "es", "pt"],
    },
    {
        "code": "fiej",
        "name": "Fonds international pour l'enfance et la jeunesse",
        "acronym": "FIEJ",
        "kind": Kind.UN_AGENCY,
        "description": "Agence internationale (fictive) : protection de l'enfance, "
        "éducation et appui aux systèmes publics de prise en charge.",
        "phone": "+212 537 00 49 40",
        "provinces": [RABAT, CASABLANCA, OUJDA],
        "sectors": ["child_protection", "education", "coordination"],
        "languages": ["ar", "fr", "en"],
    },
    {
        "code": "drs-oriental",
        "name": "Délégation régionale de la Santé de l'Oriental",
        "acronym": "DRS Oriental",
        "kind": Kind.PUBLIC_SERVICE,
        "description": "Service public de santé de la région : hôpitaux et centres de "
        "santé, programmes de vaccination et de santé maternelle ouverts à tous.",
        "phone": "+212 536 00 50 51",
        "provinces": [OUJDA, NADOR, BERKANE, DRIOUCH],
        "sectors": ["health"],
        "languages": ["ar", "ary", "fr"],
    },
    {
        "code": "en-nador",
        "name": "Délégation provinciale de l'Entraide Nationale de Nador",
        "acronym": "EN Nador",
        "kind": Kind.PUBLIC_SERVICE,
        "description": "Établissement public d'action sociale : centres d'éducation et de "
        "formation, protection des enfants et des personnes handicapées.",
        "phone": "+212 536 00 61 62",
        "provinces": [NADOR, DRIOUCH],
        "sectors": ["livelihoods", "education", "child_protection", "disability"],
        "languages": ["ar", "ary", "zgh", "fr"],
    },
    {
        "code": "oumo",
        "name": "Observatoire universitaire des migrations de l'Oriental",
        "acronym": "OUMO",
        "kind": Kind.TECHNICAL_PARTNER,
        "description": "Laboratoire universitaire (fictif) : études sur les parcours "
        "migratoires, formation des intervenants, appui méthodologique aux enquêtes.",
        "phone": "+212 536 00 72 73",
        "provinces": [OUJDA],
        "sectors": ["coordination"],
        "languages": ["ar", "fr", "en"],
    },
    {
        "code": "donnees-solidaires",
        "name": "Données Solidaires, coopérative de gestion de l'information",
        "acronym": "DS",
        "kind": Kind.TECHNICAL_PARTNER,
        "description": "Coopérative technique : cartographie 4W, tableaux de bord, "
        "formation à la protection des données et à l'outil Tansiq.",
        "phone": "+212 537 00 83 84",
        "provinces": [RABAT, ERRACHIDIA],
        "sectors": ["coordination"],
        "languages": ["ar", "fr", "en"],
    },
    {
        "code": "fems",
        "name": "Fonds euro-méditerranéen pour la solidarité",
        "acronym": "FEMS",
        "kind": Kind.DONOR,
        "description": "Bailleur (fictif) : financement de projets d'accueil, de santé et "
        "d'inclusion portés par des associations marocaines et des collectifs de "
        "migrants.",
        "phone": "+212 537 00 94 95",
        "provinces": [RABAT],
        "regions": ALL_REGIONS,
        "sectors": ["coordination"],
        "languages": ["fr", "en", "es"],
    },
]

# ---------------------------------------------------------------------------
# Accounts: PRODUCT.md "Demo", password DEMO_PASSWORD.
# (e-mail, name, platform role, observer body, organisation, membership role)
# ---------------------------------------------------------------------------
Role = Membership.Role
ACCOUNTS: list[tuple[str, str, str, str | None, str | None, str | None]] = [
    ("coordinator@example.org", "Nadia Benali", User.PlatformRole.COORDINATOR, None, None, None),
    ("observer@example.org", "Karim Alaoui", User.PlatformRole.OBSERVER, "drs-oriental", None, None),
    ("focal.a@example.org", "Fatima Zahra Ouali", "", None, "org-a", Role.FOCAL_POINT),
    ("worker.a@example.org", "Youssef Amrani", "", None, "org-a", Role.CASEWORKER),
    ("focal.b@example.org", "Leïla Haddad", "", None, "org-b", Role.FOCAL_POINT),
    ("worker.b@example.org", "Moussa Diallo", "", None, "org-b", Role.CASEWORKER),
    ("worker.c@example.org", "Aminata Traoré", "", None, "org-c", Role.CASEWORKER),
]  # fmt: skip

# Invitations waiting for an answer: (e-mail, role, organisation, invited by).
INVITATIONS = [
    ("benevole.a@example.org", Invitation.Role.CASEWORKER, "org-a", "focal.a@example.org"),
    ("focal.c@example.org", Invitation.Role.FOCAL_POINT, "org-c", "coordinator@example.org"),
    ("observateur.entraide@example.org", Invitation.Role.OBSERVER, "en-nador", "coordinator@example.org"),
]  # fmt: skip

JOIN_REQUESTS: list[dict[str, Any]] = [
    {
        "organisation_name": "Association Espoir Figuig",
        "acronym": "AEF",
        "kind": Kind.LOCAL_ASSOCIATION,
        "description": "Association villageoise qui accueille les personnes arrivant par "
        "la frontière : premiers secours, repas et orientation vers Oujda.",
        "contact_name": "Samira El Idrissi",
        "contact_email": "samira.elidrissi@example.org",
        "contact_phone": "+212 536 00 15 26",
        "regions": ["02"],
        "sectors": ["food_security", "health"],
    },
]


@dataclass
class Demo:
    """What the steps share: the rows they found or made, and counts of new rows."""

    now: Any = field(default_factory=timezone.now)
    created: Counter[str] = field(default_factory=Counter)
    users: dict[str, User] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    emergencies: list[Any] = field(default_factory=list)

    def get_or_create(
        self, model: type[models.Model], *, defaults: dict | None = None, **lookup
    ) -> tuple[Any, bool]:
        """The row matching `lookup`, created with `defaults` if missing (and counted)."""
        obj, created = model._default_manager.get_or_create(
            defaults=defaults or {}, **lookup
        )
        if created:
            self.count(model)
        return obj, created

    def count(self, model: type[models.Model]) -> None:
        """Count a new row under its model's English plural name, for the summary."""
        with translation.override(None):
            self.created[str(model._meta.verbose_name_plural)] += 1

    @property
    def coordinator(self) -> User:
        return self.users["coordinator@example.org"]


def seed_coordinator(demo: Demo) -> None:
    """The coordinator first: it verifies organisations and sends invitations."""
    email, name, role, *_ = ACCOUNTS[0]
    demo.users[email] = _user(demo, email, name=name, platform_role=role)


def seed_organisations(demo: Demo) -> None:
    """About twenty organisations of every kind; most verified by the coordinator."""
    regions = {r.code: r for r in Region.objects.all()}
    provinces = {p.code: p for p in Province.objects.select_related("region")}
    sectors = {s.code: s for s in Sector.objects.all()}
    for spec in ORGANISATIONS:
        spec = dict(spec)
        code = spec.pop("code")
        province_codes = spec.pop("provinces")
        region_codes = spec.pop("regions", [])
        sector_codes = spec.pop("sectors")
        verified = spec.pop("verified", True)
        slug = code.removeprefix("org-") if code.startswith("org-") else code
        spec.setdefault("email", f"contact.{slug}@example.org")
        spec.setdefault("website", f"https://{slug}.example.org")
        org, created = demo.get_or_create(Organisation, code=code, defaults=spec)
        if created:
            org.provinces.set([provinces[c] for c in province_codes])
            org.regions.set(
                {provinces[c].region for c in province_codes}
                | {regions[c] for c in region_codes}
            )
            org.sectors.set([sectors[c] for c in sector_codes])
            if verified:
                org = verify_organisation(org, actor=demo.coordinator)
        demo.organisations[code] = org


def seed_accounts(demo: Demo) -> None:
    """The other demo accounts: an observer and the members of A, B and C."""
    for email, name, role, body, org_code, member_role in ACCOUNTS[1:]:
        user = _user(
            demo,
            email,
            name=name,
            platform_role=role,
            observer_body=demo.organisations[body] if body else None,
            current_organisation=demo.organisations[org_code] if org_code else None,
        )
        if org_code:
            demo.get_or_create(
                Membership,
                user=user,
                organisation=demo.organisations[org_code],
                defaults={"role": member_role},
            )
        demo.users[email] = user


def seed_invitations(demo: Demo) -> None:
    """A few pending invitations. Created directly (the service would e-mail a link):
    their keys are random and thrown away, so they show in lists but nobody can accept."""
    for email, role, org_code, inviter in INVITATIONS:
        demo.get_or_create(
            Invitation,
            email=email,
            role=role,
            organisation=demo.organisations[org_code],
            defaults={
                "key_hash": hash_secret(Invitation.new_key()),
                "invited_by": demo.users[inviter],
                "expires_at": demo.now + timedelta(days=settings.INVITATION_TTL_DAYS),
            },
        )


def seed_join_requests(demo: Demo) -> None:
    """A request to join waiting for the coordinator's decision."""
    for spec in JOIN_REQUESTS:
        spec = dict(spec)
        region_codes, sector_codes = spec.pop("regions"), spec.pop("sectors")
        request, created = demo.get_or_create(
            JoinRequest,
            organisation_name=spec.pop("organisation_name"),
            contact_email=spec.pop("contact_email"),
            defaults=spec,
        )
        if created:
            request.regions.set(Region.objects.filter(code__in=region_codes))
            request.sectors.set(Sector.objects.filter(code__in=sector_codes))


def _user(demo: Demo, email: str, **fields) -> User:
    """A demo account with a verified primary address, created if missing."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, **fields)
        demo.count(User)
    demo.get_or_create(
        EmailAddress,
        user=user,
        email__iexact=email,
        defaults={"email": email, "verified": True, "primary": True},
    )
    return user


# ---------------------------------------------------------------------------
# Emergencies (issue 3): a cold wave in the Oriental and arrivals in Nador, with needs
# per sector and place, capacities the organisations declared, and one alert with answers.
# ---------------------------------------------------------------------------
FIGUIG, JERADA = "02.251", "02.275"
EMERGENCIES: list[dict[str, Any]] = [
    {
        "title": "Vague de froid dans l'Oriental",
        "kind": "cold_wave",
        "severity": "high",
        "started_days_ago": 12,
        "people_affected": 1800,
        "provinces": [OUJDA, FIGUIG, JERADA],
        "description": "Températures nocturnes sous zéro depuis dix jours à Oujda, Figuig "
        "et Jerada. Des personnes migrantes dorment dehors ou dans des abris de fortune "
        "en lisière de forêt ; les centres d'accueil sont pleins.",
        # sector, service type, province, people in need, priority, note
        "needs": [
            ("shelter_nfi", "emergency_shelter", OUJDA, 350, "high", "Mise à l'abri de nuit, priorité aux familles."),
            ("shelter_nfi", "winterisation_kit", FIGUIG, 600, "high", "Couvertures, vêtements chauds, bâches."),
            ("shelter_nfi", "winterisation_kit", JERADA, 400, "medium", ""),
            ("food_security", "hot_meals", OUJDA, 500, "high", "Repas chauds le soir."),
            ("health", "primary_care", OUJDA, 250, "medium", "Infections respiratoires, engelures."),
            ("protection", "case_management", OUJDA, 80, "medium", "Mineurs non accompagnés repérés en forêt."),
        ],
    },
    {
        "title": "Arrivées de personnes migrantes à Nador",
        "kind": "mass_arrival",
        "severity": "medium",
        "started_days_ago": 4,
        "people_affected": 420,
        "provinces": [NADOR],
        "description": "Arrivées nombreuses en quelques jours, dont des femmes enceintes et "
        "des enfants seuls ; besoins de premiers soins, d'hygiène et d'orientation.",
        "needs": [
            ("health", "emergency_care", NADOR, 120, "high", ""),
            ("wash", "hygiene_kit", NADOR, 420, "medium", ""),
            ("food_security", "food_kit", NADOR, 420, "medium", ""),
            ("child_protection", "best_interests", NADOR, 35, "high", "Enfants non accompagnés."),
            ("legal_aid", "civil_documentation", NADOR, 60, "low", ""),
        ],
    },
]  # fmt: skip

# organisation, emergency (index), sector, service type, province, what, quantity, declared by
CAPACITIES: list[tuple[str, int, str, str, str, str, int, str]] = [
    ("org-a", 0, "shelter_nfi", "emergency_shelter", OUJDA, "Places d'hébergement d'urgence", 40, "focal.a@example.org"),
    ("org-a", 0, "food_security", "hot_meals", OUJDA, "Repas chauds par soir", 200, "worker.a@example.org"),
    ("oimh", 0, "shelter_nfi", "winterisation_kit", FIGUIG, "Kits d'hiver", 300, "coordinator@example.org"),
    ("org-b", 0, "health", "primary_care", OUJDA, "Consultations de soins primaires par semaine", 60, "focal.b@example.org"),
    ("org-c", 1, "wash", "hygiene_kit", NADOR, "Kits d'hygiène", 150, "worker.c@example.org"),
    ("org-c", 1, "shelter_nfi", "emergency_shelter", NADOR, "Places d'hébergement d'urgence", 20, "worker.c@example.org"),
    ("org-b", 1, "health", "emergency_care", NADOR, "Équipe mobile de soins d'urgence", 1, "worker.b@example.org"),
]  # fmt: skip

ALERT_MESSAGE = (
    "Vague de froid : plus de 350 personnes sans abri la nuit à Oujda, besoins de kits "
    "d'hiver à Figuig et Jerada. Pouvez-vous mobiliser des places d'hébergement, des "
    "kits ou des repas chauds d'ici 48 heures ? Répondez sur Tansiq."
)
# organisation, who answers, response, note
ALERT_ANSWERS = [
    ("org-a", "focal.a@example.org", "respond", "40 places d'hébergement à Oujda dès ce soir et 200 repas chauds par soir."),
    ("org-c", "worker.c@example.org", "cannot_respond", "Nos équipes sont mobilisées à Nador pour les arrivées."),
]  # fmt: skip


def seed_emergencies(demo: Demo) -> None:
    """Two emergencies with needs per sector and place; capacities organisations declared."""
    from coordination.models import ServiceType
    from emergencies.models import Capacity, Emergency, Need

    oriental = Region.objects.get(code="02")
    provinces = {p.code: p for p in Province.objects.filter(region=oriental)}
    sectors = {s.code: s for s in Sector.objects.all()}
    service_types = {t.code: t for t in ServiceType.objects.all()}
    for spec in EMERGENCIES:
        emergency, created = demo.get_or_create(
            Emergency,
            title=spec["title"],
            defaults={
                "kind": spec["kind"],
                "severity": spec["severity"],
                "status": Emergency.Status.ACTIVE,
                "started_on": (
                    demo.now - timedelta(days=spec["started_days_ago"])
                ).date(),
                "people_affected": spec["people_affected"],
                "description": spec["description"],
                "created_by": demo.coordinator,
            },
        )
        if created:
            emergency.regions.set([oriental])
            emergency.provinces.set([provinces[c] for c in spec["provinces"]])
        for sector, service_type, province, people, priority, note in spec["needs"]:
            demo.get_or_create(
                Need,
                emergency=emergency,
                sector=sectors[sector],
                service_type=service_types[service_type],
                region=oriental,
                province=provinces[province],
                defaults={
                    "people_in_need": people,
                    "priority": priority,
                    "note": note,
                },
            )
        demo.emergencies.append(emergency)
    for org, index, sector, service_type, province, what, quantity, by in CAPACITIES:
        demo.get_or_create(
            Capacity,
            organisation=demo.organisations[org],
            emergency=demo.emergencies[index],
            description=what,
            defaults={
                "sector": sectors[sector],
                "service_type": service_types[service_type],
                "quantity": quantity,
                "region": oriental,
                "province": provinces[province],
                "as_of": (demo.now - timedelta(days=1)).date(),
                "created_by": demo.users[by],
            },
        )


def seed_alerts(demo: Demo) -> None:
    """The coordinator's alert about the cold wave (shelter and food) to the matching
    organisations, sent through the service so members find it in their inbox, and two
    answers: one can respond, one cannot."""
    from emergencies.models import Alert, AlertRecipient
    from emergencies.services import answer_alert, send_alert

    cold_wave = demo.emergencies[0]
    alert = Alert.objects.filter(emergency=cold_wave, message=ALERT_MESSAGE).first()
    if alert is None:
        alert = send_alert(
            actor=demo.coordinator,
            emergency=cold_wave,
            message=ALERT_MESSAGE,
            sectors=list(
                Sector.objects.filter(code__in=["shelter_nfi", "food_security"])
            ),
        )
        demo.count(Alert)
    for org_code, email, response, note in ALERT_ANSWERS:
        recipient = AlertRecipient.objects.filter(
            alert=alert, organisation=demo.organisations[org_code]
        ).first()
        if recipient is not None and recipient.answered_at is None:
            user = User.objects.get(pk=demo.users[email].pk)
            answer_alert(alert, actor=user, response=response, note=note)


def seed_notification_settings(demo: Demo) -> None:
    """Notification settings to try: B's caseworker gets referral news and mentions in
    a daily digest rather than at once; A's caseworker has read what the alert told them."""
    from notifications.models import Notification, NotificationPreference
    from notifications.services import (
        mark_notification_read,
        set_notification_preferences,
    )

    worker_b = demo.users.get("worker.b@example.org")
    if (
        worker_b is not None
        and not NotificationPreference.objects.filter(user=worker_b).exists()
    ):
        modes = {
            Notification.Kind.MENTION: NotificationPreference.Mode.DIGEST,
            Notification.Kind.REFERRAL_ACCEPTED: NotificationPreference.Mode.DIGEST,
            Notification.Kind.REFERRAL_COMPLETED: NotificationPreference.Mode.DIGEST,
            Notification.Kind.MEETING_INVITATION: NotificationPreference.Mode.OFF,
        }
        set_notification_preferences(worker_b, actor=worker_b, modes=modes)
        for _ in modes:
            demo.count(NotificationPreference)
    worker_a = demo.users.get("worker.a@example.org")
    if worker_a is not None:
        for notification in Notification.objects.filter(recipient=worker_a).unread():
            mark_notification_read(notification, actor=worker_a)


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
    import random

    from coordination.models import ServiceType
    from emergencies.models import Emergency
    from interventions.models import Intervention

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


# ---------------------------------------------------------------------------
# Dialogue (issue 7): the Rabat workshop of 15 December 2022 on the four themes (organised
# by AIR, the fictional counterpart of Handicap International, with OIMH's support), its
# recommendations in every state (some overdue), the 2023 follow-up meeting, discussions.
# ---------------------------------------------------------------------------
WORKSHOP_TITLE = (
    "Atelier de coordination des interventions d'urgence des organisations de la "
    "société civile"
)
FOLLOW_UP_TITLE = "Réunion de suivi des recommandations de l'atelier de Rabat"
WORKSHOP_PARTICIPANTS = [
    "org-a", "org-b", "org-c", "atmt", "ufms", "ccac", "omad", "fep", "air", "oimh",
    "fiej", "drs-oriental", "en-nador", "oumo", "donnees-solidaires", "fems",
]  # fmt: skip
FOLLOW_UP_PARTICIPANTS = ["org-a", "org-b", "air", "oimh", "drs-oriental", "en-nador", "donnees-solidaires"]  # fmt: skip
WORKSHOP_AGENDA = (
    "9h00 Ouverture : OIMH et AIR\n"
    "9h30 Bilan des interventions d'urgence de l'hiver 2021-2022\n"
    "10h30 Travaux de groupe sur les quatre thèmes : préparation et réponse, "
    "coordination entre acteurs publics, coordination entre services, référencement et "
    "identification des bénéficiaires\n"
    "14h00 Restitution des groupes : atouts et limites\n"
    "15h30 Recommandations opérationnelles et suites à donner\n"
    "16h30 Clôture"
)
WORKSHOP_MINUTES = (
    "À l'occasion de la semaine du migrant, l'atelier a réuni des associations, des "
    "associations de migrants, des organisations internationales, des partenaires "
    "techniques et des services publics pour bâtir une plateforme de dialogue inclusive "
    "sur les interventions d'urgence.\n\n"
    "Les groupes ont dressé le bilan des atouts (réactivité des associations locales, "
    "connaissance du terrain, médiateurs interculturels) et des limites (absence de "
    "stocks pré-positionnés, interlocuteurs publics mal identifiés, fiches de "
    "référencement différentes d'une structure à l'autre, retours rares après un "
    "référencement).\n\n"
    "Les participants ont retenu des recommandations opérationnelles multidimensionnelles "
    "(humaines et sociales, techniques, médiatiques, juridiques, éthiques, économiques, "
    "politiques et institutionnelles), suivies sur Tansiq."
)
FOLLOW_UP_MINUTES = (
    "Point d'étape six mois après l'atelier : la réunion trimestrielle est lancée, la "
    "cartographie des services avance, le point focal santé n'est pas encore désigné. "
    "Les porteurs mettent à jour l'avancement de leurs recommandations sur Tansiq."
)
# text, meeting (0 workshop, 1 follow-up), theme, dimensions, addressed to, owner,
# person in charge, due (days from today, or an ISO date), status, updates
# (author, text, new status or ""), days without news (for "stuck" ones)
RECOMMENDATIONS: list[tuple] = [
    ("Mettre en place un mécanisme d'alerte précoce partagé entre associations et autorités locales pour les vagues de froid et les arrivées nombreuses.", 0, "preparedness_response", ["technical", "institutional"], ["oimh", "drs-oriental"], "oimh", None, -120, "in_progress", [("coordinator@example.org", "Liste de diffusion d'alerte créée ; reste à y associer les autorités locales de Figuig et Jerada.", "")], 90),
    ("Constituer des stocks d'urgence pré-positionnés (kits d'hiver, kits d'hygiène) à Oujda et Nador, avec un inventaire tenu à jour sur Tansiq.", 0, "preparedness_response", ["economic", "technical"], ["org-a", "org-c"], "org-a", "focal.a@example.org", 30, "adopted", [("focal.a@example.org", "Local de stockage identifié à Oujda ; devis des kits demandés.", "")], 0),
    ("Désigner un point focal « migration » dans chaque délégation régionale de la santé et diffuser ses coordonnées aux associations.", 0, "public_actors_coordination", ["institutional", "political"], ["drs-oriental"], "drs-oriental", "observer@example.org", -30, "adopted", [], 75),
    ("Organiser une réunion trimestrielle de coordination entre services publics et associations dans l'Oriental.", 0, "public_actors_coordination", ["institutional"], ["drs-oriental", "en-nador", "oimh"], "oimh", None, "2023-06-30", "implemented", [("coordinator@example.org", "Première réunion tenue le 20 juin 2023 ; la suivante est prévue en septembre.", "")], 0),
    ("Cartographier les services disponibles (santé, hébergement, protection) par province et tenir la cartographie à jour dans le répertoire de Tansiq.", 0, "services_coordination", ["technical"], ["donnees-solidaires", "org-b"], "donnees-solidaires", None, "2023-12-31", "implemented", [("coordinator@example.org", "Répertoire des services publié pour l'Oriental et Rabat-Salé-Kénitra.", "")], 0),
    ("Harmoniser les fiches de référencement entre associations et structures de santé, avec un consentement recueilli et tracé à chaque référencement.", 0, "referral_identification", ["legal", "ethical"], ["org-b", "drs-oriental", "omad"], "org-b", "focal.b@example.org", 14, "adopted", [("focal.b@example.org", "Modèle commun rédigé avec l'OMAD ; test en cours dans deux centres de santé d'Oujda.", "in_progress")], 0),
    ("Former les intervenants de première ligne à l'identification des vulnérabilités (handicap avec le Washington Group Short Set, mineurs non accompagnés, victimes de traite).", 0, "referral_identification", ["human_social", "technical"], ["air", "fep"], "air", None, -60, "in_progress", [("coordinator@example.org", "Deux sessions tenues à Oujda ; Nador et Tanger restent à programmer.", "")], 120),
    ("Garantir une réponse sous 72 heures aux référencements urgents et mesurer ce délai chaque trimestre.", 0, "referral_identification", ["institutional", "ethical"], ["org-a", "org-b", "org-c"], "org-b", None, 90, "proposed", [], 0),
    ("Créer une ligne de financement d'urgence souple, mobilisable en 48 heures par les associations locales.", 0, "preparedness_response", ["economic", "political"], ["fems", "oimh"], "fems", None, 60, "proposed", [], 0),
    ("Associer les associations de migrants aux cellules de crise locales lors des urgences.", 0, "public_actors_coordination", ["political", "human_social"], ["ufms", "ccac", "en-nador"], "ccac", None, -10, "adopted", [], 0),
    ("Diffuser des messages d'information multilingues (français, anglais, bambara, wolof) sur les services d'urgence par les radios communautaires.", 0, "services_coordination", ["media", "human_social"], ["ufms", "atmt"], "ufms", None, "2023-09-30", "dropped", [("coordinator@example.org", "Abandonnée au profit d'une campagne sur les réseaux sociaux, moins coûteuse et plus suivie.", "")], 0),
    ("Établir un protocole de prise en charge des mineurs non accompagnés entre l'Entraide nationale et les associations de protection de l'enfance.", 0, "referral_identification", ["legal", "institutional"], ["en-nador", "fep", "fiej"], "fiej", None, 45, "in_progress", [], 0),
    ("Publier chaque trimestre un tableau de bord du suivi des recommandations sur Tansiq.", 1, "other", ["media", "institutional"], ["donnees-solidaires"], "donnees-solidaires", None, 20, "proposed", [], 0),
]  # fmt: skip
# (meeting index, or "r<n>" for the n-th recommendation; author; text)
DIALOGUE_COMMENTS = [
    (0, "coordinator@example.org", "Merci à toutes et à tous pour cette journée. Les recommandations sont en ligne : signalez ici vos avancées et vos difficultés."),
    (0, "focal.a@example.org", "Nous pouvons accueillir le stock d'Oujda dans nos locaux. @focal.b@example.org, pouvez-vous confirmer pour les kits d'hygiène de Nador ?"),
    ("r2", "observer@example.org", "La désignation du point focal est en cours de validation à la Direction régionale ; nous partagerons ses coordonnées dès la nomination."),
    ("r5", "worker.b@example.org", "Le modèle de fiche (version 2) est ici : https://smm.example.org/fiche-referencement"),
    ("r5", "focal.a@example.org", "Merci ! Nous le testons à l'accueil de jour dès la semaine prochaine."),
]  # fmt: skip


def _dialogue_meetings(demo: Demo) -> list:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from dialogue import services as dialogue
    from dialogue.models import Meeting

    orgs = demo.organisations
    casablanca = ZoneInfo("Africa/Casablanca")
    specs = [
        (WORKSHOP_TITLE, datetime(2022, 12, 15, 9, tzinfo=casablanca), 8, "workshop", "Rabat, hôtel partenaire (salle Atlas)", "", "air", list(Meeting.Theme.values)[:4], WORKSHOP_AGENDA, WORKSHOP_MINUTES, WORKSHOP_PARTICIPANTS),
        (FOLLOW_UP_TITLE, datetime(2023, 6, 20, 10, tzinfo=casablanca), 2, "meeting", "Rabat", "https://visio.example.org/suivi-rabat", "oimh", ["public_actors_coordination", "services_coordination"], "Point d'étape sur chaque recommandation de l'atelier de décembre 2022.", FOLLOW_UP_MINUTES, FOLLOW_UP_PARTICIPANTS),
    ]  # fmt: skip
    meetings = []
    for (title, starts, hours, kind, place, online_url, organiser, themes, agenda,
         minutes, codes) in specs:  # fmt: skip
        meeting = Meeting.objects.filter(title=title).first()
        if meeting is None:
            meeting = dialogue.create_meeting(
                actor=demo.coordinator,
                data={
                    "title": title,
                    "kind": kind,
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=hours),
                    "place": place,
                    "online_url": online_url,
                    "organiser": orgs[organiser],
                    "themes": themes,
                    "agenda": agenda,
                    "minutes": minutes,
                    "participants": [orgs[c] for c in codes],
                },
            )
            # Past meetings: attendance as recorded (the donor could not come).
            dialogue.record_attendance(
                meeting,
                actor=demo.coordinator,
                present=[orgs[c] for c in codes if c != "fems"],
            )
            demo.count(Meeting)
        meetings.append(meeting)
    return meetings


def seed_dialogue(demo: Demo) -> None:
    """The Rabat workshop and its follow-up meeting, their recommendations in various
    states with progress, and discussion threads; through the services, so owners and
    addressees find them in their inbox."""
    from datetime import date

    from dialogue import services as dialogue
    from dialogue.models import Comment, Recommendation

    orgs = demo.organisations
    meetings = _dialogue_meetings(demo)
    today = demo.now.date()
    recommendations = []
    for (text, meeting_index, theme, dimensions, addressees, owner, person, due,
         status, updates, quiet_days) in RECOMMENDATIONS:  # fmt: skip
        recommendation = Recommendation.objects.filter(text=text).first()
        if recommendation is None:
            meeting = meetings[meeting_index]
            due_date = (
                date.fromisoformat(due)
                if isinstance(due, str)
                else today + timedelta(days=due)
            )
            recommendation = dialogue.create_recommendation(
                actor=demo.coordinator,
                data={
                    "text": text,
                    "meeting": meeting,
                    "theme": theme,
                    "dimensions": dimensions,
                    "addressed_to": [orgs[c] for c in addressees],
                    "owner": orgs[owner],
                    "owner_user": demo.users[person] if person else None,
                    "due_date": max(due_date, meeting.starts_on),
                    "status": status,
                    "evidence": ["/emergencies/"]
                    if theme == "preparedness_response"
                    else [],
                },
            )
            demo.count(Recommendation)
            for email, update_text, new_status in updates:
                dialogue.add_progress_update(
                    recommendation,
                    actor=User.objects.get(pk=demo.users[email].pk),
                    text=update_text,
                    status=new_status or None,
                )
            if quiet_days:
                # Stuck on purpose: no news for a while (the board marks it).
                Recommendation.objects.filter(pk=recommendation.pk).update(
                    last_activity_at=demo.now - timedelta(days=quiet_days)
                )
        recommendations.append(recommendation)

    for where, email, body in DIALOGUE_COMMENTS:
        target = (
            recommendations[int(where[1:])]
            if isinstance(where, str)
            else meetings[where]
        )
        author = User.objects.get(pk=demo.users[email].pk)
        if not Comment.objects.filter(author=author, body=body).exists():
            dialogue.post_comment(target, actor=author, body=body)
            demo.count(Comment)


# Run in this order; later issues append theirs (services, interventions, referrals…).
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
    from coordination.models import ServiceType
    from organisations.models import Service

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
_DEMO_PEOPLE = [
    (
        "Aminata Koné",
        "female",
        1998,
        "CI",
        ["fr"],
        ["woman_at_risk", "pregnant_lactating"],
        {},
    ),
    ("Mamadou Diallo", "male", 2008, "GN", ["ff", "fr"], ["unaccompanied_child"], {}),
    (
        "Fatoumata Camara",
        "female",
        1990,
        "GN",
        ["ff"],
        ["single_caregiver"],
        {"walking": "a_lot_of_difficulty"},
    ),
    ("Ibrahim Traoré", "male", 1995, "ML", ["bm", "fr"], ["stranded"], {}),
    (
        "Awa Sow",
        "female",
        2001,
        "SN",
        ["wo", "fr"],
        ["gbv_survivor"],
        {"remembering": "some_difficulty"},
    ),
    (
        "Jean-Baptiste Mbala",
        "male",
        1987,
        "CM",
        ["fr", "en"],
        ["serious_medical"],
        {"seeing": "cannot_do_at_all"},
    ),
    (
        "Grace Okafor",
        "female",
        1993,
        "NG",
        ["en", "ha"],
        ["trafficking", "woman_at_risk"],
        {},
    ),
    (
        "Ousmane Keïta",
        "male",
        1960,
        "ML",
        ["bm"],
        ["older_at_risk"],
        {"hearing": "a_lot_of_difficulty", "walking": "some_difficulty"},
    ),
    (
        "Mariam Yusuf",
        "female",
        1999,
        "SD",
        ["ar", "en"],
        ["international_protection"],
        {},
    ),
    ("Abdoulaye Ba", "male", 2007, "SN", ["wo", "ff"], ["child_at_risk"], {}),
    (
        "Kadiatou Barry",
        "female",
        2016,
        "GN",
        ["ff"],
        ["child_at_risk"],
        {"communicating": "a_lot_of_difficulty"},
    ),
    (
        "Samuel Tesfaye",
        "male",
        1994,
        "ER",
        ["ti", "en"],
        ["torture_survivor", "mental_health"],
        {"remembering": "a_lot_of_difficulty"},
    ),
    ("Nafissatou Diop", "female", 1985, "SN", ["wo", "fr"], ["single_caregiver"], {}),
    (
        "Youssouf Coulibaly",
        "male",
        1991,
        "BF",
        ["fr", "bm"],
        ["stranded"],
        {"self_care": "some_difficulty"},
    ),
    (
        "Christelle Mbemba",
        "female",
        1997,
        "CD",
        ["ln", "fr"],
        ["gbv_survivor", "mental_health"],
        {},
    ),
]


def seed_beneficiaries(demo: Demo) -> None:
    """About thirty fictional people registered by organisations A, B and C, with
    varied vulnerabilities and WG-SS answers, and consents (one under vital interest,
    one withdrawn). Skipped for an organisation that already has beneficiaries, and
    entirely when BENEFICIARY_KEYS is not configured (identity cannot be stored)."""
    from referrals.models import Beneficiary
    from referrals.services import (
        record_consent,
        register_beneficiary,
        withdraw_consent,
    )

    if not (settings.BENEFICIARY_KEYS and settings.BENEFICIARY_HASH_KEY):
        return
    orgs = demo.organisations
    plan = [
        ("org-a", "worker.a@example.org", "focal.a@example.org", "org-b", 0),
        ("org-b", "worker.b@example.org", "focal.b@example.org", "org-a", 5),
        ("org-c", "worker.c@example.org", None, "org-a", 10),
    ]
    provinces = list(Province.objects.filter(region__code="02").order_by("code"))
    for org_code, worker_email, focal_email, partner_code, offset in plan:
        org, partner = orgs.get(org_code), orgs.get(partner_code)
        worker = User.objects.filter(email=worker_email).first()
        if (
            org is None
            or worker is None
            or Beneficiary.objects.filter(organisation=org).exists()
        ):
            continue
        worker.current_organisation = org
        for index in range(10):
            name, sex, year, nationality, languages, vulnerabilities, wgss = (
                _DEMO_PEOPLE[(offset + index) % len(_DEMO_PEOPLE)]
            )
            person = register_beneficiary(
                actor=worker,
                data={
                    "full_name": name,
                    "phone": f"+2126{(offset + index) * 7919 % 100000000:08d}",
                    "sex": sex,
                    "birth_year": year,
                    "nationality": nationality,
                    "languages": languages,
                    "interpreter_needed": "fr" not in languages
                    and "ar" not in languages,
                    "province": provinces[index % len(provinces)]
                    if provinces
                    else None,
                    "household_size": 1 + index % 4,
                    "vulnerabilities": vulnerabilities,
                    **{
                        f"wg_{domain}": "no_difficulty"
                        for domain in (
                            "seeing",
                            "hearing",
                            "walking",
                            "remembering",
                            "self_care",
                            "communicating",
                        )
                    },
                    **{f"wg_{domain}": answer for domain, answer in wgss.items()},
                },
            )
            demo.count(Beneficiary)
            if partner is not None and index % 3 == 0:
                consent = record_consent(
                    person,
                    actor=worker,
                    organisation=partner,
                    given_by="self" if year < 2008 else "caregiver",
                    scope="Nom, téléphone et besoins, pour l'orientation.",
                )
                if index == 9:
                    withdraw_consent(
                        consent, actor=worker, reason="La personne a changé d'avis."
                    )
        focal = User.objects.filter(email=focal_email).first() if focal_email else None
        if focal is not None and partner is not None:
            focal.current_organisation = org
            person = Beneficiary.objects.filter(organisation=org).order_by("pk").last()
            record_consent(
                person,
                actor=focal,
                organisation=partner,
                scope="Nom et état de santé.",
                legal_basis="vital_interest",
                justification="Personne inconsciente, prise en charge médicale urgente.",
            )


# ---------------------------------------------------------------------------
# Referrals: A, B and C refer people to each other (and to a few other organisations of
# the Oriental and Rabat, which do not answer on the platform yet).
# (from, to, how many); the statuses follow a cycle so every status shows up.
# ---------------------------------------------------------------------------
REFERRAL_FLOWS = [
    ("org-a", "org-b", 28), ("org-a", "org-c", 10), ("org-b", "org-a", 10),
    ("org-b", "org-c", 7), ("org-c", "org-a", 8), ("org-c", "org-b", 10),
    ("org-a", "drs-oriental", 3), ("org-a", "omad", 2), ("org-a", "air", 2),
    ("org-a", "ufms", 1), ("org-b", "en-nador", 2), ("org-b", "oimh", 2),
    ("org-c", "omad", 2), ("org-c", "drs-oriental", 2),
]  # fmt: skip
# Statuses for an organisation whose members answer, and for one that does not (yet).
_ANSWERING = ["completed", "accepted", "pending", "completed", "declined", "completed",
              "pending", "accepted", "cancelled", "completed"]  # fmt: skip
_SILENT = ["pending", "cancelled", "pending", "pending"]
_PRIORITIES = ["normal", "urgent", "normal", "emergency", "normal", "urgent", "normal"]
# Who acts for each demo organisation: (sender or receiver, assignee).
_REFERRAL_STAFF = {
    "org-a": ("worker.a@example.org", "worker.a@example.org"),
    "org-b": ("focal.b@example.org", "worker.b@example.org"),
    "org-c": ("worker.c@example.org", "worker.c@example.org"),
}
# What the person needs, by sector: no name or contact details, as the form asks.
REFERRAL_REASONS = {
    "health": [
        "Toux persistante et fièvre depuis une semaine ; aucun suivi médical depuis l'arrivée.",
        "Plaie au pied mal cicatrisée après une longue marche, besoin de soins.",
        "Traitement du diabète interrompu depuis un mois, besoin d'une consultation.",
        "Douleurs dentaires importantes, ne peut plus s'alimenter normalement.",
    ],
    "mhpss": [
        "Troubles du sommeil et angoisses depuis le passage de la frontière.",
        "Demande un espace d'écoute après la perte d'un proche pendant le voyage.",
    ],
    "gbv": ["Survivante qui demande un accompagnement spécialisé ; en sécurité pour l'instant."],
    "shelter_nfi": [
        "Dort dehors depuis une semaine, nuits très froides.",
        "Famille avec un enfant en bas âge sans abri depuis la fin de son hébergement.",
        "Besoin de couvertures et de vêtements chauds pour l'hiver.",
    ],
    "wash": ["Besoin de kits d'hygiène pour un foyer de quatre personnes."],
    "legal_aid": [
        "Souhaite être informée sur la procédure de régularisation.",
        "Enfant né au Maroc dont la naissance n'a pas encore été déclarée.",
    ],
    "food_security": ["Plus aucune ressource pour se nourrir depuis deux semaines."],
    "protection": ["Grande précarité et isolement : demande un suivi individuel."],
    "child_protection": ["Mineur non accompagné : évaluation de l'intérêt supérieur nécessaire."],
    "education": ["Souhaite suivre des cours de darija et de français."],
    "livelihoods": ["Cherche une formation professionnelle (couture ou cuisine)."],
    "disability": ["Besoin d'une évaluation pour une aide technique à la marche."],
    "return_reintegration": ["Souhaite des informations sur l'aide au retour volontaire."],
}  # fmt: skip
REFERRAL_OUTCOMES = [
    "Consultation faite et traitement remis ; rendez-vous de contrôle dans un mois.",
    "Prise en charge assurée ; la personne est suivie par notre équipe.",
    "Kit remis et informations données sur les distributions suivantes.",
    "Trois séances d'écoute ; la personne se sent mieux et sait où revenir.",
    "Démarches expliquées et dossier ouvert ; la personne a les documents à fournir.",
]
REFERRAL_FEEDBACK = [
    "Merci pour l'orientation bien préparée : la raison était claire.",
    "Pensez à préciser les langues parlées, nous aurions prévu un médiateur.",
]
REFERRAL_DECLINES = [
    "Plus de place cette semaine ; renvoyez l'orientation lundi si le besoin demeure.",
    "Ce besoin relève d'un service spécialisé que nous n'offrons pas.",
    "Hors de notre zone d'intervention : voyez la délégation de la province.",
]
REFERRAL_CANCELS = [
    "La personne a trouvé une solution par elle-même.",
    "La personne a quitté la ville.",
    "Besoin couvert par notre propre équipe finalement.",
]


def _eligible_for(service, person) -> bool:
    age = person.age
    if service.sexes and person.sex not in service.sexes:
        return False
    if age is not None and service.age_min is not None and age < service.age_min:
        return False
    return not (
        age is not None and service.age_max is not None and age > service.age_max
    )


def _backdate_referral(referral, times: dict[str, Any], **fields: Any) -> None:
    """Move a referral's timeline (and the matching notifications) into the past, so
    the pathway's response times look like weeks of work rather than one second."""
    from django.contrib.contenttypes.models import ContentType

    from notifications.models import Notification
    from referrals.models import Referral, ReferralEvent

    Kind = Notification.Kind
    notified = {
        "sent": Kind.REFERRAL_RECEIVED,
        "accepted": Kind.REFERRAL_ACCEPTED,
        "declined": Kind.REFERRAL_DECLINED,
        "completed": Kind.REFERRAL_COMPLETED,
        "cancelled": Kind.REFERRAL_CANCELLED,
    }
    content_type = ContentType.objects.get_for_model(Referral)
    for kind, at in times.items():
        ReferralEvent.objects.filter(referral=referral, kind=kind).update(at=at)
        if kind in notified:
            rows = Notification.objects.filter(
                target_type=content_type, target_id=referral.pk, kind=notified[kind]
            )
            rows.update(created_at=at)
            # What is more than three days old has been read.
            if at < timezone.now() - timedelta(days=3):
                rows.update(read_at=at + timedelta(hours=3))
    Referral.objects.filter(pk=referral.pk).update(
        created_at=referral.sent_at, updated_at=max(times.values()), **fields
    )


def seed_referrals(demo: Demo) -> None:
    """About ninety referrals sent by A, B and C through the services, with consent:
    every status and priority, answers hours to days after sending (some late), some
    overdue (B's inbox has pending ones from A, one past its deadline), one under vital
    interest sent by A's focal point, one whose consent was later withdrawn. Timelines
    are moved into the past. Skipped for a sender that already sent referrals."""
    import random

    from organisations.models import Service
    from referrals.models import PRIORITY_DELAYS, Beneficiary, Consent, Referral
    from referrals.services import (
        accept_referral,
        assign_referral,
        cancel_referral,
        complete_referral,
        decline_referral,
        send_referral,
        withdraw_consent,
    )

    orgs = demo.organisations
    senders = {
        code
        for code, *_ in REFERRAL_FLOWS
        if code in orgs
        and Beneficiary.objects.filter(organisation=orgs[code]).exists()
        and not Referral.objects.filter(from_organisation=orgs[code]).exists()
    }
    if not senders:
        return
    staff = {
        code: tuple(User.objects.get(email=email) for email in pair)
        for code, pair in _REFERRAL_STAFF.items()
        if User.objects.filter(email__in=pair).count() == len(set(pair))
    }
    rng = random.Random(2026)
    now = demo.now
    emergency = demo.emergencies[0] if demo.emergencies else None
    people = {
        code: list(Beneficiary.objects.filter(organisation=orgs[code]).order_by("pk"))
        for code in senders
    }
    index = 0
    for from_code, to_code, count in REFERRAL_FLOWS:
        to_org = orgs.get(to_code)
        if from_code not in senders or from_code not in staff or to_org is None:
            continue
        sender = staff[from_code][0]
        receiver, assignee = staff.get(to_code, (None, None))
        services = list(
            Service.objects.referable().filter(organisation=to_org).order_by("pk")
        )
        fallback_sector = to_org.sectors.order_by("pk").first()
        statuses = _ANSWERING if receiver is not None else _SILENT
        pending_seen = 0
        for n in range(count):
            status = statuses[n % len(statuses)]
            priority = _PRIORITIES[index % len(_PRIORITIES)]
            delay = PRIORITY_DELAYS[priority]
            person = people[from_code][(n * 3 + index) % len(people[from_code])]
            service = next(
                (
                    s
                    for k in range(len(services))
                    if _eligible_for(s := services[(n + k) % len(services)], person)
                ),
                None,
            )
            sector = service.sector if service is not None else fallback_sector
            reasons = REFERRAL_REASONS.get(sector.code, REFERRAL_REASONS["protection"])
            # When it was sent: pending ones within their deadline or past it,
            # answered ones weeks ago with an answer after hours or days.
            if status == "pending":
                pending_seen += 1
                overdue = pending_seen % 3 == 2
                sent = now - (
                    delay * rng.uniform(1.1, 2.5) if overdue else delay * rng.uniform(0.1, 0.6)
                )  # fmt: skip
            late = index % 5 == 0
            response = delay * (rng.uniform(1.2, 3) if late else rng.uniform(0.05, 0.9))
            follow_up = timedelta(days=rng.uniform(1, 20))
            if status != "pending":
                sent = now - response - follow_up - timedelta(days=rng.uniform(1, 40))
            # A consent recorded earlier (and not used yet), else one recorded now.
            consent = (
                Consent.objects.filter(
                    beneficiary=person,
                    organisation=to_org,
                    legal_basis=Consent.LegalBasis.CONSENT,
                    withdrawn_at__isnull=True,
                    referrals__isnull=True,
                )
                .order_by("pk")
                .first()
            )
            adult = person.age is None or person.age >= 18
            referral = send_referral(
                person,
                actor=sender,
                to_organisation=to_org,
                service=service,
                sector=sector,
                reason=reasons[index % len(reasons)],
                priority=priority,
                consent=consent,
                consent_data=None
                if consent
                else {
                    "given_by": "self" if adult else "caregiver",
                    "scope": "Nom, téléphone et besoins, pour l'orientation.",
                },
                emergency=emergency
                if emergency is not None and sector.code == "shelter_nfi"
                else None,
                now=sent,
            )
            demo.count(Referral)
            index += 1
            answered = sent + response
            closed = min(answered + follow_up, now - timedelta(hours=2))
            times: dict[str, Any] = {"sent": sent}
            if status == "pending":
                if receiver is not None and pending_seen % 2 == 0:
                    assign_referral(referral, actor=receiver, assignee=assignee)
                    times["assigned"] = sent + delay * 0.05
                _backdate_referral(referral, times)
                continue
            fields: dict[str, Any] = {"responded_at": answered}
            if status in ("accepted", "completed"):
                referral = accept_referral(
                    referral, actor=receiver, assign_to=assignee if n % 2 else None
                )
                times.update(accepted=answered, assigned=answered)
            if status == "completed":
                referral = complete_referral(
                    referral,
                    actor=receiver,
                    outcome=REFERRAL_OUTCOMES[n % len(REFERRAL_OUTCOMES)],
                    feedback=REFERRAL_FEEDBACK[n % 2] if n % 3 == 0 else "",
                )
                times.update(completed=closed, feedback=closed)
                fields["closed_at"] = closed
            elif status == "declined":
                referral = decline_referral(
                    referral,
                    actor=receiver,
                    reason=REFERRAL_DECLINES[n % len(REFERRAL_DECLINES)],
                )
                times["declined"] = answered
                fields["closed_at"] = answered
            elif status == "cancelled":
                cancelled = min(sent + delay * rng.uniform(0.1, 0.5), closed)
                referral = cancel_referral(
                    referral,
                    actor=sender,
                    reason=REFERRAL_CANCELS[n % len(REFERRAL_CANCELS)],
                )
                times["cancelled"] = cancelled
                fields = {"closed_at": cancelled}
            _backdate_referral(referral, times, **fields)

    a, b = orgs.get("org-a"), orgs.get("org-b")
    focal_a = User.objects.filter(email="focal.a@example.org").first()
    if "org-a" not in senders or b is None or focal_a is None or "org-b" not in staff:
        return
    # A's focal point sends, under vital interest, a person found unconscious; B
    # answers within two hours.
    person = people["org-a"][-1]
    sent = now - timedelta(days=6, hours=3)
    primary_care = Service.objects.filter(
        organisation=b, service_type__code="primary_care"
    ).first()
    referral = send_referral(
        person,
        actor=focal_a,
        to_organisation=b,
        service=primary_care,
        sector=primary_care.sector
        if primary_care
        else Sector.objects.get(code="health"),
        reason="Personne trouvée inconsciente près de la gare routière : "
        "prise en charge médicale immédiate.",
        priority=Referral.Priority.EMERGENCY,
        consent_data={
            "scope": "Nom et état de santé.",
            "legal_basis": Consent.LegalBasis.VITAL_INTEREST,
            "justification": "Personne inconsciente, incapable de consentir ; "
            "soins urgents nécessaires.",
        },
        now=sent,
    )
    demo.count(Referral)
    receiver, assignee = staff["org-b"]
    accept_referral(referral, actor=receiver, assign_to=assignee)
    _backdate_referral(
        referral,
        {"sent": sent, "accepted": sent + timedelta(hours=2),
         "assigned": sent + timedelta(hours=2)},
        responded_at=sent + timedelta(hours=2),
    )  # fmt: skip
    # A person referred from A to B, accepted, later withdrew their consent: B keeps
    # the referral but no longer sees who it is.
    accepted = (
        Referral.objects.filter(
            from_organisation=a,
            to_organisation=b,
            status=Referral.Status.ACCEPTED,
            consent__legal_basis=Consent.LegalBasis.CONSENT,
        )
        .order_by("sent_at")
        .first()
    )
    if accepted is not None:
        worker_a = staff["org-a"][0]
        consent = withdraw_consent(
            accepted.consent,
            actor=worker_a,
            reason="La personne ne souhaite plus que ses informations soient partagées.",
        )
        withdrawn = max(now - timedelta(days=1), accepted.responded_at or now)
        Consent.objects.filter(pk=consent.pk).update(withdrawn_at=withdrawn)
        accepted.events.filter(kind="consent_withdrawn").update(at=withdrawn)


STEPS: list[Callable[[Demo], None]] = [
    seed_coordinator,
    seed_organisations,
    seed_accounts,
    seed_invitations,
    seed_join_requests,
    seed_emergencies,
    seed_alerts,
    seed_notification_settings,
    seed_interventions,
    seed_dialogue,
    seed_services,
    seed_beneficiaries,
    seed_referrals,
]


def seed(steps: list[Callable[[Demo], None]] | None = None) -> Demo:
    """Run the steps (all by default) and return what they found and created."""
    demo = Demo()
    for step in steps or STEPS:
        step(demo)
    return demo
