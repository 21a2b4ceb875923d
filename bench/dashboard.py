"""看板 (dashboard) benchmark: its numbers and its page at 1,000,000 orders, SQLite and PostgreSQL.

    .venv/bin/python bench/dashboard.py [--orders 1000000] [--requests 300] [--databases sqlite,postgres]

Per database: the data set of bench/dataset.py (1,000,000 orders over 11 months, ~1,200,000
packages) in bench/out/dashboard-<db> or the PostgreSQL database `yundan_dashboard_bench`,
shaped once so the dashboard has something to count: receivers spread over the provinces
(weighted like the demo), unshipped orders' packages unshipped, shipped packages delivered after
16–100 h (slower to the less common provinces, a long tail), 2 % ending in a problem status, and
an exception for one package in 40 (closed after a few days, a ninth of the old ones left open).
The clock is frozen at 2026-11-29 12:00 (+08:00), just after the newest order.

Then, in that process, each query of yundan.console.dashboard_stats is timed (the work the
worker does every YUNDAN_DASHBOARD_REFRESH_MINUTES), and `yundan serve --no-worker` times
sequential GETs of /dashboard/ signed in over one keep-alive connection: the first view with no
snapshot yet (computed on the spot), then views reading the snapshot. Goal: p99 ≤ 300 ms.
"""

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from console import PASSWORD, USER, Browser, free_port, wait_until_up
from dataset import bench_user, database_env, generate, log, percentile, run_json

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PG_URL = "postgres://root@127.0.0.1:5432/yundan_dashboard_bench"
NOW = "2026-11-29T12:00:00+08:00"
GOAL_MS = 300
QUERY_RUNS = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.orders)
        return
    OUT.mkdir(exist_ok=True)
    results = {}
    for database in args.databases.split(","):
        env = database_env(OUT / f"dashboard-{database}", database, PG_URL)
        env["YUNDAN_NOW"] = NOW
        queries = run_json(__file__, ["--prepare", "--orders", str(args.orders)], env)
        results[database] = {"queries": queries, "page": measure(env, args.requests)}
    print_report(args, results)


def prepare(count: int) -> None:
    """In the bench database: the data set, shaped; the bench user; the queries timed (JSON out)."""
    import django

    django.setup()
    from django.core.management import call_command

    from yundan.console.roles import VIEWER

    call_command("migrate", verbosity=0)
    generate(count, log)
    shape(log)
    bench_user(USER, PASSWORD, VIEWER)
    json.dump(time_queries(), sys.stdout)


def province_slots() -> list[str]:
    """Provinces repeated by the demo's weights: slot ``n`` of ``len(...)`` is a receiver's province."""
    from yundan.demo.catalogue import DEFAULT_PROVINCE_WEIGHT, PROVINCE_WEIGHTS
    from yundan.regions import PROVINCES

    names = sorted((p.name for p in PROVINCES), key=lambda n: -PROVINCE_WEIGHTS.get(n, DEFAULT_PROVINCE_WEIGHT))
    return [name for name in names for _ in range(PROVINCE_WEIGHTS.get(name, DEFAULT_PROVINCE_WEIGHT))]


