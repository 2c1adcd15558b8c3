"""The platforms of the demo: the Flemish Platform on Radicalisation (who sits in it comes
from the action plan's measure 1.1), Namur's municipal platform and Namur's LIVC-R (its
members sit through the posts of network/demo/posts.json), each with a past meeting and
an upcoming one. Loaded through the services, so that the demo has its audit trail;
running it again changes nothing."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.utils import timezone

from network.models import Organisation, Post
from platforms import services
from platforms.models import Meeting, Membership, Platform

NAMESPACE = uuid.UUID("0b7d7f5e-4a3c-4e0e-9a8b-5f1a2c3d4e5f")
POST = "5b0e6a52-1c1e-4f51-9d5e-0a00000000{:02d}"

# key: (name, kind, municipality, coordinator, public, description, since)
PLATFORMS: dict[str, tuple[Any, ...]] = {
    "vlaams-platform-radicalisering": (
        {
            "nl": "Vlaams Platform Radicalisering",
            "fr": "Plateforme flamande sur la radicalisation",
            "de": "Flämische Plattform Radikalisierung",
            "en": "Flemish Platform on Radicalisation",
        },
        "regional",
        "",
        "KB",
        True,
        {
            "nl": "De aanspreekpunten van de Vlaamse beleidsdomeinen stemmen hier hun aanpak "
            "af, samen met partners van het federale en het lokale niveau.",
            "fr": "Les points de contact des domaines politiques flamands y accordent leur "
            "action, avec des partenaires des niveaux fédéral et local.",
            "de": "Die Ansprechpartner der flämischen Politikbereiche stimmen hier ihr "
            "Vorgehen ab, gemeinsam mit Partnern der föderalen und der lokalen Ebene.",
            "en": "The contact points of the Flemish policy areas align their work here, "
            "together with partners from the federal and local levels.",
        },
        datetime.date(2017, 1, 1),
    ),
    "namur-plateforme": (
        {
            "nl": "Gemeentelijk platform van Namen",
            "fr": "Plateforme communale de Namur",
            "de": "Kommunale Plattform Namur",
            "en": "Namur municipal platform",
        },
        "municipal",
        "Namur",
        "namur-cohesion",
        True,
        {
            "nl": "De stad, de politie en het OCMW van Namen komen samen rond preventie.",
            "fr": "La ville, la police et le CPAS de Namur se réunissent autour de la prévention.",
            "de": "Die Stadt, die Polizei und das ÖSHZ von Namur treffen sich zur Prävention.",
            "en": "The city, the police and the public social welfare centre of Namur meet "
            "on prevention.",
        },
        datetime.date(2018, 5, 1),
    ),
    "namur-livc-r": (
        {
            "nl": "LIVC-R van Namen",
            "fr": "CSIL-R de Namur",
            "de": "LIVC-R Namur",
            "en": "Namur LIVC-R",
        },
        "livc_r",
        "Namur",
        "namur",
        False,
        {
            "nl": "De lokale integrale veiligheidscel van Namen.",
            "fr": "La cellule de sécurité intégrale locale de Namur.",
            "de": "Die lokale integrale Sicherheitszelle von Namur.",
            "en": "Namur's local integral security cell.",
        },
        datetime.date(2020, 3, 1),
    ),
}

# key: [(organisation key, post number or None, role)]
MEMBERS: dict[str, list[tuple[str, int | None, str]]] = {
    "vlaams-platform-radicalisering": [
        ("KB", None, "chair"),
        ("OV", None, "member"),
        ("WVG", None, "member"),
        ("CJSM", None, "member"),
        ("WSE", None, "member"),
        ("VVSG", None, "member"),
        ("OCAD", None, "member"),
    ],
    "namur-plateforme": [
        ("namur-cohesion", None, "chair"),
        ("namur", None, "member"),
        ("namur-police", None, "member"),
        ("cpas-namur", None, "member"),
    ],
    "namur-livc-r": [
        ("namur", 2, "chair"),
        ("namur-police", 3, "member"),
        ("namur-cohesion", 4, "secretary"),
    ],
}

# key: (title of the past meeting, agenda, minutes, decisions, [(action, owner)],
#       title of the upcoming meeting, agenda, location)
MEETINGS: dict[str, tuple[Any, ...]] = {
    "vlaams-platform-radicalisering": (
        {
            "nl": "Voortgang van het actieplan",
            "fr": "Avancement du plan d'action",
            "de": "Fortschritt des Aktionsplans",
            "en": "Progress of the action plan",
        },
        ["Stand van de maatregelen per beleidsdomein", "Afstemming met het lokale niveau"],
        "Elk beleidsdomein overliep de stand van zijn maatregelen. De VVSG bracht verslag "
        "uit over de vragen van de gemeenten.",
        ["De beleidsdomeinen rapporteren hun voortgang vóór de volgende vergadering."],
        [("Voortgangsrapport van de beleidsdomeinen bundelen", "KB")],
        {
            "nl": "Voorbereiding van de evaluatie",
            "fr": "Préparation de l'évaluation",
            "de": "Vorbereitung der Bewertung",
            "en": "Preparing the evaluation",
        },
        ["Opzet van de evaluatie", "Rondvraag"],
        "Brussel",
    ),
    "namur-plateforme": (
        {
            "nl": "Jaarplanning van de preventie",
            "fr": "Planification annuelle de la prévention",
            "de": "Jahresplanung der Prävention",
            "en": "Annual prevention planning",
        },
        ["Bilan de l'année écoulée", "Priorités de l'année"],
        "Les partenaires ont passé en revue leurs actions de prévention et ont retenu les "
        "priorités de l'année.",
        ["Les partenaires partagent leur calendrier d'activités."],
        [("Rassembler les calendriers des partenaires", "namur-cohesion")],
        {
            "nl": "Opvolging van de prioriteiten",
            "fr": "Suivi des priorités",
            "de": "Weiterverfolgung der Prioritäten",
            "en": "Following up the priorities",
        },
        ["Suivi des priorités", "Divers"],
        "Namur",
    ),
    "namur-livc-r": (
        {
            "nl": "Werkafspraken van de cel",
            "fr": "Règles de fonctionnement de la cellule",
            "de": "Arbeitsregeln der Zelle",
            "en": "Working arrangements of the cell",
        },
        ["Charte de secret professionnel partagé", "Calendrier des réunions"],
        "La cellule a relu ses règles de fonctionnement. Aucun cas n'a été discuté lors de "
        "cette réunion.",
        ["La cellule se réunit chaque trimestre."],
        [("Diffuser la charte relue aux membres", "namur")],
        {
            "nl": "Driemaandelijkse vergadering",
            "fr": "Réunion trimestrielle",
            "de": "Vierteljährliche Sitzung",
            "en": "Quarterly meeting",
        },
        ["Fonctionnement de la cellule", "Divers"],
        "Namur",
    ),
}


def load_platforms() -> None:
    """Create what is missing; leave what exists (run it as often as you like)."""
    for key, (
        name,
        kind,
        municipality,
        coordinator,
        public,
        description,
        since,
    ) in PLATFORMS.items():
        platform = Platform.objects.filter(key=key).first()
        if platform is None:
            platform = services.create_platform(
                {
                    "key": key,
                    "name": name,
                    "kind": kind,
                    "municipality": municipality,
                    "coordinator": Organisation.objects.get(key=coordinator),
                    "description": description,
                    "is_public": public,
                },
                acting_user=None,
            )
        _members(platform, since)
        _meetings(platform)


def _members(platform: Platform, since: datetime.date) -> None:
    for org_key, post_number, role in MEMBERS[platform.key]:
        org = Organisation.objects.get(key=org_key)
        post = Post.objects.filter(uuid=POST.format(post_number)).first() if post_number else None
        if post_number and post is None:
            continue  # the posts of the network demo are not loaded
        if Membership.objects.filter(platform=platform, organisation=org, post=post).exists():
            continue
        services.add_membership(
            platform, organisation=org, post=post, role=role, starts_on=since, acting_user=None
        )


def _at(days: int, hour: int) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def _meetings(platform: Platform) -> None:
    past, agenda, minutes, decisions, actions, upcoming, next_agenda, location = MEETINGS[
        platform.key
    ]
    held = _meeting(platform, "past", past, agenda, location, days=-30)
    if held is not None:
        services.record_minutes(
            held, minutes=minutes, status="held", approved=True, acting_user=None
        )
        for text in decisions:
            services.add_decision(held, text, acting_user=None)
        for title, owner in actions:
            services.add_action(
                held,
                title=title,
                owner=Organisation.objects.get(key=owner),
                due_on=timezone.localdate() + datetime.timedelta(days=14),
                acting_user=None,
            )
    _meeting(platform, "upcoming", upcoming, next_agenda, location, days=21)


def _meeting(platform, which, title, agenda, location, *, days: int) -> Meeting | None:
    """The demo meeting, created when missing (None when it already exists)."""
    meeting_uuid = uuid.uuid5(NAMESPACE, f"{platform.key}/{which}")
    if Meeting.objects.filter(uuid=meeting_uuid).exists():
        return None
    data = {
        "title": title,
        "starts_at": _at(days, 14),
        "ends_at": _at(days, 16),
        "location": location,
    }
    meeting = services.schedule_meeting(
        platform, data, [{"title": item} for item in agenda], acting_user=None
    )
    Meeting.objects.filter(pk=meeting.pk).update(uuid=meeting_uuid)
    meeting.uuid = meeting_uuid
    return meeting
