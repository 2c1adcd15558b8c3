"""Measure Synergie's public pages on the bench database and write bench/RESULTS.md.

1. Runs bench/generate.py: it migrates the bench database and loads the data unless a
   complete load is there (--generate: loads it again anyway).
2. Collects the static files into a temporary directory and starts gunicorn (config.wsgi,
   production settings, DEBUG=0) on a free loopback port; checks that every page answers 200.
3. For each concurrency (1 and 8 clients: threads, each with a keep-alive connection) and each
   page, sends a warm-up then a bounded number of requests as an anonymous visitor and keeps
   p50/p95 latency. GET /healthz (SELECT 1 through every middleware) is the floor.
4. Captures the SQL each page runs (django.test.Client in this process, same settings) and
   times those exact statements with psycopg at the same concurrency: the SQL cost.
5. Writes RESULTS.md: machine, data volumes, and per concurrency the latencies, SQL and
   floor, their ratio and whether the targets are met. Stops gunicorn in every case.

    .venv/bin/python bench/run.py [--generate] [--requests 200] [--concurrency 1 8]
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
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
RATIO_TARGETS = {"list": 2.0, "detail": 1.5}
GUNICORN_WORKERS = 4
GUNICORN_THREADS = 2
BARRIER_SECONDS = 300  # a client that fails before the start releases the others
COUNTED_TABLES = [
    "network_organisation",
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
    """A page under test. kind is "list" or "detail" (its ratio target)."""

    label: str
    path: str
    kind: str
    statements: list[tuple[str, object]] = field(default_factory=list)


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
        Page("API measures list (50)", f"/api/v1/measures?plan={PLAN_SLUG}", "list"),
    ]


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


def get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    """GET path on a keep-alive connection (http.client reconnects if the server closed it)."""
    conn.request("GET", path, headers={"Accept": "text/html,application/json"})
    response = conn.getresponse()
    return response.status, response.read()


def check_pages(port: int, pages: list[Page]) -> None:
    """Every page answers 200; the API gives a full page of 50 measures."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    for page in pages:
        status, body = get(conn, page.path)
        if status != 200:
            raise RuntimeError(f"{page.path} answered {status}: {body[:500]!r}")
        if page.path.startswith("/api/") and len(json.loads(body)["results"]) != 50:
            raise RuntimeError(f"{page.path} did not return 50 measures")
    conn.close()


# --- Load -----------------------------------------------------------------------------------


def measure_http(
    port: int, path: str, clients: int, requests: int, warmup: int, seconds: float
) -> Latencies:
    """Latencies of `requests` GETs of path spread over `clients` threads, after a warm-up;
    each client stops early once `seconds` have passed."""
    per_client = math.ceil(requests / clients)
    warmup_per_client = math.ceil(warmup / clients)
    start = threading.Barrier(clients, timeout=BARRIER_SECONDS)
    samples: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        for _ in range(warmup_per_client):
            get(conn, path)
        start.wait()
        stop_at = time.perf_counter() + seconds
        mine, failed = [], []
        for _ in range(per_client):
            if time.perf_counter() > stop_at:
                break
            began = time.perf_counter()
            try:
                status, _body = get(conn, path)
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


def capture_sql(env: dict[str, str], pages: list[Page]) -> None:
    """Fill each page's statements: what the view runs for an anonymous visitor, on the
    second request (the first may warm caches)."""
    os.environ.update(env)
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST=HOST)
    for page in pages:
        client.get(page.path)
        recorder = Recorder()
        with connection.execute_wrapper(recorder):
            response = client.get(page.path)
        if response.status_code != 200:
            raise RuntimeError(f"{page.path} answered {response.status_code} in the capture")
        page.statements = recorder.statements
    connection.close_pool()


def replay(
    url: str, statements: list[tuple[str, object]], clients: int, repetitions: int
) -> tuple[list[float], list[list[float]]]:
    """Execute the statements (and fetch their rows) `repetitions` times on each of `clients`
    connections at once, as Django does (client-side binding). Returns the summed time of
    each repetition, and per statement its times, in ms."""
    sums: list[float] = []
    per_statement: list[list[float]] = [[] for _ in statements]
    lock = threading.Lock()
    start = threading.Barrier(clients, timeout=BARRIER_SECONDS)

    def client() -> None:
        with psycopg.connect(url, cursor_factory=psycopg.ClientCursor, autocommit=True) as conn:
            cur = conn.cursor()
            run_once(cur, statements)  # warm the connection's caches
            start.wait()
            for _ in range(repetitions):
                times = run_once(cur, statements)
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
    """p50 and p95 ratios to SQL + floor, and whether both targets are met."""
    ratio50 = case.http.p50 / (statistics.median(case.sql) + floor.p50)
    ratio95 = case.http.p95 / (percentile(case.sql, 95) + floor.p95)
    limit = RATIO_TARGETS[case.page.kind]
    missed = []
    if not case.http.p95 < P95_TARGET_MS:
        missed.append(f"p95 ≥ {P95_TARGET_MS:.0f} ms")
    if not ratio95 <= limit:
        missed.append(f"ratio > {limit}")
    return ratio50, ratio95, "yes" if not missed else "**no** (" + ", ".join(missed) + ")"


