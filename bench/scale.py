"""Scale-out benchmark: the refresh and the batch query on PostgreSQL + Redis through real
`yundan worker` processes, with 1 and then 2 workers; the throughput of each and the scaling ratio.

    .venv/bin/python bench/scale.py [--packages 10000] [--latency 0.02] [--orders 1000000] [--rows 100000]
                                    [--jobs 4] [--workers 1,2] [--skip refresh|batch]

Refresh: 10,000 due SF packages (bench/refresh.py's data) answered by the fake Kuaidi100 at 20 ms in
its own process, account concurrency 32. The workers take the due refresh the way the scheduler gives
it to them, without waiting for the minute: one tick (`refresh_due_packages`, YUNDAN_REFRESH_BATCH
raised to the package count) claims them all and queues runs of YUNDAN_REFRESH_RUN (default 500),
which the workers take; timed from the tick until every package was refreshed once.

Batch query: the data set of bench/dataset.py (1,000,000 orders, ~1,200,000 packages, two events
each; built once) and bench/batch_query.py's input of 100,000 rows; `--jobs` jobs submitted at once
through the REST API (`POST /api/v1/batch-jobs`, one `yundan serve --no-worker`), timed from the
first submission until the last job is done.

Each measurement starts its workers afresh (default 2 threads each) on Redis database 12, with the
homes bench/out/scale-refresh and bench/out/scale-batch and the PostgreSQL databases
yundan_scale_refresh and yundan_scale_batch. The machine's load (`uptime`) is printed before and after.
"""

import argparse
import json
import multiprocessing
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from dataset import database_env, generate, generate_events, log, run_json
from refresh import prepare as refresh_data
from refresh import serve_fake

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PG = "postgres://root@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/12"
TIMEOUT_SECONDS = 1_800

TICK = """
import time
from yundan.tracking.tasks import refresh_due_packages
refresh_due_packages()  # the scheduler's tick
print(time.time())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--packages", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, default=4)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--skip", default="", choices=["", "refresh", "batch"])
    parser.add_argument("--stage", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        stage(args.stage)
        return
    counts = [int(n) for n in args.workers.split(",")]
    print(f"load before: {uptime()}")
    results = {}
    if args.skip != "refresh":
        results["refresh"] = refresh_benchmark(args, counts)
    if args.skip != "batch":
        results["batch"] = batch_benchmark(args, counts)
    print(f"load after: {uptime()}")
    report(args, results)


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def environment(name: str) -> dict:
    env = database_env(OUT / f"scale-{name}", "postgres", f"{PG}/yundan_scale_{name}")
    env.update(YUNDAN_REDIS_URL=REDIS_URL, YUNDAN_LOG_LEVEL="INFO")
    return env


def yundan(env: dict, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "yundan.cli", *args], env=env, check=True, capture_output=True,
                          text=True).stdout


class Workers:
    """N `yundan worker --no-periodic` processes on a flushed Redis database, each logging to its own
    file (the benchmark gives the ticks; no periodic job such as the 看板 snapshot runs meanwhile)."""

    def __init__(self, env: dict, count: int, name: str):
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
        self.logs = [OUT / f"scale-{name}" / f"worker-{count}-{n + 1}.log" for n in range(count)]
        self.processes = []
        for path in self.logs:
            with path.open("w") as out:
                self.processes.append(subprocess.Popen(
                    [sys.executable, "-m", "yundan.cli", "worker", "--no-periodic"],
                    env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True))
        deadline = time.monotonic() + 120
        while not all("consumer started" in path.read_text().lower() for path in self.logs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.processes):
                self.stop()
                raise SystemExit(f"a worker did not start: see {self.logs}")
            time.sleep(0.2)

    def cpu_seconds(self) -> float:
        """CPU time the worker processes have used (user + system, /proc/PID/stat)."""
        used = 0
        for process in self.processes:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            used += int(fields[11]) + int(fields[12])
        return used / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(timeout=60)


def machine_cpu() -> tuple[int, int]:
    """The machine's CPU time so far, all and idle (clock ticks, /proc/stat)."""
    ticks = [int(n) for n in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(ticks), ticks[3] + ticks[4]


def machine_busy_since(before: tuple[int, int]) -> float:
    """The share of every CPU's time that was busy since ``before`` (0–1)."""
    total, idle = machine_cpu()
    return 1 - (idle - before[1]) / max(1, total - before[0])


def wait_until(done, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT_SECONDS
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"{what}: not within {TIMEOUT_SECONDS} s")
        time.sleep(0.2)


# --- refresh ------------------------------------------------------------------------------------------


def refresh_benchmark(args, counts: list[int]) -> dict:
    env = environment("refresh")
    env["YUNDAN_REFRESH_BATCH"] = str(args.packages)
    yundan(env, "init")
    numbers = [f"SF{1_400_000_000_000 + i}" for i in range(args.packages)]
    parent, child = multiprocessing.Pipe()
    stop = multiprocessing.Event()
    fake = multiprocessing.Process(target=serve_fake, args=(numbers, args.latency, child, stop), daemon=True)
    fake.start()
    account = parent.recv() | {"concurrency": "32"}
    url = env["YUNDAN_DATABASE_URL"]
    results = {}
    try:
        for count in counts:
            run_json(__file__, ["--stage", "refresh-data", str(args.packages), json.dumps(account)], env)
            workers = Workers(env, count, "refresh")
            try:
                machine = machine_cpu()
                queued = float(yundan(env, "shell", "-c", TICK).split()[-1])
                wait_until(lambda: refreshed(url) >= args.packages, f"refresh with {count} worker(s)")
                seconds = time.time() - queued
                busy = machine_busy_since(machine)
                worker_cpu = workers.cpu_seconds()
            finally:
                workers.stop()
            logs = "".join(path.read_text() for path in workers.logs)
            results[count] = {"seconds": seconds, "per_second": args.packages / seconds,
                              "runs": len(re.findall(r"refresh_claimed_packages: \S+ executed in", logs)),
                              "machine_busy": busy, "worker_cpu_seconds": worker_cpu}
            log(f"refresh, {count} worker(s): {results[count]}")
    finally:
        stop.set()
        fake.join(timeout=30)
    return results


def refreshed(url: str) -> int:
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT COUNT(*) FROM shipping_package WHERE last_checked_at IS NOT NULL").fetchone()[0]


# --- batch query --------------------------------------------------------------------------------------


def batch_benchmark(args, counts: list[int]) -> dict:
    import httpx

    env = environment("batch")
    prepared = run_json(__file__, ["--stage", "batch-data", str(args.orders), str(args.rows)], env)
    source = Path(prepared["input"])
    key = json.loads(yundan(env, "apikeys", "create", "--scope", "read", "--name", "scale bench", "--json"))["key"]
    results = {}
    for count in counts:
        port = free_port()
        web_log = (OUT / "scale-batch" / f"web-{count}.log").open("w")
        web = subprocess.Popen([sys.executable, "-m", "yundan.cli", "serve", f"127.0.0.1:{port}", "--no-worker"],
                               env=env, stdout=web_log, stderr=subprocess.STDOUT, start_new_session=True)
        workers = Workers(env, count, "batch")
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {key}"},
                              timeout=120) as api:
                wait_until(lambda: answers(api, "/readyz"), "yundan serve /readyz")
                started = time.perf_counter()
                jobs = []
                for _ in range(args.jobs):
                    with source.open("rb") as upload:
                        answer = api.post("/api/v1/batch-jobs", files={"file": (source.name, upload)})
                    answer.raise_for_status()
                    jobs.append(answer.json()["id"])
                states = {}

                def all_finished() -> bool:
                    states.update((job, api.get(f"/api/v1/batch-jobs/{job}").json()) for job in jobs)
                    return all(state["state"] in ("done", "failed") for state in states.values())

                wait_until(all_finished, f"batch jobs with {count} worker(s)")
                seconds = time.perf_counter() - started
        finally:
            workers.stop()
            web.terminate()
            web.wait(timeout=60)
        failed = [state["error"] for state in states.values() if state["state"] != "done"]
        if failed:
            raise SystemExit(f"batch jobs failed: {failed}")
        rows = sum(state["processed"] for state in states.values())
        results[count] = {"seconds": seconds, "rows": rows, "rows_per_second": rows / seconds}
        log(f"batch query, {count} worker(s): {results[count]}")
    return results


