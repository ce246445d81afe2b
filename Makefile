# Two commands for a newcomer: `make run` and `make test`. Both do the whole set-up.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PYTHON ?= python3

.PHONY: install setup run test lint format countries bench bench-large bench-smoke bench-import bench-iati bench-report contract clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

# Migrate, then load the UN M49 reference data and the 2020 report seed (both idempotent).
setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_roles
	$(PY) manage.py load_reference
	$(PY) manage.py load_seed

run: setup
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The suite in parallel, one process per core, each with its own test database
# (`make test TEST_WORKERS=0` runs it in one process). Tests marked with an xdist_group
# run in one process: the accessibility checks share one visit of every page.
TEST_WORKERS ?= auto
test: setup
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

# The benchmark (bench/README.md): 100,000 synthetic activities in the PostgreSQL database
# tacbapp_bench (rebuilt), served by gunicorn on 127.0.0.1; writes bench/results.json, .md.
bench: install
	$(PY) bench/run.py --activities 100000 --database tacbapp_bench

# A million activities in tacbapp_bench_large (issue 18): built, then the stats, people
# and list queries and the writes; bench/large/results.md. About an hour on 2 cores.
bench-large: install
	$(PY) bench/large.py

# The same at 3,000 activities in tacbapp_bench_ci, in under two minutes; fails unless
# the API, the hand-written SQL and the same SQL in DuckDB give identical numbers and no
# request fails.
bench-smoke: install
	$(PY) bench/run.py --smoke

# schemathesis over every operation of the OpenAPI schema, anonymously and with a
# manager's token, on gunicorn and a throwaway database (scripts/schemathesis.sh).
contract: install
	PYTHON=$(PY) scripts/schemathesis.sh

# An attendance sheet of 50,000 rows (CSV and XLSX) read, checked, matched and imported on
# the test database (SQLite by default), timed; fails over 30 s.
bench-import: install
	BENCH_IMPORT=1 $(PY) -m pytest tests/test_people_import_bench.py -s -q -p no:cacheprovider

# The IATI export of 100,000 synthetic activities (built and validated as the feed's
# first poll after a write), timed with its peak memory; fails over 60 s or 300 MB.
# DATABASE_URL names the database (a scratch one: it is migrated and filled).
bench-iati: install
	$(PY) bench/iati.py --activities 100000

# The DOCX report draft of a full year (the seed's 2020, with its figures, then the last
# synthetic year) over 100,000 synthetic activities, cold; fails over 10 s.
# DATABASE_URL names the database (a scratch one: it is migrated and filled).
bench-report: install
	$(PY) bench/report.py --activities 100000 --year 2020
	$(PY) bench/report.py

# ruff, then mypy: strict on the domain layer, the baseline elsewhere ([tool.mypy]).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Regenerate fixtures/m49.json from hdx-python-country, installed with --no-deps into a
# throwaway venv (the package pulls many dependencies we do not need at run time).
HDX_VERSION ?= 4.2.5
countries:
	rm -rf /tmp/tacbapp-hdx && $(PYTHON) -m venv /tmp/tacbapp-hdx
	/tmp/tacbapp-hdx/bin/pip install --quiet --no-deps hdx-python-country==$(HDX_VERSION)
	/tmp/tacbapp-hdx/bin/python scripts/build_m49_fixture.py fixtures/m49.json
	rm -rf /tmp/tacbapp-hdx

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache .mypy_cache
