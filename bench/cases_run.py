"""Measure the Cases module's pages on the bench database and write bench/RESULTS-cases.md.

1. Waits while another benchmark runs (bench/run.py or a gunicorn), then runs
   bench/cases_data.py: it loads the base data (generate.py) and the Cases data unless both
   are there, and returns the facts of the load (who and what to ask for).
2. Starts gunicorn as bench/run.py does (production settings, DEBUG=0), and signs in the
   busy referral officer, the DPO and the scale test's user: one session per client
   (Client.force_login; all of them have a TOTP authenticator and the session is marked as
   having passed it) and a read-only API token for the officer; all deleted at the end.
3. For 1 and 8 concurrent clients: the case list (first page, a filter, the second page by
   `after`), a name search, a file's page, the DPO's disclosure log and the API list; p50/p95
   and the SQL the request runs, captured and replayed with psycopg (bench/run.py's
   machinery).
4. The audit write: audit.services.record() timed 2,000 times on Django's psycopg connection,
   and its INSERT replayed alone at 1 and 8 connections into the 20-million-row table.
5. List cost against the number of files: the scale test's user's list, filter and search
   with 20 files, then with 2,000 (seats added for the measurement, removed after).
6. Writes RESULTS-cases.md, with EXPLAIN (ANALYZE, BUFFERS) of each page's slowest statement.

    .venv/bin/python bench/cases_run.py [--force] [--requests 200] [--concurrency 1 8]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import generate
import psycopg
from run import (
    HOST,
    SESSION_COOKIE,
    Case,
    Credentials,
    Latencies,
    Page,
    app_connection_options,
    app_environment,
    captures,
    check_pages,
    code_version,
    collect_static,
    explain_slowest,
    gunicorn,
    machine,
    measure_http,
    ms,
    percentile,
    replay,
    setup_django,
    sign_out,
)

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS-cases.md"
RESULTS_TUNED = BENCH_DIR / "RESULTS-cases-random-page-cost.md"
P95_TARGET_MS = 100.0
AUDIT_TARGET_MS = 2.0
SCALE_STEPS = (200, 2_000)  # the scale test's user's files after the first 20
TOKEN_NAME = "bench cases_run.py"
OTHER_BENCHMARKS = "bench/run.py|bench/cases_run.py|gunicorn"
COUNTED = [
    "accounts_user",
    "cases_person",
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
    "cases_referral",
    "audit_auditevent",
]


# --- Before measuring ---------------------------------------------------------------------------


def ancestors() -> set[int]:
    """This process and its parents (whose command lines may name this script)."""
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return pids


def wait_for_other_benchmarks() -> None:
    """2 cores: another benchmark running at the same time would skew both."""
    mine = ancestors()
    while True:
        found = subprocess.run(
            ["pgrep", "-af", OTHER_BENCHMARKS], capture_output=True, text=True, check=False
        ).stdout.splitlines()
        others = [line for line in found if int(line.split()[0]) not in mine]
        if not others:
            return
        print(f"waiting for another benchmark to finish: {others[0]}", flush=True)
        time.sleep(60)


def load_data(force: bool) -> dict:
    """Run cases_data.py (in its own process: its Django is not the app server's) and read
    the facts of the load it recorded."""
    command = [sys.executable, str(BENCH_DIR / "cases_data.py")]
    subprocess.run([*command, "--force"] if force else command, check=True)
    with psycopg.connect(generate.database_url()) as conn:
        return conn.execute("SELECT facts FROM bench_cases_generation").fetchone()[0]


def counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        found = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
        for label, query in {
            "accounts_user (cases bench users)": "SELECT count(*) FROM accounts_user "
            "WHERE email LIKE 'cases-%%@bench.invalid'",
            "cases_casefile (open)": "SELECT count(*) FROM cases_casefile WHERE status = 'open'",
            "cases_guidanceplan (approved)": "SELECT count(*) FROM cases_guidanceplan "
            "WHERE status = 'approved'",
            "audit_auditevent (with a subject)": "SELECT count(*) FROM audit_auditevent "
            "WHERE subject <> ''",
            "organisations holding files": "SELECT count(DISTINCT organisation_id) "
            "FROM cases_casefile",
        }.items():
            found[label] = conn.execute(query).fetchone()[0]
    return dict(sorted(found.items()))


# --- Signing in ---------------------------------------------------------------------------------


def sign_in(users: dict[str, str], sessions_per_user: int, token_for: str) -> Credentials:
    """Sessions for each user (one per client), marked as having passed the second factor
    (every Cases role must use one; the bench users have a TOTP authenticator), and a
    read-only API token for token_for."""
    from django.conf import settings
    from django.test import Client

    from accounts.middleware import MFA_OK_KEY, has_second_factor
    from accounts.models import ApiToken, User
    from accounts.services import create_api_token

    if settings.SESSION_COOKIE_NAME != SESSION_COOKIE:
        raise RuntimeError(f"the session cookie is {settings.SESSION_COOKIE_NAME}")
    credentials = Credentials()
    for key, email in users.items():
        user = User.objects.get(email=email)
        if not has_second_factor(user):
            raise RuntimeError(f"{email} has no second factor: load the data again")
        credentials.sessions[key] = []
        for _ in range(sessions_per_user):
            client = Client(HTTP_HOST=HOST)
            client.force_login(user)
            session = client.session
            session[MFA_OK_KEY] = True
            session.save()
            credentials.sessions[key].append(session.session_key)
        if key == token_for:
            ApiToken.objects.filter(user=user, name=TOKEN_NAME).delete()  # an interrupted run's
            token, secret = create_api_token(user, name=TOKEN_NAME, scope="read")
            credentials.tokens[key] = secret
            credentials.token_ids.append(token.pk)
    return credentials


# --- The pages ----------------------------------------------------------------------------------

WHO = {"officer": "referral officer", "dpo": "DPO", "scale": "partner professional"}
FILTER = "status=open&sphere=psychosocial"


def second_page(url: str, email: str) -> int:
    """The `after` of the officer's list's second page: the 50th file, newest first."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            """
            SELECT f.id FROM cases_casefile AS f
            JOIN cases_teammember AS t ON t.file_id = f.id
            JOIN accounts_user AS u ON u.id = t.user_id AND u.organisation_id = f.organisation_id
            WHERE u.email = %s ORDER BY f.id DESC OFFSET 49 LIMIT 1
            """,
            [email],
        ).fetchone()[0]


def pages(url: str, facts: dict) -> list[Page]:
    after = second_page(url, facts["officer"])
    word = facts["search_word"]
    return [
        Page("Case list, first page", "/cases/", "cases", "officer", "session"),
        Page(f"Case list, filtered: {FILTER}", f"/cases/?{FILTER}", "cases", "officer", "session"),
        Page(
            "Case list, second page (after)",
            f"/cases/?after={after}",
            "cases",
            "officer",
            "session",
        ),
        Page(f"Search: q={word}", f"/cases/?q={word}", "cases", "officer", "session"),
        Page(
            f"File page ({facts['file_journal']} journal entries, a plan)",
            f"/cases/{facts['file']}/",
            "cases",
            "officer",
            "session",
        ),
        Page(
            "Disclosure log of a person (DPO)",
            f"/cases/disclosures/{facts['person']}/",
            "cases",
            "dpo",
            "session",
        ),
        Page(
            "API /api/v1/cases/files (first page)",
            "/api/v1/cases/files",
            "cases",
            "officer",
            "token",
            expect_results=50,
        ),
    ]


def scale_pages(files: int, word: str) -> list[Page]:
    label = f"{files:,} files"
    return [
        Page(f"Case list, {label}", "/cases/", "cases", "scale", "session"),
        Page(f"Case list filtered, {label}", f"/cases/?{FILTER}", "cases", "scale", "session"),
        Page(f"Search q={word}, {label}", f"/cases/?q={word}", "cases", "scale", "session"),
    ]


def measure(url: str, port: int, page: Page, clients: int, credentials, args) -> Case:
    """One page at one concurrency: HTTP latencies, then the SQL captured and replayed."""
    latencies = measure_http(
        port,
        page.path,
        clients,
        args.requests,
        args.warmup,
        args.seconds,
        lambda client: credentials.headers(page, client),
    )
    statements = captures(page, credentials, clients)
    sums, per_statement = replay(
        url, page.statements, clients, args.repetitions, lambda _s, client: statements[client]
    )
    print(
        f"  {page.label}: p50 {ms(latencies.p50)} p95 {ms(latencies.p95)} ms, "
        f"{len(page.statements)} queries, SQL p50 {ms(statistics.median(sums))} ms",
        flush=True,
    )
    return Case(page, latencies, sums, per_statement, list(page.statements))


# --- The audit write ----------------------------------------------------------------------------


def audit_record_cost(facts: dict, count: int) -> list[float]:
    """audit.services.record() as a file page calls it (a read of the file), `count` times
    on Django's connection in autocommit: ms per call, the ORM included."""
    from accounts.models import User
    from audit.services import record
    from cases.models import CaseFile

    user = User.objects.get(email=facts["officer"])
    file = CaseFile.objects.select_related("person").get(uuid=facts["file"])
    times = []
    for _ in range(count):
        began = time.perf_counter()
        record(
            "case.file.viewed",
            actor=user,
            target=file,
            subject=file.person.uuid,
            reason="case team",
        )
        times.append((time.perf_counter() - began) * 1000)
    return times


def audit_insert(case: Case) -> tuple[int, tuple[str, object]]:
    """The page's audit INSERT (one per page: a read, or the rows a list showed)."""
    for index, (sql, params) in enumerate(case.statements):
        if sql.lstrip().upper().startswith('INSERT INTO "AUDIT_AUDITEVENT"'):
            return index, (sql, params)
    raise RuntimeError(f"{case.page.label}: no audit INSERT captured")


def audit_rows(case: Case) -> int:
    """How many audit rows the page's INSERT writes (a list: one per file shown)."""
    _index, (sql, params) = audit_insert(case)
    if "UNNEST" in sql.upper():
        return max((len(p) for p in params if isinstance(p, list | tuple)), default=1)
    return 1


def audit_table(cases: dict[int, list[Case]]) -> list[str]:
    """Each page's audit INSERT in the replay: its share of the request, per concurrency."""
    rows = [
        "| Page | Rows written | Clients | INSERT p50 | INSERT p95 | Page SQL p50 "
        "| Under 2 ms at p95 |",
        "|---|--:|--:|--:|--:|--:|---|",
    ]
    for clients, page_cases in cases.items():
        for case in page_cases:
            index, _insert = audit_insert(case)
            times = case.per_statement[index]
            rows.append(
                f"| {case.page.label} | {audit_rows(case)} | {clients} "
                f"| {ms(statistics.median(times))} | {ms(percentile(times, 95))} "
                f"| {ms(statistics.median(case.sql))} "
                f"| {met(percentile(times, 95), AUDIT_TARGET_MS)} |"
            )
    return rows


# --- List cost against the number of files -----------------------------------------------------


def add_seats(url: str, facts: dict, total: int) -> list[int]:
    """Seat the scale test's user on more files of their organisation, up to `total`; the
    new seats' ids (removed afterwards)."""
    with psycopg.connect(url, autocommit=True) as conn:
        user = conn.execute(
            "SELECT id FROM accounts_user WHERE email = %s", [facts["scale_user"]]
        ).fetchone()[0]
        have = conn.execute(
            "SELECT count(*) FROM cases_teammember WHERE user_id = %s", [user]
        ).fetchone()[0]
        ids = [
            row[0]
            for row in conn.execute(
                """
                INSERT INTO cases_teammember (role, added_at, file_id, user_id, organisation_id)
                SELECT 'member', now(), f.id, %(user)s, f.organisation_id
                FROM cases_casefile AS f
                WHERE f.organisation_id = %(org)s AND NOT EXISTS (
                    SELECT 1 FROM cases_teammember AS t
                    WHERE t.file_id = f.id AND t.user_id = %(user)s)
                ORDER BY md5(f.id::text) LIMIT %(more)s
                RETURNING id
                """,
                {"user": user, "org": facts["scale_organisation"], "more": total - have},
            )
        ]
        conn.execute("ANALYZE cases_teammember")
    return ids


def remove_seats(url: str, ids: list[int]) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM cases_teammember WHERE id = ANY(%s)", [ids])
        conn.execute("ANALYZE cases_teammember")


def files_of(url: str, email: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT count(*) FROM cases_teammember AS t JOIN accounts_user AS u "
            "ON u.id = t.user_id WHERE u.email = %s",
            [email],
        ).fetchone()[0]


# --- Report ---------------------------------------------------------------------------------


def met(value: float, target: float) -> str:
    return "yes" if value < target else "**no**"


def page_table(cases: list[Case]) -> list[str]:
    rows = [
        "| Page | As | Queries | n | p50 | p95 | SQL p50 | SQL p95 | p95 < 100 ms |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for case in cases:
        rows.append(
            f"| {case.page.label} | {WHO[case.page.who]} ({case.page.via}) "
            f"| {len(case.statements)} | {case.http.count} | {ms(case.http.p50)} "
            f"| {ms(case.http.p95)} | {ms(statistics.median(case.sql))} "
            f"| {ms(percentile(case.sql, 95))} | {met(case.http.p95, P95_TARGET_MS)} |"
        )
    return rows


def floor_row(floor: Latencies) -> str:
    cells = ["GET /healthz (floor)", "anonymous", "1", floor.count, ms(floor.p50), ms(floor.p95)]
    return "| " + " | ".join([*cells, "", "", ""]) + " |"


def list_query(case: Case) -> list[float]:
    """The replay times of the page's own list query (the files' SELECT … LIMIT 51)."""
    for index, (sql, _params) in enumerate(case.statements):
        if sql.startswith('SELECT "cases_casefile"."id"') and "LIMIT 51" in sql:
            return case.per_statement[index]
    return [math.nan]


def scale_table(scale: dict[int, dict[int, list[Case]]]) -> list[str]:
    """Per page and concurrency: p50 and p95 of the page, and the p50 of its list query,
    for each number of files. Pages show min(files, 50) rows: compare 200 with 2,000 for
    the rendering, the list query for the SQL."""
    steps = sorted(scale)
    head = (
        [f"p50, {n:,}" for n in steps]
        + [f"p95, {n:,}" for n in steps]
        + [f"list query p50, {n:,}" for n in steps]
    )
    rows = [
        "| Page | Clients | " + " | ".join(head) + " |",
        "|---|--:|" + "--:|" * len(head),
    ]
    for clients in sorted(scale[steps[0]]):
        for position, first in enumerate(scale[steps[0]][clients]):
            group = [scale[n][clients][position] for n in steps]
            cells = (
                [ms(c.http.p50) for c in group]
                + [ms(c.http.p95) for c in group]
                + [ms(statistics.median(list_query(c))) for c in group]
            )
            label = first.page.label.rsplit(",", 1)[0]
            rows.append(f"| {label} | {clients} | " + " | ".join(cells) + " |")
    return rows


def slowest(cases: list[Case], top: int = 3) -> list[str]:
    lines = []
    for case in cases:
        medians = [statistics.median(times) for times in case.per_statement]
        ranked = sorted(range(len(medians)), key=lambda i: medians[i], reverse=True)[:top]
        lines.append(f"- **{case.page.label}** (`{case.page.path}`):")
        for index in ranked:
            sql = " ".join(case.statements[index][0].split())
            shown = sql if len(sql) <= 200 else sql[:197] + "…"
            lines.append(f"  - {medians[index]:.2f} ms: `{shown}`")
    return lines


def plans(cases: list[Case]) -> list[str]:
    lines = []
    for case in cases:
        if not case.plan:
            continue
        query, *plan = case.plan
        lines += [
            f"#### {case.page.label}",
            "",
            "```sql",
            query,
            "```",
            "",
            "```",
            *plan,
            "```",
            "",
        ]
    return lines


def write_results(results, args, url, facts, found, floors, cases, audit, scale, start) -> None:
    import django

    with psycopg.connect(url, **app_connection_options()) as conn:
        pg = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("server_version", "shared_buffers", "work_mem", "random_page_cost")
        }
        pg["size"] = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()[0]
        loaded = conn.execute("SELECT generated_at, seconds FROM bench_cases_generation").fetchone()
        base = conn.execute("SELECT generated_at, seconds FROM bench_generation").fetchone()
    record_times, inserts, file_case, index = audit
    lines = [
        "# Benchmark results: the Cases module",
        "",
        f"Written by `bench/cases_run.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"(measurement took {time.monotonic() - start[0]:.0f} s), code {start[2]}. "
        "See [CASES.md](CASES.md).",
        "",
        "## Machine",
        "",
        *(f"- {name}: {value}" for name, value in machine().items()),
        f"- Load average (1 min) at the start and the end of the measurement: {start[1]:.1f} "
        f"and {os.getloadavg()[0]:.1f} (the end includes the benchmark's own load)",
        f"- PostgreSQL {pg['server_version']} on 127.0.0.1 (shared_buffers "
        f"{pg['shared_buffers']}, work_mem {pg['work_mem']}, random_page_cost "
        f"{pg['random_page_cost']}), database {pg['size']}",
        f"- Django {django.get_version()}, gunicorn as bench/run.py (4 workers × 2 threads, "
        "gthread), DEBUG=0; client and server on the same machine",
        "",
        "## Data",
        "",
        f"Cases data loaded {loaded[0]:%Y-%m-%d %H:%M} UTC in {loaded[1]:.0f} s by "
        f"`bench/cases_data.py`, on the base data of {base[0]:%Y-%m-%d %H:%M} UTC "
        f"(`bench/generate.py`, {base[1]:.0f} s).",
        "",
        "| Table | Rows |",
        "|---|--:|",
        *(f"| {table} | {number:,} |" for table, number in found.items()),
        "",
        f"Asking: the referral officer `{facts['officer']}` ({facts['officer_files']} files), "
        f"their file `{facts['file']}` ({facts['file_journal']} journal entries, an approved "
        f"plan); the DPO `{facts['dpo']}` for the person `{facts['person']}` "
        f"({facts.get('person_events', 0):,} audit events about them); the scale test's user "
        f"`{facts['scale_user']}` (organisation {facts['scale_organisation']}).",
        "",
        "## Latency (ms)",
        "",
        f"{args.requests} requests per case after {args.warmup} of warm-up (fewer if a case "
        f"passed {args.seconds:.0f} s), keep-alive connections, one session per client, which "
        "keeps the cookies the server sets as a browser does. SQL: "
        f"the request's statements captured and replayed with psycopg, {args.repetitions} "
        "repetitions per client at the same concurrency (bench/run.py's method): the session "
        "and user, the page's queries and its audit INSERT.",
        "",
    ]
    for clients, page_cases in cases.items():
        lines += [
            f"### {clients} concurrent client{'s' if clients > 1 else ''}",
            "",
            *page_table(page_cases),
            floor_row(floors[clients]),
            "",
        ]
    insert_sql = " ".join(file_case.statements[index][0].split())[:160]
    file_medians = statistics.median(file_case.sql)
    insert_median = statistics.median(file_case.per_statement[index])
    lines += [
        "## The audit write",
        "",
        f"Target: under {AUDIT_TARGET_MS:.0f} ms added to a request. The table holds "
        f"{found['audit_auditevent']:,} rows and {facts.get('audit_indexes', 10)} indexes.",
        "",
        "| What | Clients | n | p50 | p95 | Under 2 ms at p95 |",
        "|---|--:|--:|--:|--:|---|",
        f"| `audit.services.record()` (ORM, Django's psycopg connection, autocommit) | 1 "
        f"| {len(record_times)} | {ms(statistics.median(record_times))} "
        f"| {ms(percentile(record_times, 95))} "
        f"| {met(percentile(record_times, 95), AUDIT_TARGET_MS)} |",
    ]
    for clients, times in inserts.items():
        lines.append(
            f"| its INSERT alone, psycopg | {clients} | {len(times)} | "
            f"{ms(statistics.median(times))} | {ms(percentile(times, 95))} "
            f"| {met(percentile(times, 95), AUDIT_TARGET_MS)} |"
        )
    lines += [
        "",
        "Each page's own audit INSERT, timed within the SQL replay of the page (same "
        "statement, same concurrency):",
        "",
        *audit_table(cases),
        "",
        f"The file page's SQL at 1 client: {file_medians:.2f} ms (p50) with its audit INSERT, "
        f"{file_medians - insert_median:.2f} ms without it (the INSERT: {insert_median:.2f} ms, "
        f"`{insert_sql}…`).",
        "",
        "## List cost against the number of files",
        "",
        f"The same user (`{facts['scale_user']}`), with {scale['few_files']} files, then "
        + ", then ".join(f"{n:,}" for n in sorted(scale["cases"])[1:])
        + " (seats on more files of their organisation, added for the measurement and removed "
        "after). The first page shows min(files, 50) rows. "
        "p95 should stay flat.",
        "",
        *scale_table(scale["cases"]),
        "",
        "## Slowest statements (1 client, median)",
        "",
        *slowest(cases[min(cases)]),
        "",
        "## Query plans",
        "",
        "`EXPLAIN (ANALYZE, BUFFERS)` of each page's slowest SELECT (1 client), after the "
        "measurement.",
        "",
        *plans(cases[min(cases)]),
        *plans(scale["cases"][scale["many_files"]][min(cases)]),
    ]
    results.write_text("\n".join(lines))


# --- Main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="load the Cases data again first")
    parser.add_argument("--requests", type=int, default=200, help="per page and concurrency")
    parser.add_argument("--warmup", type=int, default=20, help="requests before measuring")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per case")
    parser.add_argument("--repetitions", type=int, default=30, help="SQL replays per client")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--audit-writes", type=int, default=2_000, help="record() calls timed")
    parser.add_argument(
        "--random-page-cost",
        type=float,
        help="set PostgreSQL's random_page_cost for the app server's and the replays' "
        "connections (PGOPTIONS) and write RESULTS-cases-random-page-cost.md instead",
    )
    args = parser.parse_args()
    results = RESULTS
    if args.random_page_cost is not None:
        # libpq reads PGOPTIONS: Django's connections here and in gunicorn, and the replays'
        os.environ["PGOPTIONS"] = f"-c random_page_cost={args.random_page_cost}"
        results = RESULTS_TUNED

    url = generate.database_url()
    wait_for_other_benchmarks()
    facts = load_data(args.force)
    with psycopg.connect(url) as conn:
        facts["person_events"] = conn.execute(
            "SELECT count(*) FROM audit_auditevent WHERE subject = %s", [facts["person"]]
        ).fetchone()[0]
        facts["audit_indexes"] = conn.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'audit_auditevent'"
        ).fetchone()[0]
    found = counts(url)
    start = (time.monotonic(), os.getloadavg()[0], code_version())
    main_pages = pages(url, facts)
    floors: dict[int, Latencies] = {}
    cases: dict[int, list[Case]] = {}
    scale: dict = {"cases": {}}
    added: list[int] = []
    with tempfile.TemporaryDirectory(prefix="synergie-bench-cases-") as tmp:
        env = app_environment(url, str(Path(tmp) / "static"))
        collect_static(env)
        setup_django(env)
        users = {"officer": facts["officer"], "dpo": facts["dpo"], "scale": facts["scale_user"]}
        credentials = sign_in(users, max(args.concurrency), token_for="officer")
        try:
            with gunicorn(env, Path(tmp) / "gunicorn.log") as port:
                check_pages(port, main_pages, credentials)
                for clients in args.concurrency:
                    print(f"{clients} client(s):", flush=True)
                    floors[clients] = measure_http(
                        port, "/healthz", clients, args.requests, args.warmup, args.seconds
                    )
                    cases[clients] = [
                        measure(url, port, page, clients, credentials, args) for page in main_pages
                    ]
                word = facts["search_word"]
                scale["few_files"] = files_of(url, facts["scale_user"])
                for step in (None, *SCALE_STEPS):
                    if step is not None:
                        added += add_seats(url, facts, step)
                    number = files_of(url, facts["scale_user"])
                    scale["many_files"] = number
                    scale["cases"][number] = {}
                    group = scale_pages(number, word)
                    check_pages(port, group, credentials)
                    for clients in args.concurrency:
                        print(f"{number} files, {clients} client(s):", flush=True)
                        scale["cases"][number][clients] = [
                            measure(url, port, page, clients, credentials, args) for page in group
                        ]
            file_case = next(
                c for c in cases[min(cases)] if c.page.path.endswith(facts["file"] + "/")
            )
            index, insert = audit_insert(file_case)
            print("audit writes:", flush=True)
            record_times = audit_record_cost(facts, args.audit_writes)
            inserts = {}
            for clients in args.concurrency:
                sums, _ = replay(url, [insert], clients, max(1, args.audit_writes // clients))
                inserts[clients] = sums
                print(f"  INSERT at {clients}: p95 {ms(percentile(sums, 95))} ms", flush=True)
            for case in cases[min(cases)]:
                explain_slowest(url, case)
            for case in scale["cases"][scale["many_files"]][min(cases)]:
                if not added:
                    break
                explain_slowest(url, case)  # with the seats still there
        finally:
            if added:
                remove_seats(url, added)
            sign_out(credentials)
            from django.db import connection

            connection.close_pool()
    write_results(
        results,
        args,
        url,
        facts,
        found,
        floors,
        cases,
        (record_times, inserts, file_case, index),
        scale,
        start,
    )
    print(f"wrote {results.relative_to(BASE_DIR)}")
    print(json.dumps({"facts": facts}, default=str))


if __name__ == "__main__":
    main()
