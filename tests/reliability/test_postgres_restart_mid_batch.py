"""PostgreSQL restarted in the middle of a batch, twice, on one yundan with 400 orders:

- a bulk shipment (批量发货, ``yundan ship --from FILE``) stops cleanly — every order is either
  shipped whole or untouched — and running the same file again ships the rest, with one package,
  one waybill and one ``package.shipped`` event per order;
- a batch query job (``POST /api/v1/batch-jobs``, run by a worker) is tried again by the worker once
  the database is back and ends done, its result the same as a job's that no restart cut: one row
  per row asked, none twice.

The restarts are of a PostgreSQL cluster of the suite's own (private_postgres.py), never the machine's
server, which other tests use at the same time.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter

import httpx
import psycopg
import pytest

from reliability.deployment import REDIS_URL, SEED, Deployment, postgres_url, wait_for
from reliability.private_postgres import PrivateCluster, postgres_bin
from reliability.seed import order_no

ORDERS = 400
QUERY_ROWS = 200_000  # each order asked 500 times: a job long enough to be cut in the middle
BATCH_SECONDS = 240


@pytest.fixture(scope="module")
def cluster():
    postgres_url()  # the suite's condition: skipped in the SQLite pass
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    made = PrivateCluster(bin_dir)
    try:
        yield made.start()
    finally:
        made.stop()


@pytest.fixture(scope="module")
def database(cluster, tmp_path_factory) -> str:
    """The private cluster's yundan database: migrated, with ORDERS orders awaiting shipment."""
    url = cluster.create_database("yundan")
    deployment = Deployment(tmp_path_factory.mktemp("private-setup"), url, REDIS_URL)
    deployment.yundan("init")
    deployment.script(SEED, "awaiting", str(ORDERS))
    return url


@pytest.fixture
def deployment(request, cluster, database, tmp_path):
    """This test's processes on the private database (logs printed when the test failed)."""
    made = Deployment(tmp_path, database, REDIS_URL)
    try:
        yield made
    finally:
        made.finish(request, lambda: f"===== private PostgreSQL =====\n{cluster.log_text()[-5000:]}")
    assert not made.personal_data_in_logs(), made.personal_data_in_logs()[:10]


def count(url: str, sql: str) -> int | None:
    """One number from the database; None when there is no row, or while the server is restarting."""
    try:
        with psycopg.connect(url, connect_timeout=2) as connection:
            row = connection.execute(sql).fetchone()
            return row[0] if row else None
    except psycopg.OperationalError:
        return None


SHIPPED = "SELECT COUNT(*) FROM orders_order WHERE status = 'shipped'"


def ship_from_file(deployment: Deployment, path, name: str) -> subprocess.Popen:
    out = (deployment.logs_dir / f"{name}.json").open("w")
    errors = (deployment.logs_dir / f"{name}.log").open("w")
    return subprocess.Popen([sys.executable, "-m", "yundan.cli", "ship", "--from", str(path), "--json"],
                            env=deployment.env(), stdout=out, stderr=errors)


def test_a_bulk_shipment_cut_by_a_postgres_restart_stops_cleanly_and_completes_when_run_again(
        cluster, deployment, tmp_path):
    # An ERP listens for shipments (no worker runs here: the deliveries just wait, one per event).
    deployment.yundan("webhooks", "add", "http://127.0.0.1:9/hooks", "--events", "package.shipped")
    numbers = [order_no(i) for i in range(ORDERS)]
    orders_file = tmp_path / "批量发货.csv"
    orders_file.write_text("订单号\n" + "\n".join(numbers) + "\n", encoding="utf-8")

    first = ship_from_file(deployment, orders_file, "ship-1")
    at_restart = wait_for("a third of the orders shipped",
                          lambda: (n := count(deployment.database_url, SHIPPED) or 0) >= ORDERS // 3 and n,
                          BATCH_SECONDS, alive=lambda: first.poll() is None)
    cluster.restart()
    deployment.note(f"PostgreSQL restarted with {at_restart} orders shipped")
    first.wait(timeout=BATCH_SECONDS)
    deployment.note(f"first run exited {first.returncode} with {count(deployment.database_url, SHIPPED)} shipped")
    assert at_restart < ORDERS, "the run ended before the restart: nothing was tested"
    if first.returncode == 0:  # it rode over the restart: then it shipped everything
        assert all(r["ok"] for r in json.loads((deployment.logs_dir / "ship-1.json").read_text()))
    else:  # it stopped: with its report and what to do, not a traceback
        said = (deployment.logs_dir / "ship-1.log").read_text()
        assert first.returncode == 1 and "Traceback" not in said and "run the same command again" in said, said[-2000:]
    assert_whole_or_untouched(deployment, numbers)

    second = ship_from_file(deployment, orders_file, "ship-2")
    assert second.wait(timeout=BATCH_SECONDS) == 0, (deployment.logs_dir / "ship-2.log").read_text()[-2000:]
    results = json.loads((deployment.logs_dir / "ship-2.json").read_text())

    assert [r["order_no"] for r in results] == numbers and all(r["ok"] for r in results)
    stored = assert_whole_or_untouched(deployment, numbers)
    assert set(stored) == set(numbers), "every order shipped"
    assert {r["order_no"]: r["waybill_nos"] for r in results} == {n: [w] for n, w in stored.items()}
    assert len(set(stored.values())) == ORDERS, "no waybill number given twice"
    events = Counter(row[0] for row in deployment.query(
        "SELECT data->'package'->>'waybill_no' FROM webhooks_event WHERE type = 'package.shipped'"))
    assert events == Counter(stored.values()), "one package.shipped event per package, none from a rolled-back try"


