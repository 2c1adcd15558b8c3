"""The Network module's bench data at national scale, built with the app's own models.

Called by generate.py inside its load transaction (Django's connection). Rows are model
instances whose search_text and facets come from the models' own refresh_search_text(), written
with bulk_create; gaps are computed by network.coverage.evaluate, as the app does. Values are
pseudo-random but reproducible (one random.Random seeded with SEED).

Volumes (SCALE in generate.py): 20,000 organisations of a realistic mix of levels and sectors
(a government tier, 565 municipalities, 180 police zones, public agencies and their local
offices, schools under school boards, non-profits under umbrella federations, religious
bodies), placed in municipalities by a Zipf-like weight (Antwerpen, Gent, Charleroi… hold the
most), ~10 % not public; 50,000 services; 100,000 posts over 8 kinds, ~85 % held, with 1–2
tenures each; the professionals who hold or held them; 6 coverage rules scoped by level, sector
or parent, their open gaps as evaluate() finds them and closed gaps as their history.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

SEED = 20_251_121
BATCH = 2_000
OPEN_GAPS_SPREAD_DAYS = 540

# --- Places ----------------------------------------------------------------------------------

FLEMISH_CITIES = [
    "Antwerpen", "Gent", "Brugge", "Leuven", "Mechelen", "Aalst", "Kortrijk", "Hasselt",
    "Sint-Niklaas", "Oostende", "Genk", "Roeselare", "Turnhout", "Dendermonde", "Beveren",
    "Vilvoorde", "Lokeren", "Beringen", "Herentals", "Geel", "Lier", "Heist-op-den-Berg", "Mol",
    "Ninove", "Tienen", "Waregem", "Ieper", "Halle", "Lommel", "Brasschaat",
]  # fmt: skip
WALLOON_CITIES = [
    "Charleroi", "Liège", "Namur", "Mons", "La Louvière", "Tournai", "Seraing", "Verviers",
    "Mouscron", "Herstal", "Wavre", "Braine-l'Alleud", "Châtelet", "Ottignies-Louvain-la-Neuve",
    "Arlon", "Nivelles", "Huy", "Binche", "Waterloo", "Marche-en-Famenne",
]  # fmt: skip
GERMAN_MUNICIPALITIES = [
    "Eupen", "Kelmis", "Sankt Vith", "Raeren", "Lontzen", "Büllingen", "Bütgenbach", "Amel",
    "Burg-Reuland",
]  # fmt: skip
BRUSSELS_MUNICIPALITIES = [
    "Brussel", "Schaerbeek", "Anderlecht", "Molenbeek-Saint-Jean", "Ixelles", "Uccle",
    "Forest", "Woluwe-Saint-Lambert", "Jette", "Etterbeek", "Saint-Gilles", "Evere",
    "Woluwe-Saint-Pierre", "Anderghem", "Saint-Josse-ten-Noode", "Berchem-Sainte-Agathe",
    "Watermael-Boitsfort", "Ganshoren", "Koekelberg",
]  # fmt: skip
FLEMISH_ROOTS = [
    "Aar", "Bel", "Dil", "Ede", "Gav", "Hul", "Kap", "Lem", "Mal", "Oud", "Rup", "Ste", "Wer",
    "Zan", "Bor", "Lin", "Hoe", "Moe", "Vel", "Zwi",
]  # fmt: skip
FLEMISH_SUFFIXES = [
    "gem", "hout", "beek", "dijk", "kerke", "zele", "laar", "hove", "donk", "rode", "meer",
    "loo", "broek", "veld",
]  # fmt: skip
WALLOON_ROOTS = [
    "Ande", "Beau", "Bra", "Char", "Flo", "Gem", "Hau", "Jam", "Mar", "Neuf", "Ros", "Sain",
    "Tav", "Vil", "Wal", "Font", "Mont", "Cour", "Sor", "Fer",
]  # fmt: skip
WALLOON_SUFFIXES = [
    "ville", "court", "mont", "sart", "champs", "rieux", "fontaine", "bois", "pré", "chée",
    "mes", "ignies",
]  # fmt: skip
MUNICIPALITIES = {"nl": 285, "fr": 252, "de": 9, "bru": 19}  # 565, as in Belgium since 2025
REGION_SHARE = {"nl": 0.58, "fr": 0.30, "de": 0.007, "bru": 0.11}  # of the population
POSTCODE_BASE = {"nl": 2000, "fr": 5000, "de": 4700, "bru": 1000}


@dataclass
class Place:
    name: str
    region: str  # nl (Flanders), fr (Wallonia), de (East Belgium), bru (Brussels)
    weight: float
    postcode: str


def places(rng: random.Random) -> list[Place]:
    """565 municipalities: real names for the largest, made-up ones for the rest; a Zipf-like
    weight inside each region times the region's share of the population."""
    synthetic = {
        "nl": [root + suffix for root in FLEMISH_ROOTS for suffix in FLEMISH_SUFFIXES],
        "fr": [root + suffix for root in WALLOON_ROOTS for suffix in WALLOON_SUFFIXES],
    }
    for names in synthetic.values():
        rng.shuffle(names)
    real = {
        "nl": FLEMISH_CITIES,
        "fr": WALLOON_CITIES,
        "de": GERMAN_MUNICIPALITIES,
        "bru": BRUSSELS_MUNICIPALITIES,
    }
    result = []
    for region, count in MUNICIPALITIES.items():
        names = (real[region] + synthetic.get(region, []))[:count]
        zipf = [1 / (rank + 1) ** 0.7 for rank in range(count)]
        total = sum(zipf)
        for rank, name in enumerate(names):
            postcode = str(POSTCODE_BASE[region] + rank * (3 if region != "bru" else 10))
            result.append(Place(name, region, REGION_SHARE[region] * zipf[rank] / total, postcode))
    return result


# --- Names -----------------------------------------------------------------------------------

