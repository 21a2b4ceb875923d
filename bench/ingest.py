"""Event ingest benchmark: 1,000,000 events for 100,000 packages, then the same again (all duplicates).

    .venv/bin/python bench/ingest.py [--packages 100000] [--events-per-package 10] [--databases sqlite,postgres]

Each database runs in its own process with its own data (SQLite under bench/out/home-ingest-sqlite,
PostgreSQL database `yundan_bench_ingest`), emptied first. The events go through the real service
(`yundan.tracking.ingest.ingest`) exactly as a refresh or a push hands them over: a list of
(package id, events) pairs, the full trace of each package. Goals: ≤ 30 s for the first ingest and
≤ 15 s for the all-duplicate second one, on SQLite.
"""

import argparse
import json
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from dataset import database_env, log, run_json, shipped_packages

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PG_URL = "postgres://root@127.0.0.1:5432/yundan_bench_ingest"
START = datetime(2026, 11, 20, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
STEPS = (
    ("揽收", "picked_up", "您的快件已由【北京大兴营业部】揽收完成"),
    ("分拣", "in_transit", "您的快件在【北京亚一分拣中心】分拣完成"),
    ("发货", "in_transit", "您的快件由【北京亚一分拣中心】发往【杭州转运中心】"),
    ("到达", "in_transit", "您的快件已到达【杭州转运中心】"),
    ("分拣", "in_transit", "您的快件在【杭州转运中心】分拣完成"),
    ("发货", "in_transit", "您的快件由【杭州转运中心】发往【杭州西湖营业部】"),
    ("到达", "in_transit", "您的快件已到达【杭州西湖营业部】"),
    ("派送", "out_for_delivery", "配送员【王师傅】正在为您派件，电话13800001111"),
    ("配送异常", "delivery_failed", "客户电话无人接听，将再次派送"),
    ("妥投", "delivered", "您的快件已签收，签收人：本人，感谢您使用京东物流"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=100_000)
    parser.add_argument("--events-per-package", type=int, default=10)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--worker", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        run_worker(args)
        return
    OUT.mkdir(exist_ok=True)
    results = {}
    for database in args.databases.split(","):
        env = database_env(OUT / f"home-ingest-{database}", database, PG_URL)
        results[database] = run_json(__file__, ["--worker", database, "--packages", str(args.packages),
                                                "--events-per-package", str(args.events_per_package)], env)
    print_report(args, results)




def traces(ids: list[int], per_package: int):
    from yundan.carriers.base import TraceEvent

    steps = [STEPS[n % len(STEPS)] for n in range(per_package)]
    return [
        (pk, [TraceEvent(START + timedelta(minutes=pk % 600 + 90 * n), status, code, text, "杭州")
              for n, (code, status, text) in enumerate(steps)])
        for pk in ids
    ]


def run_worker(args) -> None:
    import resource

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from yundan.tracking.ingest import ingest

    call_command("migrate", verbosity=0)
    ids = shipped_packages([f"JDX{i:012d}" for i in range(1, args.packages + 1)], "jd")
    data = traces(ids, args.events_per_package)
    log(f"[{connection.vendor}] {len(ids):,} packages, {len(ids) * args.events_per_package:,} events generated")
    figures = {}
    for run in ("first", "duplicates"):
        started = time.perf_counter()
        outcome = ingest(data, "bench")
        figures[run] = time.perf_counter() - started
        figures[f"{run}_new"] = sum(r.new_events for r in outcome.values())
        log(f"[{connection.vendor}] {run}: {figures[run]:.2f} s, {figures[f'{run}_new']:,} new events")
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM tracking_trackingevent")
        figures["stored"] = cursor.fetchone()[0]
        cursor.execute("SELECT status, COUNT(*) FROM shipping_package GROUP BY status")
        figures["package_status"] = dict(cursor.fetchall())
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump(figures, sys.stdout)


def print_report(args, results) -> None:
    events = args.packages * args.events_per_package
    print(f"\nIngest of {events:,} events for {args.packages:,} packages (then the same again)")
    print(f"{'database':<10} {'first':>9} {'events/s':>10} {'duplicates':>11} {'stored':>10} {'peak RSS':>9}")
    for database, r in results.items():
        print(f"{database:<10} {r['first']:>8.2f}s {events / r['first']:>10,.0f} {r['duplicates']:>10.2f}s "
              f"{r['stored']:>10,} {r['peak_rss_mb']:>7.0f}MB")
        print(f"{'':<10} new events: first {r['first_new']:,}, second {r['duplicates_new']:,}; "
              f"package status {r['package_status']}")
    print("goals (SQLite): first ≤ 30 s, duplicates ≤ 15 s")


if __name__ == "__main__":
    main()
