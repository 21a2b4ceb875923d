"""20,000 packages refreshed from a fake Kuaidi100 with two workers running, while the worker that
runs the refresh is killed with ``kill -9`` in the middle of the run and started again: every package
ends refreshed, with each of its events stored once, and nothing the dead worker had claimed is lost.
(The due refresh runs one at a time, whichever worker takes it: its task holds a lock.)

The refresh claims packages with a 15-minute lease (yundan.tracking.services.claim_due): what a
dead worker claimed comes back once the lease runs out. The test does not wait 15 minutes: the
worker comes back with its clock (``YUNDAN_NOW``) 16 minutes ahead, as if it had been down that
long, while the other worker keeps the real time (for it those packages are still leased).
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
REFRESH_TASK = "yundan.tracking.tasks.refresh_due_packages"
# The scheduler's every-minute tick, now instead of at the next minute (as tests/tracking/test_worker.py).
TICK = "from yundan.tracking.tasks import refresh_due_packages\nfor _ in range(4): refresh_due_packages()"
RUN_SECONDS = 150


def refreshed(deployment) -> int:
    return deployment.value("SELECT COUNT(*) FROM shipping_package WHERE last_checked_at IS NOT NULL")


def running_refresh(worker) -> str | None:
    """The id of the refresh this worker is executing now, from its log: started and not yet ended
    (executed, not run for want of the lock, or failed)."""
    log = worker.log_text()
    started = re.findall(rf"Executing {re.escape(REFRESH_TASK)}: ([0-9a-f-]+)", log)
    ended = set(re.findall(r"([0-9a-f-]{36}) executed in|Task ([0-9a-f-]{36}) not run|in task ([0-9a-f-]{36})", log))
    ended = {task for match in ended for task in match if task}
    return next((task for task in reversed(started) if task not in ended), None)


def test_a_worker_killed_mid_refresh_loses_no_package_and_stores_no_event_twice(deployment):
    with FakeKuaidi100(latency=0.005) as fake:
        numbers = [waybill_no(PREFIX, i) for i in range(PACKAGES)]
        fake.traces = dict.fromkeys(numbers, TRACE)
        deployment.settings.update(YUNDAN_REFRESH_BATCH=str(PACKAGES))  # one run takes the whole backlog
        deployment.script(SEED, "shipped", str(PACKAGES), "sf", PREFIX)
        deployment.yundan("carriers", "add", "kuaidi100", "--name", "快递100", *[
            arg for key, value in fake.settings(concurrency="16").items() for arg in ("--set", f"{key}={value}")])
        _, workers = deployment.scale_out(webs=0)

        deployment.yundan("shell", "-c", TICK)
        busy = wait_for("a worker running the refresh", lambda: next(
            (w for w in workers if running_refresh(w)), None), 60)
        wait_for("a quarter of the packages refreshed", lambda: refreshed(deployment) >= PACKAGES // 4, RUN_SECONDS)
        busy.kill_hard()
        at_kill = refreshed(deployment)
        stranded = deployment.value(  # claimed by the dead worker, never stored: leased for 15 minutes
            "SELECT COUNT(*) FROM shipping_package WHERE last_checked_at IS NULL AND next_refresh_at > now()")
        deployment.note(f"killed {busy.name} with {at_kill} packages refreshed, {stranded} leased to it")
        assert at_kill < PACKAGES and stranded > 0, "the run ended before the kill: nothing was tested"

        lease_over = datetime.now().astimezone() + timedelta(minutes=16)
        workers[workers.index(busy)] = deployment.restart(busy, YUNDAN_NOW=lease_over.isoformat())
        deployment.note(f"{busy.name} restarted")
        deadline = time.monotonic() + RUN_SECONDS
        while refreshed(deployment) < PACKAGES and time.monotonic() < deadline:
            if not any(running_refresh(w) for w in workers):
                deployment.yundan("shell", "-c", TICK)
            time.sleep(2)
        deployment.note(f"{refreshed(deployment)} packages refreshed")

    assert refreshed(deployment) == PACKAGES, f"refreshed at the kill: {at_kill}"
    assert deployment.value("SELECT COUNT(*) FROM shipping_package WHERE last_checked_at = %s", [lease_over]) \
        >= stranded, "what the dead worker held came back only when its lease ran out (to the worker back 16 min on)"
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
    deployment.note(f"waybills asked twice (the dead worker's last slice): {sum(n > 1 for n in asked.values())}")
