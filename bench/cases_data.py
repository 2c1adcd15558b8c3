"""Load the Cases module's bench data (bench/CASES.md) into the bench database.

First runs generate.py's load when the database lacks it (migrations, the Network module's
20,000 organisations and the plans), then, in one transaction on Django's connection:

- 5,000 users in the first 600 organisations (by id): per organisation a data protection
  officer and a referral officer, the other 3,800 (a fifth referral officers, the rest partner
  professionals) spread by the organisation's size; roles as the Django groups of
  accounts.roles, and a TOTP authenticator each (every one of these roles must use a second
  factor);
- 100,000 persons (names encrypted with core.encryption, their blind index, handles
  PREFIX-YEAR-NNNN, dates of birth with ~15 % minors, municipalities, national numbers for
  70 %) and 150,000 files, one per person and organisation, sized by a Zipf-like weight of the
  organisation (the largest holds ~5,000 files, the smallest ~100), each with a case team of
  1-4 case workers of its organisation, the first its manager;
- 3,000,000 journal entries (20 per file on average, skewed), evaluations, guidance plan
  versions with their goals, judges' conditions and their follow-up, contributions to the
  shared file with their recipients, referrals to services (some overdue) and the referrals
  (intake) the files came from;
- 20,000,000 audit events about these files (reads and writes by their teams, lists, refused
  attempts, sign-ins), 95 % of them naming the person (`subject`), skewed so that a few persons
  have thousands of events, with set-based SQL (INSERT ... SELECT generate_series).

Free text is encrypted as the app does, but 3 million Fernet encryptions in Python are too
slow: a pool of 2,000 distinct texts is encrypted once (with the app server's
FIELD_ENCRYPTION_KEY, from run.app_environment) and the tokens are reused. Rows go in with
COPY; the journal's and the audit table's secondary indexes are dropped during the load and
built again after it. Values are pseudo-random but reproducible (random.Random(SEED), and
hashes of row numbers in SQL); dates are relative to the day of the load.

A row in bench_cases_generation records a complete load, with the bench_generation load it was
made on: re-running skips when both match, and loads again otherwise (--force: always). The
row also keeps the facts cases_run.py needs (the busy referral officer, the file, the DPO…).

    .venv/bin/python bench/cases_data.py [--force]
"""

from __future__ import annotations

import argparse
import bisect
import datetime
import json
import math
import os
import random
import string
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import generate
import psycopg
from directory_data import FIRST_NAMES, SURNAMES
from psycopg.types.json import Jsonb
from run import app_environment

BENCH_DIR = Path(__file__).resolve().parent
SEED = 20_261_121
SCALE = {
    "version": 1,  # bump when this file changes what it loads
    "organisations": 600,
    "users": 5_000,
    "persons": 100_000,
    "files": 150_000,
    "journal_entries": 3_000_000,
    "audit_events": 20_000_000,
    "text_pool": 2_000,
}
MARKER = "bench_cases_generation"
EMAIL_DOMAIN = "bench.invalid"
USER_PREFIX = "cases-"  # cases-0001@bench.invalid …
SCALE_USER_EMAIL = f"{USER_PREFIX}scale@{EMAIL_DOMAIN}"
SCALE_USER_FILES = 20  # the scale test's user starts with 20 seats; cases_run.py adds more
ORG_EXPONENT = 0.6  # weight of the organisation of rank r: r ** -0.6
RO_SEAT_WEIGHT = 3  # referral officers sit on more teams than partner professionals
AUDIT_YEARS = 3
AUDIT_SKEW = 1.6  # file of an event: 1 + N * u ** 1.6 (file 1 ~7,000 events, median ~100)
YEAR_DAYS = 365

# --- Vocabulary -------------------------------------------------------------------------------

MORE_FIRST_NAMES = [
    "Noah", "Adam", "Liam", "Rayan", "Ilyas", "Louis", "Arthur", "Jules", "Victor", "Milan",
    "Olivia", "Louise", "Mila", "Nour", "Lina", "Salma", "Alice", "Juliette", "Ella", "Yara",
    "Emir", "Yusuf", "Hamza", "Dries", "Wout", "Robbe", "Senne", "Kobe", "Anouk", "Fien",
]  # fmt: skip
JOURNAL_OPENINGS = [
    "Home visit with the mother present.",
    "Telephone contact with the school's pupil guidance centre.",
    "Meeting at the office, the young person came on time.",
    "Case consultation with the partners of the local cell.",
    "Gesprek met de jongere in het jeugdhuis.",
    "Contact met de consulent van het OCMW over de huisvesting.",
    "Rencontre avec l'éducateur de rue au local du quartier.",
    "Entretien téléphonique avec l'assistante de justice.",
    "Unannounced visit: nobody at home, a card was left.",
    "Follow-up call after the hearing at the court.",
]
JOURNAL_MIDDLES = [
    "He talked about his plans to finish the training in electricity",
    "She says the contact with her brother has improved since the summer",
    "The family worries about the friends he spends his evenings with",
    "We went through the budget and the rent arrears together",
    "Hij vertelt dat hij minder online zit en terug gaat voetballen",
    "Ze wil opnieuw contact met haar vader maar weet niet hoe",
    "Il a repris contact avec le mentor proposé le mois dernier",
    "Elle hésite encore à commencer le suivi psychologique",
    "The school reports fewer absences this term",
    "He mentions tensions at home after the last incident",
    "The mentor and he met twice; the conversations go well",
    "Sleeping problems persist; the GP was informed with consent",
]
JOURNAL_ENDINGS = [
    "Next appointment in two weeks.",
    "To be discussed at the next team meeting.",
    "Agreed to contact the employment service together.",
    "Volgende afspraak na de examens.",
    "Prochain rendez-vous fixé avec la maison de jeunes.",
    "No action needed for now.",
    "The plan's housing goal stays open.",
    "I will call the mother at the end of the week.",
]
PURPOSES = [
    "Coordinated guidance in the local integral security cell",
    "Afstemming van de begeleiding met de partners",
    "Préparer la sortie de prison avec les partenaires",
    "Follow-up of the housing goal with the social welfare centre",
]
COURTS = [
    "Strafuitvoeringsrechtbank Antwerpen",
    "Tribunal de l'application des peines de Bruxelles",
    "Jeugdrechtbank Gent",
    "Tribunal de la jeunesse de Liège",
]
INSTRUMENTS = ["VERA-2R", "ERG22+", "TRAP-18"]
SPHERE_WEIGHTS = {
    "psychosocial": 25,
    "training": 15,
    "mental_health": 15,
    "family": 15,
    "mentor": 8,
    "housing": 12,
    "justice": 10,
}


