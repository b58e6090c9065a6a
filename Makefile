# Noel: the two commands of the README, and a few more for developers.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench install lock clean-db shell

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m config.launcher

# The suite in one process; PYTEST_WORKERS=auto runs it in parallel (pytest-xdist), each process on its own
# test database, a module's tests together in one process (its module-wide fixtures are built once).
PYTEST_WORKERS ?= 0
test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every benchmark, or those named in BENCH (`make bench BENCH="tabular feed"`); figures in bench/RESULTS.md.
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH)

shell: $(STAMP)
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.local} $(BIN)/python manage.py shell

# Regenerate requirements.lock from pyproject.toml in a throw-away environment.
lock:
	rm -rf var/lock-venv && $(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet --upgrade pip
	var/lock-venv/bin/pip install --quiet ".[local,dev]"
	var/lock-venv/bin/pip freeze --exclude noel > requirements.lock
	rm -rf var/lock-venv

# Throw away the embedded PostgreSQL's data (the demo catalog is rebuilt by the next `make run`).
clean-db:
	rm -rf var/pg
