"""Measure Synergie's pages on the bench database and write bench/RESULTS.md.

1. Runs bench/generate.py: it migrates the bench database and loads the data unless a
   complete load is there (--generate: loads it again anyway).
2. Collects the static files into a temporary directory and starts gunicorn (config.wsgi,
   production settings, DEBUG=0) on a free loopback port; checks that every page answers 200.
3. Signs in the bench users for the Network module's pages: one session per client for the
   network coordinator and for a professional (Client.force_login, the cookie sent by each
   client), and an API token for the coordinator (accounts.services.create_api_token); all
   are deleted at the end.
4. For each concurrency (1 and 8 clients: threads, each with a keep-alive connection) and each
   page, sends a warm-up then a bounded number of requests (as an anonymous visitor, or
   signed in) and keeps p50/p95 latency. GET /healthz (SELECT 1 through every middleware) is
   the floor.
5. Captures the SQL each page runs (django.test.Client in this process, same settings, same
   user) and times those exact statements with psycopg at the same concurrency: the SQL cost.
6. Writes RESULTS.md: machine, data volumes, and per concurrency the latencies, SQL and
   floor, their ratio and whether the targets are met. Stops gunicorn in every case.

    .venv/bin/python bench/run.py [--generate] [--requests 200] [--concurrency 1 8]
                                  [--pages all|plans|network] [--no-cache]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import generate
import psycopg

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS.md"
RESULTS_UNCACHED = BENCH_DIR / "RESULTS-uncached.md"
HOST = "127.0.0.1"
PLAN_SLUG = "bench-plan-001"
P95_TARGET_MS = 100.0
RATIO_TARGETS = {"list": 2.0, "detail": 1.5}  # plan pages; network pages: p95 only
GUNICORN_WORKERS = 4
GUNICORN_THREADS = 2
BARRIER_SECONDS = 300  # a client that fails before the start releases the others
COUNTED_TABLES = [
    "network_organisation",
    "network_service",
    "network_postkind",
    "network_post",
    "network_professional",
    "network_tenure",
    "network_coveragerule",
    "network_coveragegap",
    "accounts_user",
    "plans_plan",
    "plans_planitem",
    "plans_measureactor",
    "plans_minister",
    "plans_measureminister",
    "plans_budgetline",
    "plans_reportinground",
    "plans_progressupdate",
    "audit_auditevent",
]


@dataclass
class Page:
    """A page under test. kind is "list" or "detail" (its ratio target) for the plan pages,
    "network" for the Network module's (target: p95 only). who: "anonymous", or the key of a
    bench user in SIGNED_IN; via "session" (its cookie) or "token" (Authorization: Bearer)."""

    label: str
    path: str
    kind: str
    who: str = "anonymous"
    via: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    expect_results: int | None = None  # API lists: the size of a full first page
    statements: list[tuple[str, object]] = field(default_factory=list)
    skipped: int = 0  # savepoint statements left out of the replay
    found: str = ""  # the page's own count of results ("1,234 services found.")

    @property
    def group(self) -> str:
        return "network" if self.kind == "network" else "plans"

    @property
    def audience(self) -> str:
        if self.who == "anonymous":
            return "anonymous"
        return f"{SIGNED_IN[self.who][1]} ({self.via})"


# Bench users signed in for the network pages: key -> (e-mail in generate.py, label).
SIGNED_IN = {
    "coordinator": (generate.COORDINATOR_EMAIL, "network coordinator"),
    "professional": (generate.CONTACT_EMAIL, "professional"),
}
HTMX = {"HX-Request": "true"}


@dataclass
class Credentials:
    """Sessions (one per client) and API tokens of the bench users, for one run."""

    sessions: dict[str, list[str]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    token_ids: list[int] = field(default_factory=list)

    def headers(self, page: Page, client: int) -> dict[str, str]:
        """The page's headers for the client-th client: its own session, or the token."""
        headers = {"Accept": "text/html,application/json", **page.headers}
        if page.via == "session":
            keys = self.sessions[page.who]
            headers["Cookie"] = f"{SESSION_COOKIE}={keys[client % len(keys)]}"
        elif page.via == "token":
            headers["Authorization"] = f"Bearer {self.tokens[page.who]}"
        return headers


SESSION_COOKIE = "sessionid"  # settings.SESSION_COOKIE_NAME, checked in sign_in()


