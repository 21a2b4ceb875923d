"""The background worker, as a real process, delivers webhooks: the receiver is down when the
events are written and when the worker first tries, comes up later, and gets every event once."""

import json
import os
import sqlite3
import subprocess
import sys
import time

from webhooks.receiver import Receiver

SHIP_TEN_ORDERS = """
from yundan.orders.models import Order, Shop
from yundan.shipping.shipment import ShipmentRequest, confirm_shipments
shop = Shop.objects.create(name="测试店铺")
numbers = [f"3123456789{n:02d}" for n in range(10)]
Order.objects.bulk_create([Order(shop=shop, order_no=number) for number in numbers])
assert all(result.ok for result in confirm_shipments([ShipmentRequest(number) for number in numbers]))
"""


PENDING = "SELECT 1 FROM webhooks_delivery WHERE state != 'delivered' LIMIT 1"


def yundan(env, *args):
    return subprocess.run([sys.executable, "-m", "yundan.cli", *args], env=env, check=True, capture_output=True,
                          text=True, timeout=300).stdout


def stored(home, sql):
    with sqlite3.connect(home / "yundan.sqlite3") as db:
        return db.execute(sql).fetchall()


def test_the_worker_delivers_every_event_once_after_the_receiver_comes_back(tmp_path):
    env = {**os.environ, "YUNDAN_HOME": str(tmp_path), "YUNDAN_WEBHOOK_RETRY_SCHEDULE": ",".join(["1s"] * 30)}
    for name in ("YUNDAN_DATABASE_URL", "YUNDAN_REDIS_URL", "YUNDAN_NOW"):
        env.pop(name, None)
    receiver = Receiver()
    yundan(env, "init")
    added = json.loads(yundan(env, "webhooks", "add", receiver.url, "--events", "package.shipped,order.updated",
                              "--json"))
    receiver.secret = added["secret"]
    yundan(env, "shell", "-c", SHIP_TEN_ORDERS)  # written while nobody listens; the worker is woken
    ids = {row[0] for row in stored(tmp_path, "SELECT id FROM webhooks_event")}
    assert len(ids) == 20

    worker = subprocess.Popen([sys.executable, "-m", "yundan.cli", "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not stored(tmp_path, "SELECT 1 FROM webhooks_attempt LIMIT 1"):
            time.sleep(0.2)
        time.sleep(2)  # down a while longer: the worker keeps retrying
        receiver.start()
        while time.monotonic() < deadline and stored(tmp_path, PENDING):
            time.sleep(0.2)  # until the worker has recorded every answer
    finally:
        worker.terminate()
        _, errors = worker.communicate(timeout=30)
        receiver.stop()
    assert set(receiver.processed) == ids, errors
    assert receiver.duplicates == 0 and receiver.rejected == []
    refused = stored(tmp_path, "SELECT COUNT(*) FROM webhooks_attempt WHERE status_code IS NULL")[0][0]
    assert refused >= 20  # every event failed at least once before it arrived
    assert stored(tmp_path, "SELECT DISTINCT state FROM webhooks_delivery") == [("delivered",)]