# Each template: (nl, fr, de); {m} is the municipality, {p} a proper name.
PROPER_NAMES = [
    "De Kade", "Het Anker", "De Brug", "Horizon", "Kompas", "De Vonk", "Arktos", "Piramide",
    "Elan", "Mozaïek", "L'Envol", "Le Phare", "La Passerelle", "Espace", "Het Klavertje",
    "De Sleutel", "Amal", "Bruggenbouwers", "Phoenix", "Odyssee", "Sesam", "Nova", "Atlas",
    "Iris", "Regenboog", "Den Eglantier", "Ter Linde", "Sint-Maarten", "Sint-Jozef", "Prisma",
]  # fmt: skip
SECTOR_TYPES = {
    "youth": [
        ("Jeugdhuis {p}", "Maison de jeunes {p}", "Jugendtreff {p}"),
        ("Jeugdwerking {p}", "AMO {p}", "Jugendarbeit {p}"),
        ("Jeugdbeweging {p}", "Mouvement de jeunesse {p}", "Jugendbewegung {p}"),
        ("Speelplein {p}", "Centre de jeunes {p}", "Jugendzentrum {p}"),
    ],
    "welfare": [
        ("Buurtwerk {p}", "Maison de quartier {p}", "Stadtteilarbeit {p}"),
        ("Welzijnsschakel {p}", "Service social {p}", "Sozialdienst {p}"),
        ("Opvoedingswinkel {p}", "Espace parents {p}", "Elternberatung {p}"),
        ("Straathoekwerk {p}", "Travail de rue {p}", "Streetwork {p}"),
        ("Vrouwenhuis {p}", "Maison des femmes {p}", "Frauenhaus {p}"),
    ],
    "health": [
        ("Centrum Geestelijke Gezondheidszorg {p}", "Service de santé mentale {p}",
         "Zentrum für psychische Gesundheit {p}"),
        ("Wijkgezondheidscentrum {p}", "Maison médicale {p}", "Gesundheitszentrum {p}"),
        ("Psychiatrisch Centrum {p}", "Centre psychiatrique {p}", "Psychiatrisches Zentrum {p}"),
    ],
    "employment": [
        ("Werkwinkel {p}", "Mission locale {p}", "Arbeitsladen {p}"),
        ("Opleidingscentrum {p}", "Centre de formation {p}", "Ausbildungszentrum {p}"),
    ],
    "prevention": [
        ("Buurtbemiddeling {p}", "Médiation de quartier {p}", "Nachbarschaftsmediation {p}"),
        ("Preventiewerking {p}", "Service de prévention {p}", "Präventionsdienst {p}"),
    ],
    "religion": [
        ("Moskeevereniging {p}", "Association islamique {p}", "Islamischer Verein {p}"),
        ("Parochiewerking {p}", "Paroisse {p}", "Pfarrei {p}"),
    ],
    "other": [
        ("Vereniging {p}", "Association {p}", "Verein {p}"),
        ("Cultureel Centrum {p}", "Centre culturel {p}", "Kulturzentrum {p}"),
    ],
}  # fmt: skip
NON_PROFIT_SECTORS = {
    "welfare": 28,
    "youth": 25,
    "health": 15,
    "employment": 10,
    "prevention": 10,
    "religion": 2,
    "other": 10,
}
SCHOOL_TYPES = [
    ("Basisschool {p}", "École fondamentale {p}", "Grundschule {p}"),
    ("Atheneum", "Athénée royal", "Athenäum"),
    ("Sint-Jozefscollege", "Institut Saint-Joseph", "Bischöfliche Schule"),
    ("Technisch Instituut {p}", "Institut technique {p}", "Technisches Institut {p}"),
    ("Middenschool {p}", "École secondaire {p}", "Sekundarschule {p}"),
    ("Lyceum {p}", "Lycée {p}", "Lyzeum {p}"),
]
LEGAL_FORM = {"nl": "vzw", "fr": "asbl", "de": "VoG"}
GOVERNMENT = [
    # (level, sector, region, abbreviation, nl, fr, de, en)
    ("federal", "justice", "fed", "FOD JUS", "FOD Justitie", "SPF Justice", "FÖD Justiz",
     "FPS Justice"),
    ("federal", "government", "fed", "FOD BiZa", "FOD Binnenlandse Zaken", "SPF Intérieur",
     "FÖD Inneres", "FPS Home Affairs"),
    ("federal", "police", "fed", "FedPol", "Federale Politie", "Police fédérale",
     "Föderale Polizei", "Federal Police"),
    ("federal", "government", "fed", "OCAD", "Coördinatieorgaan voor de dreigingsanalyse",
     "Organe de coordination pour l'analyse de la menace", "Koordinierungsorgan für die "
     "Bedrohungsanalyse", "Coordination Unit for Threat Analysis"),
    ("federal", "health", "fed", "FOD VG", "FOD Volksgezondheid", "SPF Santé publique",
     "FÖD Volksgesundheit", "FPS Public Health"),
    ("federal", "employment", "fed", "FOD WASO", "FOD Werkgelegenheid", "SPF Emploi",
     "FÖD Beschäftigung", "FPS Employment"),
    ("community", "welfare", "nl", "WVG", "Departement Welzijn, Volksgezondheid en Gezin",
     "Département Bien-être, Santé publique et Famille", "Departement Soziales, Gesundheit "
     "und Familie", "Department of Welfare, Public Health and Family"),
    ("community", "education", "nl", "OV", "Departement Onderwijs en Vorming",
     "Département Enseignement et Formation", "Departement Unterricht und Ausbildung",
     "Department of Education and Training"),
    ("community", "youth", "nl", "CJM", "Departement Cultuur, Jeugd en Media",
     "Département Culture, Jeunesse et Médias", "Departement Kultur, Jugend und Medien",
     "Department of Culture, Youth and Media"),
    ("region", "government", "nl", "ABB", "Agentschap Binnenlands Bestuur",
     "Agence de l'Administration intérieure", "Agentur für innere Verwaltung",
     "Agency for Home Affairs"),
    ("community", "welfare", "fr", "FWB", "Fédération Wallonie-Bruxelles",
     "Fédération Wallonie-Bruxelles", "Föderation Wallonie-Brüssel", "Wallonia-Brussels "
     "Federation"),
    ("region", "government", "fr", "SPW", "Waalse Overheidsdienst", "Service public de "
     "Wallonie", "Öffentlicher Dienst der Wallonie", "Public Service of Wallonia"),
    ("region", "prevention", "bru", "BPS", "Brussel Preventie & Veiligheid",
     "Bruxelles Prévention & Sécurité", "Brüssel Prävention & Sicherheit",
     "Brussels Prevention & Security"),
    ("community", "government", "de", "MDG", "Ministerie van de Duitstalige Gemeenschap",
     "Ministère de la Communauté germanophone", "Ministerium der Deutschsprachigen "
     "Gemeinschaft", "Ministry of the German-speaking Community"),
    ("province", "government", "nl", "PA", "Provincie Antwerpen", "Province d'Anvers",
     "Provinz Antwerpen", "Province of Antwerp"),
    ("international", "other", "fed", "RAN", "Radicalisation Awareness Network",
     "Réseau de sensibilisation à la radicalisation", "Aufklärungsnetzwerk gegen "
     "Radikalisierung", "Radicalisation Awareness Network"),
]  # fmt: skip
UNIT = {"nl": "Afdeling", "fr": "Direction", "de": "Abteilung", "en": "Division"}
# Local offices of regional or community agencies: (key, region of the head office, sector,
# head office name (nl, fr, de, en), office name (nl, fr, de) with {m}, how many offices)
AGENCIES = [
    ("justitiehuizen", "nl", "justice",
     ("Afdeling Justitiehuizen", "Division des maisons de justice (Flandre)",
      "Abteilung Justizhäuser (Flandern)", "Justice Centres Division (Flanders)"),
     ("Justitiehuis {m}", "Maison de justice de {m}", "Justizhaus {m}"), 14),
    ("maisons-de-justice", "fr", "justice",
     ("Administratie Justitiehuizen (FWB)", "Administration générale des Maisons de justice",
      "Verwaltung der Justizhäuser (FWB)", "Justice Centres Administration (FWB)"),
     ("Justitiehuis {m}", "Maison de justice de {m}", "Justizhaus {m}"), 14),
    ("vdab", "nl", "employment",
     ("VDAB", "VDAB", "VDAB", "Flemish Employment Service"),
     ("VDAB-werkwinkel {m}", "Bureau VDAB de {m}", "VDAB-Büro {m}"), 90),
    ("forem", "fr", "employment",
     ("Le Forem", "Le Forem", "Le Forem", "Le Forem"),
     ("Forem-kantoor {m}", "Le Forem {m}", "Forem-Büro {m}"), 60),
    ("opgroeien", "nl", "welfare",
     ("Opgroeien", "Opgroeien (Grandir)", "Opgroeien (Aufwachsen)", "Growing Up Agency"),
     ("Huis van het Kind {m}", "Maison de l'enfant de {m}", "Haus des Kindes {m}"), 160),
    ("one", "fr", "welfare",
     ("ONE", "Office de la Naissance et de l'Enfance", "ONE", "Birth and Childhood Office"),
     ("ONE-consultatiebureau {m}", "Consultation ONE de {m}", "ONE-Beratung {m}"), 110),
    ("clb", "nl", "education",
     ("Vrij CLB Netwerk", "Réseau des CLB libres", "Netzwerk der freien CLB",
      "Network of pupil guidance centres"),
     ("CLB {m}", "CLB de {m}", "CLB {m}"), 120),
    ("centres-pms", "fr", "education",
     ("Centres PMS de la FWB", "Centres PMS de la FWB", "PMS-Zentren der FWB",
      "Psycho-medical-social centres (FWB)"),
     ("PMS-centrum {m}", "Centre PMS de {m}", "PMS-Zentrum {m}"), 90),
]  # fmt: skip