def pick_weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), list(weights.values()))[0]


def apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split total into integers proportional to weights (largest remainders), each at
    least minimum."""
    rest = total - minimum * len(weights)
    scale = rest / sum(weights)
    shares = [w * scale for w in weights]
    counts = [math.floor(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: shares[i] - counts[i], reverse=True)
    for i in order[: rest - sum(counts)]:
        counts[i] += 1
    return [c + minimum for c in counts]


# --- COPY -------------------------------------------------------------------------------------

NULL = "\\N"
ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def cell(value) -> str:
    """One value in COPY's text format."""
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(ESCAPES)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(ESCAPES)
    return str(value)


def copy_rows(cur: psycopg.Cursor, table: str, columns: str, rows) -> int:
    """COPY rows (tuples of values, or lines already in COPY's text format) into table.

    Text columns the app added since this loader was written (NOT NULL, no default) get
    "", as Django's AddField gives existing rows."""
    missing = cur.execute(
        """
        SELECT column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND table_name = %s AND is_nullable = 'NO'
          AND column_default IS NULL AND is_identity = 'NO'
          AND data_type IN ('text', 'character varying') AND NOT (column_name = ANY(%s))
        ORDER BY ordinal_position
        """,
        [table, [c.strip() for c in columns.split(",")]],
    ).fetchall()
    extra = "".join("\t" for _ in missing)
    if missing:
        columns += ", " + ", ".join(name for (name,) in missing)
    count = 0
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = []
        for row in rows:
            line = row[:-1] if isinstance(row, str) else "\t".join(map(cell, row))
            buffer.append(line + extra + "\n")
            if len(buffer) >= 5_000:
                copy.write("".join(buffer))
                count += len(buffer)
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))
            count += len(buffer)
    return count


def stored(model: str, field: str):
    """How the app stores the field's values: encrypted if the model encrypts it (the
    contributions' purposes were plain text once), as is otherwise; "" stays ""."""
    from django.apps import apps

    from core.encryption import EncryptedTextField, encrypt_bytes

    if not isinstance(apps.get_model(model)._meta.get_field(field), EncryptedTextField):
        return lambda value: value
    cache: dict[str, str] = {}

    def seal(value: str) -> str:
        if value and value not in cache:
            cache[value] = encrypt_bytes(value.encode()).decode()
        return cache.get(value, value)

    return seal


def ts(day: datetime.date, seconds: int = 32_400) -> str:
    """A timestamp on day, seconds after midnight UTC, in COPY's text format."""
    return f"{day.isoformat()} {seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}+00"


# --- The load ---------------------------------------------------------------------------------


@dataclass
class File:
    id: int
    person: int
    organisation: int
    opened_on: datetime.date
    team: list[int] = field(default_factory=list)  # user ids, the manager first
    status: str = "open"
    closed_on: datetime.date | None = None
    phase: str = "none"
    context: str = "community"
    journal: int = 0
    approved_plan: bool = False

    @property
    def end(self) -> datetime.date:
        return self.closed_on or TODAY


TODAY = datetime.date.today()


