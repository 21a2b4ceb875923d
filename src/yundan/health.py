"""Readiness: can this process do its work right now? (``/readyz``; ``/healthz`` only says it runs.)

Three checks, each one cheap query or ping, so a load balancer may ask every few seconds: the
database answers, every migration this version ships is applied (a web process started before
``yundan init`` finished must not take traffic), and the background queue's storage answers
(Redis when ``YUNDAN_REDIS_URL`` is set, else the SQLite queue file). A failed check says only
"failed" to the caller, who may be anyone; the reason goes to the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache

import redis
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from huey.contrib.djhuey import HUEY

logger = logging.getLogger(__name__)
OK, FAILED, NOT_CHECKED = "ok", "failed", "not checked"
REDIS_TIMEOUT = 2  # seconds: a readiness probe must answer even when Redis does not


@cache
def shipped_migrations() -> frozenset[tuple[str, str]]:
    """The last migration of each app in this version (read from disk once per process)."""
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.YUNDAN_REDIS_URL, socket_timeout=REDIS_TIMEOUT,
                                socket_connect_timeout=REDIS_TIMEOUT)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_migrations() -> None:
    applied = set(MigrationRecorder.Migration.objects.values_list("app", "name"))
    missing = shipped_migrations() - applied
    if missing:
        raise LookupError(f"{len(missing)} migrations not applied (run yundan init): "
                          + ", ".join(sorted(f"{app}.{name}" for app, name in missing)[:5]))


def check_queue() -> None:
    if settings.YUNDAN_REDIS_URL:
        _redis().ping()
    else:
        HUEY.storage.queue_size()


def _run(name: str, check: Callable[[], None]) -> str:
    try:
        check()
    except Exception as error:  # whatever breaks, the probe answers 503 and the log says why
        logger.warning("readiness check %s failed: %s: %s", name, type(error).__name__, error)
        return FAILED
    return OK


def readiness() -> dict[str, str]:
    """Each check's answer, "ok" or "failed"; migrations are not checked without a database."""
    checks = {"database": _run("database", check_database)}
    checks["migrations"] = _run("migrations", check_migrations) if checks["database"] == OK else NOT_CHECKED
    checks["queue"] = _run("queue", check_queue)
    return checks
