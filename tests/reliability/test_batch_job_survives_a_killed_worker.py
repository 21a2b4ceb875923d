"""A batch query job of 200,000 rows, submitted through the API, whose worker is killed with
``kill -9`` while it runs: Huey had already taken the job off the queue, so only the job's heartbeat
tells that it was lost. Once the heartbeat is more than 5 minutes old, the every-minute sweep
(``requeue_lost_batch_jobs``) queues the job again, and it ends done with one row per row asked.

The test does not wait 5 minutes: the worker comes back with its clock (``YUNDAN_NOW``) 6 minutes
ahead, as if it had been down that long, while the other worker keeps the real time (for it the
job's heartbeat is fresh, and its sweep leaves the job alone).
"""

from __future__ import annotations

import csv
import io
import time
from datetime import datetime, timedelta

import httpx

from reliability.deployment import SEED, wait_for
from reliability.seed import order_no

ORDERS = 400
QUERY_ROWS = 200_000  # each order asked 500 times: a job long enough to be cut in the middle
JOB_TASK = "yundan.batch.tasks.run_batch_job"
SWEEP = "from yundan.batch.tasks import requeue_lost_batch_jobs\nrequeue_lost_batch_jobs()"
RUN_SECONDS = 240


def test_a_batch_job_whose_worker_is_killed_is_queued_again_and_ends_done(deployment, tmp_path):
    deployment.script(SEED, "awaiting", str(ORDERS))
    query_file = tmp_path / "批量查询.csv"
    query_file.write_text("订单号\n" + "\n".join(order_no(i % ORDERS) for i in range(QUERY_ROWS)) + "\n")
    key = deployment.yundan_json("apikeys", "create", "--scope", "read", "--name", "ERP")["key"]
    webs, workers = deployment.scale_out(webs=1, workers=2)

    def job_row(job: int) -> tuple:
        return deployment.query(f"SELECT state, processed, starts FROM batch_batchjob WHERE id = {job}")[0]

    with httpx.Client(base_url=webs[0].url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as api:
        with query_file.open("rb") as upload:
            answer = api.post("/api/v1/batch-jobs", files={"file": (query_file.name, upload)}, data={"as_csv": "true"})
        assert answer.status_code == 202, answer.text
        job = answer.json()["id"]
        wait_for("the job under way", lambda: job_row(job)[0] == "running" and job_row(job)[1] > 0, RUN_SECONDS)
        busy = wait_for("the worker running the job",
                        lambda: next((w for w in workers if w.holds(JOB_TASK)), None), 30)
        busy.kill_hard()
        survivor = workers[1 - workers.index(busy)]
        at_kill = job_row(job)
        deployment.note(f"killed {busy.name} with {at_kill[1]} of {QUERY_ROWS} rows answered")
        assert at_kill[0] == "running" and at_kill[1] < QUERY_ROWS, "the job ended before the kill: nothing was tested"

        swept = survivor.log_text().count("requeue_lost_batch_jobs")
        deployment.yundan("shell", "-c", SWEEP)
        wait_for("the survivor's sweep", lambda: survivor.log_text().count("requeue_lost_batch_jobs") > swept, 60)
        time.sleep(2)
        assert job_row(job)[0] == "running" and job_row(job)[2] == 1, \
            "a sweep on the real clock leaves the job alone: its heartbeat is fresh"

        lost_for = datetime.now().astimezone() + timedelta(minutes=6)
        back = deployment.restart(busy, YUNDAN_NOW=lost_for.isoformat())
        deployment.note(f"{busy.name} restarted")
        deadline = time.monotonic() + RUN_SECONDS
        while job_row(job)[0] not in ("done", "failed") and time.monotonic() < deadline:
            if job_row(job)[0] == "running" and not any(w.holds(JOB_TASK) for w in (back, survivor)):
                deployment.yundan("shell", "-c", SWEEP)
            time.sleep(2)
        final = api.get(f"/api/v1/batch-jobs/{job}").json()
        deployment.note(f"the job ended {final['state']}")
        result = api.get(f"/api/v1/batch-jobs/{job}/result").text

    assert final["state"] == "done" and final["processed"] == QUERY_ROWS, final
    assert job_row(job)[2] == 2, "started twice: once by the killed worker, once after the sweep"
    assert "queued again" in back.log_text(), "the worker back 6 minutes on found the job lost"
    rows = list(csv.reader(io.StringIO(result.lstrip("\ufeff"))))
    assert len(rows) == QUERY_ROWS + 1, "one row per row asked (and the header), none twice"
