"""Demo beneficiaries (fictional people) registered with consent."""

from __future__ import annotations

from django.conf import settings

from coordination.models import Province
from demo.base import Demo
from organisations.models import (
    User,
)
from referrals.models import Beneficiary
from referrals.services import (
    record_consent,
    register_beneficiary,
    withdraw_consent,
)

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
                full_name=name,
                phone=f"+2126{(offset + index) * 7919 % 100000000:08d}",
                sex=sex,
                birth_year=year,
                nationality=nationality,
                languages=languages,
                interpreter_needed="fr" not in languages and "ar" not in languages,
                province=provinces[index % len(provinces)] if provinces else None,
                household_size=1 + index % 4,
                vulnerabilities=vulnerabilities,
                **{
                    f"wg_{domain}": wgss.get(domain, "no_difficulty")
                    for domain in (
                        "seeing",
                        "hearing",
                        "walking",
                        "remembering",
                        "self_care",
                        "communicating",
                    )
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