# --- People ----------------------------------------------------------------------------------

FIRST_NAMES = [
    "Jan", "Marie", "Sofie", "Pieter", "Lotte", "Tom", "Julie", "Mohamed", "Fatima", "Luc",
    "Anne", "Nathalie", "Thomas", "Sarah", "Kevin", "Elif", "Ahmed", "Emma", "Lucas", "Nora",
    "Bart", "Inge", "Karim", "Yasmina", "Laura", "Nicolas", "Camille", "Julien", "Céline",
    "Mehmet", "Ayşe", "Hanna", "Stefan", "Jonas", "Lena", "Olivier", "Isabelle", "Dirk", "Els",
    "Wim", "Sven", "Amina", "Youssef", "Charlotte", "Maxime", "Hélène", "Jens", "Eline", "Ruben",
    "Zeynep", "Bilal", "Ine", "Koen", "An", "Vincent", "Aurélie", "Mathias", "Leen", "Samir",
]  # fmt: skip
SURNAMES = [
    "Peeters", "Janssens", "Maes", "Jacobs", "Mertens", "Willems", "Claes", "Goossens",
    "Wouters", "De Smet", "Dubois", "Lambert", "Martin", "Dupont", "Simon", "Laurent",
    "Leclercq", "Lemaire", "Renard", "Dumont", "Vermeulen", "Van den Broeck", "De Clercq",
    "Hermans", "Aerts", "El Amrani", "Benali", "Yilmaz", "Kaya", "Demir", "Schmitz", "Müller",
    "Cremer", "Lejeune", "Michel", "Pauwels", "Van Damme", "Desmet", "Verstraete", "Declercq",
    "Stevens", "De Backer", "Van Acker", "Bogaert", "Segers", "François", "Dubuisson",
    "Lambrecht", "El Idrissi", "Öztürk", "Mahieu", "Thys", "Smets", "Verhoeven", "Van Dyck",
    "Cools", "Wuyts", "Vandenberghe", "Nys", "Baert", "Martens", "Hendrickx", "Gielen",
]  # fmt: skip

# --- Kinds of post, services, rules ------------------------------------------------------------

