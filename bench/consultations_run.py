"""Measure the case consultations, the statistics page and the retention job on the Cases
bench data, and write bench/RESULTS-consultations.md (issue 5; see CONSULTATIONS.md).

1. Waits while another benchmark runs, then runs bench/cases_data.py (cases_run.load_data:
   loads the Cases data unless it is there) and reads the facts of the load.
2. Adds an LIVC-R to the bench database once (table bench_consultations_cell records it,
   with the Cases load it was made on): a Platform of kind livc_r in a bench municipality,
   its three members by law (mayor, chief of police with a valid "secret" clearance,
   prevention officer: a post each with its legal role, held by a Professional linked to a
   user with a TOTP authenticator), 30 persons of the bench data with a contribution to the
   cell, a meeting held four weeks ago (12 of them discussed, an open action each, minutes)
   and the meeting in session (started an hour before) with the 30 persons on its agenda
   (the 12 carried over by their open actions), its register and more actions. Everything
   through consultations/services.py.
3. Starts gunicorn with production settings (bench/run.py) and measures at 1 and 8 clients
   the meeting page (30 cases), a case page, the room view (as the secretary) and the
   statistics page (default view and a filtered one, as a plan coordinator): p50/p95 and
   the SQL captured and replayed (bench/run.py's machinery). Also the statistics cubes'
   build time (a cache miss), in this process.
4. The retention job over the 150,000 files, on a copy of the bench database
   (CREATE DATABASE … TEMPLATE): every open file closed today, the job run as of a day
   61 months later (its clock for closed files is 60 months), in a subprocess under
   /usr/bin/time -v: the first run queues, the review items are approved (SQL, as a DPO
   would, with the rule's action), the second run removes. Wall time, peak RSS, counts
   before and after; the copy is dropped.
5. Writes RESULTS-consultations.md and the section between markers at the end of
   RESULTS.md (replaced by each run).

    .venv/bin/python bench/consultations_run.py [--requests 200] [--concurrency 1 8]
        [--no-retention] [--retention-only]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from datetime import UTC
from pathlib import Path
from urllib.parse import unquote_plus, urlencode, urlsplit, urlunsplit

import generate
import psycopg
from cases_run import load_data, measure, wait_for_other_benchmarks
from psycopg import sql
from psycopg.types.json import Jsonb
from run import (
    HOST,
    SESSION_COOKIE,
    Case,
    Credentials,
    Page,
    app_connection_options,
    app_environment,
    check_pages,
    code_version,
    collect_static,
    explain_slowest,
    gunicorn,
    machine,
    measure_http,
    ms,
    percentile,
    setup_django,
    sign_out,
)

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
RESULTS = BENCH_DIR / "RESULTS-consultations.md"
SUMMARY = BENCH_DIR / "RESULTS.md"
BEGIN = "<!-- bench/consultations_run.py: begin (replaced by each run) -->"
END = "<!-- bench/consultations_run.py: end -->"
P95_TARGET_MS = 150.0
MARKER = "bench_consultations_cell"
VERSION = 2  # bump when what ensure_cell() builds changes
CELL_KEY = "bench-livc-r"
EMAIL = "consultations-{}@bench.invalid"
MEMBERS = {  # key: (legal role, membership role, full name)
    "mayor": ("mayor", "chair", "Bench Mayor"),
    "police": ("police_chief", "member", "Bench Police Chief"),
    "prevention": ("prevention_officer", "secretary", "Bench Prevention Officer"),
}
AGENDA = 30
HELD_CASES = 12  # discussed at the previous meeting, an open action each: carried over
CURRENT_ACTIONS = 8
CLONE = "synergie_bench_retention"
RETENTION_MONTHS = 61  # past the default 60 months of a closed file
WHO = {
    "prevention": "prevention officer (secretary)",
    "coordinator": "plan coordinator",
}
COUNTED = [
    "cases_person",
    "cases_casefile",
    "cases_journalentry",
    "cases_evaluation",
    "cases_guidanceplan",
    "cases_contribution",
    "cases_referral",
    "cases_servicereferral",
    "consultations_meeting",
    "consultations_agendacase",
    "retention_residue",
]


def wait_for_load() -> None:
    """A Cases load running (bench/cases_data.py started by someone else): running it again
    now would start a second load, so wait until it is gone."""
    while True:
        found = subprocess.run(
            ["pgrep", "-af", "bench/cases_data.py|bench/generate.py"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.splitlines()
        others = [line for line in found if int(line.split()[0]) != os.getpid()]
        if not others:
            return
        print(f"waiting for the data load to finish: {others[0]}", flush=True)
        time.sleep(30)


# --- The cell ---------------------------------------------------------------------------------


def cases_load(url: str) -> datetime.datetime:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT generated_at FROM bench_cases_generation").fetchone()[0]


def cell_facts(url: str) -> dict | None:
    """The facts of a cell built on the current Cases load, if it is complete."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {MARKER} (created_at timestamptz NOT NULL, "
            "cases_load timestamptz NOT NULL, facts jsonb NOT NULL)"
        )
        row = conn.execute(f"SELECT cases_load, facts FROM {MARKER}").fetchone()
        if row is None or row[1].get("version") != VERSION:
            return None
        loaded = conn.execute("SELECT generated_at FROM bench_cases_generation").fetchone()
        cases = conn.execute(
            "SELECT count(*) FROM consultations_agendacase AS c JOIN consultations_meeting AS m "
            "ON m.id = c.meeting_id WHERE m.uuid = %s",
            [row[1]["meeting"]],
        ).fetchone()[0]
    if loaded is None or loaded[0] != row[0] or cases != AGENDA:
        return None
    return row[1]


