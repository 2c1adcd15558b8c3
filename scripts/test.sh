#!/usr/bin/env bash
# Second command of the README: set up, then run the whole suite on SQLite and PostgreSQL,
# browser tests included. Extra arguments go to pytest (e.g. scripts/test.sh -k plans).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/install-browser.sh

PG_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/synergie}"
export SYNERGIE_TESTING=1
# One pytest worker per CPU, up to 4 (pytest-xdist), each with its own test database and
# live server; TEST_WORKERS=0 runs the suite in one process.
cpus="$(nproc 2>/dev/null || echo 1)"
WORKERS="${TEST_WORKERS:-$(( cpus < 4 ? cpus : 4 ))}"

echo "==> Checks: lint, types, migrations, system checks"
.venv/bin/ruff check .
.venv/bin/ruff format --check . >/dev/null
.venv/bin/mypy
.venv/bin/python manage.py makemigrations --check --dry-run >/dev/null
.venv/bin/python manage.py check

echo "==> Test suite on SQLite"
env -u DATABASE_URL .venv/bin/python -m pytest -q -n "$WORKERS" "$@"

echo "==> Test suite on PostgreSQL ($PG_URL)"
if ! .venv/bin/python - "$PG_URL" <<'PY'
import sys, psycopg
try:
    psycopg.connect(sys.argv[1].rsplit("/", 1)[0] + "/postgres", connect_timeout=5).close()
except Exception as exc:
    print(f"PostgreSQL is not reachable: {exc}", file=sys.stderr)
    sys.exit(1)
PY
then
  echo "Start PostgreSQL on 127.0.0.1:5432 (user postgres) or set TEST_POSTGRES_URL." >&2
  exit 1
fi
DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -q -n "$WORKERS" "$@"
