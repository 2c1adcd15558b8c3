#!/usr/bin/env bash
# First command of the README: set up, migrate, load the demo data, serve on 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "==> Preparing the database (SQLite file synergie.sqlite3 unless DATABASE_URL is set)"
.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py createcachetable
echo "==> Loading the demo data"
.venv/bin/python manage.py demo
echo "==> Synergie runs at http://127.0.0.1:8000 (Ctrl+C to stop)"
exec .venv/bin/python manage.py runserver 127.0.0.1:8000