KINDS = [
    # key, category, names (nl, fr, de, en), share of public posts
    ("contact-point", "contact_point",
     ("Aanspreekpunt radicalisering", "Point de contact radicalisation",
      "Ansprechstelle Radikalisierung", "Radicalisation contact point"), 0.8),
    ("reference-consultant", "reference_person",
     ("Referentieconsulent", "Consultant de référence", "Referenzberater",
      "Reference consultant"), 0.3),
    ("reference-justice-assistant", "reference_person",
     ("Referentiejustitieassistent", "Assistant de justice de référence",
      "Referenz-Justizassistent", "Reference justice assistant"), 0.1),
    ("police-contact-point", "police_contact",
     ("Politioneel aanspreekpunt radicalisering (PLP41)",
      "Point de contact policier radicalisme (PLP41)",
      "Polizeiliche Ansprechstelle Radikalismus (PLP41)",
      "Police radicalism contact point (PLP41)"), 0.7),
    ("referral-officer", "referral_officer",
     ("Referentieambtenaar radicalisme", "Fonctionnaire de référence radicalisme",
      "Referenzbeamter Radikalismus", "Radicalism referral officer"), 0.6),
    ("livc-member", "livc_member",
     ("Lid van de LIVC-R", "Membre de la CSIL-R", "Mitglied der LIVC-R", "LIVC-R member"), 0.0),
    ("prevention-officer", "other",
     ("Preventieambtenaar", "Fonctionnaire de prévention", "Präventionsbeamter",
      "Prevention officer"), 0.7),
    ("reference-teacher", "reference_person",
     ("Referentieleerkracht radicalisering", "Enseignant de référence radicalisation",
      "Referenzlehrkraft Radikalisierung", "Reference teacher on radicalisation"), 0.2),
]  # fmt: skip
# Kinds of post by kind of organisation (relative weights).
POST_MIX = {
    "government": {"contact-point": 8, "reference-consultant": 2},
    "municipality": {
        "livc-member": 55,
        "referral-officer": 10,
        "prevention-officer": 15,
        "contact-point": 10,
        "reference-consultant": 10,
    },
    "police_zone": {"police-contact-point": 70, "livc-member": 20, "contact-point": 10},
    "justice_house": {"reference-justice-assistant": 8, "contact-point": 2},
    "agency": {"contact-point": 45, "reference-consultant": 55},
    "school_board": {"contact-point": 1},
    "school": {"reference-teacher": 85, "reference-consultant": 15},
    "non_profit": {"reference-consultant": 70, "prevention-officer": 15, "contact-point": 15},
    "religious_body": {"reference-consultant": 1},
    "other": {"contact-point": 1, "reference-consultant": 1},
}
# Posts and services per organisation, relative, by kind of organisation.
POST_WEIGHT = {
    "government": 10,
    "municipality": 20,
    "police_zone": 8,
    "justice_house": 5,
    "agency": 7,
    "school_board": 2,
    "school": 3,
    "non_profit": 5.5,
    "religious_body": 1.5,
    "other": 2,
}
SERVICE_WEIGHT = {
    "government": 2,
    "municipality": 6,
    "police_zone": 2,
    "justice_house": 3,
    "agency": 4,
    "school_board": 1,
    "school": 1,
    "non_profit": 3,
    "religious_body": 0.5,
    "other": 1,
}
POLICY_AREAS = ["Onderwijs", "Welzijn", "Jeugd", "Justitie", "Werk", "Binnenlands Bestuur"]
SERVICE_NAMES = {
    # sector: [(nl, fr, de, en)]
    "youth": [
        ("Begeleiding van jongeren", "Accompagnement des jeunes", "Begleitung von Jugendlichen",
         "Guidance for young people"),
        ("Jongerencoaching", "Coaching de jeunes", "Jugendcoaching", "Youth coaching"),
        ("Vrijetijdsaanbod voor jongeren", "Activités pour les jeunes", "Freizeitangebot für "
         "Jugendliche", "Leisure activities for young people"),
        ("Outreachend jeugdwerk", "Travail de rue avec les jeunes", "Aufsuchende Jugendarbeit",
         "Outreach youth work"),
    ],
    "welfare": [
        ("Opvoedingsondersteuning", "Soutien à la parentalité", "Erziehungsberatung",
         "Parenting support"),
        ("Gezinsbegeleiding", "Accompagnement des familles", "Familienbegleitung",
         "Family support"),
        ("Onthaal en doorverwijzing", "Accueil et orientation", "Empfang und Weiterleitung",
         "Intake and referral"),
        ("Schuldhulpverlening", "Médiation de dettes", "Schuldnerberatung", "Debt counselling"),
    ],
    "health": [
        ("Psychologische begeleiding", "Accompagnement psychologique", "Psychologische "
         "Begleitung", "Psychological support"),
        ("Traumazorg", "Prise en charge du trauma", "Traumabehandlung", "Trauma care"),
        ("Crisisopvang", "Accueil de crise", "Krisenaufnahme", "Crisis care"),
    ],
    "employment": [
        ("Trajectbegeleiding naar werk", "Accompagnement vers l'emploi", "Begleitung in "
         "Arbeit", "Guidance into work"),
        ("Opleiding en stage", "Formation et stage", "Ausbildung und Praktikum",
         "Training and internship"),
    ],
    "prevention": [
        ("Deradicaliseringstraject", "Trajet de désengagement", "Deradikalisierungsbegleitung",
         "Disengagement programme"),
        ("Exit-begeleiding", "Accompagnement de sortie", "Ausstiegsbegleitung",
         "Exit support"),
        ("Vorming over polarisatie", "Formation sur la polarisation", "Fortbildung zur "
         "Polarisierung", "Training on polarisation"),
        ("Meldpunt radicalisering", "Point de signalement radicalisme", "Meldestelle "
         "Radikalisierung", "Radicalisation reporting point"),
    ],
    "education": [
        ("Leerlingenbegeleiding", "Accompagnement des élèves", "Schülerbegleitung",
         "Pupil guidance"),
        ("Schoolopbouwwerk", "Médiation scolaire", "Schulmediation", "School mediation"),
        ("Preventie van pesten", "Prévention du harcèlement", "Mobbingprävention",
         "Bullying prevention"),
    ],
    "justice": [
        ("Begeleiding van justitiabelen", "Guidance des justiciables", "Begleitung von "
         "Rechtsuchenden", "Support for people in the justice system"),
        ("Slachtofferonthaal", "Accueil des victimes", "Opferempfang", "Victim support"),
    ],
    "police": [
        ("Wijkwerking", "Police de proximité", "Bürgernahe Polizei", "Community policing"),
        ("Aanspreekpunt radicalisering", "Point de contact radicalisation", "Ansprechstelle "
         "Radikalisierung", "Radicalisation contact point"),
    ],
    "government": [
        ("Lokaal netwerk radicalisering", "Réseau local radicalisation", "Lokales Netzwerk "
         "Radikalisierung", "Local network on radicalisation"),
        ("Informatieloket", "Guichet d'information", "Informationsschalter",
         "Information desk"),
    ],
    "religion": [
        ("Dialoog en ontmoeting", "Dialogue et rencontre", "Dialog und Begegnung",
         "Dialogue and encounter"),
    ],
    "other": [
        ("Ontmoetingsruimte", "Espace de rencontre", "Begegnungsraum", "Meeting space"),
        ("Vorming en sensibilisering", "Formation et sensibilisation", "Fortbildung und "
         "Sensibilisierung", "Training and awareness"),
    ],
}  # fmt: skip
SERVICE_TARGETS = {
    "youth": ["young_people", "parents", "communities"],
    "welfare": ["parents", "adults", "young_people"],
    "health": ["adults", "young_people", "returnees"],
    "employment": ["adults", "young_people", "detainees"],
    "prevention": ["young_people", "professionals", "returnees", "detainees", "parents"],
    "education": ["schools", "young_people", "parents", "professionals"],
    "justice": ["detainees", "returnees", "adults"],
    "police": ["communities", "professionals"],
    "government": ["professionals", "communities"],
    "religion": ["communities", "young_people"],
    "other": ["communities", "adults"],
}
TARGET_WORDS = {
    # how a description names each target group, (nl, fr, de, en)
    "young_people": ("jongeren", "jeunes", "Jugendliche", "young people"),
    "parents": ("ouders en gezinnen", "parents et familles", "Eltern und Familien",
                "parents and families"),
    "adults": ("volwassenen", "adultes", "Erwachsene", "adults"),
    "professionals": ("professionals", "professionnels", "Fachkräfte", "professionals"),
    "schools": ("scholen", "écoles", "Schulen", "schools"),
    "detainees": ("(ex-)gedetineerden", "(ex-)détenus", "(ehemalige) Inhaftierte",
                  "(former) detainees"),
    "returnees": ("terugkeerders en hun families", "returnees et leurs familles",
                  "Rückkehrer und ihre Familien", "returnees and their families"),
    "communities": ("buurtbewoners", "habitants du quartier", "Anwohner", "local residents"),
}  # fmt: skip
DESCRIPTION = (
    "{name} in {m} voor {targets}. Aanmelden kan telefonisch of via een professional; we "
    "zoeken samen naar de juiste hulp en volgen op.",
    "{name} à {m} pour {targets}. Inscription par téléphone ou par un professionnel ; nous "
    "cherchons ensemble l'aide adaptée et assurons le suivi.",
    "{name} in {m} für {targets}. Anmeldung telefonisch oder über eine Fachkraft; wir suchen "
    "gemeinsam die passende Hilfe und begleiten weiter.",
    "{name} in {m} for {targets}. Refer by phone or through a professional; we look for the "
    "right help together and follow up.",
)
RULES = [
    # key, name (nl, fr, de, en), reference, scope (level, sector, parent key), kind,
    # minimum total / effective / acting
    ("municipality-referral", ("Elke gemeente heeft een referentieambtenaar radicalisme",
      "Chaque commune a un fonctionnaire de référence radicalisme",
      "Jede Gemeinde hat einen Referenzbeamten Radikalismus",
      "Every municipality has a radicalism referral officer"), "4.1",
     ("municipality", "", ""), "referral-officer", 1, 1, 0),
    ("municipality-livc", ("Elke LIVC-R telt minstens vier leden",
      "Chaque CSIL-R compte au moins quatre membres",
      "Jede LIVC-R hat mindestens vier Mitglieder",
      "Every LIVC-R has at least four members"), "4.2",
     ("municipality", "", ""), "livc-member", 4, 0, 0),
    ("police-zones", ("Elke politiezone heeft een effectief en een plaatsvervangend "
      "aanspreekpunt (PLP41)", "Chaque zone de police a un point de contact effectif et un "
      "suppléant (PLP41)", "Jede Polizeizone hat eine ständige und eine stellvertretende "
      "Ansprechstelle (PLP41)", "Every police zone has an effective and an acting contact "
      "point (PLP41)"), "2.2", ("police_zone", "", ""), "police-contact-point", 2, 1, 1),
    ("schools", ("Elke school heeft een referentieleerkracht",
      "Chaque école a un enseignant de référence", "Jede Schule hat eine Referenzlehrkraft",
      "Every school has a reference teacher"), "7.3", ("school", "", ""),
     "reference-teacher", 1, 0, 0),
    ("mental-health", ("Elke organisatie in de geestelijke gezondheidszorg heeft een "
      "referentieconsulent", "Chaque organisation de santé mentale a un consultant de "
      "référence", "Jede Organisation der psychischen Gesundheit hat einen Referenzberater",
      "Every mental-health organisation has a reference consultant"), "8.1",
     ("", "health", ""), "reference-consultant", 1, 0, 0),
    ("justice-centres", ("Elk justitiehuis heeft een effectieve referentiejustitieassistent",
      "Chaque maison de justice a un assistant de justice de référence effectif",
      "Jedes Justizhaus hat einen ständigen Referenz-Justizassistenten",
      "Every justice centre has an effective reference justice assistant"), "10.1",
     ("", "", "justitiehuizen"), "reference-justice-assistant", 1, 1, 0),
]  # fmt: skip