@dataclass
class Latencies:
    """Milliseconds of the successful requests of one case, and the failed ones' statuses."""

    samples: list[float]
    errors: list[str]

    @property
    def p50(self) -> float:
        return percentile(self.samples, 50)

    @property
    def p95(self) -> float:
        return percentile(self.samples, 95)

    @property
    def count(self) -> str:
        """The number of samples, and the failures by kind: "199 (failed: 1 × 500)"."""
        if not self.errors:
            return str(len(self.samples))
        kinds = ", ".join(f"{n} × {kind}" for kind, n in Counter(self.errors).items())
        return f"{len(self.samples)} (failed: {kinds})"


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (nan for no value)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


# --- Data -----------------------------------------------------------------------------------


def ensure_data(regenerate: bool) -> None:
    """Run generate.py: it applies new migrations, and loads the data when it is missing,
    incomplete or (with --generate) in any case."""
    command = [sys.executable, str(BENCH_DIR / "generate.py")]
    subprocess.run([*command, "--force"] if regenerate else command, check=True)


def pages_under_test(url: str) -> list[Page]:
    """The four pages, on the bench plan and one of its measures with 10 published updates."""
    with psycopg.connect(url) as conn:
        code = conn.execute(
            """
            SELECT i.code FROM plans_planitem AS i
            JOIN plans_plan AS p ON p.id = i.plan_id
            JOIN plans_progressupdate AS u ON u.item_id = i.id AND u.state = 'published'
            WHERE p.slug = %s AND p.status = 'adopted' AND i.kind = 'measure'
            GROUP BY i.id HAVING count(*) = 10 ORDER BY i.position LIMIT 1
            """,
            [PLAN_SLUG],
        ).fetchone()[0]
    return [
        Page("Plan tree (250 measures)", f"/plans/{PLAN_SLUG}/", "list"),
        Page(f"Measure {code} (10 updates)", f"/plans/{PLAN_SLUG}/measures/{code}/", "detail"),
        Page("Dashboard", f"/plans/{PLAN_SLUG}/dashboard/", "list"),
        Page(
            "API measures list (50)",
            f"/api/v1/measures?plan={PLAN_SLUG}",
            "list",
            expect_results=50,
        ),
    ]


# A frequent word and a filter for each kind of the directory search.
SERVICES_QUERY = "kind=services&q=jongeren&municipality=Antwerpen"
ORGANISATIONS_QUERY = "kind=organisations&q=jeugd&municipality=Gent"
PEOPLE_QUERY = "kind=people&q=referent&municipality=Antwerpen"


def network_pages() -> list[Page]:
    """The Network module: the directory search (the htmx partial the search form fetches as
    one types, and the full page without filters), the gap report and the API lists."""
    return [
        Page("Directory page, no filter (services)", "/directory/", "network"),
        Page(
            "Search services: q=jongeren, municipality=Antwerpen",
            f"/directory/?{SERVICES_QUERY}",
            "network",
            headers=HTMX,
        ),
        Page(
            "Search organisations: q=jeugd, municipality=Gent",
            f"/directory/?{ORGANISATIONS_QUERY}",
            "network",
            headers=HTMX,
        ),
        Page(
            "Search people: q=referent, municipality=Antwerpen",
            f"/directory/?{PEOPLE_QUERY}",
            "network",
            headers=HTMX,
        ),
        Page(
            "Search people: q=referent, municipality=Antwerpen",
            f"/directory/?{PEOPLE_QUERY}",
            "network",
            who="professional",
            via="session",
            headers=HTMX,
        ),
        Page(
            "Gap report: open gaps",
            "/directory/coverage/",
            "network",
            who="coordinator",
            via="session",
        ),
        Page(
            "Gap report: closed gaps (history)",
            "/directory/coverage/?state=closed",
            "network",
            who="coordinator",
            via="session",
        ),
        Page("API posts (first page of 50)", "/api/v1/posts", "network", expect_results=50),
        Page(
            "API open coverage gaps (first page of 50)",
            "/api/v1/coverage/gaps",
            "network",
            who="coordinator",
            via="token",
            expect_results=50,
        ),
    ]


