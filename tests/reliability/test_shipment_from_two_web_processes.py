"""The same 2,000 orders confirmed (确认发货) through the REST API from both web processes at once:
each order ends shipped with exactly one waybill set, and every answer names that set.

Two clients, one per web process, send ``POST /api/v1/orders/{no}/shipments`` for every order, each
from a few threads, in the same order, so both ask for the same order at nearly the same moment.
Half of the orders carry an ``Idempotency-Key`` (the same on both sides, as a retrying ERP would
send it): those may be answered 409 ``idempotency_in_progress`` while the other runs, and are
asked again as the answer says.

The shop ships with 京东 through a ``jd_jos`` account at a fake JOS gateway (tests/fakes/jd_jos.py),
which hands out the waybill numbers: it is asked exactly once per order (no double allocation).
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor

from fakes import jd_jos
from fakes.jd_jos import FakeJos
from fakes.server import FakeServer

from reliability.deployment import SEED, ApiClient
from reliability.seed import order_no

ORDERS = 2_000
THREADS_PER_CLIENT = 4
REQUEST_SECONDS = 60


def confirm_all(base_url: str, key: str, numbers: list[str]) -> tuple[dict[str, list[str]], int]:
    """order number → the waybill numbers the API answered (every answer must be a 200), and how many
    orders were answered "in progress" first."""
    answers: dict[str, list[str]] = {}
    refusals: list[str] = []
    waits = Counter()
    clients = threading.local()

    def confirm(number: str) -> None:
        if not hasattr(clients, "client"):
            clients.client = ApiClient(base_url, key, REQUEST_SECONDS)
        headers = {"Idempotency-Key": f"ship-{number}"} if int(number) % 2 else {}
        deadline = time.monotonic() + REQUEST_SECONDS
        while True:
            status, answer_headers, body = clients.client.post(f"/api/v1/orders/{number}/shipments", {}, headers)
            in_progress = status == 409 and body["error"]["code"] == "idempotency_in_progress"
            if in_progress and time.monotonic() < deadline:
                waits[number] += 1
                time.sleep(float(answer_headers.get("Retry-After", "1")) / 10)
                continue
            break
        if status != 200:
            refusals.append(f"{number}: {status} {body}")
            return
        assert body["order_no"] == number
        assert sorted(body["waybill_nos"]) == sorted(p["waybill_no"] for p in body["packages"] if p["shipped_at"])
        answers[number] = sorted(body["waybill_nos"])

    with ThreadPoolExecutor(THREADS_PER_CLIENT) as pool:
        list(pool.map(confirm, numbers))
    assert not refusals, refusals[:10]
    return answers, len(waits)


def jos_account(server: FakeServer) -> list[str]:
    """`yundan carriers add` arguments for a jd_jos account at the fake gateway."""
    values = {"endpoint": server.url("/routerjson"), "app_key": jd_jos.APP_KEY, "app_secret": jd_jos.APP_SECRET,
              "access_token": jd_jos.ACCESS_TOKEN, "customer_code": jd_jos.CUSTOMER_CODE}
    return ["jd_jos", "--name", "京东开放平台", *[arg for item in values.items() for arg in ("--set", "=".join(item))]]


def test_two_web_processes_confirming_the_same_orders_make_one_waybill_set_per_order(deployment):
    fake_jos, allocating = FakeJos(), threading.Lock()

    def gateway(request):
        with allocating:  # the fake's serial counter is not thread-safe; JD's is
            return fake_jos.handle(request)

    with FakeServer(gateway) as server:
        deployment.script(SEED, "awaiting", str(ORDERS), "jd")
        deployment.yundan("carriers", "add", *jos_account(server))
        answers = confirm_from_both(deployment)
    allocated = Counter(fake_jos.pre_nums)
    assert allocated == {1: ORDERS}, f"waybill numbers asked of JD: {allocated} (one call for one number per order)"
    check_one_waybill_set_per_order(deployment, *answers)


def confirm_from_both(deployment) -> tuple[dict, dict]:
    key = deployment.yundan_json("apikeys", "create", "--scope", "write", "--name", "ERP")["key"]
    deployment.settings.update(YUNDAN_API_RATE_LIMIT="1000000")  # this ERP may send as fast as it can
    webs, _ = deployment.scale_out()
    numbers = [order_no(i) for i in range(ORDERS)]

    with ThreadPoolExecutor(len(webs)) as clients:
        (first, waited_1), (second, waited_2) = clients.map(lambda web: confirm_all(web.url, key, numbers), webs)
    deployment.note(f"{len(first) + len(second)} confirmations answered; {waited_1 + waited_2} waited for "
                    "the same Idempotency-Key on the other process")
    return first, second


def check_one_waybill_set_per_order(deployment, first: dict, second: dict) -> None:
    numbers = [order_no(i) for i in range(ORDERS)]
    assert set(first) == set(second) == set(numbers)
    different = [n for n in numbers if first[n] != second[n]]
    assert not different, f"the two web processes answered different waybills for {different[:10]}"
    rows = deployment.query(
        "SELECT o.order_no, o.status, p.waybill_no, p.shipped_at IS NOT NULL FROM orders_order o "
        "JOIN shipping_package p ON p.order_id = o.id")
    packages_per_order = Counter(order for order, *_ in rows)
    assert set(packages_per_order.values()) == {1}, "one package per order, never a second"
    assert len(packages_per_order) == ORDERS
    stored = defaultdict(list)
    for order, status, waybill, shipped in rows:
        assert status == "shipped" and shipped and waybill, (order, status, waybill, shipped)
        stored[order].append(waybill)
    assert {n: sorted(w) for n, w in stored.items()} == first, "the answers are what was stored"
    assert len({waybill for _, _, waybill, _ in rows}) == ORDERS, "no waybill number given twice"
