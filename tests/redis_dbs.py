"""The Redis databases the tests use, one per purpose, and a different set for each pass of
``make test`` (SQLite, PostgreSQL), so that the two passes can run at the same time: a test that
flushes its database never flushes the other pass's. (bench/scale.py uses database 12.)"""

from django.conf import settings

PURPOSES = ("ratelimit", "queue", "health", "worker", "reliability")
PASS_OFFSET = 5  # SQLite pass: databases 0–4, PostgreSQL pass: 5–9


def redis_url(purpose: str) -> str:
    postgres_pass = settings.DATABASES["default"]["ENGINE"].endswith("postgresql")  # as YUNDAN_DATABASE_URL set it
    return f"redis://127.0.0.1:6379/{PURPOSES.index(purpose) + (PASS_OFFSET if postgres_pass else 0)}"
