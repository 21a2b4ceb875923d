"""Console benchmark: the order list and order detail pages at 1,000,000 orders, served by `yundan serve`.

    .venv/bin/python bench/console.py [--orders 1000000] [--requests 1000] [--databases sqlite,postgres]

Per database: the data set of bench/dataset.py (1,000,000 orders, ~1,200,000 packages, two
events each; reused when the database already holds that many orders) in bench/out/home-<db>
or the PostgreSQL database `yundan_bench`, and a console user `bench` (operator). Then
`yundan serve 127.0.0.1:PORT --no-worker` runs as its own process, exactly as a merchant
starts it, and this process signs in and times sequential GETs over one keep-alive connection:
the first list page, a search by the receiver phone's last 4 digits, a later page of the list
(a keyset cursor at a random order) and the detail page of random orders. Goal: p99 ≤ 100 ms.
"""

import argparse
import http.client
import json
import random
import re
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

from dataset import bench_user, database_env, generate, generate_events, log, percentile, run_json

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PG_URL = "postgres://root@127.0.0.1:5432/yundan_bench"
USER, PASSWORD = "bench", "yundan-bench-pass"
GOAL_MS = 100


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.orders, args.requests)
        return
    OUT.mkdir(exist_ok=True)
    results = {}
    for database in args.databases.split(","):
        env = database_env(OUT / f"home-{database}", database, PG_URL)
        prepared = run_json(__file__, ["--prepare", "--orders", str(args.orders), "--requests", str(args.requests)],
                            env)
        results[database] = measure(env, prepared, args.requests)
    print_report(args, results)


def prepare(count: int, samples: int) -> None:
    """In the bench database: the data set, the bench user, and the keys the requests will use."""
    import django

    django.setup()
    from django.core.management import call_command

    from yundan.console.roles import OPERATOR
    from yundan.orders.models import Order
    from yundan.orders.search import Cursor

    call_command("migrate", verbosity=0)
    generate(count, log)
    generate_events(log)
    bench_user(USER, PASSWORD, OPERATOR)
    rng = random.Random(11)
    ids = [rng.randint(1, count) for _ in range(samples)]
    times = dict(Order.objects.filter(pk__in=ids).values_list("pk", "ordered_at"))
    json.dump({"ids": ids, "cursors": [Cursor(times[pk], pk).encode() for pk in ids]}, sys.stdout)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """One keep-alive connection with the session's cookies, like a browser tab."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        text = response.read().decode()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.update({k: m.value for k, m in SimpleCookie(header).items()})
        return response.status, text

    def sign_in(self) -> None:
        _, page = self.request("GET", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/login/", urlencode(
            {"csrfmiddlewaretoken": token, "username": USER, "password": PASSWORD}))
        if status != 302 or "sessionid" not in self.cookies:
            raise SystemExit(f"bench user could not sign in (HTTP {status})")


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"yundan serve exited with status {server.returncode}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("yundan serve did not answer /healthz within 60 s")


def pages(keys: dict, count: int) -> dict[str, list[str]]:
    rng = random.Random(5)
    return {
        "list, first page": ["/orders/"] * count,
        "list, phone last 4": [f"/orders/?phone={rng.randrange(10_000):04d}" for _ in range(count)],
        "list, later page (cursor)": [f"/orders/?after={quote(cursor)}" for cursor in keys["cursors"][:count]],
        "detail, random order": [f"/orders/{pk}/" for pk in keys["ids"][:count]],
    }


def measure(env: dict, keys: dict, count: int) -> dict:
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("yundan")), "serve", f"127.0.0.1:{port}",
                               "--no-worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_up(port, server)
        browser = Browser(port)
        browser.sign_in()
        results = {}
        for name, paths in pages(keys, count).items():
            for path in paths[:20]:  # warm up: templates compiled, caches filled
                browser.request("GET", path)
            samples, failures = [], 0
            for path in paths:
                started = time.perf_counter()
                status, text = browser.request("GET", path)
                samples.append((time.perf_counter() - started) * 1000)
                failures += status != 200 or "订单" not in text
            results[name] = {"n": len(samples), "failures": failures, "p50_ms": percentile(samples, 0.5),
                             "p99_ms": percentile(samples, 0.99), "max_ms": max(samples)}
            log(f"{name}: {results[name]}")
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)




def print_report(args, results: dict) -> None:
    print(f"\nConsole pages: {args.orders:,} orders, ~{int(args.orders * 1.2):,} packages, 2 events each; "
          f"`yundan serve` (waitress), sequential GETs over one keep-alive connection, signed in\n")
    print(f"{'database':<9} {'page':<27} {'n':>5} {'fail':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  goal p99 ≤ {GOAL_MS}")
    for database, rows in results.items():
        for name, r in rows.items():
            verdict = "ok" if r["p99_ms"] <= GOAL_MS and not r["failures"] else "MISSED"
            print(f"{database:<9} {name:<27} {r['n']:>5} {r['failures']:>5} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} "
                  f"{r['max_ms']:>8.1f}  {verdict}")


if __name__ == "__main__":
    main()
