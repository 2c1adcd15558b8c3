"""Generate synthetic Synergie data at scale on a dedicated PostgreSQL database.

Creates the database if it is missing, migrates it, then loads in one transaction:

- the Network module at national scale (bench/directory_data.py, through the app's models and
  bulk_create, search_text and facets from the models' refresh_search_text()): 20,000
  organisations, 50,000 services, 100,000 posts over 8 kinds (~85 % held) with their holders'
  tenures, 95,000 professionals, 6 coverage rules and their gaps, open ones as
  network.coverage.evaluate finds them and closed ones as history;
- the action-plan monitor, with set-based SQL (INSERT … SELECT generate_series): 200 plans of
  5 lines, 14 actions and 250 measures each (50,000 measures), their actors (over all 20,000
  organisations), ministers and budget lines, 10 reporting rounds per plan with one progress
  update per measure and round (500,000), and 5 million audit events.

Rows follow the models: titles are {"nl", "fr", "de", "en"} objects, search_text is the
lower-cased blob of i18n.search_blob, the reporting organisation follows the README's rule and
current_status / current_progress are those of the last published update.

Values are pseudo-random but reproducible: every SQL choice is a hash of a row number and a
salt (pg_temp.pick), the directory's a seeded random.Random. A marker row in bench_generation
records a complete load; re-running skips when it is there with the same SCALE, and otherwise
truncates and loads again (--force always does).

    .venv/bin/python bench/generate.py [--force]

The database is BENCH_DATABASE_URL, by default postgres://postgres@127.0.0.1:5432/synergie_bench.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.types.json import Jsonb

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/synergie_bench"

SCALE = {
    "network_version": 2,  # bump when directory_data.py changes what it loads
    "organisations": 20_000,
    "services": 50_000,
    "posts": 100_000,
    "professionals": 95_000,
    "coverage_rules": 6,
    "plans": 200,
    "lines_per_plan": 5,
    "actions_per_plan": 14,
    "measures_per_plan": 250,
    "ministers": 20,
    "rounds_per_plan": 10,
    "audit_events": 5_000_000,
}
ITEMS_PER_PLAN = SCALE["lines_per_plan"] + SCALE["actions_per_plan"] + SCALE["measures_per_plan"]
COORDINATOR_EMAIL = "coordinator@bench.invalid"
COORDINATOR_ORGANISATION = 1  # the owner of bench-plan-001 (a federal department)
CONTACT_EMAIL = "contact@bench.invalid"
CONTACT_ORGANISATION = 2
USER_PASSWORD = "bench-password-not-secret"

LANGUAGES = ("nl", "fr", "de", "en")
# Measure titles are "<subject> <topic>" in each language.
SUBJECTS = {
    "nl": [
        "Vorming voor",
        "Een netwerk van",
        "Coaching voor",
        "Begeleiding voor",
        "Een sensibiliseringscampagne voor",
        "Een expertisecentrum voor",
        "Een hulplijn voor",
        "Een proefproject met",
    ],
    "fr": [
        "Formation pour les",
        "Un réseau de",
        "Coaching pour les",
        "Accompagnement des",
        "Une campagne de sensibilisation pour les",
        "Un centre d'expertise pour les",
        "Une ligne d'aide pour les",
        "Un projet pilote avec les",
    ],
    "de": [
        "Fortbildung für",
        "Ein Netzwerk für",
        "Coaching für",
        "Begleitung für",
        "Eine Sensibilisierungskampagne für",
        "Ein Kompetenzzentrum für",
        "Eine Hotline für",
        "Ein Pilotprojekt mit",
    ],
    "en": [
        "Training for",
        "A network of",
        "Coaching for",
        "Guidance for",
        "An awareness campaign for",
        "An expertise centre for",
        "A helpline for",
        "A pilot project with",
    ],
}
TOPICS = {
    "nl": [
        "leerkrachten",
        "jeugdwerkers",
        "lokale besturen",
        "gevangenispersoneel",
        "politieagenten",
        "ouders",
        "geloofsgemeenschappen",
        "sportclubs",
        "maatschappelijk werkers",
        "online moderatoren",
    ],
    "fr": [
        "enseignants",
        "animateurs de jeunesse",
        "pouvoirs locaux",
        "agents pénitentiaires",
        "policiers",
        "parents",
        "communautés religieuses",
        "clubs sportifs",
        "travailleurs sociaux",
        "modérateurs en ligne",
    ],
    "de": [
        "Lehrkräfte",
        "Jugendarbeiter",
        "Kommunalverwaltungen",
        "Gefängnispersonal",
        "Polizeibeamte",
        "Eltern",
        "Religionsgemeinschaften",
        "Sportvereine",
        "Sozialarbeiter",
        "Online-Moderatoren",
    ],
    "en": [
        "teachers",
        "youth workers",
        "local authorities",
        "prison staff",
        "police officers",
        "parents",
        "religious communities",
        "sports clubs",
        "social workers",
        "online moderators",
    ],
}
SUMMARY_TAIL = {
    "nl": "De partners bouwen het aanbod samen uit, rapporteren twee keer per jaar over de "
    "voortgang en delen wat werkt met de andere gemeenten van de regio.",
    "fr": "Les partenaires construisent l'offre ensemble, rendent compte de l'avancement deux "
    "fois par an et partagent ce qui fonctionne avec les autres communes de la région.",
    "de": "Die Partner bauen das Angebot gemeinsam auf, berichten zweimal im Jahr über den "
    "Fortschritt und teilen bewährte Ansätze mit den anderen Gemeinden der Region.",
    "en": "The partners build the offer together, report on progress twice a year and share "
    "what works with the other municipalities of the region.",
}
LINE_WORD = {
    "nl": "Beleidslijn",
    "fr": "Ligne politique",
    "de": "Politiklinie",
    "en": "Policy line",
}
ACTION_WORD = {"nl": "Actie", "fr": "Action", "de": "Aktion", "en": "Action"}
PLAN_WORD = {
    "nl": "Actieplan radicalisering en polarisering",
    "fr": "Plan d'action radicalisation et polarisation",
    "de": "Aktionsplan Radikalisierung und Polarisierung",
    "en": "Action plan on radicalisation and polarisation",
}
MINISTER_WORD = {
    "nl": "Minister van",
    "fr": "Ministre de",
    "de": "Minister für",
    "en": "Minister for",
}
PORTFOLIOS = {
    "nl": ["Welzijn", "Onderwijs", "Binnenlands Bestuur", "Justitie", "Jeugd"],
    "fr": ["Bien-être", "Enseignement", "Pouvoirs locaux", "Justice", "Jeunesse"],
    "de": ["Soziales", "Unterricht", "Lokalverwaltung", "Justiz", "Jugend"],
    "en": ["Welfare", "Education", "Local Government", "Justice", "Youth"],
}
NARRATIVES = [
    "The team met the partners and agreed on a shared planning for the coming months.",
    "Two training sessions took place; participants asked for a follow-up module.",
    "Recruitment of the project staff took longer than foreseen, which delayed the start.",
    "The working group finished the guide and sent it to the municipalities for comments.",
    "Cooperation with the local police improved after a joint case discussion.",
    "The pilot reached more young people than expected; the approach will be extended.",
]


def database_url() -> str:
    """The bench database URL: BENCH_DATABASE_URL or the local default."""
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)


def ensure_database(url: str) -> None:
    """Create the database named in url if the server does not have it yet."""
    params = conninfo_to_dict(make_conninfo(url))
    name = params["dbname"]
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def prepare_schema(url: str) -> str:
    """Migrate the database, create the cache table and the role groups; return the bench
    users' password hash, made by Django's own hasher."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from accounts.roles import sync_role_groups

    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    sync_role_groups()
    return make_password(USER_PASSWORD)