def answers(api, path: str) -> bool:
    import httpx

    try:
        return api.get(path).status_code == 200
    except httpx.TransportError:
        return False


def free_port() -> int:
    from console import free_port as port

    return port()


# --- stages run in the database's own environment ------------------------------------------------------


def stage(argv: list[str]) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    name, *rest = argv
    if name == "refresh-data":
        count, account = int(rest[0]), json.loads(rest[1])
        refresh_data([f"SF{1_400_000_000_000 + i}" for i in range(count)], account)
        json.dump({"packages": count}, sys.stdout)
    elif name == "batch-data":
        from batch_query import write_input

        orders, rows = int(rest[0]), int(rest[1])
        started = time.perf_counter()
        generate(orders, log)
        generate_events(log)
        path = OUT / "scale-batch" / f"input-{orders}-{rows}.xlsx"
        if not path.exists():
            write_input(path, orders, rows)
        json.dump({"input": str(path), "seconds": time.perf_counter() - started}, sys.stdout)


def report(args, results: dict) -> None:
    print(f"\nScale-out on PostgreSQL + Redis, `yundan worker` processes (2 threads each), {os.cpu_count()} CPUs")
    if "refresh" in results:
        print(f"\nRefresh of {args.packages:,} due packages via fake Kuaidi100 ({args.latency * 1000:.0f} ms, "
              f"concurrency 32), one tick queueing runs of YUNDAN_REFRESH_RUN:")
        print_scaling(results["refresh"], "per_second", "packages/s")
    if "batch" in results:
        print(f"\nBatch query: {args.jobs} jobs of {args.rows:,} rows against {args.orders:,} orders, "
              "submitted at once through the API:")
        print_scaling(results["batch"], "rows_per_second", "rows/s")


def print_scaling(runs: dict, key: str, unit: str) -> None:
    for count, result in runs.items():
        print(f"  {count} worker(s): {result['seconds']:.1f} s, {result[key]:,.0f} {unit}"
              + (f" ({result['runs']} runs; worker CPU {result['worker_cpu_seconds']:.1f} s, "
                 f"machine {result['machine_busy']:.0%} busy)" if "runs" in result else ""))
    if len(runs) > 1:
        first, *_, last = runs
        print(f"  scaling {first} → {last} workers: {runs[last][key] / runs[first][key]:.2f}×")


if __name__ == "__main__":
    main()
