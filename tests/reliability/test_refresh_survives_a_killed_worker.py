"""20,000 packages refreshed from a fake Kuaidi100 with two workers running, while a worker running
a refresh run is killed with ``kill -9`` and started again: every package ends refreshed, with each
of its events stored once, and nothing the dead worker held is lost.

The scheduler's tick claims the due packages with a 15-minute lease and queues them in runs of 500
(yundan.tracking.tasks); both workers take runs. The runs the dead worker had in hand are lost with
it; their packages come back once the lease runs out. The test does not wait 15 minutes: the worker
comes back with its clock (``YUNDAN_NOW``) 16 minutes ahead, as if it had been down that long, while
the other worker keeps the real time (for it those packages are still leased).
"""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import datetime, timedelta

from fakes.kuaidi100 import FakeKuaidi100, trace_item

from reliability.deployment import SEED, wait_for
from reliability.seed import waybill_no

PACKAGES = 20_000
PREFIX = "SF"
TRACE = [  # oldest first; every package gets these three events
    trace_item("2026-11-25 09:00:00", "【北京市】顺丰速运 已收取快件", "103", "揽收", "北京,北京市"),
    trace_item("2026-11-25 21:00:00", "快件在【北京顺义集散中心】完成分拣，准备发往【杭州】", "1002", "干线"),
    trace_item("2026-11-26 08:30:00", "快件到达【杭州西湖营业点】", "1001", "在途", "浙江,杭州市"),
]
RUN_TASK = "yundan.tracking.tasks.refresh_claimed_packages"
RUN_SIZE = 500
RUNS = PACKAGES // RUN_SIZE
THREADS = 2  # per worker: the most runs one worker holds at a time
# The scheduler's every-minute tick, now instead of at the next minute (as tests/tracking/test_worker.py).
TICK = "from yundan.tracking.tasks import refresh_due_packages\nrefresh_due_packages()"
RUN_SECONDS = 150


def refreshed(deployment) -> int:
    return deployment.value("SELECT COUNT(*) FROM shipping_package WHERE last_checked_at IS NOT NULL")


def claims_of(worker) -> list[int]:
    """How many packages each tick this worker ran claimed."""
    return [int(n) for n in re.findall(r"refresh: (\d+) packages claimed", worker.log_text())]


def tick(deployment, workers) -> None:
    """Queue the tick and wait until a worker has run it."""
    ran = sum(len(claims_of(w)) for w in workers)
    deployment.yundan("shell", "-c", TICK)
    wait_for("the tick run", lambda: sum(len(claims_of(w)) for w in workers) > ran, 60)


def test_a_worker_killed_mid_refresh_loses_no_package_and_stores_no_event_twice(deployment):
    with FakeKuaidi100(latency=0.005) as fake:
        numbers = [waybill_no(PREFIX, i) for i in range(PACKAGES)]
        fake.traces = dict.fromkeys(numbers, TRACE)
        deployment.settings.update(YUNDAN_REFRESH_BATCH=str(PACKAGES), YUNDAN_REFRESH_RUN=str(RUN_SIZE),
                                   YUNDAN_WORKER_THREADS=str(THREADS))
        deployment.script(SEED, "shipped", str(PACKAGES), "sf", PREFIX)
        deployment.yundan("carriers", "add", "kuaidi100", "--name", "快递100", *[
            arg for key, value in fake.settings(concurrency="16").items() for arg in ("--set", f"{key}={value}")])
        _, workers = deployment.scale_out(webs=0)

        tick(deployment, workers)
        assert sum(sum(claims_of(w)) for w in workers) == PACKAGES, "one tick claims the whole backlog"
        wait_for("a quarter of the packages refreshed", lambda: refreshed(deployment) >= PACKAGES // 4, RUN_SECONDS)
        busy = wait_for("a worker in the middle of a run", lambda: next(
            (w for w in workers if w.holds(RUN_TASK)), None), 60, interval=0.05)
        busy.kill_hard()
        survivor = workers[1 - workers.index(busy)]
        started, ended = busy.tasks(RUN_TASK)
        lost = len(started - ended)
        deployment.note(f"killed {busy.name} with {refreshed(deployment)} packages refreshed, {lost} run(s) in hand")

        # The survivor takes every run still queued; only the dead worker's runs stay undone, leased.
        wait_for("every queued run taken and ended",
                 lambda: len(ended) + len(survivor.tasks(RUN_TASK)[1]) == RUNS - lost, RUN_SECONDS)
        stranded = PACKAGES - refreshed(deployment)
        deployment.note(f"{stranded} packages stranded with the dead worker's runs")
        assert 0 < stranded <= lost * RUN_SIZE <= THREADS * RUN_SIZE, "no job lost but the dead worker's own"
        tick(deployment, [survivor])
        assert claims_of(survivor)[-1] == 0 and refreshed(deployment) == PACKAGES - stranded, \
            "a tick on the real clock leaves them alone: they are still leased"

        lease_over = datetime.now().astimezone() + timedelta(minutes=16)
        back = deployment.restart(busy, YUNDAN_NOW=lease_over.isoformat())
        deployment.note(f"{busy.name} restarted")
        deadline = time.monotonic() + RUN_SECONDS
        while refreshed(deployment) < PACKAGES and time.monotonic() < deadline:
            if not any(w.holds(RUN_TASK) for w in (back, survivor)):
                tick(deployment, [back, survivor])
            time.sleep(1)
        deployment.note(f"{refreshed(deployment)} packages refreshed")

    assert refreshed(deployment) == PACKAGES
    assert stranded in claims_of(back), "the worker back 16 minutes on claimed what the dead one held"
    per_package = deployment.query(
        "SELECT events, COUNT(*) FROM (SELECT p.id, COUNT(e.id) AS events FROM shipping_package p "
        "LEFT JOIN tracking_trackingevent e ON e.package_id = p.id GROUP BY p.id) counted GROUP BY events")
    assert per_package == [(len(TRACE), PACKAGES)], "every package has each of its events exactly once"
    assert deployment.value(
        "SELECT COUNT(*) FROM (SELECT 1 FROM tracking_trackingevent GROUP BY package_id, time, raw_text "
        "HAVING COUNT(*) > 1) repeated") == 0
    assert deployment.value(
        "SELECT COUNT(*) FROM shipping_package WHERE status <> 'in_transit' OR next_refresh_at IS NULL") == 0
    asked = Counter(q["num"] for q in fake.queries)
    assert set(asked) == set(numbers)
    deployment.note(f"waybills asked twice (the dead worker's last slices): {sum(n > 1 for n in asked.values())}")