def is_generated(conn: psycopg.Connection) -> bool:
    """True when a complete load of the current SCALE is recorded in the database."""
    exists = conn.execute("SELECT to_regclass('bench_generation') IS NOT NULL").fetchone()[0]
    if not exists:
        return False
    row = conn.execute("SELECT scale FROM bench_generation").fetchone()
    return row is not None and row[0] == SCALE


def tree_template() -> list[tuple]:
    """One plan's items in depth-first order: (local_no, kind, code, parent_local_no, number).

    Action a belongs to line a*5//14 and measure m to action m*14//250; measures are
    numbered per line ("3.17"), as in the Flemish plan. local_no is also the position.
    """
    lines, actions, measures = (
        SCALE["lines_per_plan"],
        SCALE["actions_per_plan"],
        SCALE["measures_per_plan"],
    )
    rows: list[tuple] = []
    for line in range(lines):
        line_no = len(rows) + 1
        rows.append((line_no, "line", f"L{line + 1}", None, line + 1))
        measure_in_line = 0
        for action in (a for a in range(actions) if a * lines // actions == line):
            action_no = len(rows) + 1
            rows.append((action_no, "action", f"A{action + 1}", line_no, action + 1))
            for _measure in (m for m in range(measures) if m * actions // measures == action):
                measure_in_line += 1
                code = f"{line + 1}.{measure_in_line}"
                rows.append((len(rows) + 1, "measure", code, action_no, measure_in_line))
    return rows


def json_by_language(expression: str) -> str:
    """SQL for jsonb_build_object('nl', …, 'fr', …, 'de', …, 'en', …), where expression
    is formatted with lang, e.g. "%(topic_{lang})s"."""
    pairs = ", ".join(f"'{lang}', {expression.format(lang=lang)}" for lang in LANGUAGES)
    return f"jsonb_build_object({pairs})"


def search_blob(*parts: str) -> str:
    """SQL for i18n.search_blob: every language of each {lang: text} column (and plain text
    columns given as "=column"), space-separated, lower-cased, empty parts left out."""
    texts = []
    for part in parts:
        if part.startswith("="):
            texts.append(part[1:])
        else:
            texts += [f"{part} ->> '{lang}'" for lang in LANGUAGES]
    return f"lower(concat_ws(' ', {', '.join(texts)}))"


def words() -> dict[str, str | list[str]]:
    """The vocabulary, as query parameters (lists go to PostgreSQL as text[])."""
    params: dict[str, str | list[str]] = {
        "narratives": NARRATIVES,
    }
    for lang in LANGUAGES:
        params[f"subject_{lang}"] = SUBJECTS[lang]
        params[f"topic_{lang}"] = TOPICS[lang]
        params[f"portfolio_{lang}"] = PORTFOLIOS[lang]
        params[f"summary_{lang}"] = SUMMARY_TAIL[lang]
        params[f"line_{lang}"] = LINE_WORD[lang]
        params[f"action_{lang}"] = ACTION_WORD[lang]
        params[f"plan_{lang}"] = PLAN_WORD[lang]
        params[f"minister_{lang}"] = MINISTER_WORD[lang]
    return params


PICK_FUNCTION = """
CREATE OR REPLACE FUNCTION pg_temp.pick(seed bigint, salt integer, n integer) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT ((hashint8(seed * 7919 + salt) & 2147483647) % n)::integer $$
"""


def load_users(cur: psycopg.Cursor, password_hash: str) -> tuple[int, int]:
    """A coordinator of the owner of plan 1 and a contact point; ids of both."""
    ids = []
    for email, full_name, organisation, role in (
        (COORDINATOR_EMAIL, "Bench Coordinator", COORDINATOR_ORGANISATION, "plan_coordinator"),
        (CONTACT_EMAIL, "Bench Contact Point", CONTACT_ORGANISATION, "contact_point"),
    ):
        user_id = cur.execute(
            """
            INSERT INTO accounts_user (password, is_superuser, is_staff, is_active, date_joined,
                                       email, full_name, language, organisation_id)
            VALUES (%s, false, false, true, now(), %s, %s, '', %s) RETURNING id
            """,
            [password_hash, email, full_name, organisation],
        ).fetchone()[0]
        cur.execute(
            "INSERT INTO accounts_user_groups (user_id, group_id) "
            "SELECT %s, id FROM auth_group WHERE name = %s",
            [user_id, role],
        )
        ids.append(user_id)
    return ids[0], ids[1]


def load_ministers(cur: psycopg.Cursor) -> None:
    """20 ministers over five portfolios."""
    title = json_by_language(
        "%(minister_{lang})s || ' ' || (%(portfolio_{lang})s::text[])[1 + mod(n, 5)] || ' ' || n"
    )
    cur.execute(
        f"""
        INSERT INTO plans_minister (id, key, title, as_written)
        SELECT n, 'bench-minister-' || lpad(n::text, 2, '0'), t, t ->> 'en'
        FROM generate_series(1, {SCALE["ministers"]}) AS n, LATERAL (SELECT {title} AS t) AS x
        """,
        words(),
    )


def load_plans(cur: psycopg.Cursor) -> None:
    """Plans owned by organisations 1…200; every 20th is a draft and every 20th closed."""
    title = json_by_language("%(plan_{lang})s || ' ' || p")
    summary = json_by_language("%(summary_{lang})s::text")
    cur.execute(
        f"""
        INSERT INTO plans_plan (id, slug, owner_id, title, summary, period_start, period_end,
                                status, created_at, updated_at)
        SELECT p, 'bench-plan-' || lpad(p::text, 3, '0'), p, {title}, {summary},
               2016 + mod(p, 5), 2020 + mod(p, 5),
               CASE mod(p, 20) WHEN 0 THEN 'draft' WHEN 10 THEN 'closed' ELSE 'adopted' END,
               make_timestamptz(2016 + mod(p, 5), 1, 15, 9, 0, 0), now()
        FROM generate_series(1, {SCALE["plans"]}) AS p
        """,
        words(),
    )


def load_items(cur: psycopg.Cursor) -> None:
    """Every plan gets the same tree; ids are (plan - 1) * 269 + local number."""
    cur.execute(
        "CREATE TEMP TABLE bench_tree (local_no int, kind text, code text, parent_no int, "
        "number int) ON COMMIT DROP"
    )
    cur.executemany("INSERT INTO bench_tree VALUES (%s, %s, %s, %s, %s)", tree_template())
    subject = "(%(subject_{lang})s::text[])[1 + pick_subject]"
    topic = "(%(topic_{lang})s::text[])[1 + pick_topic]"
    title = json_by_language(
        f"""CASE t.kind
            WHEN 'line' THEN %(line_{{lang}})s || ' ' || t.number || ' — ' || {topic}
            WHEN 'action' THEN %(action_{{lang}})s || ' ' || t.number || ' — ' || {topic}
            ELSE {subject} || ' ' || {topic} END"""
    )
    summary = json_by_language(
        f"""CASE t.kind WHEN 'measure' THEN
            {subject} || ' ' || {topic} || ' (' || t.code || '). ' || %(summary_{{lang}})s END"""
    )
    cur.execute(
        f"""
        INSERT INTO plans_planitem (id, plan_id, parent_id, kind, code, position, title, summary,
                                    measure_type, budget_text, current_status, current_progress,
                                    search_text, version)
        SELECT id, plan_id, parent_id, kind, code, position, title,
               jsonb_strip_nulls(summary), measure_type, '', 'not_started', 0,
               {search_blob("=code", "title", "summary")}, 1
        FROM (
            SELECT (p.id - 1) * {ITEMS_PER_PLAN} + t.local_no AS id, p.id AS plan_id,
                   (p.id - 1) * {ITEMS_PER_PLAN} + t.parent_no AS parent_id, t.kind, t.code,
                   t.local_no AS position, {title} AS title, {summary} AS summary,
                   CASE WHEN t.kind = 'measure' THEN (ARRAY['B', 'V', 'N'])[1 + pick_type]
                        ELSE '' END AS measure_type
            FROM plans_plan AS p
            CROSS JOIN bench_tree AS t
            CROSS JOIN LATERAL (
                SELECT pg_temp.pick(p.id * 1000 + t.local_no, 2, 3) AS pick_type,
                       pg_temp.pick(p.id * 1000 + t.local_no, 3, 8) AS pick_subject,
                       pg_temp.pick(p.id * 1000 + t.local_no, 4, 10) AS pick_topic
            ) AS picks
        ) AS items
        """,
        words(),
    )


def load_actors(cur: psycopg.Cursor) -> None:
    """1–5 distinct organisations per measure; the first coordinates (70 %) or is a partner."""
    cur.execute(
        f"""
        INSERT INTO plans_measureactor (item_id, organisation_id, role, as_written, position)
        SELECT i.id, o.id, r.role,
               COALESCE(NULLIF(o.abbreviation, ''), o.name ->> 'nl', o.name ->> 'fr', o.key)
               || CASE r.role WHEN 'coordination' THEN ' (coordination)'
                                             WHEN 'beneficiary' THEN ' (beneficiary)'
                                             ELSE '' END,
               k
        FROM plans_planitem AS i
        CROSS JOIN LATERAL generate_series(0, pg_temp.pick(i.id, 10, 5)) AS k
        JOIN network_organisation AS o
          ON o.id = 1 + mod(pg_temp.pick(i.id, 11, {SCALE["organisations"]}) + k * 613,
                            {SCALE["organisations"]})
        CROSS JOIN LATERAL (
            SELECT CASE WHEN k > 0
                        THEN (ARRAY['partner', 'funder', 'beneficiary'])
                             [1 + pg_temp.pick(i.id, 12 + k, 3)]
                        WHEN pg_temp.pick(i.id, 12, 10) < 7 THEN 'coordination'
                        ELSE 'partner' END AS role
        ) AS r
        WHERE i.kind = 'measure'
        """
    )


def load_measure_ministers(cur: psycopg.Cursor) -> None:
    """1–3 distinct ministers per measure."""
    count = SCALE["ministers"]
    cur.execute(
        f"""
        INSERT INTO plans_measureminister (item_id, minister_id, position)
        SELECT i.id, 1 + mod(pg_temp.pick(i.id, 20, {count}) + k * 7, {count}), k
        FROM plans_planitem AS i
        CROSS JOIN LATERAL generate_series(0, pg_temp.pick(i.id, 21, 3)) AS k
        WHERE i.kind = 'measure'
        """
    )


def load_budget_lines(cur: psycopg.Cursor) -> None:
    """1–3 lines per measure: mostly amounts (one-off, per year or per dossier) in the plan's
    period, sometimes "within the regular resources" or "to be determined"."""
    cur.execute(
        """
        INSERT INTO plans_budgetline (item_id, position, mode, amount, currency, periodicity,
                                      period_start, period_end, source, fte, label,
                                      original_text)
        SELECT item_id, k, mode, amount, 'EUR', periodicity,
               CASE WHEN mode = 'amount' THEN first_year END,
               CASE WHEN mode = 'amount' THEN last_year END,
               source, fte, label,
               CASE mode
                   WHEN 'regular_resources' THEN 'within the regular resources'
                   WHEN 'to_be_determined' THEN 'to be determined'
                   ELSE to_char(amount, 'FM999,999,999') || ' € ('
                        || CASE periodicity WHEN 'per_year' THEN 'annually, '
                                            WHEN 'per_dossier' THEN 'per dossier, '
                                            ELSE '' END
                        || first_year
                        || CASE WHEN last_year > first_year THEN '-' || last_year ELSE '' END
                        || ')'
               END
        FROM (
            SELECT i.id AS item_id, k,
                   CASE pg_temp.pick(seed, 30, 10) WHEN 0 THEN 'regular_resources'
                                                   WHEN 1 THEN 'to_be_determined'
                                                   ELSE 'amount' END AS mode,
                   CASE WHEN pg_temp.pick(seed, 30, 10) > 1
                        THEN (1 + pg_temp.pick(seed, 31, 500)) * 1000.00 END AS amount,
                   periodicity, first_year,
                   CASE WHEN periodicity = 'per_year'
                        THEN least(p.period_end, first_year + pg_temp.pick(seed, 33, 4))
                        ELSE first_year END AS last_year,
                   (ARRAY['', '', 'Flemish Government', 'ESF', 'Federal'])
                       [1 + pg_temp.pick(seed, 34, 5)] AS source,
                   CASE WHEN pg_temp.pick(seed, 35, 5) = 0
                        THEN 0.5 * (1 + pg_temp.pick(seed, 36, 4)) END AS fte,
                   (ARRAY['', '', 'Operating costs', 'Staff'])
                       [1 + pg_temp.pick(seed, 37, 4)] AS label
            FROM plans_planitem AS i
            JOIN plans_plan AS p ON p.id = i.plan_id
            CROSS JOIN LATERAL generate_series(0, pg_temp.pick(i.id, 38, 3)) AS k
            CROSS JOIN LATERAL (SELECT i.id * 4 + k AS seed) AS s
            CROSS JOIN LATERAL (
                SELECT CASE WHEN pg_temp.pick(seed, 39, 10) < 4 THEN 'per_year'
                            WHEN pg_temp.pick(seed, 39, 10) < 9 THEN 'one_off'
                            ELSE 'per_dossier' END AS periodicity,
                       p.period_start + pg_temp.pick(seed, 32, 4) AS first_year
            ) AS choice
            WHERE i.kind = 'measure'
        ) AS lines
        """
    )


def load_rounds(cur: psycopg.Cursor, coordinator_id: int) -> None:
    """Ten half-yearly rounds per plan from its first year; the last one is still open."""
    rounds = SCALE["rounds_per_plan"]
    cur.execute(
        f"""
        INSERT INTO plans_reportinground (id, plan_id, name, period, deadline, status, opened_at,
                                          closed_at, opened_by_id)
        SELECT (p.id - 1) * {rounds} + r, p.id, 'Progress report ' || period, period,
               (opened_at + interval '30 days')::date,
               CASE WHEN r = {rounds} THEN 'open' ELSE 'closed' END, opened_at,
               CASE WHEN r < {rounds} THEN opened_at + interval '45 days' END, %s
        FROM plans_plan AS p
        CROSS JOIN generate_series(1, {rounds}) AS r
        CROSS JOIN LATERAL (
            SELECT (p.period_start + (r - 1) / 2) || '-H' || (1 + mod(r - 1, 2)) AS period,
                   make_timestamptz(p.period_start + (r - 1) / 2, 6 * (1 + mod(r - 1, 2)), 15,
                                    9, 0, 0) AS opened_at
        ) AS x
        """,
        [coordinator_id],
    )


def load_updates(cur: psycopg.Cursor, coordinator_id: int, contact_id: int) -> None:
    """One update per measure and round. Closed rounds: 98 % published, the rest submitted;
    the open round: 40 % published, 30 % submitted, 20 % draft, 10 % changes requested.
    Progress grows by 4–12 points a round; 1 % of measures are cancelled from round 3 and
    8 % are delayed while unfinished."""
    rounds = SCALE["rounds_per_plan"]
    cur.execute(
        f"""
        INSERT INTO plans_progressupdate (round_id, item_id, state, status, percent, narrative,
                                          evidence_links, indicator_values, submitted_by_id,
                                          submitted_at, reviewed_by_id, review_comment,
                                          published_at, version)
        SELECT round_id, item_id, state,
               CASE WHEN pg_temp.pick(item_id, 40, 100) = 0 AND n >= 3 THEN 'cancelled'
                    WHEN percent = 0 THEN 'not_started'
                    WHEN percent = 100 THEN 'completed'
                    WHEN pg_temp.pick(item_id, 41, 100) < 8 THEN 'delayed'
                    ELSE 'in_progress' END,
               percent,
               'Round ' || n || ': ' || (%(narratives)s::text[])[1 + pg_temp.pick(seed, 42, 6)]
               || ' ' || (%(narratives)s::text[])[1 + pg_temp.pick(seed, 43, 6)],
               CASE WHEN pg_temp.pick(seed, 44, 10) < 3
                    THEN 'https://evidence.example.org/' || item_id || '/' || n ELSE '' END,
               '{{}}',
               CASE WHEN state <> 'draft' THEN %(contact)s::bigint END,
               CASE WHEN state <> 'draft'
                    THEN opened_at + (1 + pg_temp.pick(seed, 45, 25)) * interval '1 day' END,
               CASE WHEN state IN ('published', 'changes_requested')
                    THEN %(coordinator)s::bigint END,
               CASE WHEN state = 'changes_requested'
                    THEN 'Please add the figures of this period.' ELSE '' END,
               CASE WHEN state = 'published'
                    THEN opened_at + (28 + pg_temp.pick(seed, 46, 10)) * interval '1 day' END,
               CASE state WHEN 'draft' THEN 1 WHEN 'submitted' THEN 2 ELSE 3 END
        FROM (
            SELECT r.id AS round_id, i.id AS item_id, r.opened_at, n, i.id * 16 + n AS seed,
                   least(100, n * (4 + pg_temp.pick(i.id, 47, 9))) AS percent,
                   CASE WHEN n < {rounds} THEN
                            CASE WHEN pg_temp.pick(i.id * 16 + n, 48, 100) < 98 THEN 'published'
                                 ELSE 'submitted' END
                        ELSE
                            CASE WHEN pg_temp.pick(i.id, 49, 10) < 4 THEN 'published'
                                 WHEN pg_temp.pick(i.id, 49, 10) < 7 THEN 'submitted'
                                 WHEN pg_temp.pick(i.id, 49, 10) < 9 THEN 'draft'
                                 ELSE 'changes_requested' END
                   END AS state
            FROM plans_reportinground AS r
            CROSS JOIN LATERAL (SELECT r.id - (r.plan_id - 1) * {rounds} AS n) AS numbered
            JOIN plans_planitem AS i ON i.plan_id = r.plan_id AND i.kind = 'measure'
        ) AS updates
        """,
        {"narratives": NARRATIVES, "contact": contact_id, "coordinator": coordinator_id},
    )


def denormalise_measures(cur: psycopg.Cursor) -> None:
    """What services keep on each measure: the last published update's status and progress
    (version counts the publications), the reporting organisation (first coordinating actor,
    else first actor that is not a beneficiary) and the budget as written."""
    cur.execute(
        """
        WITH last_published AS (
            SELECT DISTINCT ON (u.item_id) u.item_id, u.status, u.percent
            FROM plans_progressupdate AS u
            JOIN plans_reportinground AS r ON r.id = u.round_id
            WHERE u.state = 'published'
            ORDER BY u.item_id, r.opened_at DESC
        ), publications AS (
            SELECT item_id, count(*) AS n FROM plans_progressupdate
            WHERE state = 'published' GROUP BY item_id
        ), reporting AS (
            SELECT DISTINCT ON (item_id) item_id, organisation_id
            FROM plans_measureactor
            WHERE role <> 'beneficiary'
            ORDER BY item_id, role = 'coordination' DESC, position
        ), budget AS (
            SELECT item_id, string_agg(original_text, '; ' ORDER BY position) AS text
            FROM plans_budgetline GROUP BY item_id
        )
        UPDATE plans_planitem AS i
        SET current_status = COALESCE(l.status, 'not_started'),
            current_progress = COALESCE(l.percent, 0),
            version = 1 + COALESCE(p.n, 0),
            reporting_organisation_id = rep.organisation_id,
            budget_text = COALESCE(b.text, '')
        FROM plans_planitem AS m
        LEFT JOIN last_published AS l ON l.item_id = m.id
        LEFT JOIN publications AS p ON p.item_id = m.id
        LEFT JOIN reporting AS rep ON rep.item_id = m.id
        LEFT JOIN budget AS b ON b.item_id = m.id
        WHERE m.kind = 'measure' AND i.id = m.id
        """
    )


def load_audit_events(cur: psycopg.Cursor, coordinator_id: int, contact_id: int) -> None:
    """Five million events, 37 seconds apart from 2019 on, of the actions services record,
    each about an existing row."""
    plans, rounds = SCALE["plans"], SCALE["plans"] * SCALE["rounds_per_plan"]
    items, updates = plans * ITEMS_PER_PLAN, rounds * SCALE["measures_per_plan"]
    cur.execute(
        f"""
        INSERT INTO audit_auditevent (at, actor_id, actor_label, organisation_id, action,
                                      target_type, target_id, changes, reason, request_id, ip, via,
                                      subject)
        SELECT timestamptz '2019-01-01 08:00:00+00' + g * interval '37 seconds',
               CASE WHEN action = 'user.login_failed' THEN NULL ELSE actor END,
               CASE WHEN action = 'user.login_failed' THEN ''
                    WHEN actor = %(coordinator)s THEN %(coordinator_email)s
                    ELSE %(contact_email)s END,
               CASE WHEN action = 'user.login_failed' THEN NULL
                    WHEN actor = %(coordinator)s THEN %(coordinator_org)s::bigint
                    ELSE %(contact_org)s::bigint END,
               action, target_type,
               CASE target_type
                   WHEN 'plans.progressupdate' THEN (1 + pg_temp.pick(g, 2, {updates}))::text
                   WHEN 'plans.planitem' THEN (1 + pg_temp.pick(g, 2, {items}))::text
                   WHEN 'plans.plan' THEN (1 + pg_temp.pick(g, 2, {plans}))::text
                   WHEN 'plans.reportinground' THEN (1 + pg_temp.pick(g, 2, {rounds}))::text
                   WHEN 'accounts.user' THEN actor::text
                   ELSE '' END,
               CASE action
                   WHEN 'update.saved' THEN jsonb_build_object(
                       'percent', jsonb_build_array(pg_temp.pick(g, 3, 90),
                                                    10 + pg_temp.pick(g, 3, 90)))
                   WHEN 'update.published' THEN jsonb_build_object(
                       'current_status', jsonb_build_array('not_started', 'in_progress'),
                       'current_progress', jsonb_build_array(0, 1 + pg_temp.pick(g, 3, 99)))
                   WHEN 'plan.exported' THEN jsonb_build_object(
                       'format', jsonb_build_array(NULL, 'xlsx'))
                   WHEN 'measure.updated' THEN jsonb_build_object(
                       'budget_text', jsonb_build_array('', 'to be determined'))
                   ELSE '{{}}'::jsonb END,
               '', md5(g::text), inet '10.0.0.0' + pg_temp.pick(g, 4, 65536),
               CASE WHEN pg_temp.pick(g, 5, 5) = 0 THEN 'api' ELSE '' END,
               ''
        FROM (
            SELECT g, CASE WHEN pg_temp.pick(g, 6, 2) = 0 THEN %(coordinator)s::bigint
                           ELSE %(contact)s::bigint END AS actor,
                   kinds.action, kinds.target_type
            FROM generate_series(1, {SCALE["audit_events"]}) AS g
            CROSS JOIN LATERAL (
                SELECT CASE
                    WHEN b < 40 THEN 'update.saved' WHEN b < 60 THEN 'update.submitted'
                    WHEN b < 75 THEN 'update.published' WHEN b < 85 THEN 'user.logged_in'
                    WHEN b < 90 THEN 'plan.exported' WHEN b < 95 THEN 'measure.updated'
                    WHEN b < 98 THEN 'round.opened' WHEN b < 99 THEN 'user.login_failed'
                    ELSE 'audit.searched' END AS action,
                       CASE
                    WHEN b < 75 THEN 'plans.progressupdate' WHEN b < 85 THEN 'accounts.user'
                    WHEN b < 90 THEN 'plans.plan' WHEN b < 95 THEN 'plans.planitem'
                    WHEN b < 98 THEN 'plans.reportinground' ELSE '' END AS target_type
                FROM (SELECT pg_temp.pick(g, 1, 100) AS b) AS bucket
            ) AS kinds
        ) AS events
        """,
        {
            "coordinator": coordinator_id,
            "contact": contact_id,
            "coordinator_email": COORDINATOR_EMAIL,
            "contact_email": CONTACT_EMAIL,
            "coordinator_org": COORDINATOR_ORGANISATION,
            "contact_org": CONTACT_ORGANISATION,
        },
    )


def without_secondary_indexes(cur: psycopg.Cursor, table: str, load) -> None:
    """Run load with the table's non-constraint indexes dropped, then build them again.

    Building an index once is much faster than maintaining it row by row; being in the
    load's transaction, a failure leaves the indexes as they were.
    """
    definitions = cur.execute(
        """
        SELECT indexname, indexdef FROM pg_indexes
        WHERE schemaname = current_schema() AND tablename = %(table)s
          AND indexname NOT IN (SELECT conname FROM pg_constraint
                                WHERE conrelid = %(table)s::regclass)
        """,
        {"table": table},
    ).fetchall()
    for name, _definition in definitions:
        cur.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(name)))
    load()
    for _name, definition in definitions:
        cur.execute(definition)