def remove_cell(url: str) -> None:
    """What a previous (or interrupted) build left: the cell's meetings and everything in
    them, its contributions, seats, posts, professionals and users."""
    users = "SELECT id FROM accounts_user WHERE email LIKE 'consultations-%%@bench.invalid'"
    with psycopg.connect(url) as conn:
        cell = conn.execute(
            "SELECT id FROM platforms_platform WHERE key = %s", [CELL_KEY]
        ).fetchone()
        if cell is not None:
            meetings = "SELECT id FROM consultations_meeting WHERE cell_id = %(cell)s"
            cases = f"SELECT id FROM consultations_agendacase WHERE meeting_id IN ({meetings})"
            consensus = f"SELECT id FROM consultations_consensus WHERE case_id IN ({cases})"
            for statement in (
                f"DELETE FROM consultations_informationsheet WHERE consensus_id IN ({consensus})",
                f"DELETE FROM consultations_vote WHERE consensus_id IN ({consensus})",
                f"DELETE FROM consultations_consensus WHERE case_id IN ({cases})",
                f"DELETE FROM consultations_minutes WHERE meeting_id IN ({meetings})",
                "DELETE FROM consultations_caseaction WHERE cell_id = %(cell)s",
                f"DELETE FROM consultations_invitation WHERE case_id IN ({cases})",
                f"DELETE FROM consultations_attendance WHERE meeting_id IN ({meetings})",
                f"DELETE FROM consultations_agendacase WHERE meeting_id IN ({meetings})",
                "DELETE FROM consultations_meeting WHERE cell_id = %(cell)s",
                "DELETE FROM cases_contribution_recipients WHERE contribution_id IN "
                "(SELECT id FROM cases_contribution WHERE to_livc_id = %(cell)s)",
                "DELETE FROM cases_contribution WHERE to_livc_id = %(cell)s",
                "DELETE FROM retention_retentionrule WHERE cell_id = %(cell)s",
                "DELETE FROM platforms_membership WHERE platform_id = %(cell)s",
                "DELETE FROM platforms_platform WHERE id = %(cell)s",
            ):
                conn.execute(statement, {"cell": cell[0]})
        professionals = (
            "SELECT id FROM network_professional WHERE email LIKE 'consultations-%%@bench.invalid'"
        )
        conn.execute(f"DELETE FROM network_tenure WHERE professional_id IN ({professionals})")
        conn.execute(f"DELETE FROM network_post WHERE holder_id IN ({professionals})")
        conn.execute(f"DELETE FROM network_professional WHERE id IN ({professionals})")
        for table in (
            "usersessions_usersession",
            "accounts_apitoken",
            "mfa_authenticator",
            "accounts_user_groups",
            "account_emailaddress",
        ):
            conn.execute(f"DELETE FROM {table} WHERE user_id IN ({users})")
        conn.execute(f"DELETE FROM accounts_user WHERE id IN ({users})")


def ensure_cell(url: str) -> dict:
    """The bench LIVC-R, built once per Cases load (see the module's docstring)."""
    facts = cell_facts(url)
    if facts is not None:
        print("the bench LIVC-R is there", flush=True)
        return facts
    print("building the bench LIVC-R", flush=True)
    started = time.perf_counter()
    remove_cell(url)
    facts = build_cell(url)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DELETE FROM {MARKER}")
        conn.execute(
            f"INSERT INTO {MARKER} SELECT now(), generated_at, %s FROM bench_cases_generation",
            [Jsonb(facts)],
        )
    print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)
    return facts


