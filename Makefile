# Bazaar — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: demo test test-unit test-contract test-browser install install-dev lint format migrate seed run clean-demo

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip >/dev/null

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make demo: everything on one machine (embedded default unless DATABASE_URL/REDIS_URL are set)
# Links in emails follow HOST/PORT (settings derive SITE_URL from them unless it is set); DEBUG is
# off unless set, so a wrong address shows Bazaar's own 404 page, not Django's URL list.
demo: export HOST := $(HOST)
demo: export PORT := $(PORT)
demo: export DEBUG ?= false
demo: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py run_demo --host $(HOST) --port $(PORT)

## make test: the whole suite on PostgreSQL and Redis; browser journeys and the API contract
## (schemathesis against the live server, docs/api.md) in their own processes
test: install-dev
	$(BIN)/pytest -m "not browser and not contract" --create-db --reuse-db
	$(BIN)/pytest -m contract --reuse-db
	$(BIN)/pytest -m browser --reuse-db --reruns 2

test-unit: install-dev
	$(BIN)/pytest -m "not browser and not contract"

test-contract: install-dev
	$(BIN)/pytest -m contract

test-browser: install-dev
	$(BIN)/pytest -m browser

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean-demo:
	rm -f db.sqlite3 db.sqlite3-wal db.sqlite3-shm .stripe-emulator.json
