#!/usr/bin/env bash
# Create the virtual environment and install the locked Python and front-end dependencies.
# Safe to run again: it only does what is missing or out of date.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating the virtual environment (.venv)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.lock-installed
if [ ! -f "$stamp" ] || ! cmp -s requirements/lock.txt "$stamp"; then
  echo "==> Installing Python dependencies (requirements/lock.txt)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes \
    -r requirements/lock.txt
  cp requirements/lock.txt "$stamp"
fi
if [ ! -f node_modules/htmx.org/dist/htmx.min.js ] || ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null; then
  echo "==> Installing front-end assets (npm ci)"
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is needed to install htmx: install Node.js (Debian: apt-get install npm)." >&2
    exit 1
  fi
  npm ci --no-audit --no-fund --silent
fi