def busiest_municipality(url: str) -> tuple[str, int]:
    """The municipality whose organisations hold the most open files, and the organisation
    there holding the most (it coordinates the cell and presents the cases)."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            """
            SELECT o.municipality, o.id FROM cases_casefile AS f
            JOIN network_organisation AS o ON o.id = f.organisation_id
            WHERE f.status = 'open' AND o.municipality <> ''
            GROUP BY o.municipality, o.id ORDER BY count(*) DESC, o.id LIMIT 1
            """
        ).fetchone()


def build_cell(url: str) -> dict:
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import Group
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from cases.models import CaseFile, Contribution
    from consultations import services
    from network.models import Organisation, Post, PostKind, Professional
    from platforms.models import Membership, Platform

    municipality, organisation_id = busiest_municipality(url)
    organisation = Organisation.objects.get(pk=organisation_id)
    today = timezone.localdate()
    with transaction.atomic():
        cell = Platform.objects.create(
            key=CELL_KEY,
            name={"nl": f"LIVC-R {municipality} (bench)", "fr": f"CSIL-R {municipality} (bench)"},
            kind="livc_r",
            municipality=municipality,
            coordinator=organisation,
        )
        group = Group.objects.get(name="livc_member")
        kind = PostKind.objects.order_by("id").first()
        users: dict[str, User] = {}
        for n, (key, (legal_role, seat, name)) in enumerate(MEMBERS.items()):
            user = User.objects.create(
                email=EMAIL.format(key), full_name=name, organisation=organisation
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(group)
            Authenticator.objects.create(
                user=user,
                type=Authenticator.Type.TOTP,
                data={"secret": ("BENCHCONSULTATIONS" + "ABC"[n] * 14)[:32]},
            )
            professional = Professional.objects.create(full_name=name, email=user.email, user=user)
            cleared = legal_role == "police_chief"
            post = Post.objects.create(
                organisation=organisation,
                kind=kind,
                title={"nl": name, "fr": name},
                legal_role=legal_role,
                clearance="secret" if cleared else "",
                clearance_expires_on=today + datetime.timedelta(days=730) if cleared else None,
                holder=professional,
            )
            Membership.objects.create(
                platform=cell,
                organisation=organisation,
                post=post,
                role=seat,
                starts_on=today - datetime.timedelta(days=700),
            )
            users[key] = user
    prevention, mayor = users["prevention"], users["mayor"]

    # 30 persons with an open file in the municipality, each shared with the cell
    files = list(
        CaseFile.objects.filter(status="open", organisation__municipality=municipality)
        .select_related("person", "manager")
        .order_by("id")[: AGENDA * 3]
    )
    chosen, seen = [], set()
    for file in files:
        if file.person_id not in seen:
            seen.add(file.person_id)
            chosen.append(file)
        if len(chosen) == AGENDA:
            break
    if len(chosen) < AGENDA:
        raise RuntimeError(f"only {len(chosen)} persons with an open file in {municipality}")
    for n, file in enumerate(chosen):
        Contribution.objects.create(
            person=file.person,
            file=file,
            author=file.manager,
            kind="summary",
            text=f"Situation discussed with the partners; follow-up in progress [{n}].",
            legal_basis="case_consultation",
            purpose="Case consultation in the local integral security cell",
            to_livc=cell,
            created_at=timezone.now() - datetime.timedelta(days=40),
        )

    def at(days: int, hour: int) -> datetime.datetime:
        day = today + datetime.timedelta(days=days)
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))

    place = f"Town hall of {municipality}"
    officers = {"chair": mayor, "secretary": prevention, "location": place}
    held = services.schedule_meeting(
        cell, {"starts_at": at(-28, 9), "ends_at": at(-28, 12), **officers}, acting_user=prevention
    )
    held_cases = [
        services.add_case(held, file.person, file.organisation, acting_user=prevention)
        for file in chosen[:HELD_CASES]
    ]
    services.record_attendance(
        held, set(held.attendance.values_list("pk", flat=True)), acting_user=prevention
    )
    for n, case in enumerate(held_cases):
        case = services.record_discussion(
            case,
            {
                "summary": f"The partners present the situation; guidance continues [{n}].",
                "decisions": "Keep the follow-up; review at the next meeting.",
                "discussed": True,
            },
            case.version,
            acting_user=prevention,
        )
        services.add_action(
            case,
            {
                "text": f"Check the enrolment in the training programme [{n}].",
                "owner": chosen[n].organisation,
                "due_on": today + datetime.timedelta(days=7 + n),
            },
            acting_user=prevention,
        )
    services.set_status(held, "held", acting_user=prevention)
    services.write_minutes(
        held,
        "Members present. Twelve cases discussed under their handle; an action for each. "
        "Next meeting in four weeks.",
        None,
        acting_user=prevention,
    )

    # the meeting in session (it started an hour ago: attendance, actions and the room view
    # are recorded once a meeting has started): the 12 come back with their open actions,
    # 18 more are added
    began = timezone.now().replace(microsecond=0) - datetime.timedelta(hours=1)
    current = services.schedule_meeting(
        cell,
        {"starts_at": began, "ends_at": began + datetime.timedelta(hours=4), **officers},
        acting_user=prevention,
    )
    for file in chosen[HELD_CASES:]:
        services.add_case(current, file.person, file.organisation, acting_user=prevention)
    services.record_attendance(
        current, set(current.attendance.values_list("pk", flat=True)), acting_user=prevention
    )
    cases = list(current.cases.order_by("position"))
    for n, case in enumerate(cases[HELD_CASES : HELD_CASES + CURRENT_ACTIONS]):
        services.add_action(
            case,
            {
                "text": f"Contact the family with the youth worker [{n}].",
                "owner": organisation,
                "due_on": today + datetime.timedelta(days=14 + n),
            },
            acting_user=prevention,
        )
    carried = cases[0]  # carried over: an open action from the held meeting, a contribution
    return {
        "version": VERSION,
        "cell": cell.pk,
        "municipality": municipality,
        "organisation": organisation.pk,
        "meeting": str(current.uuid),
        "held_meeting": str(held.uuid),
        "case": carried.pk,
        "members": {key: user.email for key, user in users.items()},
        "cases": len(cases),
        "carried_over": sum(1 for c in cases if c.carried_from_id),
    }


# --- Signing in and the pages ---------------------------------------------------------------


def sign_in(users: dict[str, str], sessions_per_user: int) -> Credentials:
    """A session per client for each user; marked as past the second factor for those who
    have one (the cell's members), as cases_run.sign_in does."""
    from django.conf import settings
    from django.test import Client

    from accounts.middleware import MFA_OK_KEY, has_second_factor
    from accounts.models import User

    if settings.SESSION_COOKIE_NAME != SESSION_COOKIE:
        raise RuntimeError(f"the session cookie is {settings.SESSION_COOKIE_NAME}")
    credentials = Credentials()
    for key, email in users.items():
        user = User.objects.get(email=email)
        second_factor = has_second_factor(user)
        credentials.sessions[key] = []
        for _ in range(sessions_per_user):
            client = Client(HTTP_HOST=HOST)
            client.force_login(user)
            if second_factor:
                session = client.session
                session[MFA_OK_KEY] = True
                session.save()
                credentials.sessions[key].append(session.session_key)
            else:
                credentials.sessions[key].append(client.cookies[SESSION_COOKIE].value)
    return credentials


def statistics_filter(url: str, municipality: str) -> str:
    """A filtered view: files opened last year in the cell's municipality, by phase."""
    year = datetime.date.today().year - 1
    return urlencode(
        {"figure": "files", "breakdown": "phase", "municipality": municipality, "year": year}
    )


def consultation_pages(facts: dict) -> list[Page]:
    meeting = facts["meeting"]
    return [
        Page(
            f"Meeting page ({facts['cases']} cases, {facts['carried_over']} carried over)",
            f"/consultations/{meeting}/",
            "consultations",
            "prevention",
            "session",
        ),
        Page(
            "Case page (carried over: open action, contribution)",
            f"/consultations/{meeting}/cases/{facts['case']}/",
            "consultations",
            "prevention",
            "session",
        ),
        Page(
            f"Room view ({facts['cases']} cases)",
            f"/consultations/{meeting}/room/",
            "consultations",
            "prevention",
            "session",
        ),
    ]


def statistics_pages(url: str, facts: dict) -> list[Page]:
    query = statistics_filter(url, facts["municipality"])
    return [
        Page("Statistics, default view", "/statistics/", "figures", "coordinator", "session"),
        Page(
            f"Statistics, filtered: {unquote_plus(query)}",
            "/statistics/?" + query,
            "figures",
            "coordinator",
            "session",
        ),
    ]


def figures_ready() -> str:
    """Why the statistics page cannot be measured ("" when it can)."""
    try:
        from django.urls import reverse

        from figures import tables  # noqa: F401

        reverse("figures:index")
    except Exception as error:  # noqa: BLE001  (whatever is unfinished in figures)
        return f"{type(error).__name__}: {error}"
    return ""


def cube_builds(url: str, facts: dict, repetitions: int = 3) -> list[tuple[str, list[float]]]:
    """The statistics cubes' build (a cache miss: the first view of a figure in a worker
    process, then every FIGURES_CACHE_SECONDS), in this process: ms per build."""
    from django.http import QueryDict

    from figures import tables
    from figures.forms import FigureQueryForm

    found = []
    for label, query in (
        ("default view's figure", ""),
        ("filtered view's figure", statistics_filter(url, facts["municipality"])),
    ):
        wanted = FigureQueryForm(QueryDict(query)).query() if query else FigureQueryForm().query()
        times = []
        for _ in range(repetitions):
            began = time.perf_counter()
            tables.get_cube(wanted.figure, wanted.breakdown, fresh=True)
            times.append((time.perf_counter() - began) * 1000)
        found.append((f"{label} ({wanted.figure}, breakdown {wanted.breakdown or 'none'})", times))
    return found


def shared_cache_reads(repetitions: int = 5) -> dict:
    """What `manage.py warm_figures` costs (every figure built into the shared cache, timed
    once), then each cube of each figure (without breakdown and by each breakdown: a page
    shows one) read back from the shared cache as a worker whose own cache is empty reads it
    (`get_cube` after `clear_cache`): ms per read, and the largest cube's pickled size."""
    import pickle

    from django.core.cache import cache as shared_cache

    from figures import sources, tables

    began = time.perf_counter()
    built = tables.warm_all()
    warm_seconds = time.perf_counter() - began
    reads = []
    for figure in sources.FIGURES:
        times, largest = [], 0
        for breakdown in ["", *(b.key for b in figure.breakdowns)]:
            for _ in range(repetitions):
                tables.clear_cache()
                began = time.perf_counter()
                tables.get_cube(figure.key, breakdown)
                times.append((time.perf_counter() - began) * 1000)
            cube = shared_cache.get(tables._shared_key(figure.key, breakdown))
            largest = max(largest, len(pickle.dumps(cube)))
        reads.append((figure.key, largest, times))
    tables.clear_cache()
    return {"built": built, "seconds": warm_seconds, "reads": reads}


# --- Retention ------------------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def admin_url(url: str) -> str:
    return with_database(url, "postgres")


def clone_database(url: str) -> float:
    """CREATE DATABASE clone TEMPLATE the bench database (no connection may be open on it:
    retried for a while)."""
    source = urlsplit(url).path.lstrip("/")
    began = time.perf_counter()
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(CLONE)))
        for attempt in range(30):
            try:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY FILE_COPY").format(
                        sql.Identifier(CLONE), sql.Identifier(source)
                    )
                )
                break
            except psycopg.errors.ObjectInUse:
                others = conn.execute(
                    "SELECT pid, application_name, state FROM pg_stat_activity WHERE datname = %s",
                    [source],
                ).fetchall()
                print(f"  the bench database is in use, waiting: {others}", flush=True)
                if attempt == 29:
                    raise
                time.sleep(10)
    return time.perf_counter() - began


