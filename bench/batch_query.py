"""Batch logistics query benchmark: 100,000 input rows against 1,000,000 orders on SQLite.

    .venv/bin/pip install -e '.[bench]'   # openpyxl, for the naive baseline only
    .venv/bin/python bench/batch_query.py [--orders 1000000] [--rows 100000] [--repeat 3] [--naive-repeat 1]

The database is the search benchmark's (bench/out/home-sqlite; built if missing) plus two events
per package. The input is an .xlsx of text cells: 90 % order numbers, 5 % waybill numbers, 5 %
unknown. Each run is a fresh process, timed end to end (read, look up, write) with its peak RSS,
after the database file has been read once (see warm_cache).
The naive baseline in the same run: openpyxl read, one query per row, openpyxl write (minutes;
--naive-repeat 0 skips it while iterating).
"""

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from dataset import generate, generate_events, log, order_values

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"




def setup_django():
    import django

    django.setup()


def prepare(args) -> Path:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    generate(args.orders, log)
    generate_events(log)
    path = OUT / f"batch-input-{args.rows}.xlsx"
    if not path.exists():
        write_input(path, args.orders, args.rows)
    return path


def write_input(path: Path, orders: int, rows: int) -> None:
    import xlsxwriter

    rng, data_rng = random.Random(3), random.Random(42)
    order_numbers = [order_values(i, data_rng)["order_no"] for i in range(orders)]
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("订单")
    sheet.write_string(0, 0, "订单号")
    for row in range(1, rows + 1):
        roll = rng.random()
        if roll < 0.90:
            value = rng.choice(order_numbers)
        elif roll < 0.95:
            value = f"JDX9{rng.randrange(1, int(orders * 1.2)):011d}"
        else:
            value = f"39{rng.randrange(10**10):010d}"
        sheet.write_string(row, 0, value)
    workbook.close()


def warm_cache() -> None:
    """Read the database file once, so that no timed run waits for the disk.

    The machines this runs on page out files left untouched for a minute or two; the first run
    after a pause then read much of the database from disk and took 2-5x as long as the next.
    """
    from django.db import connection

    with open(connection.settings_dict["NAME"], "rb") as database:
        while database.read(1 << 24):
            pass


def run_product(source: Path, out: Path) -> None:
    from yundan.batch.query import run_batch_query

    run_batch_query(source, out)


def run_naive(source: Path, out: Path) -> None:
    """What a first version would do: openpyxl in, a query per row, openpyxl out."""
    import openpyxl

    from yundan.orders.models import Order
    from yundan.shipping.models import Package

    book = openpyxl.load_workbook(source, read_only=True)
    values = [str(row[0]) for row in book.worksheets[0].iter_rows(min_row=2, values_only=True) if row[0]]
    result = openpyxl.Workbook(write_only=True)
    sheet = result.create_sheet("查询结果")
    sheet.append(["查询值", "订单号", "订单状态", "物流单号", "承运商", "物流状态", "最新轨迹", "轨迹时间", "发货时间"])
    for value in values:
        order = Order.objects.filter(order_no=value).first()
        packages = list(order.packages.all()) if order else list(Package.objects.filter(waybill_no=value))
        for package in packages or [None]:
            owner = order or (package.order if package else None)
            sheet.append([value, owner.order_no if owner else "", owner.status if owner else "",
                          package.waybill_no if package else "", package.carrier if package else "",
                          package.status if package else "", package.last_event_text if package else "",
                          str(package.last_event_at) if package else "", str(package.shipped_at) if package else ""])
    result.save(out)


def worker(kind: str, source: Path, out: Path) -> None:
    setup_django()
    started = time.perf_counter()
    (run_product if kind == "product" else run_naive)(source, out)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump({"seconds": seconds, "peak_mb": peak_mb}, sys.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-repeat", type=int, default=1)
    parser.add_argument("--worker", nargs=3, metavar=("KIND", "SOURCE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yundan.settings")
    os.environ["YUNDAN_HOME"] = str(OUT / "home-sqlite")
    os.environ.pop("YUNDAN_DATABASE_URL", None)
    if args.worker:
        kind, source, out = args.worker
        worker(kind, Path(source), Path(out))
        return
    OUT.mkdir(exist_ok=True)
    setup_django()
    source = prepare(args)
    runs = {}
    for kind, repeat in (("product", args.repeat), ("naive", args.naive_repeat)):
        runs[kind] = []
        warm_cache()
        for _ in range(repeat):
            out = OUT / f"batch-output-{kind}.xlsx"
            result = subprocess.run([sys.executable, __file__, "--worker", kind, str(source), str(out)],
                                    check=True, capture_output=True, text=True)
            runs[kind].append(json.loads(result.stdout))
            log(f"{kind}: {runs[kind][-1]}")
    product = statistics.median(r["seconds"] for r in runs["product"])
    print(f"\nBatch query: {args.rows:,} input rows (90 % order no, 5 % waybill no, 5 % unknown) against "
          f"{args.orders:,} orders / ~{int(args.orders * 1.2):,} packages / their events, SQLite\n")
    print(f"product: median {product:.2f} s of {len(runs['product'])}, "
          f"peak RSS {max(r['peak_mb'] for r in runs['product']):.0f} MB")
    if runs["naive"]:
        naive = statistics.median(r["seconds"] for r in runs["naive"])
        print(f"naive (openpyxl + a query per row): median {naive:.2f} s of {len(runs['naive'])}, "
              f"peak RSS {max(r['peak_mb'] for r in runs['naive']):.0f} MB")
        print(f"ratio: {naive / product:.1f}x")


if __name__ == "__main__":
    main()
