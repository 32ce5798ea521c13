# Agendador WhatsApp. `make run` and `make test` work on a fresh machine with Python 3.11 and make.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
DEMO_ADMIN := +5511900000001

.PHONY: install run test bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

install: $(VENV)/.installed

# Development server on SQLite (agendador.db) with demo data, the console sender and the
# in-process scheduler. It prints the API token to use with curl.
run: install
	@export APP_ENV=development DATABASE_URL=sqlite:///agendador.db SENDER=console \
	        ADMIN_PHONES="$${ADMIN_PHONES:-$(DEMO_ADMIN)}"; \
	$(BIN)/flask --app app db upgrade && \
	$(BIN)/flask --app app seed-demo && \
	exec $(BIN)/flask --app app serve --port $(PORT)

# The whole suite on SQLite, and on MySQL too: on TEST_DATABASE_URL when it is set, else on
# LOCAL_MYSQL when a server answers there within a second. Under CI=true MySQL is required
# (LOCAL_MYSQL by default, the local MariaDB started if it is down). tests/mariadb_up.py makes
# that choice, says it in one line and prints the URL (nothing for SQLite only).
LOCAL_MYSQL := mysql://root@127.0.0.1:3306/test

test: install
	@$(BIN)/python tests/ensure_browser.py
	$(BIN)/ruff check .
	@url=$$($(BIN)/python tests/mariadb_up.py $(LOCAL_MYSQL)) || exit 1; \
	echo "$(BIN)/python -m pytest"; \
	TEST_DATABASE_URL="$$url" $(BIN)/python -m pytest

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis agendador.db agendador.db-wal agendador.db-shm
