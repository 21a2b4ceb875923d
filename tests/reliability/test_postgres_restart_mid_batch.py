"""PostgreSQL restarted in the middle of a bulk shipment (批量发货, ``yundan ship --from FILE``): the
run stops cleanly — every order is either shipped whole or untouched — and running the same file
again ships the rest, with one package, one waybill and one ``package.shipped`` event per order.

The restart is of a PostgreSQL cluster of the test's own (private_postgres.py), never the machine's
server, which other tests use at the same time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter

import psycopg
import pytest

from reliability.deployment import REDIS_URL, SEED, Deployment, postgres_url, wait_for
from reliability.private_postgres import PrivateCluster, postgres_bin
from reliability.seed import order_no

ORDERS = 400
SHIP_SECONDS = 240


@pytest.fixture
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


def shipped(url: str) -> int | None:
    """Orders shipped so far, or None while the server is restarting."""
    try:
        with psycopg.connect(url, connect_timeout=2) as connection:
            return connection.execute("SELECT COUNT(*) FROM orders_order WHERE status = 'shipped'").fetchone()[0]
    except psycopg.OperationalError:
        return None


def ship_from_file(deployment: Deployment, path, name: str) -> subprocess.Popen:
    out = (deployment.logs_dir / f"{name}.json").open("w")
    errors = (deployment.logs_dir / f"{name}.log").open("w")
    return subprocess.Popen([sys.executable, "-m", "yundan.cli", "ship", "--from", str(path), "--json"],
                            env=deployment.env(), stdout=out, stderr=errors)


def test_a_bulk_shipment_cut_by_a_postgres_restart_stops_cleanly_and_completes_when_run_again(cluster, tmp_path):
    deployment = Deployment(tmp_path, cluster.create_database("yundan"), REDIS_URL)
    try:
        deployment.yundan("init")
        deployment.script(SEED, "awaiting", str(ORDERS))
        # An ERP listens for shipments (no worker runs here: the deliveries just wait, one per event).
        deployment.yundan("webhooks", "add", "http://127.0.0.1:9/hooks", "--events", "package.shipped")
        numbers = [order_no(i) for i in range(ORDERS)]
        orders_file = tmp_path / "批量发货.csv"
        orders_file.write_text("订单号\n" + "\n".join(numbers) + "\n", encoding="utf-8")

        first = ship_from_file(deployment, orders_file, "ship-1")
        at_restart = wait_for("a third of the orders shipped",
                              lambda: (n := shipped(deployment.database_url) or 0) >= ORDERS // 3 and n,
                              SHIP_SECONDS, alive=lambda: first.poll() is None)
        cluster.restart()
        deployment.note(f"PostgreSQL restarted with {at_restart} orders shipped")
        first.wait(timeout=SHIP_SECONDS)
        deployment.note(f"first run exited {first.returncode} with {shipped(deployment.database_url)} shipped")
        assert at_restart < ORDERS, "the run ended before the restart: nothing was tested"
        if first.returncode == 0:  # it rode over the restart: then it shipped everything
            assert all(r["ok"] for r in json.loads((deployment.logs_dir / "ship-1.json").read_text()))
        assert_whole_or_untouched(deployment, numbers)

        second = ship_from_file(deployment, orders_file, "ship-2")
        assert second.wait(timeout=SHIP_SECONDS) == 0, (deployment.logs_dir / "ship-2.log").read_text()[-2000:]
        results = json.loads((deployment.logs_dir / "ship-2.json").read_text())
    except BaseException:
        print(deployment.logs(), cluster.log_text()[-5000:], sep="\n===== private PostgreSQL =====\n")
        raise
    finally:
        deployment.stop_all()
    assert not deployment.personal_data_in_logs(), deployment.personal_data_in_logs()[:10]

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