LANGS = ("nl", "fr", "de", "en")
TODAY = datetime.date.today()  # dates are relative to the day of the load
NOW = datetime.datetime.combine(TODAY, datetime.time(9), tzinfo=datetime.UTC)


def translations(texts: tuple[str, ...], languages: list[str]) -> dict[str, str]:
    """{lang: text} for the wanted languages, from an (nl, fr, de[, en]) tuple."""
    return {lang: texts[LANGS.index(lang)] for lang in languages if LANGS.index(lang) < len(texts)}


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch if ch.isalnum() else "-" for ch in plain.lower()).strip("-")


@dataclass
class Org:
    """An organisation to be, with what the rest of the load needs to know about it."""

    n: int
    group: str  # a key of POST_MIX
    level: str
    sector: str
    region: str
    names: dict[str, str]
    municipality: str = ""
    postcode: str = ""
    abbreviation: str = ""
    parent: int | None = None
    key: str = ""
    is_public: bool = True
    extra_languages: list[str] = field(default_factory=list)


def region_languages(region: str) -> list[str]:
    return {"nl": ["nl"], "fr": ["fr"], "de": ["de", "fr"], "bru": ["fr", "nl"]}.get(
        region, ["nl", "fr", "de"]
    )


def name_languages(region: str) -> list[str]:
    return {"nl": ["nl"], "fr": ["fr"], "de": ["de"], "bru": ["nl", "fr"]}.get(region, list(LANGS))