class Load:
    """Builds the rows in memory (reproducibly) and writes them with COPY on cur."""

    def __init__(self, cur: psycopg.Cursor, password_hash: str) -> None:
        self.cur = cur
        self.rng = random.Random(SEED)
        self.password_hash = password_hash
        self.facts: dict = {}

    # --- helpers

    def uuid(self) -> str:
        return f"{self.rng.getrandbits(128):032x}"

    def day_between(self, start: datetime.date, end: datetime.date) -> datetime.date:
        span = max(0, (end - start).days)
        return start + datetime.timedelta(days=int(self.rng.random() * (span + 1)))

    def token(self, pool: list[str]) -> str:
        return pool[int(self.rng.random() * len(pool))]

    # --- texts

    def encrypt_pools(self) -> None:
        """2,000 journal-like texts, 200 evaluations' spheres, 100 referral extracts:
        encrypted once each."""
        from core.encryption import encrypt_bytes

        rng = self.rng

        def text() -> str:
            sentences = [rng.choice(JOURNAL_OPENINGS)]
            for _ in range(rng.randint(1, 5)):
                sentences.append(rng.choice(JOURNAL_MIDDLES) + ".")
            sentences.append(rng.choice(JOURNAL_ENDINGS))
            return " ".join(sentences)

        def seal(value: str) -> str:
            return encrypt_bytes(value.encode()).decode()

        self.texts = [seal(f"{text()} [{i}]") for i in range(SCALE["text_pool"])]
        spheres = []
        for i in range(200):
            chosen = rng.sample(list(SPHERE_WEIGHTS), rng.randint(2, 4))
            value = {
                sphere: {
                    "needs": rng.choice(JOURNAL_MIDDLES),
                    "protective": rng.choice(JOURNAL_MIDDLES),
                    "concerns": rng.choice(JOURNAL_MIDDLES) if i % 3 else "",
                }
                for sphere in chosen
            }
            spheres.append(seal(json.dumps(value, ensure_ascii=False)))
        self.spheres = spheres
        self.extracts = [
            seal(json.dumps({"handle": f"XXX-2026-{i:04d}", "municipality": "Antwerpen"}))
            for i in range(100)
        ]

    # --- organisations and users

    def organisations(self) -> None:
        """The first 600 organisations (added if fewer exist), ranked at random for size."""
        cur = self.cur
        count = SCALE["organisations"]
        existing = cur.execute("SELECT count(*) FROM network_organisation").fetchone()[0]
        if existing < count:
            self.add_organisations(count - existing)
        rows = cur.execute(
            "SELECT id, municipality FROM network_organisation ORDER BY id LIMIT %s", [count]
        ).fetchall()
        self.org_ids = [row[0] for row in rows]
        self.org_municipality = {row[0]: row[1] for row in rows}
        ranked = list(self.org_ids)
        self.rng.shuffle(ranked)
        self.org_weight = {org: (rank + 1) ** -ORG_EXPONENT for rank, org in enumerate(ranked)}
        self.org_max = cur.execute("SELECT max(id) FROM network_organisation").fetchone()[0]
        self.services = cur.execute("SELECT max(id) FROM network_service").fetchone()[0] or 0

    def add_organisations(self, missing: int) -> None:
        """Organisations of the bench's own, through the model (when the Network data is not
        there: generate.py always loads it, so this is a fallback)."""
        from network.models import Organisation

        start = self.cur.execute("SELECT count(*) FROM network_organisation").fetchone()[0]
        organisations = []
        for n in range(start + 1, start + missing + 1):
            organisation = Organisation(
                key=f"bench-cases-{n}",
                name={"nl": f"Bench-organisatie {n}", "fr": f"Organisation de bench {n}"},
                municipality=self.rng.choice(["Antwerpen", "Gent", "Liège", "Brussel"]),
            )
            if hasattr(organisation, "refresh_search_text"):
                organisation.refresh_search_text()
            organisations.append(organisation)
        Organisation.objects.bulk_create(organisations)

    def users(self) -> None:
        """Per organisation a DPO and a referral officer; the rest by the organisation's
        weight, a fifth of them referral officers. One of the biggest organisation's partner
        professionals is the scale test's user."""
        rng, cur = self.rng, self.cur
        orgs = self.org_ids
        base = cur.execute("SELECT coalesce(max(id), 0) FROM accounts_user").fetchone()[0] + 1
        extra = apportion(SCALE["users"] - 2 * len(orgs), [self.org_weight[o] for o in orgs])
        people = []  # (organisation, role)
        for org, more in zip(orgs, extra, strict=True):
            people.append((org, "dpo"))
            people.append((org, "referral_officer"))
            for _ in range(more):
                role = "referral_officer" if rng.random() < 0.2 else "partner_professional"
                people.append((org, role))
        self.user_org: dict[int, int] = {}
        self.user_role: dict[int, str] = {}
        self.workers: dict[int, list[int]] = defaultdict(list)  # case workers by organisation
        self.seat_weights: dict[int, list[int]] = defaultdict(list)
        self.dpo_of: dict[int, int] = {}
        rows, emails = [], {}
        biggest = max(orgs, key=self.org_weight.__getitem__)
        scale_user = None
        for n, (org, role) in enumerate(people, start=1):
            user_id = base + n - 1
            email = f"{USER_PREFIX}{n:04d}@{EMAIL_DOMAIN}"
            if scale_user is None and org == biggest and role == "partner_professional":
                scale_user, email = user_id, SCALE_USER_EMAIL
            name = f"{rng.choice(FIRST_NAMES)} {rng.choices(SURNAMES)[0]}"
            emails[user_id] = email
            self.user_org[user_id] = org
            self.user_role[user_id] = role
            if role == "dpo":
                self.dpo_of[org] = user_id
            elif user_id != scale_user:
                self.workers[org].append(user_id)
                self.seat_weights[org].append(RO_SEAT_WEIGHT if role == "referral_officer" else 1)
            joined = TODAY - datetime.timedelta(days=rng.randint(30, 2_000))
            rows.append(
                (user_id, self.password_hash, False, False, True, ts(joined), email, name, "", org)
            )
        copy_rows(
            cur,
            "accounts_user",
            "id, password, is_superuser, is_staff, is_active, date_joined, email, full_name, "
            "language, organisation_id",
            rows,
        )
        groups = dict(cur.execute("SELECT name, id FROM auth_group").fetchall())
        copy_rows(
            cur,
            "accounts_user_groups",
            "user_id, group_id",
            ((user_id, groups[role]) for user_id, role in self.user_role.items()),
        )
        alphabet = string.ascii_uppercase + "234567"
        copy_rows(
            cur,
            "mfa_authenticator",
            "type, data, user_id, created_at",
            (
                (
                    "totp",
                    {"secret": "".join(rng.choice(alphabet) for _ in range(32))},
                    user_id,
                    ts(TODAY - datetime.timedelta(days=20)),
                )
                for user_id in self.user_role
            ),
        )
        generate.reset_identity(cur, "accounts_user")
        self.emails = emails
        self.scale_user = scale_user
        self.facts["scale_user"] = SCALE_USER_EMAIL
        self.facts["scale_organisation"] = biggest

    # --- persons and files

    def persons_and_files(self) -> None:
        """150,000 (person, organisation) pairs: every person one file, 50,000 a second or
        third elsewhere; file ids in random order, opened over six years by id."""
        from cases.services import handle_prefix
        from core.encryption import blind_index, encrypt_bytes

        rng = self.rng
        n_persons, n_files = SCALE["persons"], SCALE["files"]
        per_org = apportion(n_files, [self.org_weight[o] for o in self.org_ids], minimum=20)
        slots = [org for org, n in zip(self.org_ids, per_org, strict=True) for _ in range(n)]
        rng.shuffle(slots)
        pairs: list[tuple[int, int]] = []
        seen: set[tuple[int, int]] = set()
        for person, org in enumerate(slots[:n_persons], start=1):
            pairs.append((person, org))
            seen.add((person, org))
        for org in slots[n_persons:]:
            while True:
                person = rng.randint(1, n_persons)
                if (person, org) not in seen:
                    break
            pairs.append((person, org))
            seen.add((person, org))
        rng.shuffle(pairs)
        span = 6 * YEAR_DAYS
        start = TODAY - datetime.timedelta(days=span)
        files: list[File] = []
        first_file: dict[int, File] = {}
        for file_id, (person, org) in enumerate(pairs, start=1):
            opened = start + datetime.timedelta(
                days=min(span, max(0, int(file_id / n_files * span + rng.gauss(0, 10))))
            )
            file = File(file_id, person, org, opened)
            files.append(file)
            if person not in first_file:
                first_file[person] = file
        self.files = files
        self.files_of_org: dict[int, list[File]] = defaultdict(list)
        for file in files:
            self.files_of_org[file.organisation].append(file)

        # persons
        given = FIRST_NAMES + MORE_FIRST_NAMES
        surname_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(SURNAMES))]
        cumulative = []
        total = 0.0
        for weight in surname_weights:
            total += weight
            cumulative.append(total)
        counters: dict[tuple[str, int], int] = defaultdict(int)
        self.person_uuid: dict[int, str] = {}
        self.minor: set[int] = set()
        rows = []
        for person in range(1, n_persons + 1):
            file = first_file[person]
            surname = SURNAMES[bisect.bisect(cumulative, rng.random() * total)]
            if rng.random() < 0.1:
                surname += "-" + SURNAMES[bisect.bisect(cumulative, rng.random() * total)]
            name = f"{rng.choice(given)} {surname}"
            created = file.opened_on - datetime.timedelta(days=rng.randint(1, 30))
            age = rng.randint(12, 17) if rng.random() < 0.15 else rng.randint(18, 45)
            birth = None
            if rng.random() >= 0.05:
                birth = TODAY - datetime.timedelta(days=age * 365 + rng.randint(0, 364))
                if age < 18:
                    self.minor.add(person)
            municipality = self.org_municipality[file.organisation] or "Brussel"
            prefix = handle_prefix(municipality, None)
            counters[(prefix, created.year)] += 1
            handle = f"{prefix}-{created.year}-{counters[(prefix, created.year)]:04d}"
            national = ""
            if birth is not None and rng.random() < 0.7:
                digits = f"{birth:%y%m%d}{rng.randint(1, 998):03d}"
                national = encrypt_bytes(f"{digits}{97 - int(digits) % 97:02d}".encode()).decode()
            languages = rng.choice([["nl"], ["fr"], ["nl", "fr"], ["nl", "ar"], ["fr", "ar"]])
            uid = self.uuid()
            self.person_uuid[person] = uid
            rows.append(
                (
                    person,
                    uid,
                    handle,
                    encrypt_bytes(name.encode()).decode(),
                    blind_index(name),
                    birth,
                    municipality,
                    languages,
                    national,
                    ts(created, rng.randint(28_800, 61_200)),
                )
            )
        copy_rows(
            self.cur,
            "cases_person",
            "id, uuid, handle, full_name, name_index, date_of_birth, municipality, languages, "
            "national_number, created_at",
            rows,
        )
        copy_rows(
            self.cur,
            "cases_handlecounter",
            "prefix, year, last",
            ((prefix, year, last) for (prefix, year), last in sorted(counters.items())),
        )
        self.teams_and_file_rows()

    def teams_and_file_rows(self) -> None:
        """Case teams of 1-4 case workers of the file's organisation (referral officers
        three times as likely), the manager first; then the files themselves."""
        rng = self.rng
        sizes = {1: 30, 2: 35, 3: 25, 4: 10}
        seats = []
        file_rows = []
        seat_id = 0
        for file in self.files:
            org = file.organisation
            workers, weights = self.workers[org], self.seat_weights[org]
            size = min(pick_weighted(rng, sizes), len(workers))
            team: list[int] = []
            while len(team) < size:
                user = rng.choices(workers, weights)[0]
                if user not in team:
                    team.append(user)
            file.team = team
            age = (TODAY - file.opened_on).days
            if rng.random() < 0.05 + 0.5 * min(1.0, age / (6 * YEAR_DAYS)):
                file.status = "closed"
                file.closed_on = self.day_between(file.opened_on, TODAY)
            file.phase = rng.choices(["none", "before", "during", "after"], [60, 10, 15, 15])[0]
            file.context = rng.choices(
                ["community", "facility", "follow_up", "prison"], [60, 15, 15, 10]
            )[0]
            if file.phase == "during":
                file.context = "prison"
            review = None
            if file.status == "open":
                review = TODAY + datetime.timedelta(days=rng.randint(-60, 180))
            closed = file.status == "closed"
            file_rows.append(
                (
                    file.id,
                    self.uuid(),
                    file.status,
                    file.phase,
                    file.context,
                    file.opened_on,
                    review,
                    file.closed_on,
                    rng.choice(["goals_reached", "no_longer_needed", "moved"]) if closed else "",
                    rng.choice(["disengaged", "stabilised", "referred_on"]) if closed else "",
                    self.token(self.texts) if closed and rng.random() < 0.5 else "",
                    ts(file.end, rng.randint(28_800, 61_200)),
                    1,
                    team[0],
                    org,
                    file.person,
                )
            )
            for position, user in enumerate(team):
                seat_id += 1
                role = "manager" if position == 0 else "member"
                seats.append((seat_id, role, ts(file.opened_on), file.id, user, org))
        # the scale test's user: 20 seats on the biggest organisation's newest files
        for file in sorted(
            self.files_of_org[self.facts["scale_organisation"]], key=lambda f: -f.id
        )[:SCALE_USER_FILES]:
            seat_id += 1
            seats.append(
                (
                    seat_id,
                    "member",
                    ts(file.opened_on),
                    file.id,
                    self.scale_user,
                    self.facts["scale_organisation"],
                )
            )
        copy_rows(
            self.cur,
            "cases_casefile",
            "id, uuid, status, phase, context, opened_on, next_review_on, closed_on, "
            "closure_reason, outcome, closure_note, updated_at, version, manager_id, "
            "organisation_id, person_id",
            file_rows,
        )
        copy_rows(
            self.cur,
            "cases_teammember",
            "id, role, added_at, file_id, user_id, organisation_id",
            seats,
        )

    # --- what the files hold

    def journal(self) -> None:
        """3,000,000 entries over the files, by a lognormal weight per file (median ~17,
        a few over 100), dated between the opening and the closing (or today)."""
        rng = self.rng
        files = self.files
        cumulative = []
        total = 0.0
        for _ in files:
            total += rng.lognormvariate(0, 0.75)
            cumulative.append(total)
        counts = [0] * len(files)
        for _ in range(SCALE["journal_entries"]):
            counts[bisect.bisect(cumulative, rng.random() * total)] += 1
        texts = self.texts

        def lines():
            entry_id = 0
            for file, count in zip(files, counts, strict=True):
                file.journal = count
                span = max(1, (file.end - file.opened_on).days)
                team = file.team
                for _ in range(count):
                    entry_id += 1
                    day = file.opened_on + datetime.timedelta(days=int(rng.random() * span))
                    r = rng.random()
                    kind = "note" if r < 0.5 else "contact" if r < 0.9 else "event"
                    stamp = ts(day, 28_800 + int(rng.random() * 32_400))
                    yield (
                        f"{entry_id}\t{rng.getrandbits(128):032x}\t{kind}\t{day.isoformat()}\t"
                        f"{texts[int(rng.random() * len(texts))]}\t{stamp}\t{stamp}\t1\t"
                        f"{team[int(rng.random() * len(team))]}\t{file.id}\n"
                    )

        def load():
            copy_rows(
                self.cur,
                "cases_journalentry",
                "id, uuid, kind, occurred_on, text, created_at, updated_at, version, author_id, "
                "file_id",
                lines(),
            )

        generate.without_secondary_indexes(self.cur, "cases_journalentry", load)

    def evaluations(self) -> None:
        rng = self.rng
        rows = []
        for file in self.files:
            for _ in range(rng.choices([0, 1, 2, 3], [45, 35, 15, 5])[0]):
                day = self.day_between(file.opened_on, file.end)
                instrument = rng.choice(INSTRUMENTS) if rng.random() < 0.1 else ""
                rows.append(
                    (
                        self.uuid(),
                        day,
                        ts(day, rng.randint(28_800, 61_200)),
                        self.token(self.texts),
                        self.token(self.spheres),
                        instrument,
                        day - datetime.timedelta(days=30) if instrument else None,
                        "Dr. " + rng.choice(SURNAMES) if instrument else "",
                        self.token(self.texts) if instrument else "",
                        rng.choice(file.team),
                        file.id,
                    )
                )
        copy_rows(
            self.cur,
            "cases_evaluation",
            "uuid, evaluated_on, signed_at, summary, spheres, instrument, instrument_on, "
            "instrument_assessor, instrument_summary, author_id, file_id",
            rows,
        )
        self.facts["evaluations"] = len(rows)

    def plans(self) -> None:
        """65 % of files have an approved plan (after 0-2 superseded versions), a tenth of
        them a draft after it; 5 % of the others only a draft. 1-4 goals per version."""
        rng = self.rng
        plans, goals = [], []
        plan_id = 0

        def add_plan(file: File, number: int, status: str, day: datetime.date) -> None:
            nonlocal plan_id
            plan_id += 1
            approved = status != "draft"
            plans.append(
                (
                    plan_id,
                    self.uuid(),
                    number,
                    file.phase,
                    file.context,
                    day + datetime.timedelta(days=180),
                    status,
                    ts(day),
                    ts(day, 50_400) if approved else None,
                    1,
                    file.team[0] if approved else None,
                    rng.choice(file.team),
                    file.id,
                )
            )
            for position in range(rng.randint(1, 4)):
                if status == "superseded":
                    progress = rng.choice(["reached", "stopped", "ongoing"])
                else:
                    progress = rng.choices(
                        ["planned", "ongoing", "reached", "stopped"], [30, 40, 20, 10]
                    )[0]
                goals.append(
                    (
                        pick_weighted(rng, SPHERE_WEIGHTS),
                        self.token(self.texts),
                        self.token(self.texts) if rng.random() < 0.5 else "",
                        day,
                        day + datetime.timedelta(days=rng.randint(60, 365)),
                        progress,
                        self.token(self.texts) if rng.random() < 0.3 else "",
                        position,
                        rng.randint(1, self.org_max),
                        plan_id,
                    )
                )

        for file in self.files:
            if rng.random() < 0.65:
                days = sorted(
                    self.day_between(file.opened_on, file.end)
                    for _ in range(rng.choices([1, 2, 3], [60, 30, 10])[0])
                )
                for number, day in enumerate(days[:-1], start=1):
                    add_plan(file, number, "superseded", day)
                add_plan(file, len(days), "approved", days[-1])
                file.approved_plan = True
                if rng.random() < 0.1:
                    add_plan(file, len(days) + 1, "draft", file.end)
            elif rng.random() < 0.05:
                add_plan(file, 1, "draft", self.day_between(file.opened_on, file.end))
        copy_rows(
            self.cur,
            "cases_guidanceplan",
            "id, uuid, number, phase, context, review_on, status, created_at, approved_at, "
            "version, approved_by_id, created_by_id, file_id",
            plans,
        )
        copy_rows(
            self.cur,
            "cases_goal",
            "sphere, description, interventions, starts_on, due_on, progress, progress_note, "
            "position, partner_id, plan_id",
            goals,
        )
        self.facts["plans"], self.facts["goals"] = len(plans), len(goals)

    def conditions(self) -> None:
        rng = self.rng
        conditions, checks = [], []
        condition_id = 0
        for file in self.files:
            if rng.random() >= 0.04:
                continue
            for _ in range(rng.randint(1, 2)):
                condition_id += 1
                imposed = self.day_between(file.opened_on, file.end)
                conditions.append(
                    (
                        condition_id,
                        self.uuid(),
                        rng.choice(COURTS),
                        imposed,
                        imposed + datetime.timedelta(days=730) if rng.random() < 0.8 else None,
                        self.token(self.texts),
                        file.team[0],
                        file.id,
                        None,
                    )
                )
                for _ in range(rng.randint(0, 3)):
                    checks.append(
                        (
                            self.day_between(imposed, file.end),
                            rng.choices(["complied", "partly", "not_complied"], [70, 20, 10])[0],
                            self.token(self.texts) if rng.random() < 0.5 else "",
                            rng.choice(file.team),
                            condition_id,
                        )
                    )
        copy_rows(
            self.cur,
            "cases_condition",
            "id, uuid, imposed_by, imposed_on, until, text, created_by_id, file_id, "
            "justice_assistant_id",
            conditions,
        )
        copy_rows(
            self.cur,
            "cases_conditioncheck",
            "checked_on, compliance, note, author_id, condition_id",
            checks,
        )
        self.facts["conditions"], self.facts["condition_checks"] = len(conditions), len(checks)

    def contributions(self) -> None:
        """8 % of files share 1-2 items with 1-3 organisations (the person's other files'
        organisations first)."""
        rng = self.rng
        orgs_of_person: dict[int, list[int]] = defaultdict(list)
        for file in self.files:
            orgs_of_person[file.person].append(file.organisation)
        contributions, recipients = [], []
        contribution_id = 0
        reference = stored("cases.Contribution", "consent_reference")
        purpose = stored("cases.Contribution", "purpose")
        reason = stored("cases.Contribution", "withdrawal_reason")
        for file in self.files:
            if rng.random() >= 0.08:
                continue
            for _ in range(rng.randint(1, 2)):
                contribution_id += 1
                day = self.day_between(file.opened_on, file.end)
                basis = rng.choice(["case_consultation", "flemish_decree", "consent"])
                consent = basis == "consent"
                withdrawn = rng.random() < 0.05
                contributions.append(
                    (
                        contribution_id,
                        self.uuid(),
                        rng.choice(["summary", "decision", "plan_step"]),
                        self.token(self.texts),
                        basis,
                        reference(f"CONS-{day.year}-{contribution_id:05d}" if consent else ""),
                        day + datetime.timedelta(days=365) if consent else None,
                        "consented" if file.person in self.minor else "",
                        purpose(rng.choice(PURPOSES)),
                        ts(day),
                        ts(day, 61_200) if withdrawn else None,
                        reason("Shared by mistake" if withdrawn else ""),
                        rng.choice(file.team),
                        file.id,
                        None,
                        file.team[0] if withdrawn else None,
                        file.person,
                    )
                )
                others = [o for o in orgs_of_person[file.person] if o != file.organisation]
                chosen = set(others[: rng.randint(1, 3)])
                while len(chosen) < 1 + (contribution_id % 2):
                    other = rng.choice(self.org_ids)
                    if other != file.organisation:
                        chosen.add(other)
                recipients += [(contribution_id, org) for org in sorted(chosen)]
        copy_rows(
            self.cur,
            "cases_contribution",
            "id, uuid, kind, text, legal_basis, consent_reference, consent_expires_on, "
            "guardian, purpose, created_at, withdrawn_at, withdrawal_reason, author_id, "
            "file_id, to_livc_id, withdrawn_by_id, person_id",
            contributions,
        )
        copy_rows(
            self.cur,
            "cases_contribution_recipients",
            "contribution_id, organisation_id",
            recipients,
        )
        self.facts["contributions"] = len(contributions)

    def service_referrals(self) -> None:
        """20 % of files referred 1-2 times to a service of the directory; open ones recent,
        about a third of them past their date."""
        rng = self.rng
        rows = []
        statuses = {"sent": 25, "accepted": 35, "done": 20, "refused": 10, "dropped": 5}
        statuses["withdrawn"] = 5
        for file in self.files:
            if rng.random() >= 0.2 or not self.services:
                continue
            for _ in range(rng.randint(1, 2)):
                status = pick_weighted(rng, statuses)
                if file.status == "closed" and status in ("sent", "accepted"):
                    status = "done"
                if status == "sent":
                    sent = TODAY - datetime.timedelta(days=rng.randint(0, 30))
                    due = sent + datetime.timedelta(days=10)
                elif status == "accepted":
                    sent = TODAY - datetime.timedelta(days=rng.randint(0, 130))
                    due = sent + datetime.timedelta(days=90)
                else:
                    sent = self.day_between(file.opened_on, file.end)
                    due = sent + datetime.timedelta(days=10)
                answered = status not in ("sent", "withdrawn")
                rows.append(
                    (
                        self.uuid(),
                        ["handle", "municipality"],
                        self.token(self.extracts),
                        self.token(self.texts) if rng.random() < 0.6 else "",
                        rng.choice(["case_consultation", "consent", "flemish_decree"]),
                        ts(sent, rng.randint(28_800, 61_200)),
                        status,
                        due,
                        self.token(self.texts) if status in ("refused", "dropped") else "",
                        ts(sent + datetime.timedelta(days=3)) if answered else None,
                        1,
                        None,
                        file.id,
                        rng.choice(file.team),
                        rng.randint(1, self.services),
                    )
                )
        copy_rows(
            self.cur,
            "cases_servicereferral",
            "uuid, fields, shared, message, legal_basis, sent_at, status, due_on, reason, "
            "answered_at, version, answered_by_id, file_id, sent_by_id, service_id",
            rows,
        )
        self.facts["service_referrals"] = len(rows)

    def referrals(self) -> None:
        """The intake: 60 % of files came from a referral (accepted, file set); 3,000 more
        wait for a decision at the first 600 organisations."""
        rng = self.rng
        users = list(self.user_org)
        rows = []

        def referral(person, org, received, status, file=None, decider=None):
            minor = person in self.minor
            rows.append(
                (
                    self.uuid(),
                    rng.choice(["organisation", "professional", "helpdesk"]),
                    self.token(self.texts) if rng.random() < 0.5 else "",
                    self.token(self.texts),
                    received,
                    rng.choices(["routine", "soon", "urgent"], [70, 25, 5])[0],
                    rng.choice(["aware", "not_aware", "unknown"]),
                    rng.choice(["given", "refused", "not_asked"]),
                    "consented" if minor else "",
                    "",
                    status,
                    "",
                    ts(received, 50_400) if decider else None,
                    ts(received, rng.randint(28_800, 43_200)),
                    1,
                    rng.choice(users),
                    decider,
                    file,
                    org,
                    person,
                    None,
                    rng.randint(1, self.org_max) if rng.random() < 0.7 else None,
                )
            )

        for file in self.files:
            if rng.random() < 0.6:
                received = file.opened_on - datetime.timedelta(days=rng.randint(0, 20))
                referral(
                    file.person, file.organisation, received, "accepted", file.id, file.team[0]
                )
        for _ in range(3_000):
            received = TODAY - datetime.timedelta(days=rng.randint(0, 45))
            referral(
                rng.randint(1, SCALE["persons"]), rng.choice(self.org_ids), received, "received"
            )
        copy_rows(
            self.cur,
            "cases_referral",
            "uuid, source, referrer_name, concern, received_on, urgency, awareness, consent, "
            "guardian, guardian_reason, status, decision_note, decided_at, created_at, version, "
            "created_by_id, decided_by_id, file_id, organisation_id, person_id, "
            "redirected_to_id, referrer_organisation_id",
            rows,
        )
        self.facts["referrals"] = len(rows)

    # --- the audit trail

    def audit(self) -> None:
        """20,000,000 events, 4.7 s apart over the last three years, in SQL. The file of
        event g is 1 + N * u**1.6 (u a hash of g): file 1 gets ~7,000 events, the median file
        ~100. Actors are the file's team (a user of another organisation for a refused
        attempt); 5 % are sign-ins, about no one."""
        cur = self.cur
        if cur.execute(f"SELECT to_regclass('pg_temp.{KEPT_EVENTS}') IS NOT NULL").fetchone()[0]:
            cur.execute(f"INSERT INTO audit_auditevent SELECT * FROM {KEPT_EVENTS}")  # clear()
        cur.execute(generate.PICK_FUNCTION)
        cur.execute(
            """
            CREATE TEMP TABLE bench_audit_file ON COMMIT DROP AS
            SELECT f.id AS n, p.uuid::text AS subject, f.organisation_id AS org,
                   array_agg(t.user_id ORDER BY t.id) AS actors,
                   array_agg(u.email ORDER BY t.id) AS emails
            FROM cases_casefile AS f
            JOIN cases_person AS p ON p.id = f.person_id
            JOIN cases_teammember AS t ON t.file_id = f.id
            JOIN accounts_user AS u ON u.id = t.user_id
            GROUP BY f.id, p.uuid, f.organisation_id
            """
        )
        cur.execute("ALTER TABLE bench_audit_file ADD PRIMARY KEY (n)")
        cur.execute(
            """
            CREATE TEMP TABLE bench_audit_user ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY id)::integer - 1 AS k, id, email,
                   organisation_id AS org
            FROM accounts_user WHERE email LIKE %s
            """,
            [f"{USER_PREFIX}%@{EMAIL_DOMAIN}"],
        )
        cur.execute("ALTER TABLE bench_audit_user ADD PRIMARY KEY (k)")
        users = cur.execute("SELECT count(*) FROM bench_audit_user").fetchone()[0]
        files, events = SCALE["files"], SCALE["audit_events"]
        seconds = AUDIT_YEARS * YEAR_DAYS * 86_400 / events
        cur.execute(
            f"""
            INSERT INTO audit_auditevent (at, actor_id, actor_label, organisation_id, action,
                                          target_type, target_id, subject, changes, reason,
                                          request_id, ip, via)
            SELECT now() - interval '{AUDIT_YEARS * YEAR_DAYS} days'
                   + g * {seconds} * interval '1 second',
                   CASE WHEN e.action = 'case.file.denied' THEN o.id ELSE e.actor END,
                   CASE WHEN e.action = 'case.file.denied' THEN o.email ELSE e.email END,
                   CASE WHEN e.action = 'case.file.denied' THEN o.org ELSE e.org END,
                   e.action, e.target_type,
                   CASE e.target_type
                       WHEN 'cases.casefile' THEN e.n::text
                       WHEN 'accounts.user' THEN e.actor::text
                       ELSE (1 + pg_temp.pick(g, 3, 1000000))::text END,
                   CASE WHEN e.action = 'user.logged_in' THEN '' ELSE e.subject END,
                   CASE e.action
                       WHEN 'case.file.updated' THEN '{{"phase": ["none", "during"]}}'::jsonb
                       ELSE '{{}}'::jsonb END,
                   CASE WHEN e.action = 'case.file.viewed' THEN 'case team' ELSE '' END,
                   md5(g::text || 'cases'), inet '10.0.0.0' + pg_temp.pick(g, 4, 65536),
                   CASE WHEN pg_temp.pick(g, 5, 10) = 0 THEN 'api' ELSE '' END
            FROM (
                SELECT g, f.n, f.subject, f.org,
                       f.actors[1 + pg_temp.pick(g, 6, cardinality(f.actors))] AS actor,
                       f.emails[1 + pg_temp.pick(g, 6, cardinality(f.actors))] AS email,
                       kinds.action, kinds.target_type
                FROM generate_series(1, {events}) AS g
                CROSS JOIN LATERAL (
                    SELECT 1 + floor({files} * power(
                        pg_temp.pick(g, 1, 2147483647)::float8 / 2147483647, {AUDIT_SKEW}
                    ))::integer AS n,
                    pg_temp.pick(g, 2, 1000) AS b
                ) AS r
                JOIN bench_audit_file AS f ON f.n = least(r.n, {files})
                CROSS JOIN LATERAL (
                    SELECT CASE
                        WHEN b < 350 THEN 'case.file.listed' WHEN b < 650 THEN 'case.file.viewed'
                        WHEN b < 700 THEN 'case.timeline.viewed'
                        WHEN b < 760 THEN 'case.journal.created'
                        WHEN b < 800 THEN 'case.journal.viewed'
                        WHEN b < 820 THEN 'case.journal.updated'
                        WHEN b < 845 THEN 'case.evaluation.viewed'
                        WHEN b < 855 THEN 'case.evaluation.signed'
                        WHEN b < 880 THEN 'case.plan.viewed' WHEN b < 890 THEN 'case.plan.saved'
                        WHEN b < 895 THEN 'case.plan.approved'
                        WHEN b < 910 THEN 'case.file.updated'
                        WHEN b < 920 THEN 'case.shared.viewed'
                        WHEN b < 930 THEN 'case.service_referral.sent'
                        WHEN b < 935 THEN 'case.contribution.shared'
                        WHEN b < 940 THEN 'case.file.denied'
                        WHEN b < 990 THEN 'user.logged_in'
                        ELSE 'case.referral.viewed' END AS action,
                           CASE
                        WHEN b < 350 THEN 'cases.casefile' WHEN b < 700 THEN 'cases.casefile'
                        WHEN b < 820 THEN 'cases.journalentry'
                        WHEN b < 855 THEN 'cases.evaluation'
                        WHEN b < 895 THEN 'cases.guidanceplan'
                        WHEN b < 920 THEN 'cases.casefile'
                        WHEN b < 930 THEN 'cases.servicereferral'
                        WHEN b < 935 THEN 'cases.contribution'
                        WHEN b < 940 THEN 'cases.casefile'
                        WHEN b < 990 THEN 'accounts.user'
                        ELSE 'cases.referral' END AS target_type
                ) AS kinds
            ) AS e
            JOIN bench_audit_user AS o ON o.k = pg_temp.pick(e.g, 7, {users})
            """
        )

    # --- facts for cases_run.py

    def choose(self) -> None:
        """The busy referral officer (closest to 200 files), their file with 20 journal
        entries and an approved plan, a surname they can search, the person with the most
        audit events and the DPO of that file's organisation."""
        files_of_user: dict[int, list[File]] = defaultdict(list)
        for file in self.files:
            for user in file.team:
                files_of_user[user].append(file)
        officers = [u for u, role in self.user_role.items() if role == "referral_officer"]
        busy = min(officers, key=lambda u: (abs(len(files_of_user[u]) - 200), u))
        mine = files_of_user[busy]
        target = min(
            mine,
            key=lambda f: (abs(f.journal - 20), not f.approved_plan, f.status != "open", -f.id),
        )
        top = self.files[0]  # file 1: the most audit events
        self.facts.update(
            officer=self.emails[busy],
            officer_files=len(mine),
            file=str(
                self.cur.execute(
                    "SELECT uuid FROM cases_casefile WHERE id = %s", [target.id]
                ).fetchone()[0]
            ),
            file_journal=target.journal,
            search_word=SURNAMES[0].lower(),
            person=str(
                self.cur.execute(
                    "SELECT uuid FROM cases_person WHERE id = %s", [top.person]
                ).fetchone()[0]
            ),
            dpo=self.emails[self.dpo_of[top.organisation]],
            dpo_organisation=top.organisation,
        )

    def run(self, step) -> dict:
        step("encrypted text pools", self.encrypt_pools)
        step("organisations", self.organisations)
        step("users", self.users)
        step("persons and files", self.persons_and_files)
        step("journal entries", self.journal)
        step("evaluations", self.evaluations)
        step("plans and goals", self.plans)
        step("conditions", self.conditions)
        step("contributions", self.contributions)
        step("service referrals", self.service_referrals)
        step("referrals (intake)", self.referrals)
        step(
            "audit events",
            lambda: generate.without_secondary_indexes(self.cur, "audit_auditevent", self.audit),
        )
        step("facts", self.choose)
        return self.facts


