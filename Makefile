# relance: `make demo` and `make test` are the two commands a newcomer needs.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-slow install install-test system-deps lint format messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

## Demo data on SQLite, today's dunning, then the web app on http://127.0.0.1:8000
demo: install
	$(BIN)/relance demo
ifndef NO_SERVE
	$(BIN)/relance serve
endif

## System packages the tests need (PostgreSQL, Chromium); installs only what is missing.
system-deps:
	bash scripts/system-deps.sh

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## The whole suite on SQLite, then again on a PostgreSQL server started on loopback.
test: install-test system-deps lint
	$(BIN)/pytest
	bash scripts/with-postgres.sh $(BIN)/pytest

## The long kill, soak and property runs (marker `slow`), on both databases.
test-slow: install-test system-deps
	$(BIN)/pytest -m slow
	bash scripts/with-postgres.sh $(BIN)/pytest -m slow

format: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: install
	cd relance && export RELANCE_DATA_DIR=$(CURDIR)/data && ../$(BIN)/relance makemessages -l fr --no-obsolete --ignore "comms/templates/*" && ../$(BIN)/relance compilemessages
