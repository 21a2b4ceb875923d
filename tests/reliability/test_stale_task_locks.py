"""A worker killed while it ran a locked job (the due refresh, the exception sweep …) leaves the job's
lock in the queue storage, and nothing else ever removes it: every later run was skipped ("unable
to acquire lock"), so tracking stopped for good. A worker or server starting clears such stale locks.

This one runs on the default install (SQLite database and queue), in both passes of ``make test``;
the killed-worker scenario on PostgreSQL and Redis is test_refresh_survives_a_killed_worker.py.
"""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

LEFT_BY_A_KILLED_WORKER = """
from datetime import timedelta
from huey.contrib.djhuey import HUEY
from yundan import clock
from yundan.shipping.models import Package
from yundan.tracking import tasks
Package.objects.filter(next_refresh_at__isnull=False).update(
    next_refresh_at=clock.now() - timedelta(minutes=1), last_checked_at=None)
HUEY.lock_task("tracking-refresh-due").acquire()  # what a worker killed mid-refresh leaves behind
tasks.refresh_due_packages()  # the scheduler's tick, now instead of at the next minute
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def yundan(env, *args):
    return subprocess.run([sys.executable, "-m", "yundan.cli", *args], env=env, check=True, capture_output=True,
                          text=True, timeout=300)


def unrefreshed(home) -> int:
    with sqlite3.connect(home / "yundan.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM shipping_package WHERE next_refresh_at IS NOT NULL "
                          "AND last_checked_at IS NULL").fetchone()[0]


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    """A demo data folder, made once; each test works on a copy."""
    home = tmp_path_factory.mktemp("demo")
    yundan(environment(home), "init")
    yundan(environment(home), "demo", "--orders", "20", "--seed", "3")
    return home


def environment(home) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("YUNDAN_")}
    env["YUNDAN_HOME"] = str(home)
    return env


@pytest.mark.parametrize("command", [["worker"], ["serve", "127.0.0.1:{port}"]])
def test_a_lock_left_by_a_killed_worker_does_not_stop_the_refresh(demo_home, tmp_path, command):
    home = shutil.copytree(demo_home, tmp_path / "home")
    env = environment(home)
    yundan(env, "shell", "-c", LEFT_BY_A_KILLED_WORKER)
    assert unrefreshed(home) > 0
    process = subprocess.Popen([sys.executable, "-m", "yundan.cli", *(a.format(port=free_port()) for a in command)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while unrefreshed(home) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=30)
    assert unrefreshed(home) == 0, errors