class Builder:
    """Builds the directory in memory, then writes it with bulk_create."""

    def __init__(self, total_organisations: int) -> None:
        self.rng = random.Random(SEED)
        self.total = total_organisations
        self.places = places(self.rng)
        self.place_weights = [p.weight for p in self.places]
        self.by_region: dict[str, list[Place]] = defaultdict(list)
        for place in self.places:
            self.by_region[place.region].append(place)
        self.orgs: list[Org] = []
        self.head_offices: dict[str, int] = {}

    # -- organisations -------------------------------------------------------------------

    def add(self, **values) -> Org:
        org = Org(n=len(self.orgs) + 1, **values)
        self.orgs.append(org)
        return org

    def place(self, region: str | None = None) -> Place:
        if region is None:
            return self.rng.choices(self.places, self.place_weights)[0]
        pool = self.by_region[region]
        return self.rng.choices(pool, [p.weight for p in pool])[0]

    def named(self, template: tuple[str, ...], place: Place, proper: str = "") -> dict[str, str]:
        return {
            lang: template[LANGS.index(lang)].format(m=place.name, p=proper)
            for lang in name_languages(place.region)
        }

    def build_organisations(self) -> None:
        """Parents before children: ids grow down the tree, so plan owners (ids 1…200) are
        government bodies and the largest municipalities."""
        rng = self.rng
        capital = {
            "nl": self.by_region["bru"][0],
            "fr": self.by_region["fr"][2],  # Namur
            "de": self.by_region["de"][0],  # Eupen
            "bru": self.by_region["bru"][0],
            "fed": self.by_region["bru"][0],
        }
        # Government: the named bodies, then their divisions, up to 140.
        divisions = []
        for level, sector, region, abbreviation, *names in GOVERNMENT:
            seat = capital[region]
            langs = list(LANGS) if region == "fed" else name_languages(region) + ["en"]
            org = self.add(
                group="government",
                level=level,
                sector=sector,
                region=region if region != "fed" else "bru",
                names=translations(tuple(names), langs),
                municipality=seat.name,
                postcode=seat.postcode,
                abbreviation=abbreviation,
            )
            org.extra_languages = ["nl", "fr", "de", "en"] if region == "fed" else ["en"]
            divisions.append(org)
        while len(self.orgs) < 140:
            head = divisions[len(self.orgs) % len(divisions)]
            number = sum(1 for o in self.orgs if o.parent == head.n) + 1
            self.add(
                group="government",
                level=head.level,
                sector=head.sector,
                region=head.region,
                names={
                    lang: f"{text} — {UNIT[lang]} {number}" for lang, text in head.names.items()
                },
                municipality=head.municipality,
                postcode=head.postcode,
                abbreviation=f"{head.abbreviation}/{number}",
                parent=head.n,
                extra_languages=head.extra_languages,
            )
        # Municipalities, largest first.
        municipality_of: dict[str, int] = {}
        for place in sorted(self.places, key=lambda p: -p.weight):
            town = place.weight > 0.004
            template = (
                ("Stad {m}", "Ville de {m}", "Stadt {m}")
                if town
                else ("Gemeente {m}", "Commune de {m}", "Gemeinde {m}")
            )
            org = self.add(
                group="municipality",
                level="municipality",
                sector="government",
                region=place.region,
                names=self.named(template, place),
                municipality=place.name,
                postcode=place.postcode,
            )
            municipality_of[place.name] = org.n
        # Police zones: the 180 largest municipalities' zones.
        for place in sorted(self.places, key=lambda p: -p.weight)[:180]:
            self.add(
                group="police_zone",
                level="police_zone",
                sector="police",
                region=place.region,
                names=self.named(
                    ("Politiezone {m}", "Zone de police {m}", "Polizeizone {m}"), place
                ),
                municipality=place.name,
                postcode=place.postcode,
                abbreviation=f"PZ {place.name}",
            )
        # Public agencies: a public social welfare centre per municipality, agencies' head
        # offices and their local offices, then other agencies up to 1,600.
        agencies_start = len(self.orgs)
        for place in self.places:
            self.add(
                group="agency",
                level="public_agency",
                sector="welfare",
                region=place.region,
                names=self.named(("OCMW {m}", "CPAS de {m}", "ÖSHZ {m}"), place),
                municipality=place.name,
                postcode=place.postcode,
                abbreviation={"nl": "OCMW", "de": "ÖSHZ"}.get(place.region, "CPAS"),
                parent=municipality_of[place.name],
            )
        for key, region, sector, head_names, office, offices in AGENCIES:
            seat = capital[region]
            head = self.add(
                group="agency",
                level="region" if sector == "employment" else "community",
                sector=sector,
                region=region,
                names=translations(head_names, [*name_languages(region), "en"]),
                municipality=seat.name,
                postcode=seat.postcode,
                abbreviation=head_names[0] if len(head_names[0]) < 12 else "",
                key=key,
            )
            self.head_offices[key] = head.n
            pool = sorted(self.by_region[region], key=lambda p: -p.weight)
            for place in pool[:offices]:
                self.add(
                    group="justice_house" if sector == "justice" else "agency",
                    level="public_agency",
                    sector=sector,
                    region=region,
                    names=self.named(office, place),
                    municipality=place.name,
                    postcode=place.postcode,
                    parent=head.n,
                )
        agency_themes = [
            ("Agentschap Integratie en Inburgering {m}", "Centre régional d'intégration de {m}",
             "Integrationszentrum {m}", "welfare"),
            ("Lokaal Gezondheidsoverleg {m}", "Relais santé de {m}", "Gesundheitsnetz {m}",
             "health"),
            ("Regionaal Preventieplatform {m}", "Plan stratégique de sécurité {m}",
             "Präventionsplattform {m}", "prevention"),
        ]  # fmt: skip
        while len(self.orgs) - agencies_start < 1600:
            place = self.place()
            *template, sector = rng.choice(agency_themes)
            self.add(
                group="agency",
                level="public_agency",
                sector=sector,
                region=place.region,
                names=self.named(tuple(template), place),
                municipality=place.name,
                postcode=place.postcode,
            )
        # School boards, then schools (70 % under a board of their region).
        boards: dict[str, list[int]] = defaultdict(list)
        for number in range(150):
            place = self.place()
            org = self.add(
                group="school_board",
                level="other",
                sector="education",
                region=place.region,
                names=self.named(
                    (
                        f"Scholengroep {number + 1} {{m}}",
                        f"Pouvoir organisateur {number + 1} de {{m}}",
                        f"Schulträger {number + 1} {{m}}",
                    ),
                    place,
                ),
                municipality=place.name,
                postcode=place.postcode,
            )
            boards[place.region].append(org.n)
        for _ in range(7500):
            place = self.place()
            template = tuple(t + " {m}" for t in rng.choice(SCHOOL_TYPES))
            self.add(
                group="school",
                level="school",
                sector="education",
                region=place.region,
                names=self.named(template, place, rng.choice(PROPER_NAMES)),
                municipality=place.name,
                postcode=place.postcode,
                parent=rng.choice(boards[place.region])
                if boards[place.region] and rng.random() < 0.7
                else None,
                is_public=rng.random() > 0.12,
            )
        # Umbrella federations, then non-profits (20 % under an umbrella of their sector).
        sectors, weights = list(NON_PROFIT_SECTORS), list(NON_PROFIT_SECTORS.values())
        umbrellas: dict[str, list[int]] = defaultdict(list)
        for number in range(100):
            sector = sectors[number % len(sectors)]
            place = self.place()
            template = rng.choice(SECTOR_TYPES[sector])
            org = self.add(
                group="non_profit",
                level="non_profit",
                sector=sector,
                region=place.region,
                names={
                    lang: f"Federatie {text}" if lang == "nl" else f"Fédération {text}"
                    for lang, text in self.named(template, place, f"{number + 1}").items()
                },
                municipality=place.name,
                postcode=place.postcode,
            )
            umbrellas[sector].append(org.n)
        for _ in range(8400):
            sector = rng.choices(sectors, weights)[0]
            place = self.place()
            names = self.named(
                tuple(t + " {m}" for t in rng.choice(SECTOR_TYPES[sector])),
                place,
                rng.choice(PROPER_NAMES),
            )
            names = {
                lang: f"{text} {LEGAL_FORM.get(lang, '')}".strip() for lang, text in names.items()
            }
            self.add(
                group="non_profit",
                level="non_profit",
                sector=sector,
                region=place.region,
                names=names,
                municipality=place.name,
                postcode=place.postcode,
                parent=rng.choice(umbrellas[sector]) if rng.random() < 0.2 else None,
                is_public=rng.random() > 0.13,
                extra_languages=[rng.choice(["en", "ar", "tr"])] if rng.random() < 0.15 else [],
            )
        # Religious bodies: 15 representative bodies, then local communities.
        representatives = []
        for number in range(15):
            place = self.place()
            org = self.add(
                group="religious_body",
                level="religious_body",
                sector="religion",
                region=place.region,
                names=self.named(
                    (
                        f"Representatief orgaan {number + 1}",
                        f"Organe représentatif {number + 1}",
                        f"Vertretungsorgan {number + 1}",
                    ),
                    place,
                ),
                municipality=place.name,
                postcode=place.postcode,
            )
            representatives.append(org.n)
        for _ in range(985):
            place = self.place()
            self.add(
                group="religious_body",
                level="religious_body",
                sector="religion",
                region=place.region,
                names=self.named(
                    tuple(t + " {m}" for t in rng.choice(SECTOR_TYPES["religion"])),
                    place,
                    rng.choice(PROPER_NAMES),
                ),
                municipality=place.name,
                postcode=place.postcode,
                parent=rng.choice(representatives) if rng.random() < 0.3 else None,
                is_public=rng.random() > 0.2,
                extra_languages=[rng.choice(["ar", "tr"])] if rng.random() < 0.4 else [],
            )
        # Others up to the total.
        while len(self.orgs) < self.total:
            place = self.place()
            sector = rng.choice(["other", "prevention", "other"])
            self.add(
                group="other",
                level="other",
                sector=sector,
                region=place.region,
                names=self.named(
                    tuple(t + " {m}" for t in rng.choice(SECTOR_TYPES[sector])),
                    place,
                    rng.choice(PROPER_NAMES),
                ),
                municipality=place.name,
                postcode=place.postcode,
                is_public=rng.random() > 0.25,
            )
        del self.orgs[self.total :]
        used: set[str] = set()
        for org in self.orgs:
            if not org.key:
                base = ascii_slug(next(iter(org.names.values())))[:70].strip("-")
                org.key = base if base not in used else f"{base}-{org.n}"
            used.add(org.key)

    def organisation_rows(self, Organisation) -> list:
        rng, rows = self.rng, []
        for org in self.orgs:
            languages = region_languages(org.region)
            languages += [lang for lang in org.extra_languages if lang not in languages]
            row = Organisation(
                id=org.n,
                key=org.key,
                abbreviation=org.abbreviation,
                name=org.names,
                level=org.level,
                sector=org.sector,
                parent_id=org.parent,
                street=f"{rng.choice(['Kerkstraat', 'Rue de la Gare', 'Stationsstraat', 'Marktplein', 'Grand-Place', 'Hauptstraße'])} {rng.randint(1, 200)}",  # noqa: E501
                postcode=org.postcode,
                municipality=org.municipality,
                website=f"https://{org.key[:40]}.example.org" if rng.random() < 0.7 else "",
                email=f"info@{org.key[:40]}.example.org" if rng.random() < 0.8 else "",
                languages=languages,
                is_public=org.is_public,
                verified_at=self.verified_at(),
            )
            row.refresh_search_text()
            rows.append(row)
        return rows

    def verified_at(self) -> datetime.datetime | None:
        if self.rng.random() < 0.15:
            return None
        # most entries were checked within the year, some long ago (stale after 365 days)
        return NOW - datetime.timedelta(int(self.rng.triangular(0, 1000, 0)))

    # -- services ---------------------------------------------------------------------------

    def service_rows(self, Service, count: int) -> list:
        rng = self.rng
        orgs = self.orgs
        chosen = rng.choices(orgs, [SERVICE_WEIGHT[o.group] for o in orgs], k=count)
        chosen.sort(key=lambda o: o.n)
        places_of_region = {
            region: [p.name for p in pool] for region, pool in self.by_region.items()
        }
        rows = []
        for org in chosen:
            sector = org.sector if org.sector in SERVICE_NAMES else "other"
            name = rng.choice(SERVICE_NAMES[sector])
            targets = rng.sample(SERVICE_TARGETS[sector], rng.randint(1, 2))
            name_langs = list(org.names)
            areas: list[str] = []
            if rng.random() < 0.8:
                areas = [org.municipality]
                neighbours = places_of_region.get(org.region, [])
                areas += rng.sample(neighbours, min(len(neighbours), rng.randint(0, 3)))
                areas = list(dict.fromkeys(areas))
            description = {}
            for lang in name_langs:
                index = LANGS.index(lang)
                description[lang] = DESCRIPTION[index].format(
                    name=name[index],
                    m=org.municipality,
                    targets=" en ".join(TARGET_WORDS[t][index] for t in targets)
                    if lang == "nl"
                    else ", ".join(TARGET_WORDS[t][index] for t in targets),
                )
            row = Service(
                organisation_id=org.n,
                name=translations(name, name_langs),
                description=description,
                status="active" if rng.random() < 0.95 else "inactive",
                target_groups=targets,
                areas=areas,
                channels=rng.sample(["phone", "email", "in_person", "professional", "web"], 2),
                languages=region_languages(org.region),
                intake=rng.choices(["open", "waiting_list", "closed"], [80, 15, 5])[0],
                waiting_weeks=rng.randint(2, 12) if rng.random() < 0.15 else None,
                free_of_charge=rng.random() < 0.85,
                phone=f"+32 {rng.randint(2, 99)} {rng.randint(100, 999)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)}",
                municipality=org.municipality if rng.random() < 0.5 else "",
                postcode=org.postcode,
                is_public=rng.random() < 0.9,
                verified_at=self.verified_at(),
            )
            row.refresh_search_text()
            rows.append(row)
        return rows

    # -- people and posts -------------------------------------------------------------------

    def professional_rows(self, Professional, count: int) -> list:
        rng = self.rng
        surname_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(SURNAMES))]
        rows = []
        for n in range(count):
            first = rng.choice(FIRST_NAMES)
            last = rng.choices(SURNAMES, surname_weights)[0]
            rows.append(
                Professional(
                    full_name=f"{first} {last}",
                    email=f"{ascii_slug(first)}.{ascii_slug(last)}.{n + 1}@example.org",
                    phone=f"+32 4{rng.randint(70, 99)} {rng.randint(10, 99)} "
                    f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
                    languages=rng.choice([["nl"], ["fr"], ["nl", "fr"], ["fr", "en"], ["de"]]),
                )
            )
        return rows

    def post_rows(self, Post, kinds: dict, organisations: dict, holders: list, count: int):
        """Posts spread by POST_WEIGHT; ~85 % held by one of `holders` (a person may hold two
        posts). Returns the posts and, per post, whether it is held."""
        rng = self.rng
        orgs = self.orgs
        chosen = rng.choices(orgs, [POST_WEIGHT[o.group] for o in orgs], k=count)
        chosen.sort(key=lambda o: o.n)
        public_share = {key: share for key, _c, _n, share in KINDS}
        legal_roles = ["mayor", "police_chief", "prevention_officer", "invited", "invited"]
        rows = []
        next_holder = 0
        for org in chosen:
            mix = POST_MIX[org.group]
            kind_key = rng.choices(list(mix), list(mix.values()))[0]
            held = rng.random() < 0.85
            holder = None
            if held:
                if next_holder < len(holders) and rng.random() < 0.94:
                    holder = holders[next_holder]
                    next_holder += 1
                else:  # someone who already holds a post takes a second one
                    holder = holders[rng.randrange(max(1, next_holder))]
            area = ""
            if kind_key == "police-contact-point":
                area = rng.choice(self.by_region[org.region]).name
            elif kind_key == "contact-point" and rng.random() < 0.5:
                area = rng.choice(POLICY_AREAS)
            title = {}
            if rng.random() < 0.1:
                title = {
                    lang: f"{kinds[kind_key].name[lang]} ({area or org.municipality})"
                    for lang in org.names
                }
            post = Post(
                organisation=organisations[org.n],
                kind=kinds[kind_key],
                title=title,
                capacity="acting" if rng.random() < 0.22 else "effective",
                area=area,
                email=f"{kind_key}@{org.key[:40]}.example.org" if rng.random() < 0.4 else "",
                legal_role=rng.choice(legal_roles) if kind_key == "livc-member" else "",
                clearance=rng.choice(["none", "requested", "confidential", "secret"])
                if kind_key in ("livc-member", "police-contact-point")
                else "",
                is_public=org.is_public and rng.random() < public_share[kind_key],
                holder=holder,
                verified_at=self.verified_at(),
            )
            if post.clearance in ("confidential", "secret"):
                post.clearance_expires_on = TODAY + datetime.timedelta(rng.randint(-200, 1800))
            post.refresh_search_text()
            rows.append(post)
        return rows

    def tenure_rows(self, Tenure, posts: list, professionals: list, appointer_id: int) -> list:
        """The current holding of each held post and, for about half the posts, the one
        before it (someone else), ending the day before."""
        rng = self.rng
        rows = []
        for post in posts:
            starts = TODAY - datetime.timedelta(rng.randint(30, 7 * 365))
            if post.holder_id is not None:
                rows.append(
                    Tenure(
                        post=post,
                        professional_id=post.holder_id,
                        starts_on=starts,
                        appointed_by_id=appointer_id if rng.random() < 0.3 else None,
                    )
                )
            if rng.random() < (0.5 if post.holder_id else 0.6):
                # the previous holder left the day before; a vacant post's, up to two years ago
                if post.holder_id is not None:
                    left = starts - datetime.timedelta(1)
                else:
                    left = TODAY - datetime.timedelta(rng.randint(7, 730))
                rows.append(
                    Tenure(
                        post=post,
                        professional=rng.choice(professionals),
                        starts_on=left - datetime.timedelta(rng.randint(180, 6 * 365)),
                        ends_on=left,
                    )
                )
        return rows


