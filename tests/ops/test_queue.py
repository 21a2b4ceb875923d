"""A second scheduler started by mistake cannot queue a periodic task twice for one minute."""

import threading
import uuid
from datetime import datetime, timedelta

import pytest
from huey import crontab
from huey.consumer import Scheduler

from yundan.queue import RedisHuey, SqliteHuey

from redis_dbs import redis_url

REDIS_URL = redis_url("queue")


def two_consumers(kind: str, tmp_path):
    """Two Huey objects on one queue, as two processes would have, each with the periodic task."""
    name = f"yundan-test-{uuid.uuid4().hex[:8]}"
    make = (lambda: SqliteHuey(name, filename=str(tmp_path / "queue.sqlite3"))) if kind == "sqlite" else (
        lambda: RedisHuey(name, url=REDIS_URL))
    queues = [make(), make()]
    for queue in queues:
        queue.periodic_task(crontab(minute="*"), name="refresh")(lambda: None)
        queue.periodic_task(crontab(minute="*/15"), name="sweep")(lambda: None)
    return queues


@pytest.fixture(params=["sqlite", "redis"])
def queues(request, tmp_path):
    queues = two_consumers(request.param, tmp_path)
    yield queues
    queues[0].flush()


def queued_names(queue) -> list[str]:
    return sorted(task.name for task in queue.pending())


def test_two_schedulers_queue_each_periodic_task_once_a_minute(queues):
    schedulers = [Scheduler(queue, threading.Event(), 1, periodic=True) for queue in queues]
    quarter = datetime(2026, 11, 27, 2, 15)
    for scheduler in schedulers:
        scheduler.enqueue_periodic_tasks(quarter)
    assert queued_names(queues[0]) == ["refresh", "sweep"]
    for scheduler in reversed(schedulers):  # the next minute: whoever comes first queues it
        scheduler.enqueue_periodic_tasks(quarter + timedelta(minutes=1, seconds=30))
    assert queued_names(queues[0]) == ["refresh", "refresh", "sweep"]


def test_a_single_scheduler_queues_every_tick(queues):
    start = datetime(2026, 11, 27, 2, 0)
    due = [sorted(t.name for t in queues[0].read_periodic(start + timedelta(minutes=m))) for m in range(4)]
    assert due == [["refresh", "sweep"], ["refresh"], ["refresh"], ["refresh"]]


def test_sqlite_claims_older_than_an_hour_are_cleared(tmp_path):
    queue = two_consumers("sqlite", tmp_path)[0]
    start = datetime(2026, 11, 27, 2, 0)
    for minute in (0, 1, 30, 61, 62):
        queue.read_periodic(start + timedelta(minutes=minute))
    claims = sorted(key for (key,) in queue.storage.sql(
        "SELECT key FROM kv WHERE key LIKE 'periodic:%'", results=True))
    assert claims == ["periodic:202611270230:refresh", "periodic:202611270230:sweep",
                      "periodic:202611270301:refresh", "periodic:202611270302:refresh"]