CASES_TABLES = [
    "cases_person",
    "cases_handlecounter",
    "cases_referral",
    "cases_casefile",
    "cases_teammember",
    "cases_journalentry",
    "cases_evaluation",
    "cases_guidanceplan",
    "cases_goal",
    "cases_condition",
    "cases_conditioncheck",
    "cases_contribution",
    "cases_contribution_recipients",
    "cases_servicereferral",
]


KEPT_EVENTS = "bench_kept_events"


def clear(cur: psycopg.Cursor) -> None:
    """Remove a previous Cases load: the module's tables, the bench users and their audit
    events. The table is append-only: the other events are kept aside in KEPT_EVENTS and
    the table emptied (faster than deleting 20 million rows); Load.audit() puts them back
    with the new events, before the indexes are built again."""
    cur.execute("TRUNCATE " + ", ".join(CASES_TABLES) + " RESTART IDENTITY CASCADE")
    pattern = f"{USER_PREFIX}%@{EMAIL_DOMAIN}"
    bench_users = "SELECT id FROM accounts_user WHERE email LIKE %s"
    cases_events = cur.execute(
        "SELECT EXISTS (SELECT 1 FROM audit_auditevent WHERE subject <> '' "
        "OR target_type LIKE 'cases.%')"
    ).fetchone()[0]
    if cases_events:
        cur.execute(
            f"CREATE TEMP TABLE {KEPT_EVENTS} ON COMMIT DROP AS SELECT * FROM audit_auditevent "
            "WHERE subject = '' AND target_type NOT LIKE 'cases.%%' "
            f"AND (actor_id IS NULL OR actor_id NOT IN ({bench_users}))",
            [pattern],
        )
        cur.execute("TRUNCATE audit_auditevent")
    for table, column in (
        ("usersessions_usersession", "user_id"),
        ("accounts_apitoken", "user_id"),
        ("mfa_authenticator", "user_id"),
        ("accounts_user_groups", "user_id"),
        ("account_emailaddress", "user_id"),
    ):
        cur.execute(f"DELETE FROM {table} WHERE {column} IN ({bench_users})", [pattern])
    cur.execute("DELETE FROM accounts_user WHERE email LIKE %s", [pattern])


