"""Referrals that leave the platform (issue 16): a public hospital's social service
that has no account, listed by organisation A's focal point; a referral to it shared
with the person by WhatsApp and confirmed by the hospital's social worker through the
slip's link; the follow-up dates of the accepted demo referrals moved with their
timelines, so the pathway shows referrals accepted and never completed."""

from __future__ import annotations

from datetime import timedelta

from coordination.models import Province, Region, Sector
from demo.base import OUJDA, Demo
from demo.referrals import _backdate_referral
from organisations.models import Organisation, Service, User
from organisations.services import (
    create_organisation,
    create_service,
    verify_organisation,
)
from referrals.models import Beneficiary, Referral, ReferralEvent, ReferralLink
from referrals.services import ConsentTerms, send_referral
from referrals.services.follow_up import follow_up_delay
from referrals.services.links import SERVED, answer_through_link, issue_link
from referrals.services.slip import share_slip

HOSPITAL = {
    "name": "Centre hospitalier régional Al Farabi, service social",
    "acronym": "CHR Al Farabi",
    "kind": Organisation.Kind.PUBLIC_SERVICE,
    "description": "Service social de l'hôpital régional d'Oujda : accueil, orientation "
    "et prise en charge des patients sans couverture médicale.",
    "contact_person": "Mme Samira Bekkali, assistante sociale",
    "phone": "+212 536 00 61 20",
    "email": "service.social.alfarabi@example.org",
    "address": "Boulevard Mohammed VI, Oujda",
    "opening_hours": "Lundi au vendredi, 8 h 30 - 16 h 30",
    "languages": ["ar", "fr"],
}
HOSPITAL_SERVICE = {
    "name": "Consultation sociale et accès aux soins hospitaliers",
    "description": "Évaluation sociale, ouverture d'un dossier de soins gratuits, "
    "orientation vers les consultations de l'hôpital.",
    "address": "Service social, rez-de-chaussée, entrée des urgences",
    "opening_hours": "Lundi au vendredi, 8 h 30 - 16 h 30",
    "documents_needed": "Fiche de référencement ; tout document d'identité si la "
    "personne en a un (aucun n'est exigé)",
    "phone": "+212 536 00 61 21",
    "languages": ["ar", "ary", "fr"],
}


def _hospital(demo: Demo, focal: User) -> Service:
    existing = Service.objects.filter(
        organisation__name=HOSPITAL["name"], name=HOSPITAL_SERVICE["name"]
    ).first()
    if existing is not None:
        return existing
    oujda = Province.objects.get(code=OUJDA)
    health = Sector.objects.get(code="health")
    hospital = create_organisation(
        actor=focal,
        regions=[oujda.region],
        provinces=[oujda],
        sectors=[health],
        **HOSPITAL,
    )
    demo.count(Organisation)
    # The coordinator checked the listing: the public directory shows it as verified.
    verify_organisation(hospital, actor=demo.coordinator)
    service = create_service(
        actor=focal,
        organisation=hospital,
        sector=health,
        service_type=health.service_types.order_by("pk").first(),
        regions=[Region.objects.get(code=oujda.region.code)],
        provinces=[oujda],
        public=True,
        **HOSPITAL_SERVICE,
    )
    demo.count(Service)
    demo.organisations.setdefault(hospital.code, hospital)
    return service


def seed_off_platform(demo: Demo) -> None:
    """The hospital and its service, one referral to it shared by WhatsApp and
    confirmed through the link (served), one pending with its slip printed; follow-up
    dates of the backdated accepted referrals. Skipped when A has no beneficiaries or
    the hospital already has referrals."""
    _move_follow_up_dates()
    focal = demo.users.get("focal.a@example.org")
    worker = demo.users.get("worker.a@example.org")
    if focal is None or worker is None:
        return
    people = list(
        Beneficiary.objects.filter(
            organisation=focal.acting_organisation, identity_erased_at__isnull=True
        ).order_by("pk")[:2]
    )
    if len(people) < 2:
        return
    service = _hospital(demo, focal)
    if Referral.objects.filter(to_organisation=service.organisation).exists():
        return
    now = demo.now
    reasons = (
        "Douleurs abdominales depuis trois jours, sans couverture médicale ; besoin "
        "d'une consultation et d'un dossier de soins gratuits.",
        "Grossesse de six mois sans aucun suivi ; demande une consultation prénatale.",
    )
    for n, (person, reason) in enumerate(zip(people, reasons, strict=True)):
        sent = now - timedelta(days=2 - n, hours=5)
        referral = send_referral(
            person,
            actor=worker,
            service=service,
            reason=reason,
            priority=Referral.Priority.URGENT,
            new_consent=ConsentTerms(
                given_by="self",
                scope="Prénom, pour l'accueil au service social.",
                slip_identity="first_name" if n == 0 else "initials",
            ),
            now=sent,
        )
        demo.count(Referral)
        channel = (
            ReferralEvent.Channel.WHATSAPP if n == 0 else ReferralEvent.Channel.PRINT
        )
        share_slip(referral, actor=worker, channel=channel, purpose="demo:slip")
        times = {"sent": sent, "shared": sent + timedelta(minutes=4)}
        if n == 0:
            link = issue_link(referral)
            answer_through_link(
                link,
                action=SERVED,
                text="Reçue le lendemain matin : consultation faite, dossier de soins "
                "gratuits ouvert, rendez-vous de contrôle dans dix jours.",
            )
            answered = sent + timedelta(hours=20)
            times.update(accepted=answered, completed=answered)
            ReferralLink.objects.filter(pk=link.pk).update(
                used_at=answered, closed_at=answered
            )
            _backdate_referral(
                referral, times, responded_at=answered, closed_at=answered
            )
        else:
            _backdate_referral(referral, times)


def _move_follow_up_dates() -> None:
    """The demo backdates acceptances: their follow-up date goes with them."""
    for referral in Referral.objects.filter(
        status=Referral.Status.ACCEPTED, responded_at__isnull=False
    ).only("pk", "priority", "responded_at"):
        Referral.objects.filter(pk=referral.pk).update(
            follow_up_at=referral.responded_at + follow_up_delay(referral.priority)
        )