def drop_clone(url: str) -> None:
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(CLONE))
        )


RETENTION_COUNTS = {
    "case files": "SELECT count(*) FROM cases_casefile",
    "persons": "SELECT count(*) FROM cases_person",
    "journal entries": "SELECT count(*) FROM cases_journalentry",
    "evaluations": "SELECT count(*) FROM cases_evaluation",
    "guidance plans": "SELECT count(*) FROM cases_guidanceplan",
    "goals": "SELECT count(*) FROM cases_goal",
    "contributions": "SELECT count(*) FROM cases_contribution",
    "referrals (intake)": "SELECT count(*) FROM cases_referral",
    "service referrals": "SELECT count(*) FROM cases_servicereferral",
    "case consultation meetings with minutes": "SELECT count(*) FROM consultations_minutes",
    "audit events": "SELECT count(*) FROM audit_auditevent",
    "audit events naming a person": "SELECT count(*) FROM audit_auditevent WHERE subject <> ''",
    "anonymous residue rows": "SELECT count(*) FROM retention_residue",
    "review items": "SELECT count(*) FROM retention_reviewitem",
}


def retention_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        found = {k: conn.execute(q).fetchone()[0] for k, q in RETENTION_COUNTS.items()}
        for status, number in conn.execute(
            "SELECT status, count(*) FROM retention_reviewitem GROUP BY status ORDER BY status"
        ):
            found[f"review items {status}"] = number
    return found


def time_travel_day() -> datetime.date:
    today = datetime.date.today()
    month = today.month - 1 + RETENTION_MONTHS
    year, month = today.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(today.day, 28))


TIME_V = {
    "wall": re.compile(r"Elapsed \(wall clock\) time.*: (.+)$", re.M),
    "rss": re.compile(r"Maximum resident set size \(kbytes\): (\d+)", re.M),
    "user": re.compile(r"User time \(seconds\): ([\d.]+)", re.M),
    "system": re.compile(r"System time \(seconds\): ([\d.]+)", re.M),
}