def results_table(cases: list[Case], floor: Latencies) -> list[str]:
    rows = [
        "| Page | Queries | n | p50 | p95 | SQL p50 | SQL p95 | Floor p50 | Floor p95 "
        "| p50 / (SQL+floor) | p95 / (SQL+floor) | Ratio target | Targets met |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|",
    ]
    for case in cases:
        ratio50, ratio95, met = verdict(case, floor)
        rows.append(
            f"| {case.page.label} | {len(case.page.statements)} | {case.http.count} "
            f"| {ms(case.http.p50)} | {ms(case.http.p95)} "
            f"| {ms(statistics.median(case.sql))} | {ms(percentile(case.sql, 95))} "
            f"| {ms(floor.p50)} | {ms(floor.p95)} | {ratio50:.2f} | {ratio95:.2f} "
            f"| ≤ {RATIO_TARGETS[case.page.kind]} | {met} |"
        )
    rows.append(
        f"| GET /healthz (floor) | 1 | {floor.count} | {ms(floor.p50)} "
        f"| {ms(floor.p95)} | | | | | | | | |"
    )
    return rows


def slowest_statements(cases: list[Case], top: int = 3) -> list[str]:
    lines = []
    for case in cases:
        medians = [statistics.median(times) for times in case.per_statement]
        ranked = sorted(range(len(medians)), key=lambda i: medians[i], reverse=True)[:top]
        lines.append(f"- **{case.page.label}** (`{case.page.path}`):")
        for index in ranked:
            sql = " ".join(case.page.statements[index][0].split())
            shown = sql if len(sql) <= 160 else sql[:157] + "…"
            lines.append(f"  - {medians[index]:.2f} ms: `{shown}`")
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
        "- Render cache of the plan pages and public API (plans/cache.py): "
        + (
            "**off** (PLANS_CACHE_SECONDS=0): every request computes its page"
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
        f"Anonymous visitor, {args.requests} requests per case after {args.warmup} of warm-up "
        f"(fewer if a case passed {args.seconds:.0f} s), keep-alive connections. SQL: the page's "
        f"captured statements run directly with psycopg, {args.repetitions} repetitions per "
        "client at the same concurrency, summed per repetition. Floor: GET /healthz. Targets: "
        f"p95 < {P95_TARGET_MS:.0f} ms, and p95 ≤ 2 × (SQL p95 + floor p95) for lists, "
        "1.5 × for the measure page.",
        "",
    ]
    for clients, page_cases in cases.items():
        lines += [f"### {clients} concurrent client{'s' if clients > 1 else ''}", ""]
        lines += results_table(page_cases, floors[clients])
        lines.append("")
    lines += [
        "## Slowest statements (1 client, median)",
        "",
        *slowest_statements(cases[min(cases)]),
        "",
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
        "--no-cache",
        action="store_true",
        help="turn the plans render cache off (PLANS_CACHE_SECONDS=0) and write "
        "RESULTS-uncached.md: what every cache miss costs",
    )
    args = parser.parse_args()
    results = RESULTS_UNCACHED if args.no_cache else RESULTS

    url = generate.database_url()
    ensure_data(args.generate)
    start = Start.now()
    pages = pages_under_test(url)
    counts = table_counts(url)
    floors: dict[int, Latencies] = {}
    cases: dict[int, list[Case]] = {}
    with tempfile.TemporaryDirectory(prefix="synergie-bench-") as tmp:
        env = app_environment(url, str(Path(tmp) / "static"))
        if args.no_cache:
            env["PLANS_CACHE_SECONDS"] = "0"
        collect_static(env)
        capture_sql(env, pages)
        with gunicorn(env, Path(tmp) / "gunicorn.log") as port:
            check_pages(port, pages)
            for clients in args.concurrency:
                print(f"{clients} client(s):", flush=True)
                floors[clients] = measure_http(
                    port, "/healthz", clients, args.requests, args.warmup, args.seconds
                )
                print(f"  floor p50 {ms(floors[clients].p50)} ms", flush=True)
                cases[clients] = []
                for page in pages:
                    latencies = measure_http(
                        port, page.path, clients, args.requests, args.warmup, args.seconds
                    )
                    sums, per_statement = replay(url, page.statements, clients, args.repetitions)
                    cases[clients].append(Case(page, latencies, sums, per_statement))
                    print(
                        f"  {page.label}: p50 {ms(latencies.p50)} p95 {ms(latencies.p95)} "
                        f"SQL p50 {ms(statistics.median(sums))} ms",
                        flush=True,
                    )
    write_results(args, url, counts, floors, cases, start, results)
    print(f"wrote {results.relative_to(BASE_DIR)}")


if __name__ == "__main__":
    main()