def assert_whole_or_untouched(deployment: Deployment, numbers: list[str]) -> dict[str, str]:
    """Each order shipped with exactly one shipped package, or awaiting shipment with none; → the
    shipped ones' waybill numbers."""
    rows = deployment.query(
        "SELECT o.order_no, o.status, COUNT(p.id), COUNT(p.shipped_at), MIN(p.waybill_no) FROM orders_order o "
        "LEFT JOIN shipping_package p ON p.order_id = o.id GROUP BY o.order_no, o.status")
    assert len(rows) == len(numbers)
    half_done = [row for row in rows if row[1:4] not in {("shipped", 1, 1), ("awaiting_shipment", 0, 0)}]
    assert not half_done, f"orders neither shipped whole nor untouched: {half_done[:10]}"
    return {number: waybill for number, status, _, _, waybill in rows if status == "shipped"}


def test_a_batch_query_job_cut_by_a_postgres_restart_is_run_again_and_ends_done(cluster, deployment, tmp_path):
    query_file = tmp_path / "批量查询.csv"
    query_file.write_text("订单号\n" + "\n".join(order_no(i % ORDERS) for i in range(QUERY_ROWS)) + "\n")
    key = deployment.yundan_json("apikeys", "create", "--scope", "read", "--name", "ERP")["key"]
    webs, _ = deployment.scale_out(webs=1, workers=1)
    with httpx.Client(base_url=webs[0].url, headers={"Authorization": f"Bearer {key}"}, timeout=60) as api:
        def submit() -> int:
            with query_file.open("rb") as upload:
                answer = api.post("/api/v1/batch-jobs", files={"file": (query_file.name, upload)},
                                  data={"as_csv": "true"})
            assert answer.status_code == 202, answer.text
            return answer.json()["id"]

        def finished(job: int) -> dict | None:
            try:
                state = api.get(f"/api/v1/batch-jobs/{job}")
            except httpx.TransportError:
                return None
            return state.json() if state.status_code == 200 and state.json()["state"] in ("done", "failed") else None

        cut = submit()
        progress = f"SELECT processed FROM batch_batchjob WHERE id = {cut} AND state = 'running'"
        at_restart = wait_for("the job under way", lambda: count(deployment.database_url, progress), BATCH_SECONDS)
        cluster.restart()
        deployment.note(f"PostgreSQL restarted with {at_restart} of {QUERY_ROWS} rows answered")
        after_restart = wait_for("the cut job to end", lambda: finished(cut), BATCH_SECONDS, interval=1)
        deployment.note(f"the cut job ended {after_restart['state']}")
        assert after_restart["state"] == "done", after_restart
        assert at_restart < QUERY_ROWS, "the job ended before the restart: nothing was tested"
        fresh = submit()
        again = wait_for("the job run again", lambda: finished(fresh), BATCH_SECONDS, interval=1)
        results = [api.get(f"/api/v1/batch-jobs/{job['id']}/result").text for job in (after_restart, again)]

    rows = [list(csv.reader(io.StringIO(text.lstrip("\ufeff")))) for text in results]
    assert len(rows[0]) == QUERY_ROWS + 1, "one row per row asked (and the header), none twice"
    assert rows[0] == rows[1], "the same answers as a job no restart cut"
    assert Counter(row[0] for row in rows[0][1:]) == Counter(order_no(i % ORDERS) for i in range(QUERY_ROWS))
    assert after_restart["processed"] == QUERY_ROWS
