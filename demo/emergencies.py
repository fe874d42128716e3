"""Demo emergencies with their needs and capacities, an alert and its answers, and
notification settings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from coordination.models import Province, Region, Sector, ServiceType
from demo.base import NADOR, OUJDA, Demo
from emergencies.models import Alert, AlertRecipient, Capacity, Emergency, Need
from emergencies.services import (
    add_need,
    answer_alert,
    create_emergency,
    declare_capacity,
    send_alert,
)
from notifications.models import Notification, NotificationPreference
from notifications.services import (
    mark_notification_read,
    set_notification_preferences,
)
from organisations.models import (
    Organisation,
    User,
)

Kind = Organisation.Kind


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
    """Two emergencies with needs per sector and place; capacities organisations
    declared. Through the services, so the demo obeys the pages' and the API's rules."""

    oriental = Region.objects.get(code="02")
    provinces = {p.code: p for p in Province.objects.filter(region=oriental)}
    sectors = {s.code: s for s in Sector.objects.all()}
    service_types = {t.code: t for t in ServiceType.objects.all()}
    for spec in EMERGENCIES:
        emergency = Emergency.objects.filter(title=spec["title"]).first()
        if emergency is None:
            emergency = create_emergency(
                actor=demo.coordinator,
                title=spec["title"],
                kind=spec["kind"],
                severity=spec["severity"],
                started_on=(demo.now - timedelta(days=spec["started_days_ago"])).date(),
                people_affected=spec["people_affected"],
                description=spec["description"],
                regions=[oriental],
                provinces=[provinces[c] for c in spec["provinces"]],
            )
            demo.count(Emergency)
            for sector, service_type, province, people, priority, note in spec["needs"]:
                add_need(
                    emergency,
                    actor=demo.coordinator,
                    sector=sectors[sector],
                    service_type=service_types[service_type],
                    region=oriental,
                    province=provinces[province],
                    people_in_need=people,
                    priority=priority,
                    note=note,
                )
                demo.count(Need)
        demo.emergencies.append(emergency)
    for org, index, sector, service_type, province, what, quantity, by in CAPACITIES:
        emergency = demo.emergencies[index]
        organisation = demo.organisations[org]
        if Capacity.objects.filter(
            organisation=organisation, emergency=emergency, description=what
        ).exists():
            continue
        declare_capacity(
            actor=User.objects.get(pk=demo.users[by].pk),  # acting for `org`
            emergency=emergency,
            sector=sectors[sector],
            service_type=service_types[service_type],
            description=what,
            quantity=quantity,
            region=oriental,
            province=provinces[province],
            as_of=(demo.now - timedelta(days=1)).date(),
        )
        demo.count(Capacity)


def seed_alerts(demo: Demo) -> None:
    """The coordinator's alert about the cold wave (shelter and food) to the matching
    organisations, sent through the service so members find it in their inbox, and two
    answers: one can respond, one cannot."""

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