NETWORK_COUNTS = {
    "network_organisation (not public)": "SELECT count(*) FROM network_organisation "
    "WHERE NOT is_public",
    "network_organisation (with a parent)": "SELECT count(*) FROM network_organisation "
    "WHERE parent_id IS NOT NULL",
    "network_service (public and active)": "SELECT count(*) FROM network_service "
    "WHERE is_public AND status = 'active'",
    "network_post (held)": "SELECT count(*) FROM network_post WHERE holder_id IS NOT NULL",
    "network_post (public)": "SELECT count(*) FROM network_post WHERE is_public",
    "network_tenure (ended)": "SELECT count(*) FROM network_tenure WHERE ends_on IS NOT NULL",
    "network_coveragegap (open)": "SELECT count(*) FROM network_coveragegap "
    "WHERE closed_at IS NULL",
}


def table_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        counts = {
            table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            for table in COUNTED_TABLES
        }
        for kind, number in conn.execute(
            "SELECT kind, count(*) FROM plans_planitem GROUP BY kind ORDER BY kind"
        ):
            counts[f"plans_planitem ({kind})"] = number
        counts["plans_progressupdate (published)"] = conn.execute(
            "SELECT count(*) FROM plans_progressupdate WHERE state = 'published'"
        ).fetchone()[0]
        for label, query in NETWORK_COUNTS.items():
            counts[label] = conn.execute(query).fetchone()[0]
    return dict(sorted(counts.items()))


# --- The app server -------------------------------------------------------------------------


def app_environment(url: str, static_root: str) -> dict[str, str]:
    """Production settings from the environment, as the README's "Production settings"."""
    env = dict(os.environ)
    env.pop("SYNERGIE_TESTING", None)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        BENCH_STATIC_ROOT=static_root,
        DEBUG="0",
        SECRET_KEY="bench-only-" + "k" * 60,
        FIELD_ENCRYPTION_KEY="YmVuY2gtb25seS1maWVsZC1lbmNyeXB0aW9uLWtleSE=",
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=url,
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="WARNING",
    )
    return env


def collect_static(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], log_path: Path) -> Iterator[int]:
    """Serve config.wsgi on a free loopback port; yield the port; always stop the server."""
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={GUNICORN_WORKERS}",
        "--worker-class=gthread",
        f"--threads={GUNICORN_THREADS}",
        "--keep-alive=60",  # clients wait for each other between warm-up and measurement
        "--log-level=warning",
    ]
    with log_path.open("w") as log:
        server = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=log, start_new_session=True
        )
        try:
            wait_until_ready(server, port, log_path)
            yield port
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, 9)
                server.wait()