def wall_seconds(text: str) -> float:
    seconds = 0.0
    for part in text.strip().split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def run_job(env: dict[str, str], day: datetime.date, timeout: float, log: Path) -> dict:
    """The retention job (services.run_retention, as `manage.py run_retention` runs it, with
    the day given) in a subprocess under /usr/bin/time -v."""
    command = [sys.executable, str(Path(__file__).resolve()), "--retention-job", day.isoformat()]
    if Path("/usr/bin/time").exists():
        command = ["/usr/bin/time", "-v", *command]
    began = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as expired:
        log.write_text(str(expired.stdout or "") + str(expired.stderr or ""))
        return {"timeout": timeout, "seconds": time.perf_counter() - began}
    log.write_text(done.stdout + "\n" + done.stderr)
    if done.returncode != 0:
        raise RuntimeError(f"the retention job failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["seconds"] = time.perf_counter() - began
    if match := TIME_V["wall"].search(done.stderr):
        result["wall"] = wall_seconds(match.group(1))
    if match := TIME_V["rss"].search(done.stderr):
        result["peak_rss_mib"] = int(match.group(1)) / 1024
    cpu = [float(m.group(1)) for k in ("user", "system") if (m := TIME_V[k].search(done.stderr))]
    if cpu:
        result["cpu"] = sum(cpu)
    return result


def retention_job(day: str) -> None:
    """In the subprocess: one run of the job, its figures as JSON on the last line."""
    import resource

    setup_django(dict(os.environ))
    from django.db import connection

    from retention import services

    began = time.perf_counter()
    run = services.run_retention(today=datetime.date.fromisoformat(day))
    seconds = time.perf_counter() - began
    connection.close()
    figures = {
        "job_seconds": seconds,
        "queued": run.queued,
        "executed": run.executed,
        "cancelled": run.cancelled,
        "held": run.held,
        "removed": run.removed,
        "self_peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    print(json.dumps(figures))


def approve_all(clone: str) -> tuple[int, float]:
    """Every pending item approved with its rule's action (no rule rows in the bench: the
    defaults, DEFAULT_RULES), decided by its organisation's DPO, as the review screen does
    item by item; here in one UPDATE (the decisions are not what is measured)."""
    setup = "SELECT u.id FROM accounts_user u JOIN accounts_user_groups g ON g.user_id = u.id "
    setup += "JOIN auth_group a ON a.id = g.group_id AND a.name = 'dpo' ORDER BY u.id LIMIT 1"
    actions = {
        "closed_file": "anonymise",
        "referral_no_further_action": "anonymise",
        "referral_redirected": "anonymise",
        "consultation_minutes": "anonymise",
        "helpdesk_contact": "anonymise",
    }
    from retention.models import DEFAULT_RULES

    actions.update({str(kind): str(action) for kind, (_m, action) in DEFAULT_RULES.items()})
    began = time.perf_counter()
    with psycopg.connect(clone, autocommit=True) as conn:
        dpo = conn.execute(setup).fetchone()[0]
        rules = conn.execute("SELECT count(*) FROM retention_retentionrule").fetchone()[0]
        if rules:
            raise RuntimeError("the copy has retention rules: approve through the service")
        approved = 0
        for kind, action in actions.items():
            approved += conn.execute(
                "UPDATE retention_reviewitem SET status = 'approved', action = %s, "
                "decided_by_id = %s, decided_at = now() WHERE status = 'pending' AND kind = %s",
                [action, dpo, kind],
            ).rowcount
        conn.execute("ANALYZE retention_reviewitem")
    return approved, time.perf_counter() - began


@contextmanager
def autoanalyze(clone: str, every: float = 60.0):
    """When the server runs without autovacuum (this bench's does), ANALYZE the review queue
    every minute while the job fills it, as autovacuum (naptime 1 min, threshold 50 rows +
    10 %) would in production: without statistics PostgreSQL takes the queue for empty and
    checks each organisation's files against all of it (a nested loop: 6 s per organisation
    at 135,000 items, the run growing with the square of the queue). Yields the list of the
    seconds at which it analysed (empty with autovacuum on)."""
    with psycopg.connect(clone, autocommit=True) as conn:
        on = conn.execute("SHOW autovacuum").fetchone()[0] == "on"
    analyses: list[float] = []
    if on:
        yield analyses
        return
    stop = threading.Event()
    began = time.perf_counter()

    def analyse() -> None:
        with psycopg.connect(clone, autocommit=True) as conn:
            while not stop.wait(every):
                conn.execute("ANALYZE retention_reviewitem")
                analyses.append(time.perf_counter() - began)

    thread = threading.Thread(target=analyse, daemon=True)
    thread.start()
    try:
        yield analyses
    finally:
        stop.set()
        thread.join()


def measure_retention(url: str, env: dict[str, str], args, tmp: Path) -> dict:
    """See the module's docstring, 4."""
    from django.db import connection

    connection.close()
    result: dict = {"day": time_travel_day().isoformat()}
    print("retention: copying the bench database", flush=True)
    result["clone_seconds"] = clone_database(url)
    clone = with_database(url, CLONE)
    try:
        with psycopg.connect(clone, autocommit=True) as conn:
            result["closed_now"] = conn.execute(
                "UPDATE cases_casefile SET status = 'closed', closed_on = CURRENT_DATE, "
                "closure_reason = 'goals_reached', outcome = 'stabilised' WHERE status = 'open'"
            ).rowcount
            conn.execute("VACUUM ANALYZE cases_casefile")
        result["before"] = retention_counts(clone)
        job_env = {**env, "DATABASE_URL": clone}
        day = time_travel_day()
        print(f"retention: first run as of {day} (queueing)", flush=True)
        with autoanalyze(clone) as analyses:
            result["queue"] = run_job(job_env, day, args.retention_timeout, tmp / "retention-1.log")
        result["analyses"] = analyses
        print(f"  {json.dumps(result['queue'], default=str)}", flush=True)
        result["queued_counts"] = retention_counts(clone)
        result["approved"], result["approve_seconds"] = approve_all(clone)
        print(f"retention: {result['approved']} items approved; second run (removal)", flush=True)
        result["execute"] = run_job(job_env, day, args.retention_timeout, tmp / "retention-2.log")
        print(f"  {json.dumps(result['execute'], default=str)}", flush=True)
        result["after"] = retention_counts(clone)
        with psycopg.connect(clone) as conn:
            result["clone_size"] = conn.execute(
                "SELECT pg_size_pretty(pg_database_size(current_database()))"
            ).fetchone()[0]
    finally:
        drop_clone(url)
    return result


# --- Report ---------------------------------------------------------------------------------


def met(value: float) -> str:
    return "yes" if value < P95_TARGET_MS else "**no**"


def page_table(cases: list[Case]) -> list[str]:
    rows = [
        "| Page | As | Queries | n | p50 | p95 | SQL p50 | SQL p95 | p95 < 150 ms |",
        "|---|---|--:|--:|--:|--:|--:|--:|---|",
    ]
    for case in cases:
        rows.append(
            f"| {case.page.label} | {WHO[case.page.who]} | {len(case.statements)} "
            f"| {case.http.count} | {ms(case.http.p50)} | {ms(case.http.p95)} "
            f"| {ms(statistics.median(case.sql))} | {ms(percentile(case.sql, 95))} "
            f"| {met(case.http.p95)} |"
        )
    return rows


def slowest(cases: list[Case], top: int = 3) -> list[str]:
    lines = []
    for case in cases:
        medians = [statistics.median(times) for times in case.per_statement]
        ranked = sorted(range(len(medians)), key=lambda i: medians[i], reverse=True)[:top]
        lines.append(f"- **{case.page.label}** (`{case.page.path}`):")
        for index in ranked:
            text = " ".join(case.statements[index][0].split())
            shown = text if len(text) <= 200 else text[:197] + "…"
            lines.append(f"  - {medians[index]:.2f} ms: `{shown}`")
    return lines


def plans(cases: list[Case]) -> list[str]:
    lines = []
    for case in cases:
        if not case.plan:
            continue
        query, *plan = case.plan
        lines += [f"#### {case.page.label}", "", "```sql", query, "```", "", "```", *plan, "```"]
        lines.append("")
    return lines


def duplicates(case: Case) -> int:
    """Statements run more than once with the same text (a sign of a query per row)."""
    texts = [s for s, _p in case.statements]
    return len(texts) - len(set(texts))


def retention_lines(retention: dict | None, reason: str) -> list[str]:
    if retention is None:
        return [f"Not measured: {reason}", ""]
    queue, execute = retention["queue"], retention["execute"]

    def job_row(label: str, job: dict) -> str:
        if "timeout" in job:
            return f"| {label} | stopped after {job['timeout']:.0f} s | | | | |"
        removed = sum(job.get("removed", {}).values())
        return (
            f"| {label} | {job.get('wall', job['seconds']):.1f} | {job.get('cpu', 0):.1f} "
            f"| {job.get('peak_rss_mib', job['self_peak_rss_mib']):.0f} "
            f"| {job['queued']:,} queued, {job['executed']:,} removed, "
            f"{job['cancelled']:,} cancelled, {job['held']:,} held | {removed:,} |"
        )

    before, queued, after = retention["before"], retention["queued_counts"], retention["after"]
    lines = [
        f"On a copy of the bench database (`CREATE DATABASE {CLONE} TEMPLATE …`, "
        f"{retention['clone_seconds']:.0f} s; dropped after). The "
        f"{retention['closed_now']:,} open files closed today (SQL), then the job "
        "(`retention.services.run_retention`, as `manage.py run_retention` runs it, default "
        f"chunk of 500) run as of {retention['day']}, {RETENTION_MONTHS} months later (the "
        "command has no option for the day: the subprocess calls the service with `today=`), "
        "under `/usr/bin/time -v`. No retention rule rows: every organisation has the defaults "
        "(closed files 60 months, referrals without further action or redirected 12 months, "
        "minutes 60 months; all anonymise). Between the runs every pending item is approved "
        f"({retention['approved']:,} items, one SQL UPDATE per kind, "
        f"{retention['approve_seconds']:.1f} s, as the DPOs' review screen would item by item).",
        "",
        (
            "The server runs without autovacuum: during the first run the review queue was "
            "analysed every minute, as autovacuum would in production (at "
            + ", ".join(f"{t:.0f}" for t in retention["analyses"])
            + " s), see CONSULTATIONS.md."
            if retention.get("analyses")
            else "No ANALYZE was run during the job (autovacuum on, or the job took under a "
            "minute)."
        ),
        "",
        "| Run | Wall (s) | CPU of the Python process (s) | Peak RSS (MiB) | What it did "
        "| Rows removed |",
        "|---|--:|--:|--:|---|--:|",
        job_row("1: queueing (nothing approved yet)", queue),
        job_row("2: removing the approved records", execute),
        "",
        "Peak RSS is the job's Python process (`Maximum resident set size`); PostgreSQL's "
        "own backends are not in it.",
        "",
        "| Rows | Before | After queueing | After removal |",
        "|---|--:|--:|--:|",
    ]
    keys = list(dict.fromkeys([*before, *queued, *after]))
    for key in keys:
        lines.append(
            f"| {key} | {before.get(key, 0):,} | {queued.get(key, 0):,} | {after.get(key, 0):,} |"
        )
    if execute.get("removed"):
        lines += [
            "",
            "Rows removed by table (second run): "
            + ", ".join(f"`{t}` {n:,}" for t, n in sorted(execute["removed"].items())),
        ]
    return [*lines, ""]


def write_results(ctx: dict) -> None:
    import django

    url, cell = ctx["url"], ctx["cell"]
    with psycopg.connect(url, **app_connection_options()) as conn:
        pg = {
            name: conn.execute(f"SHOW {name}").fetchone()[0]
            for name in ("server_version", "shared_buffers", "work_mem", "random_page_cost")
        }
        pg["size"] = conn.execute(
            "SELECT pg_size_pretty(pg_database_size(current_database()))"
        ).fetchone()[0]
        found = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED}
    start = ctx["start"]
    lines = [
        "# Benchmark results: case consultations, statistics, retention",
        "",
        f"Written by `bench/consultations_run.py` on {datetime.datetime.now(UTC):%Y-%m-%d %H:%M} "
        f"UTC (took {time.monotonic() - start[0]:.0f} s), code {start[2]}. See "
        "[CONSULTATIONS.md](CONSULTATIONS.md).",
        "",
        "## Machine",
        "",
        *(f"- {name}: {value}" for name, value in machine().items()),
        f"- Load average (1 min) at the start, after the pages, and at the end: {start[1]:.1f}, "
        f"{ctx.get('load_after_pages', float('nan')):.1f} and {os.getloadavg()[0]:.1f}",
        f"- PostgreSQL {pg['server_version']} on 127.0.0.1 (shared_buffers "
        f"{pg['shared_buffers']}, work_mem {pg['work_mem']}, random_page_cost "
        f"{pg['random_page_cost']}), database {pg['size']}",
        f"- Django {django.get_version()}, gunicorn as bench/run.py (4 workers × 2 threads, "
        "gthread), DEBUG=0; client and server on the same machine",
        "",
        "## Data",
        "",
        f"The Cases bench data (bench/CASES.md, loaded {ctx['loaded']:%Y-%m-%d %H:%M} UTC) and "
        f"the bench LIVC-R of {cell['municipality']} (organisation {cell['organisation']}): "
        f"three members (`{'`, `'.join(cell['members'].values())}`), {cell['cases']} persons "
        f"on the meeting's agenda, {cell['carried_over']} of them carried over from the meeting "
        "held four weeks earlier (an open action each, minutes written), each with a "
        f"contribution to the cell; {CURRENT_ACTIONS} more actions on the new cases; the "
        "register with the three members present.",
        "",
        "| Table | Rows |",
        "|---|--:|",
        *(f"| {table} | {number:,} |" for table, number in found.items()),
        "",
        "## Latency (ms)",
        "",
        f"Target: p95 < {P95_TARGET_MS:.0f} ms. {ctx['args'].requests} requests per case after "
        f"{ctx['args'].warmup} of warm-up (fewer if a case passed {ctx['args'].seconds:.0f} s), "
        "keep-alive connections, one session per client (the members' marked as past the "
        "second factor). SQL: the request's statements captured and replayed with psycopg "
        "(bench/run.py's method), the session, user and audit writes included.",
        "",
    ]
    if ctx["figures_missing"]:
        lines += [f"The statistics page was not measured: {ctx['figures_missing']}", ""]
    for clients, cases in ctx["cases"].items():
        floor = ctx["floors"][clients]
        lines += [
            f"### {clients} concurrent client{'s' if clients > 1 else ''}",
            "",
            *page_table(cases),
            f"| GET /healthz (floor) | anonymous | 1 | {floor.count} | {ms(floor.p50)} "
            f"| {ms(floor.p95)} | | | |",
            "",
        ]
    first = ctx["cases"][min(ctx["cases"])]
    repeated = [(c.page.label, duplicates(c)) for c in first if duplicates(c)]
    if repeated:
        lines += [
            "Statements repeated with the same text within one request (1 client): "
            + "; ".join(f"{label}: {n}" for label, n in repeated),
            "",
        ]
    if ctx.get("cubes"):
        lines += [
            "### Statistics: building a figure's cubes (cache miss)",
            "",
            "The page reads a figure's cubes from a cache in each gunicorn worker process "
            "(FIGURES_CACHE_SECONDS, 300 s by default), so the measurements above are hits "
            "after the warm-up. A miss (the first view of a figure in a worker, then every "
            "300 s) builds every breakdown of the figure; timed in the benchmark's process "
            "(`figures.tables.get_cube(…, fresh=True)`), ms:",
            "",
            "| Figure | Builds | Each |",
            "|---|--:|---|",
            *(
                f"| {label} | {len(times)} | {', '.join(f'{t:,.0f}' for t in times)} |"
                for label, times in ctx["cubes"]
            ),
            "",
        ]
    if ctx.get("shared"):
        lines += shared_lines(ctx["shared"])
    lines += [
        "## The retention job over 150,000 files",
        "",
        *retention_lines(ctx.get("retention"), ctx.get("retention_reason", "")),
        "## Slowest statements (1 client, median)",
        "",
        *slowest(first),
        "",
        "## Query plans",
        "",
        "`EXPLAIN (ANALYZE, BUFFERS)` of each page's slowest SELECT (1 client), after the "
        "measurement.",
        "",
        *plans(first),
    ]
    RESULTS.write_text("\n".join(lines))
    write_summary(ctx)


SHARED_HEADING = "### Statistics: warm_figures and the shared cache"


def shared_lines(shared: dict) -> list[str]:
    return [
        SHARED_HEADING,
        "",
        f"`manage.py warm_figures` (every figure built into the shared cache, the database "
        f"cache here): {shared['built']} figures in {shared['seconds']:,.0f} s. Then each "
        "cube of each figure (one per breakdown, and one without) read as a worker whose "
        "own cache is empty reads it (from the shared cache, unpickled), ms:",
        "",
        "| Figure | Largest cube, pickled | Reads | p50 | max |",
        "|---|--:|--:|--:|--:|",
        *(
            f"| {key} | {size / 1024:,.0f} KiB | {len(times)} "
            f"| {statistics.median(times):,.1f} | {max(times):,.1f} |"
            for key, size, times in shared["reads"]
        ),
        "",
    ]


def statistics_cache_only(url: str) -> None:
    """--statistics-cache: measure warm_figures and the shared-cache reads again, and replace
    their section of RESULTS-consultations.md and their line in RESULTS.md (the rest of both
    stays as the last full run wrote it)."""
    wait_for_other_benchmarks()
    with tempfile.TemporaryDirectory(prefix="synergie-bench-consultations-") as tmp:
        setup_django(app_environment(url, str(Path(tmp) / "static")))
        shared = shared_cache_reads()
    text = RESULTS.read_text()
    section = re.compile(re.escape(SHARED_HEADING) + r".*?(?=^## )", re.S | re.M)
    block = "\n".join(shared_lines(shared)) + "\n"
    now = datetime.datetime.now(UTC)
    stamp = f"(measured again on {now:%Y-%m-%d %H:%M} UTC, code {code_version()[:8]}`)"
    block = block.replace("ms:\n", f"ms {stamp}:\n", 1)
    RESULTS.write_text(section.sub(lambda _m: block, text) if section.search(text) else text)
    summary = SUMMARY.read_text()
    line = re.compile(r"^Statistics: `warm_figures` builds.*?\n\n", re.S | re.M)
    SUMMARY.write_text(line.sub(lambda _m: "\n".join(warm_line(shared)) + "\n", summary, 1))
    print(f"warm_figures {shared['seconds']:.0f} s; wrote {RESULTS.name} and RESULTS.md")


def warm_line(shared: dict | None) -> list[str]:
    if not shared:
        return []
    slowest = max(max(times) for _key, _size, times in shared["reads"])
    return [
        f"Statistics: `warm_figures` builds the {shared['built']} figures in "
        f"{shared['seconds']:,.0f} s; a worker then reads a figure from the shared cache in "
        f"at most {slowest:,.0f} ms (instead of building it).",
        "",
    ]


def write_summary(ctx: dict) -> None:
    """The section at the end of RESULTS.md, between the markers (replaced each run)."""
    rows = ["| Page | p95, 1 client | p95, 8 clients | p95 < 150 ms |", "|---|--:|--:|---|"]
    concurrencies = sorted(ctx["cases"])
    for index, case in enumerate(ctx["cases"][concurrencies[0]]):
        values = [ctx["cases"][c][index].http.p95 for c in concurrencies]
        label = case.page.label
        if label.startswith("Statistics, filtered"):
            label = "Statistics, filtered (files by phase, a municipality, a year)"
        rows.append(
            f"| {label} | {ms(values[0])} | {ms(values[-1])} "
            f"| {'yes' if max(values) < P95_TARGET_MS else '**no**'} |"
        )
    retention = ctx.get("retention")
    if retention is None:
        job = f"not measured ({ctx.get('retention_reason', '')})"
    else:
        parts = []
        for label, key in (("queueing", "queue"), ("removal", "execute")):
            run = retention[key]
            if "timeout" in run:
                parts.append(f"{label} stopped after {run['timeout']:.0f} s")
            else:
                parts.append(
                    f"{label} {run.get('wall', run['seconds']):.0f} s, peak RSS "
                    f"{run.get('peak_rss_mib', run['self_peak_rss_mib']):.0f} MiB"
                )
        job = "; ".join(parts)
    section = [
        BEGIN,
        "",
        "## Case consultations, statistics and retention (issue 5)",
        "",
        f"Run of {datetime.datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `bench/consultations_run.py`; "
        "details in [RESULTS-consultations.md](RESULTS-consultations.md), method in "
        "[CONSULTATIONS.md](CONSULTATIONS.md).",
        "",
        *rows,
        "",
        f"Retention job over the 150,000 files: {job}.",
        "",
        *warm_line(ctx.get("shared")),
        END,
    ]
    text = SUMMARY.read_text() if SUMMARY.exists() else ""
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END) + r"\n?", re.S)
    block = "\n".join(section) + "\n"
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text)
    else:
        text = text.rstrip("\n") + "\n\n" + block
    SUMMARY.write_text(text)


