# Everyday commands. `make demo` and `make test` are the README's two commands.
PY := .venv/bin/python

.PHONY: demo run test lint format typecheck messages setup bench bench-cases bench-consultations

demo:            ## set up, migrate, load the demo data and serve on http://127.0.0.1:8000
	scripts/demo.sh

run: setup       ## serve without reloading the demo data
	$(PY) manage.py migrate --noinput && $(PY) manage.py runserver 127.0.0.1:8000

test:            ## set up and run the whole suite on SQLite and PostgreSQL (browser tests too)
	scripts/test.sh

setup:
	scripts/setup.sh

lint: setup      ## ruff, mypy, Django checks
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run

format: setup
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

messages: setup  ## refresh the catalogues of the four languages and compile them
	$(PY) manage.py makemessages -l nl -l fr -l de -l en --ignore=.venv --ignore=node_modules --ignore=bench --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules

bench: setup     ## generate synthetic data on PostgreSQL and measure (see bench/README.md)
	$(PY) bench/run.py

bench-cases: setup  ## load the Cases module's data and measure its pages (see bench/CASES.md)
	$(PY) bench/cases_run.py

bench-consultations: setup  ## case consultations, statistics and the retention job on the Cases data (see bench/CONSULTATIONS.md)
	$(PY) bench/consultations_run.py