def wait_until_ready(server: subprocess.Popen, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped:\n{log_path.read_text()[-3000:]}")
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            if get(conn, "/healthz")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
        finally:
            conn.close()
    raise RuntimeError(f"gunicorn did not answer within 60 s:\n{log_path.read_text()[-3000:]}")


def get(
    conn: http.client.HTTPConnection,
    path: str,
    headers: dict[str, str] | None = None,
    jar: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """GET path on a keep-alive connection (http.client reconnects if the server closed it).
    With a jar, the cookies the server set before are sent back and the new ones kept, as a
    browser does: a returning visitor sends the CSRF cookie of their first visit, so Django
    does not draw a new secret for each page."""
    headers = dict(headers or {"Accept": "text/html,application/json"})
    if jar:
        sent = [headers["Cookie"]] if "Cookie" in headers else []
        headers["Cookie"] = "; ".join(sent + [f"{name}={value}" for name, value in jar.items()])
    conn.request("GET", path, headers=headers)
    response = conn.getresponse()
    if jar is not None:
        for line in response.headers.get_all("Set-Cookie") or []:
            name, _, value = line.split(";", 1)[0].partition("=")
            if name.strip() != SESSION_COOKIE:  # the client's session is the credentials'
                jar[name.strip()] = value.strip()
    return response.status, response.read()


RESULT_COUNT = re.compile(rb'class="result-count">([^<]*)<')


def check_pages(port: int, pages: list[Page], credentials: Credentials) -> None:
    """Every page answers 200 with every client's credentials; API lists give a full first
    page. Notes each HTML page's own count of results."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    for page in pages:
        for client in range(len(credentials.sessions.get(page.who, [None]))):
            status, body = get(conn, page.path, credentials.headers(page, client))
            if status != 200:
                raise RuntimeError(f"{page.path} answered {status}: {body[:500]!r}")
        if page.expect_results and len(json.loads(body)["results"]) != page.expect_results:
            raise RuntimeError(f"{page.path} did not return {page.expect_results} results")
        if match := RESULT_COUNT.search(body):
            number = re.search(r"\d+", match.group(1).decode())
            page.found = f"{int(number.group()):,}" if number else ""
        elif page.expect_results:
            page.found = f"first {page.expect_results} (cursor)"
    conn.close()


# --- Load -----------------------------------------------------------------------------------


def measure_http(
    port: int,
    path: str,
    clients: int,
    requests: int,
    warmup: int,
    seconds: float,
    headers=lambda client: None,
) -> Latencies:
    """Latencies of `requests` GETs of path spread over `clients` threads, after a warm-up;
    each client stops early once `seconds` have passed. headers(i): the i-th client's."""
    per_client = math.ceil(requests / clients)
    warmup_per_client = math.ceil(warmup / clients)
    start = threading.Barrier(clients, timeout=BARRIER_SECONDS)
    samples: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    numbers = iter(range(clients))

    def client() -> None:
        with lock:
            mine_headers = headers(next(numbers))
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        jar: dict[str, str] = {}  # each client is one browser
        for _ in range(warmup_per_client):
            get(conn, path, mine_headers, jar)
        start.wait()
        stop_at = time.perf_counter() + seconds
        mine, failed = [], []
        for _ in range(per_client):
            if time.perf_counter() > stop_at:
                break
            began = time.perf_counter()
            try:
                status, _body = get(conn, path, mine_headers, jar)
            except (OSError, http.client.HTTPException) as error:
                failed.append(type(error).__name__)
                conn.close()
                continue
            elapsed = (time.perf_counter() - began) * 1000
            if status == 200:
                mine.append(elapsed)
            else:
                failed.append(str(status))
        conn.close()
        with lock:
            samples.extend(mine)
            errors.extend(failed)

    run_threads(client, clients)
    return Latencies(samples, errors)


def run_threads(target, count: int) -> None:
    """Run target in count threads at once; re-raise the first exception one of them hit."""
    failures: list[BaseException] = []

    def guarded() -> None:
        try:
            target()
        except BaseException as error:
            failures.append(error)
            raise

    threads = [threading.Thread(target=guarded) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


# --- SQL ------------------------------------------------------------------------------------


class Recorder:
    """A connection.execute_wrapper that keeps every statement with its parameters."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, object]] = []

    def __call__(self, execute, sql, params, many, context):
        if many:
            raise RuntimeError("a read-only page ran executemany")
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


def setup_django(env: dict[str, str]) -> None:
    """Django in this process, with the app server's settings (for the capture and the
    sign-in)."""
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()


TOKEN_NAME = "bench run.py"


def sign_in(sessions_per_user: int) -> Credentials:
    """Sessions (one per client, as different browsers of the same person) and a read-only
    API token for each bench user in SIGNED_IN. Neither role needs a second factor (they are
    not in accounts.roles.PERSONAL_DATA_ROLES), so a session is all it takes."""
    from django.conf import settings
    from django.test import Client

    from accounts.models import ApiToken, User
    from accounts.roles import requires_mfa
    from accounts.services import create_api_token

    if settings.SESSION_COOKIE_NAME != SESSION_COOKIE:
        raise RuntimeError(f"the session cookie is {settings.SESSION_COOKIE_NAME}")
    credentials = Credentials()
    for key, (email, _label) in SIGNED_IN.items():
        user = User.objects.get(email=email)
        if requires_mfa(user):
            raise RuntimeError(f"{email} must use a second factor: pick a role without MFA")
        credentials.sessions[key] = []
        for _ in range(sessions_per_user):
            client = Client(HTTP_HOST=HOST)
            client.force_login(user)
            credentials.sessions[key].append(client.cookies[SESSION_COOKIE].value)
        ApiToken.objects.filter(user=user, name=TOKEN_NAME).delete()  # an interrupted run's
        token, secret = create_api_token(user, name=TOKEN_NAME, scope="read")
        credentials.tokens[key] = secret
        credentials.token_ids.append(token.pk)
    return credentials


def sign_out(credentials: Credentials) -> None:
    """Delete the run's sessions (and allauth's records of them) and API tokens."""
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.models import Session

    from accounts.models import ApiToken

    keys = [key for keys in credentials.sessions.values() for key in keys]
    Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    ApiToken.objects.filter(pk__in=credentials.token_ids).delete()


SAVEPOINT = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")


def capture_sql(page: Page, credentials: Credentials, client: int = 0) -> list[tuple[str, object]]:
    """The statements the page's request runs with the client-th client's credentials
    (session middleware, token check and all), on the second request (the first may warm
    caches). Savepoints are left out: the replay runs in autocommit. Client 0's capture is
    kept on the page."""
    from django.db import connection
    from django.test import Client

    browser = Client(HTTP_HOST=HOST)
    headers = credentials.headers(page, client)
    browser.get(page.path, headers=headers)
    recorder = Recorder()
    with connection.execute_wrapper(recorder):
        response = browser.get(page.path, headers=headers)
    if response.status_code != 200:
        raise RuntimeError(f"{page.path} answered {response.status_code} in the capture")
    statements = [
        (sql, params) for sql, params in recorder.statements if not sql.startswith(SAVEPOINT)
    ]
    if client == 0:
        page.statements = statements
        page.skipped = len(recorder.statements) - len(statements)
    return statements


def captures(page: Page, credentials: Credentials, clients: int) -> list:
    """One capture per client for pages signed in with a session (each client writes its
    own session's rows), else the same statements for all."""
    first = capture_sql(page, credentials)
    if page.via != "session":
        return [first] * clients
    others = [capture_sql(page, credentials, client) for client in range(1, clients)]
    if any(len(other) != len(first) for other in others):
        raise RuntimeError(f"{page.path}: the clients' sessions run different statements")
    return [first, *others]


def app_connection_options() -> dict[str, str]:
    """The session settings the app's connections carry (config/settings.py sets the
    planner's random_page_cost), so that the replays plan their statements as the app does."""
    from django.conf import settings

    options = settings.DATABASES["default"].get("OPTIONS", {}).get("options")
    return {"options": options} if options else {}


def replay(
    url: str,
    statements: list[tuple[str, object]],
    clients: int,
    repetitions: int,
    adapt=lambda statements, client: statements,
) -> tuple[list[float], list[list[float]]]:
    """Execute the statements (and fetch their rows) `repetitions` times on each of `clients`
    connections at once, as Django does (client-side binding). adapt(statements, i) gives the
    i-th client's own version (its session). Returns the summed time of each repetition, and
    per statement its times, in ms."""
    sums: list[float] = []
    per_statement: list[list[float]] = [[] for _ in statements]
    lock = threading.Lock()
    start = threading.Barrier(clients, timeout=BARRIER_SECONDS)
    numbers = iter(range(clients))

    options = app_connection_options()

    def client() -> None:
        with lock:
            mine = adapt(statements, next(numbers))
        with psycopg.connect(
            url, cursor_factory=psycopg.ClientCursor, autocommit=True, **options
        ) as conn:
            cur = conn.cursor()
            run_once(cur, mine)  # warm the connection's caches
            start.wait()
            for _ in range(repetitions):
                times = run_once(cur, mine)
                with lock:
                    sums.append(sum(times))
                    for index, elapsed in enumerate(times):
                        per_statement[index].append(elapsed)

    run_threads(client, clients)
    return sums, per_statement


def run_once(cur: psycopg.Cursor, statements: list[tuple[str, object]]) -> list[float]:
    times = []
    for sql, params in statements:
        began = time.perf_counter()
        cur.execute(sql, params)
        if cur.description is not None:
            cur.fetchall()
        times.append((time.perf_counter() - began) * 1000)
    return times


# --- Report ---------------------------------------------------------------------------------


@dataclass
class Case:
    """One page at one concurrency: HTTP latencies and the SQL replay."""

    page: Page
    http: Latencies
    sql: list[float]
    per_statement: list[list[float]]
    statements: list[tuple[str, object]] = field(default_factory=list)  # as captured
    plan: list[str] = field(default_factory=list)  # EXPLAIN ANALYZE of the slowest statement


def code_version() -> str:
    """The commit measured, and whether files outside bench/ differed from it."""

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=BASE_DIR, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("log", "-1", "--format=%h %s")
    changed = git("status", "--porcelain", "--", ".", ":(exclude)bench")
    return f"`{commit}`" + (" with uncommitted changes" if changed else "")


def machine() -> dict[str, str]:
    meminfo = Path("/proc/meminfo").read_text().split("\n")
    ram_kib = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
    cpuinfo = Path("/proc/cpuinfo").read_text().split("\n")
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")
    return {
        "CPU": f"{os.cpu_count()} × {model}" if model else str(os.cpu_count()),
        "RAM": f"{ram_kib / 1024 / 1024:.1f} GiB",
        "OS": platform.platform(),
        "Python": platform.python_version(),
    }


def postgres_facts(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        facts = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("server_version", "shared_buffers", "work_mem")
        }
        row = conn.execute("SELECT generated_at, seconds FROM bench_generation").fetchone()
        facts["generated"] = f"{row[0]:%Y-%m-%d %H:%M} UTC in {row[1]:.0f} s"
        facts["size"] = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()[0]
    return facts


def ms(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.1f}"


def verdict(case: Case, floor: Latencies) -> tuple[float, float, str]:
    """p50 and p95 ratios to SQL + floor, and whether the targets are met: p95 < 100 ms for
    every page, and for the plan pages the ratio too."""
    ratio50 = case.http.p50 / (statistics.median(case.sql) + floor.p50)
    ratio95 = case.http.p95 / (percentile(case.sql, 95) + floor.p95)
    limit = RATIO_TARGETS.get(case.page.kind)
    missed = []
    if not case.http.p95 < P95_TARGET_MS:
        missed.append(f"p95 ≥ {P95_TARGET_MS:.0f} ms")
    if limit is not None and not ratio95 <= limit:
        missed.append(f"ratio > {limit}")
    return ratio50, ratio95, "yes" if not missed else "**no** (" + ", ".join(missed) + ")"


def results_table(cases: list[Case], floor: Latencies) -> list[str]:
    """The plan pages: latency, SQL, floor, ratio and both targets."""
    rows = [
        "| Page | Queries | n | p50 | p95 | SQL p50 | SQL p95 | Floor p50 | Floor p95 "
        "| p50 / (SQL+floor) | p95 / (SQL+floor) | Ratio target | Targets met |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for case in cases:
        ratio50, ratio95, met = verdict(case, floor)
        rows.append(
            f"| {case.page.label} | {len(case.statements)} | {case.http.count} "
            f"| {ms(case.http.p50)} | {ms(case.http.p95)} "
            f"| {ms(statistics.median(case.sql))} | {ms(percentile(case.sql, 95))} "
            f"| {ms(floor.p50)} | {ms(floor.p95)} | {ratio50:.2f} | {ratio95:.2f} "
            f"| ≤ {RATIO_TARGETS[case.page.kind]} | {met} |"
        )
    rows.append(floor_row(floor, 13))
    return rows


def network_table(cases: list[Case], floor: Latencies) -> list[str]:
    """The Network module's pages: who asks, what the page found, latency, SQL and the p95
    target (the ratio is shown, not a target)."""
    rows = [
        "| Page | As | Results | Queries | n | p50 | p95 | SQL p50 | SQL p95 "
        "| p95 / (SQL+floor) | p95 < 100 ms |",
        "|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for case in cases:
        _ratio50, ratio95, met = verdict(case, floor)
        rows.append(
            f"| {case.page.label} | {case.page.audience} | {case.page.found} "
            f"| {len(case.statements)} | {case.http.count} "
            f"| {ms(case.http.p50)} | {ms(case.http.p95)} "
            f"| {ms(statistics.median(case.sql))} | {ms(percentile(case.sql, 95))} "
            f"| {ratio95:.2f} | {met} |"
        )
    rows.append(floor_row(floor, 11))
    return rows


def floor_row(floor: Latencies, columns: int) -> str:
    cells = ["GET /healthz (floor)", "1", floor.count, ms(floor.p50), ms(floor.p95)]
    if columns == 11:
        cells = ["GET /healthz (floor)", "anonymous", "", "1", floor.count, ms(floor.p50)]
        cells.append(ms(floor.p95))
    return "| " + " | ".join(cells + [""] * (columns - len(cells))) + " |"


def slowest_statements(cases: list[Case], top: int = 3) -> list[str]:
    lines = []
    for case in cases:
        medians = [statistics.median(times) for times in case.per_statement]
        ranked = sorted(range(len(medians)), key=lambda i: medians[i], reverse=True)[:top]
        lines.append(f"- **{case.page.label}** ({case.page.audience}, `{case.page.path}`):")
        for index in ranked:
            sql = " ".join(case.statements[index][0].split())
            shown = sql if len(sql) <= 160 else sql[:157] + "…"
            lines.append(f"  - {medians[index]:.2f} ms: `{shown}`")
    return lines


def explain_slowest(url: str, case: Case) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of the case's slowest statement (by median), if it is a
    SELECT: the plan goes to RESULTS.md, so that a slow page shows where its time goes."""
    medians = [statistics.median(times) for times in case.per_statement]
    if not medians:
        return
    sql, params = case.statements[max(range(len(medians)), key=medians.__getitem__)]
    if not sql.lstrip().upper().startswith("SELECT"):
        return
    options = app_connection_options()
    with psycopg.connect(
        url, cursor_factory=psycopg.ClientCursor, autocommit=True, **options
    ) as conn:
        query = conn.cursor().mogrify(sql, params)
        rows = conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}").fetchall()
    case.plan = [query, *(row[0] for row in rows)]


def explained(cases: list[Case]) -> list[str]:
    lines = []
    for case in cases:
        if not case.plan:
            continue
        query, *plan = case.plan
        lines += [
            f"#### {case.page.label} ({case.page.audience})",
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


@dataclass
class Start:
    """What the measurement started with."""

    monotonic: float
    load: float  # 1-minute load average
    code: str

    @classmethod
    def now(cls) -> Start:
        return cls(time.monotonic(), os.getloadavg()[0], code_version())


def write_results(
    args: argparse.Namespace,
    url: str,
    counts: dict[str, int],
    floors: dict[int, Latencies],
    cases: dict[int, list[Case]],
    start: Start,
    results: Path,
) -> None:
    import django

    pg = postgres_facts(url)
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.py` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC "
        f"(measurement took {time.monotonic() - start.monotonic:.0f} s), code {start.code}. "
        "See [README.md](README.md).",
        "",
        "## Machine",
        "",
        *(f"- {name}: {value}" for name, value in machine().items()),
        f"- Load average (1 min) at the start and the end of the measurement: "
        f"{start.load:.1f} and {os.getloadavg()[0]:.1f} (the end includes the benchmark's own "
        "load; a high start means other work shared the CPUs)",
        f"- PostgreSQL {pg['server_version']} on 127.0.0.1 (shared_buffers {pg['shared_buffers']}"
        f", work_mem {pg['work_mem']}), database {pg['size']}",
        f"- Django {django.get_version()}, gunicorn {GUNICORN_WORKERS} workers × "
        f"{GUNICORN_THREADS} threads (gthread), DEBUG=0, psycopg pool; client and server on "
        "the same machine",
        "- Render caches of the plan pages and public API (plans/cache.py) and of the "
        "directory (network/cache.py: searches per audience, the gap report, the public and "
        "gap API lists): "
        + (
            "**off** (PLANS_CACHE_SECONDS=0, DIRECTORY_CACHE_SECONDS=0): every request "
            "computes its page"
            if args.no_cache
            else "on, as in production; the warm-up fills it, so requests are cache hits "
            "(see RESULTS-uncached.md for misses)"
        ),
        "",
        "## Data",
        "",
        f"Generated {pg['generated']} by `bench/generate.py`.",
        "",
        "| Table | Rows |",
        "|---|--:|",
        *(f"| {table} | {number:,} |" for table, number in counts.items()),
        "",
        "## Latency (ms)",
        "",
        f"{args.requests} requests per case after {args.warmup} of warm-up "
        f"(fewer if a case passed {args.seconds:.0f} s), keep-alive connections; each client "
        "keeps the cookies the server sets, as a browser does (a returning visitor's CSRF "
        "cookie). SQL: the page's "
        f"captured statements run directly with psycopg, {args.repetitions} repetitions per "
        "client at the same concurrency, summed per repetition. Floor: GET /healthz "
        "(anonymous).",
        "",
    ]
    for clients, page_cases in cases.items():
        plans = [case for case in page_cases if case.page.group == "plans"]
        network = [case for case in page_cases if case.page.group == "network"]
        lines += [f"### {clients} concurrent client{'s' if clients > 1 else ''}", ""]
        if plans:
            lines += [
                "Action-plan monitor, anonymous visitor of `bench-plan-001`. Targets: p95 < "
                f"{P95_TARGET_MS:.0f} ms, and p95 ≤ 2 × (SQL p95 + floor p95) for lists, 1.5 × "
                "for the measure page.",
                "",
                *results_table(plans, floors[clients]),
                "",
            ]
        if network:
            lines += [
                "Network module. Searches are the htmx partial the directory's form fetches "
                "(`HX-Request: true`); the signed-in pages send the session cookie of the user "
                "(one session per client), the API gap list a Bearer token. Target: p95 < "
                f"{P95_TARGET_MS:.0f} ms (the ratio is shown, not a target). What the misses "
                "come from and what would fix them: [README.md](README.md#findings-the-network-"
                "module-at-national-scale).",
                "",
                *network_table(network, floors[clients]),
                "",
            ]
    first = cases[min(cases)]
    lines += [
        f"## Slowest statements ({min(cases)} client{'s' if min(cases) > 1 else ''}, median)",
        "",
        *slowest_statements(first),
        "",
    ]
    plans_explained = explained([case for case in first if case.page.group == "network"])
    if plans_explained:
        lines += [
            "## Query plans of the Network pages' slowest statements",
            "",
            f"`EXPLAIN (ANALYZE, BUFFERS)` of each page's slowest statement ({min(cases)} "
            "client run), on the bench database after the measurement.",
            "",
            *plans_explained,
        ]
    results.write_text("\n".join(lines))


# --- Main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generate", action="store_true", help="load the data again first")
    parser.add_argument("--requests", type=int, default=200, help="per page and concurrency")
    parser.add_argument("--warmup", type=int, default=20, help="requests before measuring")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per case")
    parser.add_argument("--repetitions", type=int, default=30, help="SQL replays per client")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument(
        "--pages",
        choices=["all", "plans", "network"],
        default="all",
        help="measure only the plan pages or only the Network module's",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="turn the render caches off (PLANS_CACHE_SECONDS=0, DIRECTORY_CACHE_SECONDS=0) "
        "and write "
        "RESULTS-uncached.md: what every cache miss costs",
    )
    args = parser.parse_args()
    results = RESULTS_UNCACHED if args.no_cache else RESULTS

    url = generate.database_url()
    ensure_data(args.generate)
    start = Start.now()
    pages = []
    if args.pages in ("all", "plans"):
        pages += pages_under_test(url)
    if args.pages in ("all", "network"):
        pages += network_pages()
    counts = table_counts(url)
    floors: dict[int, Latencies] = {}
    cases: dict[int, list[Case]] = {}
    with tempfile.TemporaryDirectory(prefix="synergie-bench-") as tmp:
        env = app_environment(url, str(Path(tmp) / "static"))
        if args.no_cache:
            env["PLANS_CACHE_SECONDS"] = "0"
            env["DIRECTORY_CACHE_SECONDS"] = "0"
        collect_static(env)
        setup_django(env)
        credentials = sign_in(max(args.concurrency))
        try:
            with gunicorn(env, Path(tmp) / "gunicorn.log") as port:
                check_pages(port, pages, credentials)
                for clients in args.concurrency:
                    print(f"{clients} client(s):", flush=True)
                    floors[clients] = measure_http(
                        port, "/healthz", clients, args.requests, args.warmup, args.seconds
                    )
                    print(f"  floor p50 {ms(floors[clients].p50)} ms", flush=True)
                    cases[clients] = []
                    for page in pages:
                        cases[clients].append(
                            measure_page(url, port, page, clients, credentials, args)
                        )
            for case in cases[min(args.concurrency)]:
                if case.page.group == "network":
                    explain_slowest(url, case)
        finally:
            sign_out(credentials)
            from django.db import connection

            connection.close_pool()
    write_results(args, url, counts, floors, cases, start, results)
    print(f"wrote {results.relative_to(BASE_DIR)}")


def measure_page(
    url: str, port: int, page: Page, clients: int, credentials: Credentials, args
) -> Case:
    """One case: the page's HTTP latencies, then its SQL captured afresh (sessions expire
    after 30 idle minutes; a capture from the start of a long run would replay stale dates)
    and replayed."""
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
        url,
        page.statements,
        clients,
        args.repetitions,
        lambda _first, client: statements[client],
    )
    print(
        f"  {page.label} ({page.audience}): p50 {ms(latencies.p50)} p95 {ms(latencies.p95)} "
        f"SQL p50 {ms(statistics.median(sums))} ms",
        flush=True,
    )
    return Case(page, latencies, sums, per_statement, list(page.statements))


if __name__ == "__main__":
    main()