# --- Main -----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per page and concurrency")
    parser.add_argument("--warmup", type=int, default=20, help="requests before measuring")
    parser.add_argument("--seconds", type=float, default=60, help="time limit per case")
    parser.add_argument("--repetitions", type=int, default=30, help="SQL replays per client")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--no-retention", action="store_true", help="skip the retention job")
    parser.add_argument(
        "--retention-timeout", type=float, default=3600, help="seconds per run of the job"
    )
    parser.add_argument("--retention-job", metavar="DAY", help=argparse.SUPPRESS)
    parser.add_argument(
        "--statistics-cache",
        action="store_true",
        help="only measure warm_figures and the shared-cache reads again",
    )
    args = parser.parse_args()
    if args.statistics_cache:
        statistics_cache_only(generate.database_url())
        return
    if args.retention_job:
        retention_job(args.retention_job)
        return

    url = generate.database_url()
    wait_for_load()
    wait_for_other_benchmarks()
    facts = load_data(False)
    start = (time.monotonic(), os.getloadavg()[0], code_version())
    ctx: dict = {"url": url, "facts": facts, "args": args, "start": start}
    ctx["loaded"] = cases_load(url)
    with tempfile.TemporaryDirectory(prefix="synergie-bench-consultations-") as tmp:
        env = app_environment(url, str(Path(tmp) / "static"))
        env["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
        collect_static(env)
        setup_django(env)
        ctx["cell"] = cell = ensure_cell(url)
        ctx["figures_missing"] = figures_ready()
        pages = consultation_pages(cell)
        users = {"prevention": cell["members"]["prevention"]}
        if not ctx["figures_missing"]:
            pages += statistics_pages(url, cell)
            users["coordinator"] = generate.COORDINATOR_EMAIL
        credentials = sign_in(users, max(args.concurrency))
        ctx["floors"], ctx["cases"] = {}, {}
        try:
            with gunicorn(env, Path(tmp) / "gunicorn.log") as port:
                check_pages(port, [p for p in pages if p.kind != "figures"], credentials)
                try:
                    check_pages(port, [p for p in pages if p.kind == "figures"], credentials)
                except RuntimeError as error:  # figures is being finished by another worker
                    ctx["figures_missing"] = f"the page did not answer 200: {str(error)[:300]}"
                    pages = [p for p in pages if p.kind != "figures"]
                for clients in args.concurrency:
                    print(f"{clients} client(s):", flush=True)
                    ctx["floors"][clients] = measure_http(
                        port, "/healthz", clients, args.requests, args.warmup, args.seconds
                    )
                    ctx["cases"][clients] = [
                        measure(url, port, page, clients, credentials, args) for page in pages
                    ]
            for case in ctx["cases"][min(ctx["cases"])]:
                explain_slowest(url, case)
            if not ctx["figures_missing"]:
                print("statistics cubes (cache miss):", flush=True)
                ctx["cubes"] = cube_builds(url, cell)
                for label, times in ctx["cubes"]:
                    print(f"  {label}: {', '.join(f'{t:.0f}' for t in times)} ms", flush=True)
                print("statistics: warm_figures and reads from the shared cache:", flush=True)
                ctx["shared"] = shared_cache_reads()
                print(f"  warm_figures: {ctx['shared']['seconds']:.0f} s", flush=True)
        finally:
            sign_out(credentials)
            from django.db import connection

            connection.close_pool()
        ctx["load_after_pages"] = os.getloadavg()[0]
        if args.no_retention:
            ctx["retention_reason"] = "skipped (--no-retention)."
        else:
            try:
                ctx["retention"] = measure_retention(url, env, args, Path(tmp))
            except Exception as error:  # noqa: BLE001  (report the pages anyway)
                ctx["retention_reason"] = f"{type(error).__name__}: {str(error)[-1500:]}"
                print(f"retention not measured: {ctx['retention_reason']}", flush=True)
    write_results(ctx)
    print(f"wrote {RESULTS.relative_to(BASE_DIR)} and the section of RESULTS.md")


if __name__ == "__main__":
    main()