# --- Entry points -------------------------------------------------------------------------------


def bench_key(url: str) -> str:
    """The FIELD_ENCRYPTION_KEY the bench's app server gets."""
    return app_environment(url, "")["FIELD_ENCRYPTION_KEY"]


def ensure_marker(conn: psycopg.Connection) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER} (generated_at timestamptz NOT NULL, "
        "seconds real NOT NULL, scale jsonb NOT NULL, base_generated_at timestamptz NOT NULL, "
        "facts jsonb NOT NULL)"
    )


def schema(conn: psycopg.Connection) -> list[str]:
    """The Cases and audit migrations applied: a load is redone when they change (a field
    the app now encrypts, a new column)."""
    rows = conn.execute(
        "SELECT app || '.' || name FROM django_migrations WHERE app IN ('cases', 'audit') "
        "ORDER BY app, name"
    ).fetchall()
    return [row[0] for row in rows]


def loaded_facts(conn: psycopg.Connection) -> dict | None:
    """The facts of a complete load of this SCALE on the current generate.py load and
    schema, if any."""
    if not conn.execute(f"SELECT to_regclass('{MARKER}') IS NOT NULL").fetchone()[0]:
        return None
    row = conn.execute(
        f"SELECT m.scale, m.facts FROM {MARKER} AS m "
        "JOIN bench_generation AS b ON b.generated_at = m.base_generated_at"
    ).fetchone()
    if row is None or row[0] != SCALE or row[1].get("migrations") != schema(conn):
        return None
    return row[1]


