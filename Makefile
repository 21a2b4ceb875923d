# The two commands of the README:
#   make demo   installs yundan and runs it on the embedded defaults (SQLite) with demo data
#   make test   installs everything and runs the whole test suite, on SQLite and on PostgreSQL
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin
TEST_DATABASE_URL ?= postgres://root@127.0.0.1:5432/test
TEST_HOME = $(CURDIR)/var/test-home

.PHONY: install install-test system-deps demo test test-sqlite test-postgres check-migrations postgres redis

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install -q -e .

install-test: $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'

demo: install
	$(BIN)/yundan init
	$(BIN)/yundan demo --orders 2000 --seed 1
	$(BIN)/yundan tour
	@echo "控制台 / console: http://127.0.0.1:8000  登录 / login: demo / yundan-demo"
	$(BIN)/yundan serve 127.0.0.1:8000

test: install-test system-deps postgres redis check-migrations test-sqlite test-postgres

check-migrations:
	YUNDAN_HOME=$(TEST_HOME) $(BIN)/yundan makemigrations --check --dry-run

test-sqlite: redis
	YUNDAN_HOME=$(TEST_HOME) $(BIN)/python -m pytest -q

system-deps:
	scripts/install-system-deps

postgres:
	scripts/ensure-postgres

redis:
	scripts/ensure-redis

test-postgres: postgres
	YUNDAN_HOME=$(TEST_HOME) YUNDAN_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest -q
