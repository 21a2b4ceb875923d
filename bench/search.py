"""Order lookup benchmark: 1,000,000 orders, 1,200,000 packages, SQLite and PostgreSQL.

    .venv/bin/python bench/search.py [--orders 1000000] [--lookups 10000] [--baseline-lookups 20]

Data goes straight into the database in bulk (not via `yundan demo`), into its own SQLite file
under bench/out/ and its own PostgreSQL database `yundan_bench`. Then, per key, it times
lookups through the real search service (`search_orders`, the ORM, in-process) and, as the
baseline in the same run, the same lookups as an unindexed scan (the indexed column wrapped
in an expression, so no index can serve it). The scan takes ~0.1–1 s each, so it runs fewer.
"""

import argparse
import json
import random
import sys
import time
from pathlib import Path

from dataset import database_env, generate, log, order_values, percentile, run_json

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PG_URL = "postgres://root@127.0.0.1:5432/yundan_bench"
KINDS = ("order_no", "buyer_id", "phone", "phone_last4_status", "waybill_no")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--baseline-lookups", type=int, default=20)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--worker", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args)
        return
    OUT.mkdir(exist_ok=True)
    results = {}
    for database in args.databases.split(","):
        env = database_env(OUT / f"home-{database}", database, PG_URL)
        results[database] = run_json(__file__, ["--worker", database, "--orders", str(args.orders),
                                                "--lookups", str(args.lookups),
                                                "--baseline-lookups", str(args.baseline_lookups)], env)
    print_report(args, results)




def run_worker(args) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    generate(args.orders, log)
    json.dump(measure(args.orders, args.lookups, args.baseline_lookups), sys.stdout)




def measure(count: int, lookups: int, baseline_lookups: int) -> dict:
    from django.db import connection

    from yundan.orders.search import OrderQuery, search_orders

    rng = random.Random(7)
    keys = {kind: [] for kind in KINDS}
    data_rng = random.Random(42)
    sample = set(rng.sample(range(count), min(count, lookups)))
    # Replay the generator to know real keys without asking the database.
    package_id = 0
    for i in range(count):
        values = order_values(i, data_rng)
        first_package = package_id + 1
        package_id += 2 if i % 5 == 0 else 1
        if i in sample:
            keys["order_no"].append(OrderQuery(order_no=values["order_no"]))
            keys["buyer_id"].append(OrderQuery(buyer_id=values["buyer_id"]))
            keys["phone"].append(OrderQuery(phone=values["phone"]))
            keys["phone_last4_status"].append(OrderQuery(phone=values["phone"][-4:], status=values["status"]))
            keys["waybill_no"].append(OrderQuery(waybill_no=f"JDX9{first_package:011d}"))
    results = {}
    for kind, queries in keys.items():
        rng.shuffle(queries)
        indexed = [timed(lambda q=q: list(search_orders(q)[:50])) for q in queries]
        baseline = [timed(lambda q=q: scan(connection, kind, q)) for q in queries[:baseline_lookups]]
        results[kind] = {
            "lookups": len(indexed), "p50_ms": percentile(indexed, 0.5), "p99_ms": percentile(indexed, 0.99),
            "baseline_lookups": len(baseline), "baseline_p50_ms": percentile(baseline, 0.5),
            "baseline_p99_ms": percentile(baseline, 0.99),
        }
        log(f"[{connection.vendor}] {kind}: {results[kind]}")
    return results


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def scan(connection, kind: str, query) -> list:
    """The same lookup with every index defeated: the column is compared through an expression."""
    where = {
        "order_no": ("o.order_no || '' = %s", [query.order_no]),
        "buyer_id": ("o.buyer_id || '' = %s", [query.buyer_id]),
        "phone": ("o.receiver_phone || '' = %s", [query.phone]),
        "phone_last4_status": ("o.receiver_phone_last4 || '' = %s AND o.status || '' = %s",
                               [query.phone, query.status]),
        "waybill_no": ("o.id IN (SELECT p.order_id FROM shipping_package p WHERE p.waybill_no || '' = %s)",
                       [query.waybill_no]),
    }[kind]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT o.* FROM orders_order o WHERE {where[0]} ORDER BY o.ordered_at DESC LIMIT 50",
                       where[1])
        return cursor.fetchall()


def print_report(args, results: dict) -> None:
    print(f"\nOrder lookups: {args.orders:,} orders, ~{int(args.orders * 1.2):,} packages; "
          f"search_orders() in-process; baseline = unindexed scan of the same lookup\n")
    print(f"{'database':<9} {'key':<20} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'scan n':>7} {'scan p50':>9} {'scan p99':>9}")
    for database, kinds in results.items():
        for kind, r in kinds.items():
            print(f"{database:<9} {kind:<20} {r['lookups']:>6} {r['p50_ms']:>8.3f} {r['p99_ms']:>8.3f} "
                  f"{r['baseline_lookups']:>7} {r['baseline_p50_ms']:>9.1f} {r['baseline_p99_ms']:>9.1f}")


if __name__ == "__main__":
    main()
