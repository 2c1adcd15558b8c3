"""Fictional persons and cases in Namur, so that every role can walk through every journey.

Every name here is invented and marked "(fictif)". Written through the services, so the
demo files carry their audit trail like real ones. Idempotent: the cases are made once.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import User
from cases import services
from cases.models import CaseFile, Referral, ServiceReferralStatus
from network import services as network_services
from network.models import Level, Organisation, Service

# organisations the journeys need beside the directory's (fictional names)
ORGANISATIONS = [
    (
        "ecole-confluent",
        "École secondaire du Confluent (démo)",
        Level.SCHOOL,
    ),
    ("maison-justice-namur", "Maison de justice de Namur (démo)", Level.PUBLIC_AGENCY),
]


def ensure_organisations() -> None:
    for key, name, level in ORGANISATIONS:
        if not Organisation.objects.filter(key=key).exists():
            network_services.upsert_organisation(
                key=key, name={"fr": name, "nl": name, "de": name, "en": name}, level=level
            )


def _days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def load_cases() -> None:
    officer = User.objects.get(email="referral@demo.synergie.test")
    if CaseFile.objects.filter(organisation=officer.organisation).exists():
        return
    partner = User.objects.get(email="partner@demo.synergie.test")
    school = User.objects.get(email="school@demo.synergie.test")
    justice = User.objects.get(email="justice@demo.synergie.test")
    namur, cpas = officer.organisation, partner.organisation
    school_org = school.organisation

    # 1. A young adult referred by the school, followed by the referral officer with the CPAS
    sam = _referral(
        school,
        namur,
        "Sam Exemple (fictif)",
        datetime.date(2006, 3, 14),
        "Depuis la rentrée, Sam relaie en classe des vidéos qui appellent à la haine et s'isole "
        "de ses amis. Ses professeurs s'inquiètent.",
        days=40,
        source_org=school_org,
    )
    file = services.accept_referral(
        sam, actor=officer, manager=officer, note="Premier entretien fixé."
    )
    for days, kind, text in [
        (
            38,
            "contact",
            "Premier entretien avec Sam, en présence de sa mère. Sam accepte un suivi.",
        ),
        (30, "note", "Sam parle d'un sentiment d'injustice après la perte de son job étudiant."),
        (21, "event", "Rencontre avec le CPAS pour l'insertion socioprofessionnelle."),
        (7, "contact", "Sam a participé à l'atelier d'écriture de la maison de quartier."),
    ]:
        services.add_entry(
            file, {"kind": kind, "occurred_on": _days_ago(days), "text": text}, actor=officer
        )
    services.add_evaluation(
        file,
        {
            "evaluated_on": _days_ago(30),
            "summary": "Jeune adulte en quête de reconnaissance, réceptif à un accompagnement. "
            "Pas d'indice d'un projet violent à ce stade; vigilance sur les contacts en ligne.",
            "spheres": {
                "training": {
                    "needs": "Retrouver un emploi ou une formation.",
                    "protective": "A terminé sa 6e secondaire.",
                },
                "family": {
                    "protective": "Lien fort avec sa mère.",
                    "concerns": "Conflit avec son frère aîné.",
                },
                "psychosocial": {"needs": "Un interlocuteur régulier."},
            },
        },
        actor=officer,
    )
    plan = services.draft_plan(file, actor=officer)
    plan = services.save_plan(
        plan,
        {"phase": "none", "context": "community", "review_on": _days_ago(-60)},
        [
            {
                "sphere": "training",
                "description": "Reprendre une formation qualifiante.",
                "partner": cpas,
                "interventions": "Accompagnement par le service d'insertion du CPAS.",
                "starts_on": _days_ago(20),
                "due_on": _days_ago(-120),
                "progress": "ongoing",
                "progress_note": "",
            },
            {
                "sphere": "mentor",
                "description": "Rencontrer un mentor proposant un discours alternatif.",
                "partner": Organisation.objects.get(key="namur-cohesion"),
                "interventions": "Mise en relation avec un mentor du réseau.",
                "starts_on": None,
                "due_on": _days_ago(-90),
                "progress": "planned",
                "progress_note": "",
            },
            {
                "sphere": "psychosocial",
                "description": "Entretiens réguliers avec le référent.",
                "partner": namur,
                "interventions": "Un entretien toutes les deux semaines.",
                "starts_on": _days_ago(38),
                "due_on": None,
                "progress": "ongoing",
                "progress_note": "",
            },
        ],
        actor=officer,
        expected_version=plan.version,
    )
    services.approve_plan(plan, actor=officer, expected_version=plan.version)
    services.contribute(
        file,
        {
            "kind": "summary",
            "text": "Sam est suivi par le référent radicalisme depuis six semaines et accepte "
            "un accompagnement vers la formation.",
            "purpose": "Coordonner l'accompagnement vers la formation",
            "legal_basis": "fwb_decree",
        },
        [cpas],
        actor=officer,
    )
    service = Service.objects.filter(organisation=cpas).first()
    if service is not None:
        referral = services.refer_to_service(
            file,
            service,
            fields=["name", "languages"],
            message="Sam souhaite reprendre une formation; premier rendez-vous à convenir.",
            legal_basis="consent",
            consent_reference="Signed form of 3 March",
            actor=officer,
        )
        referral = services.answer_service_referral(
            referral, ServiceReferralStatus.ACCEPTED, "Rendez-vous fixé.", actor=partner
        )
        # the CPAS keeps its own file on Sam, apart from the referral officer's, from what
        # the referral sent (name and languages)
        cpas_file = services.open_file_from_service_referral(referral, actor=partner)
        services.add_entry(
            cpas_file,
            {
                "kind": "contact",
                "occurred_on": _days_ago(5),
                "text": "Premier rendez-vous au service d'insertion: projet de formation "
                "en logistique.",
            },
            actor=partner,
        )

    # 2. A minor referred by the school: waiting for the referral officer's decision
    _referral(
        school,
        namur,
        "Lina Fictive",
        timezone.localdate().replace(year=timezone.localdate().year - 15, month=6, day=1),
        "Lina a exprimé en classe son soutien à un groupe extrémiste et cherche à convaincre "
        "d'autres élèves. Ses parents ont été informés par la direction.",
        days=2,
        source_org=school_org,
        guardian="informed",
        urgency="soon",
    )

    # 3. After detention: conditions of the judge followed by the justice assistant
    noah = _referral(
        justice,
        namur,
        "Noah Témoin (fictif)",
        datetime.date(1998, 9, 2),
        "Libération conditionnelle prévue; le juge impose un suivi par un service spécialisé.",
        days=90,
        source_org=justice.organisation,
    )
    services.accept_referral(noah, actor=officer, manager=officer)
    noah_file = services.open_file(
        noah.person, justice.organisation, manager=justice, actor=justice
    )
    services.update_file(
        noah_file,
        {"phase": "after", "context": "follow_up"},
        actor=justice,
        expected_version=noah_file.version,
    )
    services.add_condition(
        noah_file,
        {
            "imposed_by": "Tribunal de l'application des peines de Liège (démo)",
            "imposed_on": _days_ago(80),
            "until": _days_ago(-600),
            "text": "Suivre un accompagnement de désengagement et se présenter chaque mois.",
            "justice_assistant": justice,
        },
        actor=justice,
    )

    # 4. A closed file
    eli = _referral(
        school,
        namur,
        "Éli Passé (fictif)",
        datetime.date(2003, 1, 20),
        "Propos inquiétants sur les réseaux sociaux.",
        days=400,
        source_org=school_org,
    )
    eli_file = services.accept_referral(eli, actor=officer, manager=officer)
    services.close_file(
        eli_file,
        {
            "closure_reason": "goals_reached",
            "outcome": "stabilised",
            "closure_note": "Suivi terminé.",
        },
        actor=officer,
        expected_version=eli_file.version,
    )


def _referral(author, organisation, name, born, concern, *, days, source_org, **extra) -> Referral:
    return services.create_referral(
        actor=author,
        person_data={
            "full_name": name,
            "date_of_birth": born,
            "municipality": "Namur",
            "languages": ["fr"],
            "national_number": "",
        },
        data={
            "organisation": organisation,
            "source": "organisation",
            "referrer_organisation": source_org,
            "referrer_name": author.full_name,
            "concern": concern,
            "received_on": _days_ago(days),
            "awareness": "aware",
            "consent": "given",
            **extra,
        },
    )
