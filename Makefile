# The two commands: `make demo` runs the product, `make test` runs every check.
# Both create or refresh the virtualenv and node_modules first, so they work on a fresh clone.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
DEMO_PORT ?= 8000

.PHONY: install demo test lint test-sqlite test-postgres migrations-check clean bench bench-quick mutants

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

install: $(VENV)/.installed node_modules/.package-lock.json

# The simulator, the worker and the web server together (scripts/demo.py); Ctrl-C stops all.
# `make demo REPLAY=FILE` serves the shapes of a recording (autoproctor_doctor --record FILE).
demo: install
	$(PY) scripts/demo.py --port $(DEMO_PORT) $(if $(REPLAY),--replay $(REPLAY))

# Style, then the import contracts between the apps (pyproject.toml, docs/architecture.md).
lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

migrations-check: install
	DJANGO_DEBUG=true $(PY) manage.py makemigrations --check --dry-run

# POSTGRESQL_PASS_FOLLOWS=1 (set by `make test` when PostgreSQL answers) leaves the browser tests
# to the PostgreSQL pass; tests that never touch a database run on this pass only
# (tests/fixtures/passes.py).
# The autoproctor package's own tests come first: they run without Django (autoproctor/pyproject.toml).
test-sqlite: install
	$(PY) -m pytest -c autoproctor/pyproject.toml autoproctor/tests
	DATABASE_URL= POSTGRESQL_PASS_FOLLOWS=$(POSTGRESQL_PASS_FOLLOWS) $(PY) -m pytest

# Runs when PostgreSQL answers at TEST_DATABASE_URL; CI (CI=true) insists that it does.
test-postgres: install
	@if $(PY) -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(TEST_DATABASE_URL)" 2>/dev/null; then \
		echo "== PostgreSQL at $(TEST_DATABASE_URL)"; \
		DATABASE_URL="$(TEST_DATABASE_URL)" $(PY) -m pytest; \
	elif [ "$$CI" = "true" ]; then \
		echo "PostgreSQL is not reachable at TEST_DATABASE_URL=$(TEST_DATABASE_URL); CI needs it." >&2; exit 1; \
	else \
		echo "== PostgreSQL not reachable at TEST_DATABASE_URL=$(TEST_DATABASE_URL): skipped (SQLite only)"; \
	fi

# PostgreSQL answers at TEST_DATABASE_URL: evaluated when a recipe uses it, after the install.
POSTGRESQL_UP = $(shell $(PY) -c "import psycopg,sys; psycopg.connect(sys.argv[1], connect_timeout=3).close()" "$(TEST_DATABASE_URL)" 2>/dev/null && echo 1)

# The two passes share no database, file or port, so they run side by side (one per core); the
# PostgreSQL pass's output is kept in var/ and printed when both are done.
test: lint migrations-check
	@mkdir -p var
	@if [ "$(POSTGRESQL_UP)" = "1" ]; then \
		$(MAKE) --no-print-directory test-postgres > var/test-postgres.log 2>&1 & postgres=$$!; \
		$(MAKE) --no-print-directory test-sqlite POSTGRESQL_PASS_FOLLOWS=1; sqlite=$$?; \
		wait $$postgres; pg=$$?; cat var/test-postgres.log; \
		echo "== SQLite pass: exit $$sqlite; PostgreSQL pass: exit $$pg"; \
		exit $$(( sqlite || pg )); \
	else \
		$(MAKE) --no-print-directory test-sqlite && $(MAKE) --no-print-directory test-postgres; \
	fi

# Figures at an institution's size on PostgreSQL at BENCH_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/bench, created and migrated by the run); not part of `test`.
# The full run loads a million attempts and takes under an hour on 2 cores; it writes its table
# into benchmarks/README.md as the current results; bench-quick a minute or two, printed only.
bench: install
	$(PY) -m benchmarks

bench-quick: install
	$(PY) -m benchmarks --quick

# Mutation testing (mutmut) of the modules that guard people and data, each mutant run against
# only the tests that execute it; setup.cfg lists the modules and test files, docs/testing.md
# the scores and every survivor. Not part of `test`. MUTANTS_CHILDREN: mutants tested at once.
MUTANTS_CHILDREN ?= 1
mutants: install
	rm -rf mutants
	DATABASE_URL= nice -n 10 $(PY) -m mutmut run --max-children $(MUTANTS_CHILDREN)
	$(PY) scripts/mutation_scores.py

clean:
	rm -rf $(VENV) node_modules staticfiles var mutants
