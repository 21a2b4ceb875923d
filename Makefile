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

# The two passes run at the same time (each mostly keeps one core busy), each with its own data
# folder, temporary folder, Redis databases (tests/redis_dbs.py) and screenshots; the output of
# each comes whole when it ends.
test: install-test system-deps postgres redis check-migrations
	$(MAKE) -j2 --output-sync=target test-sqlite test-postgres

check-migrations:
	YUNDAN_HOME=$(TEST_HOME) $(BIN)/yundan makemigrations --check --dry-run

test-sqlite: redis
	mkdir -p var/pytest
	YUNDAN_HOME=$(TEST_HOME)/sqlite YUNDAN_ARTIFACTS=$(CURDIR)/var/test-artifacts/sqlite \
	  $(BIN)/python -m pytest -q --basetemp=$(CURDIR)/var/pytest/sqlite

system-deps:
	scripts/install-system-deps

postgres:
	scripts/ensure-postgres

redis:
	scripts/ensure-redis

test-postgres: postgres redis
	mkdir -p var/pytest
	YUNDAN_HOME=$(TEST_HOME)/postgres YUNDAN_ARTIFACTS=$(CURDIR)/var/test-artifacts/postgres \
	  YUNDAN_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest -q --basetemp=$(CURDIR)/var/pytest/postgres
