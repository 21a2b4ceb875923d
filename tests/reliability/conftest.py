"""The reliability suite (docs/reliability.md): yundan at scale on loopback — PostgreSQL, Redis, two
web processes, two workers and a fake carrier — under faults.

It runs in the PostgreSQL pass of ``make test`` and skips in the SQLite pass. It never touches the
database pytest-django made: each test gets a database of its own on the same server, copied from
one migrated template (``yundan_reliability_*``, dropped afterwards), its own Redis database
(tests/redis_dbs.py, flushed before each test) and its own data folder.
"""

from __future__ import annotations

import os

import psycopg
import pytest
import redis

from reliability.deployment import REDIS_URL, Deployment, postgres_url, with_database

TEMPLATE = "yundan_reliability"


def admin(url: str) -> psycopg.Connection:
    """A connection for CREATE/DROP DATABASE, to the server's maintenance database."""
    return psycopg.connect(with_database(url, "postgres"), autocommit=True)


def drop_database(url: str, name: str) -> None:
    with admin(url) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def template_database(tmp_path_factory):
    """A database migrated once by ``yundan init``; each test's database is a copy of it."""
    url = postgres_url()
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        pytest.fail(f"the reliability suite needs Redis at {REDIS_URL} (scripts/ensure-redis): {error}")
    drop_database(url, TEMPLATE)
    with admin(url) as connection:
        connection.execute(f'CREATE DATABASE "{TEMPLATE}"')
    Deployment(tmp_path_factory.mktemp("template"), with_database(url, TEMPLATE), REDIS_URL).yundan("init")
    yield url
    drop_database(url, TEMPLATE)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def deployment(request, template_database, tmp_path):
    """An empty migrated yundan of this test's own; its processes are stopped and its database dropped
    afterwards, the processes' logs printed when the test failed, and checked for personal data."""
    name = f"{TEMPLATE}_{os.getpid()}_{request.node.name.split('[')[0][-30:]}".lower()
    drop_database(template_database, name)
    with admin(template_database) as connection:
        connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
        # Commits need not wait for the disk: a throwaway database on a loaded machine, whose server
        # never crashes during the test (transactions stay atomic and isolated all the same).
        connection.execute(f'ALTER DATABASE "{name}" SET synchronous_commit = off')
    made = Deployment(tmp_path, with_database(template_database, name), REDIS_URL)
    try:
        yield made
    finally:
        made.finish(request)
        drop_database(template_database, name)
    assert not made.personal_data_in_logs(), made.personal_data_in_logs()[:10]