def shape(log) -> None:
    """Provinces, delivered times, problem statuses and exceptions, once (plain SQL, both databases)."""
    from django.db import connection, transaction

    from yundan.exceptions.kinds import ExceptionKind

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM shipping_package WHERE status = 'delivered'")
        if cursor.fetchone()[0]:
            log(f"[{connection.vendor}] reusing the shaped data")
            return
    started = time.perf_counter()
    sqlite = connection.vendor == "sqlite"
    now = "2026-11-29 04:00:00" if sqlite else "2026-11-29 04:00:00+00:00"

    def plus_minutes(column: str, minutes: str) -> str:
        if sqlite:
            return f"datetime({column}, '+' || ({minutes}) || ' minutes')"
        return f"({column} + ({minutes}) * interval '1 minute')"

    slots = province_slots()
    kinds = ExceptionKind.values
    # Every statement is run with parameters (maybe none), so both drivers read %% as the modulo operator.
    slot = f"((order_id * 7919) %% {len(slots)})"
    # 16–86 h, up to ~52 h more to the less common provinces, one package in 23 four days late.
    minutes = f"960 + (id * 37) %% 4200 + {slot} * 25 + CASE WHEN id %% 23 = 0 THEN 5760 ELSE 0 END"
    delivered_at = plus_minutes("shipped_at", minutes)
    opened_at = plus_minutes("shipped_at", "2400")
    old = plus_minutes("shipped_at", str(2400 + 5 * 1440))
    problems = ("delivery_failed", "rejected", "returning", "returned", "lost")
    steps = [
        ("", "CREATE TEMP TABLE bench_slots (slot integer PRIMARY KEY, name text)", []),
        ("", "INSERT INTO bench_slots VALUES (%s, %s)", list(enumerate(slots))),
        ("provinces", f"UPDATE orders_order SET receiver_province = bench_slots.name FROM bench_slots "
             f"WHERE bench_slots.slot = (orders_order.id * 7919) %% {len(slots)}", []),
        ("unshipped", "UPDATE shipping_package SET shipped_at = NULL, status = 'pending', last_event_at = NULL, "
                      "last_event_text = '' WHERE order_id IN (SELECT id FROM orders_order "
                      "WHERE status IN ('awaiting_shipment', 'canceled'))", []),
        ("normalized times", "UPDATE shipping_package SET shipped_at = datetime(shipped_at) "
                             "WHERE shipped_at IS NOT NULL" if sqlite else "", []),
        ("delivered", f"UPDATE shipping_package SET status = 'delivered', last_event_text = '已签收', "
                      f"last_event_at = {delivered_at} WHERE shipped_at IS NOT NULL AND {delivered_at} <= %s", [now]),
        ("problems", f"UPDATE shipping_package SET status = CASE (id / 50) %% 5 "
                     + " ".join(f"WHEN {i} THEN '{p}'" for i, p in enumerate(problems))
                     + f" END, last_event_at = {plus_minutes('shipped_at', '1800')} "
                     f"WHERE shipped_at IS NOT NULL AND id %% 50 = 7 AND {plus_minutes('shipped_at', '1800')} <= %s",
         [now]),
        ("exceptions", "INSERT INTO exceptions_parcelexception (package_id, kind, state, reason, opened_at, "
                       "closed_at, updated_at) SELECT id, CASE (id / 40) %% 11 "
                       + " ".join(f"WHEN {i} THEN '{k}'" for i, k in enumerate(kinds))
                       + f" END, CASE WHEN {old} <= %s AND id %% 9 <> 0 THEN "
                       f"(CASE WHEN id %% 2 = 0 THEN 'resolved' ELSE 'closed' END) "
                       f"WHEN id %% 3 = 0 THEN 'in_progress' ELSE 'open' END, 'bench', {opened_at}, "
                       f"CASE WHEN {old} <= %s AND id %% 9 <> 0 THEN "
                       f"{plus_minutes(opened_at, '(id %% 96 + 2) * 60')} END, %s "
                       f"FROM shipping_package WHERE shipped_at IS NOT NULL AND id %% 40 = 3 AND {opened_at} <= %s",
         [now, now, now, now]),
        ("", "DROP TABLE bench_slots", []),
        ("", "ANALYZE", []),
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM exceptions_exceptionlogentry")
        cursor.execute("DELETE FROM exceptions_parcelexception")
        for name, sql, params in steps:
            if not sql:
                continue
            if params and isinstance(params[0], tuple):
                cursor.executemany(sql, params)
            else:
                cursor.execute(sql, params)
            if name:
                log(f"[{connection.vendor}] shaped: {name} ({time.perf_counter() - started:.0f} s)")


def time_queries() -> dict:
    """Each dashboard query, best of a few runs, and the whole snapshot refresh (ms)."""
    from yundan import clock
    from yundan.console import dashboard_stats as stats
    from yundan.console.dashboard_snapshot import refresh_snapshot

    now = clock.now()
    calls = {
        "order_counts": stats.order_counts, "tracking_counts": stats.tracking_counts,
        "exceptions_per_day": lambda: stats.exceptions_per_day(now), "open_exceptions": lambda: stats.open_exceptions(now),
        "delivery_times": lambda: stats.delivery_times(now), "delivered_within": lambda: stats.delivered_within(now),
    }
    timings = {}
    for name, call in calls.items():
        samples = []
        for _ in range(QUERY_RUNS):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        timings[name] = min(samples)
        log(f"{name}: {timings[name]:.0f} ms")
    started = time.perf_counter()
    snapshot = refresh_snapshot()
    timings["refresh_snapshot"] = (time.perf_counter() - started) * 1000
    numbers = snapshot.numbers
    sizes = {"delivered_in_window": numbers["delivery_times"]["overall"]["count"],
             "shipped_in_48h_cohort": numbers["delivered_within"]["overall"]["shipped"],
             "open_exceptions": sum(map(sum, numbers["open_exceptions"].values())),
             "exceptions_opened_30_days": sum(numbers["exceptions_per_day"]["opened"])}
    log(f"sizes: {sizes}")
    return {"ms": timings, "sizes": sizes}


def measure(env: dict, count: int) -> dict:
    port = free_port()
    server = subprocess.Popen([str(Path(sys.executable).with_name("yundan")), "serve", f"127.0.0.1:{port}",
                               "--no-worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        try:
            wait_until_up(port, server)
        except SystemExit:
            log(server.stderr.read().decode(errors="replace") if server.poll() is not None else "")
            raise
        browser = Browser(port)
        browser.sign_in()
        clear_snapshot(env)
        started = time.perf_counter()
        status, text = browser.request("GET", "/dashboard/")
        first_ms = (time.perf_counter() - started) * 1000
        if status != 200 or "chart-delivery-time" not in text:
            raise SystemExit(f"/dashboard/ answered HTTP {status}")
        for _ in range(10):  # warm up: templates compiled
            browser.request("GET", "/dashboard/")
        samples, failures = [], 0
        for _ in range(count):
            started = time.perf_counter()
            status, text = browser.request("GET", "/dashboard/")
            samples.append((time.perf_counter() - started) * 1000)
            failures += status != 200 or "数据更新于" not in text
        result = {"first_view_ms": first_ms, "n": count, "failures": failures, "p50_ms": percentile(samples, 0.5),
                  "p99_ms": percentile(samples, 0.99), "max_ms": max(samples)}
        log(f"page: {result}")
        return result
    finally:
        server.terminate()
        server.wait(timeout=30)


def clear_snapshot(env: dict) -> None:
    """No snapshot: the first view computes it, as on a fresh install before the worker's first run."""
    subprocess.run([sys.executable, "-c", "import django; django.setup(); "
                    "from yundan.console.models import DashboardSnapshot; DashboardSnapshot.objects.all().delete()"],
                   env=env, check=True)


def print_report(args, results: dict) -> None:
    print(f"\n看板 at {args.orders:,} orders (~{int(args.orders * 1.2):,} packages), clock at {NOW}\n")
    names = list(next(iter(results.values()))["queries"]["ms"])
    print(f"{'query (best of ' + str(QUERY_RUNS) + ', ms)':<28}" + "".join(f"{db:>12}" for db in results))
    for name in names:
        print(f"{name:<28}" + "".join(f"{r['queries']['ms'][name]:>12.0f}" for r in results.values()))
    for database, r in results.items():
        print(f"\n{database}: rows counted {r['queries']['sizes']}")
        page = r["page"]
        verdict = "ok" if page["p99_ms"] <= GOAL_MS and not page["failures"] else "MISSED"
        print(f"{database}: /dashboard/ first view (computes the snapshot) {page['first_view_ms']:.0f} ms; "
              f"then {page['n']} views: p50 {page['p50_ms']:.1f} ms, p99 {page['p99_ms']:.1f} ms, "
              f"max {page['max_ms']:.1f} ms, failures {page['failures']}  goal p99 ≤ {GOAL_MS}: {verdict}")


if __name__ == "__main__":
    main()
