"""Demo dialogue: the Rabat workshop, its follow-up meeting, recommendations and
comments."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from demo.base import Demo
from dialogue import services as dialogue
from dialogue.models import Comment, Meeting, Recommendation
from organisations.models import (
    User,
)

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
                title=title,
                kind=kind,
                starts_at=starts,
                ends_at=starts + timedelta(hours=hours),
                place=place,
                online_url=online_url,
                organiser=orgs[organiser],
                themes=themes,
                agenda=agenda,
                minutes=minutes,
                participants=[orgs[c] for c in codes],
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
                text=text,
                meeting=meeting,
                theme=theme,
                dimensions=dimensions,
                addressed_to=[orgs[c] for c in addressees],
                owner=orgs[owner],
                owner_user=demo.users[person] if person else None,
                due_date=max(due_date, meeting.starts_on),
                status=status,
                evidence=["/emergencies/"] if theme == "preparedness_response" else [],
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