def load_cases(force: bool = False, rehearse: bool = False) -> dict:
    """Load the base data if missing, then the Cases data unless a complete load of SCALE on
    that base is recorded. Returns the facts cases_run.py needs."""
    url = generate.database_url()
    os.environ["FIELD_ENCRYPTION_KEY"] = bench_key(url)
    started = time.perf_counter()
    generate.generate()  # migrates; loads the Network and plans data only when missing
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.db import connection, transaction

    if os.environ["FIELD_ENCRYPTION_KEY"] != settings.FIELD_ENCRYPTION_KEY:
        raise RuntimeError("Django did not pick up the bench's FIELD_ENCRYPTION_KEY")
    settings.DEBUG = False
    with psycopg.connect(url, autocommit=True) as conn:
        ensure_marker(conn)
        facts = loaded_facts(conn)
        if facts is not None and not force:
            print("cases bench data already loaded; use --force to load it again")
            return facts
        print("loading the cases bench data:", json.dumps(SCALE), flush=True)
        started = time.perf_counter()
        with transaction.atomic(), psycopg.Cursor(connection.connection) as cur:
            cur.execute("SET LOCAL synchronous_commit = off")
            cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cur.execute("SET LOCAL work_mem = '256MB'")
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cur.execute(f"DELETE FROM {MARKER}")
            generate.step("previous load removed", lambda: clear(cur))
            facts = Load(cur, make_password(generate.USER_PASSWORD)).run(generate.step)
            for table in CASES_TABLES:
                if table != "cases_contribution_recipients":
                    generate.reset_identity(cur, table)
            generate.reset_identity(cur, "audit_auditevent", "cases_contribution_recipients")
            if rehearse:
                raise Rehearsal(f"rehearsal rolled back; facts: {json.dumps(facts)}")
        facts["migrations"] = schema(conn)
        tables = ", ".join([*CASES_TABLES, "accounts_user", "audit_auditevent"])
        generate.step("vacuum analyze", lambda: conn.execute(f"VACUUM ANALYZE {tables}"))
        seconds = time.perf_counter() - started
        conn.execute(
            f"INSERT INTO {MARKER} SELECT now(), %s, %s, generated_at, %s FROM bench_generation",
            [seconds, Jsonb(SCALE), Jsonb(facts)],
        )
    print(f"cases bench data loaded in {seconds:.0f} s")
    return facts


class Rehearsal(Exception):
    """Raised at the end of a --rehearse load to roll it back."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="load again even if present")
    parser.add_argument(
        "--rehearse",
        action="store_true",
        help="load 1 %% of the volumes and roll back: checks the loader in a minute",
    )
    args = parser.parse_args()
    if args.rehearse:
        SCALE.update(organisations=60, users=300, persons=1_000, files=1_500)
        SCALE.update(journal_entries=30_000, audit_events=200_000)
        try:
            load_cases(force=True, rehearse=True)
        except Rehearsal as done:
            print(done)
        return
    load_cases(force=args.force)


if __name__ == "__main__":
    main()
