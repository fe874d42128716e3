"""Demo organisations, accounts, invitations and requests to join (all fictional)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings

from coordination.models import Province, Region, Sector
from demo.base import (
    AGADIR,
    ALL_REGIONS,
    BERKANE,
    CASABLANCA,
    DAKHLA,
    DEMO_PASSWORD,
    DRIOUCH,
    ERRACHIDIA,
    FES,
    GUELMIM,
    INEZGANE,
    LAAYOUNE,
    MARRAKECH,
    MEKNES,
    NADOR,
    OUJDA,
    RABAT,
    SALE,
    TANGER,
    TANTAN,
    TETOUAN,
    Demo,
)
from organisations.models import (
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    User,
    hash_secret,
)
from organisations.services import verify_organisation

Kind = Organisation.Kind


# ---------------------------------------------------------------------------
# Organisations: all fictional. A, B and C work in the Oriental (Oujda-Angad, Nador)
# so a referral from A to B can be shown end to end.
# Province codes are HCP's; an organisation's regions are those of its provinces plus
# `regions` (for nationwide work without a province list).
# ---------------------------------------------------------------------------

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
