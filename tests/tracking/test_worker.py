"""The background worker, as a real process: it takes queued jobs and runs the periodic refresh.

Huey stores its queue in SQLite by default and in Redis when YUNDAN_REDIS_URL is set; both run.
"""

import os
import socket
import sqlite3
import subprocess
import sys
import time

import pytest
from redis_dbs import redis_url

REDIS_URL = redis_url("worker")


def yundan(env, *args):
    return subprocess.run([sys.executable, "-m", "yundan.cli", *args], env=env, check=True, capture_output=True,
                          text=True, timeout=300)


MAKE_DUE = """
from datetime import timedelta
from yundan import clock
from yundan.shipping.models import Package
from yundan.tracking.tasks import refresh_due_packages
Package.objects.filter(next_refresh_at__isnull=False).update(next_refresh_at=clock.now() - timedelta(minutes=1))
refresh_due_packages()  # enqueue the periodic job now instead of waiting for the next minute
"""


def counts(home):
    with sqlite3.connect(home / "yundan.sqlite3") as db:
        live, refreshed = db.execute(
            "SELECT COUNT(*), SUM(checks_in_window >= 2) FROM shipping_package WHERE next_refresh_at IS NOT NULL "
            "OR checks_in_window >= 2"
        ).fetchone()
    return live, refreshed or 0


def wait_until_refreshed(home, live, process):
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and counts(home)[1] < live:
            time.sleep(0.5)
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    return errors


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_the_worker_refreshes_due_packages(tmp_path, queue):
    env = {**os.environ, "YUNDAN_HOME": str(tmp_path)}
    env.pop("YUNDAN_DATABASE_URL", None)
    env.pop("YUNDAN_REDIS_URL", None)
    if queue == "redis":
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        env["YUNDAN_REDIS_URL"] = REDIS_URL
    yundan(env, "init")
    yundan(env, "demo", "--orders", "30", "--seed", "3")
    yundan(env, "shell", "-c", MAKE_DUE)
    live, refreshed = counts(tmp_path)
    assert live > 0 and refreshed == 0
    worker = subprocess.Popen([sys.executable, "-m", "yundan.cli", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    errors = wait_until_refreshed(tmp_path, live, worker)
    assert counts(tmp_path) == (live, live), errors


def test_yundan_serve_runs_the_worker_in_its_own_process(tmp_path):
    env = {**os.environ, "YUNDAN_HOME": str(tmp_path)}
    env.pop("YUNDAN_DATABASE_URL", None)
    env.pop("YUNDAN_REDIS_URL", None)
    yundan(env, "init")
    yundan(env, "demo", "--orders", "30", "--seed", "3")
    yundan(env, "shell", "-c", MAKE_DUE)
    live, _ = counts(tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "yundan.cli", "serve", f"127.0.0.1:{port}"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    errors = wait_until_refreshed(tmp_path, live, server)
    assert counts(tmp_path) == (live, live), errors