class Load:
    """Writes the directory, posts and coverage through the ORM on Django's connection, in the
    caller's transaction: first the organisations (users and plans refer to them), then the
    rest. `step(label, action)` times each part."""

    def __init__(self, scale: dict, step) -> None:
        self.scale, self.step = scale, step
        self.builder = Builder(scale["organisations"])
        self.organisations: dict = {}
        self.kinds: dict = {}

    def load_organisations(self) -> None:
        from network.models import Organisation

        def write() -> None:
            self.builder.build_organisations()
            rows = self.builder.organisation_rows(Organisation)
            Organisation.objects.bulk_create(rows, batch_size=BATCH)
            self.organisations = {row.id: row for row in rows}

        self.step("organisations", write)

    def load_the_rest(self, coordinator_id: int) -> None:
        self.step("services", self.load_services)
        self.step("people, posts, tenures", lambda: self.load_posts(coordinator_id))
        self.step("coverage rules and gaps", lambda: self.load_coverage(coordinator_id))

    def load_services(self) -> None:
        from network.models import Service

        rows = self.builder.service_rows(Service, self.scale["services"])
        Service.objects.bulk_create(rows, batch_size=BATCH)

    def load_posts(self, coordinator_id: int) -> None:
        from network.models import Post, PostKind, Professional, Tenure

        builder = self.builder
        self.kinds = {
            key: PostKind(key=key, category=category, name=dict(zip(LANGS, names, strict=True)))
            for key, category, names, _share in KINDS
        }
        PostKind.objects.bulk_create(self.kinds.values())
        people = builder.professional_rows(Professional, self.scale["professionals"])
        Professional.objects.bulk_create(people, batch_size=BATCH)
        # four in five people hold a post now; the others held one before
        holders = people[: int(len(people) * 0.8)]
        posts = builder.post_rows(
            Post, self.kinds, self.organisations, holders, self.scale["posts"]
        )
        Post.objects.bulk_create(posts, batch_size=BATCH)
        tenures = builder.tenure_rows(Tenure, posts, people, coordinator_id)
        Tenure.objects.bulk_create(tenures, batch_size=BATCH)

    def load_coverage(self, coordinator_id: int) -> None:
        from django.db import connection

        from network import coverage
        from network.models import CoverageGap, CoverageRule

        rng = self.builder.rng
        heads = self.builder.head_offices
        rules = []
        for _key, names, reference, (level, sector, parent), kind, total, eff, act in RULES:
            rules.append(
                CoverageRule(
                    name=dict(zip(LANGS, names, strict=True)),
                    reference=reference,
                    owner_id=1,
                    scope_level=level,
                    scope_sector=sector,
                    scope_parent_id=heads[parent] if parent else None,
                    kind=self.kinds[kind],
                    minimum_total=total,
                    minimum_effective=eff,
                    minimum_acting=act,
                )
            )
        CoverageRule.objects.bulk_create(rules)
        # History first: closed gaps of the organisations in scope, from seven years ago
        # until before today's gaps opened.
        history = []
        start = NOW - datetime.timedelta(7 * 365)
        cutoff = NOW - datetime.timedelta(OPEN_GAPS_SPREAD_DAYS + 10)
        for rule in rules:
            for org_id in coverage.scope(rule).order_by("id").values_list("id", flat=True):
                opened = start
                for _ in range(rng.choices([0, 1, 2, 3], [45, 35, 15, 5])[0]):
                    opened += datetime.timedelta(rng.randint(30, 700))
                    closed = opened + datetime.timedelta(rng.randint(7, 300))
                    if closed > cutoff:
                        break
                    history.append(
                        CoverageGap(
                            rule=rule,
                            organisation_id=org_id,
                            opened_at=opened,
                            closed_at=closed,
                            closed_by_id=coordinator_id if rng.random() < 0.5 else None,
                            held_total=max(0, rule.minimum_total - 1),
                            held_effective=0,
                            held_acting=0,
                        )
                    )
                    opened = closed
        CoverageGap.objects.bulk_create(history, batch_size=BATCH)
        # Then today's gaps, as the app finds them; spread their opening over the last
        # year and a half (evaluate() dates them now).
        for rule in rules:
            coverage.evaluate(rule)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE network_coveragegap SET opened_at = opened_at - "
                "((hashint8(id) & 2147483647) %% %s) * interval '1 day' "
                "WHERE closed_at IS NULL",
                [OPEN_GAPS_SPREAD_DAYS],
            )
