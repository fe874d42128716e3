"""Demo referrals in every status, backdated along their timelines."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from coordination.models import Sector
from demo.base import Demo
from notifications.models import Notification
from organisations.models import (
    Organisation,
    Service,
    User,
)
from referrals.models import (
    PRIORITY_DELAYS,
    Beneficiary,
    Consent,
    Referral,
    ReferralEvent,
)
from referrals.services import (
    ConsentTerms,
    accept_referral,
    assign_referral,
    cancel_referral,
    complete_referral,
    decline_referral,
    send_referral,
    withdraw_consent,
)

Kind = Organisation.Kind


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
                new_consent=None
                if consent
                else ConsentTerms(
                    given_by="self" if adult else "caregiver",
                    scope="Nom, téléphone et besoins, pour l'orientation.",
                ),
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
        new_consent=ConsentTerms(
            scope="Nom et état de santé.",
            legal_basis=Consent.LegalBasis.VITAL_INTEREST,
            justification="Personne inconsciente, incapable de consentir ; "
            "soins urgents nécessaires.",
        ),
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
