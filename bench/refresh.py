"""Refresh benchmark: 10,000 due packages against a local fake Kuaidi100 answering in 20 ms.

    .venv/bin/python bench/refresh.py [--packages 10000] [--latency 0.02] [--concurrency 32]

The fake (tests/fakes/kuaidi100.py: it checks every signature, as the real service does) runs in
its own process on loopback, so its work does not share our interpreter. The refresh goes through
the real path the worker takes: `claim_due` then `refresh_packages` with a Kuaidi100 carrier
account, one signed query per waybill, the events ingested and the next refresh scheduled. The
floor is packages × latency ÷ concurrency; the goal is within 2.5× of it.
"""

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))  # the fake carrier servers live with the tests

from dataset import shipped_packages  # noqa: E402


def serve_fake(numbers: list[str], latency: float, ready, stop) -> None:
    from fakes.kuaidi100 import FakeKuaidi100, trace_item

    items = [
        trace_item("2026-11-25 09:00:00", "【北京市】顺丰速运 已收取快件", "103", "揽收"),
        trace_item("2026-11-25 21:00:00", "快件在【北京顺义集散中心】完成分拣，准备发往【杭州】", "1002", "干线"),
        trace_item("2026-11-26 08:30:00", "快件到达【杭州西湖营业点】", "1001", "在途"),
        trace_item("2026-11-26 09:10:00", "快件交给王师傅，正在派送途中（联系电话：13800001111）", "5", "派件"),
    ]
    with FakeKuaidi100(latency=latency) as fake:
        for number in numbers:
            fake.add_trace(number, items)
        ready.send(fake.settings())
        stop.wait()
        ready.send(len(fake.queries))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    home = HERE / "out" / "home-refresh-sqlite"
    home.mkdir(parents=True, exist_ok=True)
    os.environ.update(YUNDAN_HOME=str(home), DJANGO_SETTINGS_MODULE="yundan.settings")
    os.environ.pop("YUNDAN_DATABASE_URL", None)
    numbers = [f"SF{1_400_000_000_000 + i}" for i in range(args.packages)]

    parent, child = multiprocessing.Pipe()
    stop = multiprocessing.Event()
    fake = multiprocessing.Process(target=serve_fake, args=(numbers, args.latency, child, stop), daemon=True)
    fake.start()
    settings = parent.recv()

    import django

    django.setup()
    from django.core.management import call_command

    from yundan.tracking.services import claim_due, refresh_packages

    call_command("migrate", verbosity=0)
    prepare(numbers, settings | {"concurrency": str(args.concurrency)})
    started = time.perf_counter()
    packages = claim_due(args.packages)
    outcomes = refresh_packages(packages)
    elapsed = time.perf_counter() - started
    stop.set()
    queries = parent.recv()
    fake.join()

    floor = args.packages * args.latency / args.concurrency
    errors = [o.error for o in outcomes if o.error]
    print(f"\nRefresh of {len(outcomes):,} due packages via fake Kuaidi100 ({args.latency * 1000:.0f} ms latency, "
          f"concurrency {args.concurrency})")
    print(f"  time {elapsed:.2f} s; floor {floor:.2f} s; ratio {elapsed / floor:.2f}× (goal ≤ 2.5×)")
    print(f"  queries answered by the fake: {queries:,}; new events {sum(o.new_events for o in outcomes):,}; "
          f"errors {len(errors)}{': ' + errors[0] if errors else ''}")


def prepare(numbers: list[str], account_settings: dict) -> None:
    """One due SF package per number, and one Kuaidi100 account pointing at the fake."""
    from yundan.carriers.accounts import complete_settings, kind_of
    from yundan.carriers.models import CarrierAccount

    shipped_packages(numbers, "sf", due_at="2026-11-27 02:00:00+00:00")
    values = complete_settings(kind_of("kuaidi100"), account_settings)
    CarrierAccount.objects.create(name="bench-kuaidi100", kind="kuaidi100", settings=values)


if __name__ == "__main__":
    main()
