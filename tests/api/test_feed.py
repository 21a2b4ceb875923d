"""The change feed: GET /orders?updated_since=… then ?cursor=… — every change once, even under concurrent writes."""

import random
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction

from yundan.orders.models import Order
from yundan.orders.upsert import OrderInput, ReceiverInput, upsert_orders
from yundan.shipping.models import Package

pytestmark = pytest.mark.django_db(transaction=True)  # PostgreSQL numbers changes at COMMIT

EPOCH = "2000-01-01T00:00:00%2B08:00"


def write(shop, order_no: str, remark: str, pause: float = 0) -> None:
    """One committed change; ``pause`` keeps its transaction open after the write."""
    with transaction.atomic():
        [result] = upsert_orders(shop, [OrderInput(order_no, remark=remark, receiver=ReceiverInput(name="张三"))])
        assert result.outcome in ("created", "updated"), result
        time.sleep(pause)


def drain(api, cursor: str, limit: int = 100) -> tuple[list[dict], str]:
    seen = []
    while True:
        page = api.get(f"/orders?cursor={cursor}&limit={limit}")
        seen += page["orders"]
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return seen, cursor


def test_the_feed_starts_at_a_time_and_continues_from_its_cursor(read_api, shop):
    write(shop, "312345678901", "一")
    write(shop, "312345678902", "一")
    first = read_api.get(f"/orders?updated_since={EPOCH}&limit=1")
    assert [o["order_no"] for o in first["orders"]] == ["312345678901"] and first["has_more"]

    rest, cursor = drain(read_api, first["next_cursor"])
    assert [o["order_no"] for o in rest] == ["312345678902"]

    assert drain(read_api, cursor)[0] == []  # nothing new: the same cursor comes back
    write(shop, "312345678901", "二")
    changed, _ = drain(read_api, cursor)
    assert [(o["order_no"], o["remark"]) for o in changed] == [("312345678901", "二")]


def test_updated_since_leaves_out_orders_changed_before_it(read_api, shop):
    write(shop, "312345678901", "旧")
    Order.objects.update(updated_at=Order.objects.get().updated_at)  # a change now: still after the cutoff below
    from yundan.api.models import OrderFeedEntry

    OrderFeedEntry.objects.update(changed_at=Order.objects.get().updated_at - timedelta(days=2))
    since = (Order.objects.get().updated_at - timedelta(days=1)).isoformat().replace("+", "%2B")

    assert read_api.get(f"/orders?updated_since={since}")["orders"] == []
    write(shop, "312345678902", "新")
    assert [o["order_no"] for o in read_api.get(f"/orders?updated_since={since}")["orders"]] == ["312345678902"]


def test_a_package_shipped_or_its_tracking_status_moving_puts_the_order_in_the_feed(read_api, shop):
    write(shop, "312345678901", "一")
    _, cursor = drain(read_api, read_api.get(f"/orders?updated_since={EPOCH}")["next_cursor"])
    order = Order.objects.get()
    package = Package.objects.create(order=order, carrier="sandbox", waybill_no="JDVA00000000001")
    assert [o["order_no"] for o in drain(read_api, cursor)[0]] == ["312345678901"]
    _, cursor = drain(read_api, cursor)

    Package.objects.filter(pk=package.pk).update(shipped_at=order.updated_at, status="in_transit")

    [seen] = drain(read_api, cursor)[0]
    assert seen["packages"][0]["status"] == "in_transit"


def test_the_feed_can_follow_one_shop(read_api, shop):
    other = type(shop).objects.create(name="第二店铺")
    write(shop, "312345678901", "一")
    write(other, "312345678902", "一")

    page = read_api.get(f"/orders?updated_since={EPOCH}&shop=第二店铺")

    assert [o["order_no"] for o in page["orders"]] == ["312345678902"]


def test_search_keys_do_not_mix_with_the_feed_or_a_cursor(read_api, shop):
    body = read_api.get(f"/orders?updated_since={EPOCH}&buyer_id=x", status=422)
    assert [f["path"] for f in body["error"]["fields"]] == ["buyer_id"]
    cursor = read_api.get(f"/orders?updated_since={EPOCH}")["next_cursor"]
    assert read_api.get(f"/orders?cursor={cursor}&status=shipped", status=422)["error"]["fields"][0]["path"] == "status"


@pytest.mark.skipif("connection.vendor != 'postgresql'",
                    reason="SQLite has one writer at a time: a later writer cannot commit before an earlier one")
def test_a_change_that_commits_late_is_not_skipped_by_a_reader_who_paged_past_newer_ones(read_api, shop):
    """The hazard of an updated_at cursor: A writes first and commits last; B's newer change is read
    in between. The feed still delivers A's change afterwards."""
    _, cursor = drain(read_api, read_api.get(f"/orders?updated_since={EPOCH}")["next_cursor"])
    written, release = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                upsert_orders(shop, [OrderInput("312345678901", remark="A")])
                written.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(30)
    write(shop, "312345678902", "B")
    first, cursor = drain(read_api, cursor)
    assert [o["remark"] for o in first] == ["B"]

    release.set()
    thread.join()

    late, _ = drain(read_api, cursor)
    assert [o["remark"] for o in late] == ["A"]
    assert Order.objects.get(order_no="312345678901").updated_at < Order.objects.get(order_no="312345678902").updated_at


def test_under_concurrent_writers_a_paging_reader_sees_every_change_once(read_api, shop, settings):
    settings.YUNDAN_API_RATE_LIMIT = 1_000_000  # the reader polls as fast as it can
    writers, writes_each, orders = 4, 30, [f"3123456780{n:02d}" for n in range(12)]
    start = read_api.get(f"/orders?updated_since={EPOCH}")["next_cursor"]
    written, failures, done = [], [], threading.Event()

    def writer(index: int):
        chooser = random.Random(index)
        try:
            for n in range(writes_each):
                # A random pause inside the transaction shuffles commit order against write order.
                write(shop, chooser.choice(orders), f"w{index}-{n}", pause=chooser.random() / 200)
                written.append(n)
        except Exception as error:  # noqa: BLE001 — reported by the main thread
            failures.append(error)
        finally:
            connection.close()

    seen: list[tuple[str, str]] = []

    def reader():
        cursor = start
        try:
            while not done.is_set():
                page = read_api.get(f"/orders?cursor={cursor}&limit=5")
                seen.extend((o["order_no"], o["remark"]) for o in page["orders"])
                cursor = page["next_cursor"]
            rest, cursor = drain(read_api, cursor, limit=5)
            seen.extend((o["order_no"], o["remark"]) for o in rest)
        except Exception as error:  # noqa: BLE001
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(writers)]
    reading = threading.Thread(target=reader)
    reading.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    reading.join()

    assert failures == [] and len(written) == writers * writes_each
    stored = dict(Order.objects.values_list("order_no", "remark"))
    # Every change seen: the reader's last view of each order is its final state …
    assert dict(seen) == stored
    # … and none repeated: no version of an order came twice.
    assert len(seen) == len(set(seen))