def reset_identity(cur: psycopg.Cursor, *tables: str) -> None:
    """Move the id sequences past the explicit ids the load gave."""
    for table in tables:
        cur.execute(
            sql.SQL(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM {}))"
            ).format(sql.Identifier(table)),
            [table],
        )


def step(label: str, action) -> None:
    """Run action and print how long it took."""
    started = time.perf_counter()
    action()
    print(f"  {label:<28} {time.perf_counter() - started:7.1f} s", flush=True)


def load(password_hash: str) -> None:
    """Truncate the bench tables and load everything, in one transaction on Django's
    connection (the directory goes through the ORM, the rest through a psycopg cursor on the
    same connection): a failure leaves the database as it was."""
    import directory_data
    from django.conf import settings
    from django.db import connection, transaction

    settings.DEBUG = False  # do not keep every bulk INSERT in connection.queries
    # Server-side binding, as the set-based SQL was written for (lists as text[]).
    with transaction.atomic(), psycopg.Cursor(connection.connection) as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cur.execute("SET LOCAL work_mem = '256MB'")
        # Check foreign keys row by row: pending deferred checks forbid CREATE INDEX.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute(
            "TRUNCATE network_organisation, network_postkind, network_professional, "
            "plans_minister, audit_auditevent, bench_generation, django_session "
            "RESTART IDENTITY CASCADE"
        )
        cur.execute(PICK_FUNCTION)
        directory = directory_data.Load(SCALE, step)
        directory.load_organisations()
        coordinator_id, contact_id = load_users(cur, password_hash)
        directory.load_the_rest(coordinator_id)
        step("ministers", lambda: load_ministers(cur))
        step("plans", lambda: load_plans(cur))
        step("plan items", lambda: load_items(cur))
        step("actors", lambda: load_actors(cur))
        step("measure ministers", lambda: load_measure_ministers(cur))
        step("budget lines", lambda: load_budget_lines(cur))
        step("reporting rounds", lambda: load_rounds(cur, coordinator_id))
        step(
            "progress updates",
            lambda: without_secondary_indexes(
                cur,
                "plans_progressupdate",
                lambda: load_updates(cur, coordinator_id, contact_id),
            ),
        )
        step("measures' current state", lambda: denormalise_measures(cur))
        step(
            "audit events",
            lambda: without_secondary_indexes(
                cur,
                "audit_auditevent",
                lambda: load_audit_events(cur, coordinator_id, contact_id),
            ),
        )
        reset_identity(
            cur,
            "network_organisation",
            "plans_minister",
            "plans_plan",
            "plans_planitem",
            "plans_reportinground",
        )


def generate(force: bool = False) -> None:
    """Create, migrate and fill the bench database unless it already holds a full load."""
    url = database_url()
    started = time.perf_counter()
    ensure_database(url)
    password_hash = prepare_schema(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS bench_generation "
            "(generated_at timestamptz NOT NULL, seconds real NOT NULL, scale jsonb NOT NULL)"
        )
        if is_generated(conn) and not force:
            print("bench data already generated; use --force to generate it again")
            return
        print("generating bench data:", json.dumps(SCALE))
        load(password_hash)
        step("vacuum analyze", lambda: conn.execute("VACUUM ANALYZE"))
        seconds = time.perf_counter() - started
        conn.execute("INSERT INTO bench_generation VALUES (now(), %s, %s)", [seconds, Jsonb(SCALE)])
    print(f"generated in {seconds:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="generate again even if present")
    generate(force=parser.parse_args().force)


if __name__ == "__main__":
    main()
