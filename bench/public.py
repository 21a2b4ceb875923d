"""Public tracking page benchmark: /track/<waybill> under load on `yundan serve`, from wrk on loopback.

    .venv/bin/python bench/public.py [--orders 100000] [--seconds 30] [--connections 16] [--databases sqlite,postgres]

Per database: the data set of bench/dataset.py (--orders orders, 1.2 packages each, every package
shipped with two events; reused when the database already holds that many orders) in
bench/out/public-<db> or the PostgreSQL database `yundan_bench_public`. Then
`yundan serve 127.0.0.1:PORT --no-worker` runs as its own process, as a merchant starts it (waitress,
its default 8 threads; the embedded worker left out so that its scheduled work does not share the
CPU with the pages), with the public rate limit raised out of the way. wrk (Debian package, its own
process) keeps --connections keep-alive connections busy for --seconds, each request a random
waybill of the data set (a Lua script), after a short warm-up; then 10 s of /healthz on the same
server show what the machine allows at that moment. Goal: ≥ 800 requests/s, p99 ≤ 100 ms.
"""

import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from console import free_port, wait_until_up
from dataset import database_env, generate, generate_events, log, run_json

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PG_URL = "postgres://root@127.0.0.1:5432/yundan_bench_public"
GOAL_RPS, GOAL_P99_MS = 800, 100
WAYBILL = "JDX9{:011d}"  # bench/dataset.py's waybill numbers, by package id

# wrk: a random waybill per request (or /healthz, the ceiling of the server at that moment: a JSON
# view without a query); at the end one JSON line with the figures.
TRACK_REQUEST = """
local packages = PACKAGES
request = function()
  return wrk.format("GET", string.format("/track/JDX9%011d", math.random(1, packages)))
end
"""
HEALTHZ_REQUEST = """
request = function() return wrk.format("GET", "/healthz") end
"""
WRK_RESULT = """
done = function(summary, latency, requests)
  io.write(string.format('RESULT {"requests": %d, "seconds": %.3f, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.2f, "p90_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\\n',
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3, latency.max / 1e3))
end
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.orders)
        return
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: scripts/install-system-deps installs it (Debian package wrk)")
    OUT.mkdir(exist_ok=True)
    results = {}
    for database in args.databases.split(","):
        env = database_env(OUT / f"public-{database}", database, PG_URL)
        packages = run_json(__file__, ["--prepare", "--orders", str(args.orders)], env)["packages"]
        results[database] = measure(env, packages, args.seconds, args.connections)
    print_report(args, results)


def prepare(count: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    from yundan.shipping.models import Package

    call_command("migrate", verbosity=0)
    generate(count, log)
    generate_events(log)
    json.dump({"packages": Package.objects.count()}, sys.stdout)


def check_page(port: int, packages: int) -> None:
    """One page read by hand first: it shows the timeline and no order number."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", f"/track/{WAYBILL.format(packages // 2)}")
    response = connection.getresponse()
    html = response.read().decode()
    if response.status != 200 or html.count("<li>") != 2 or re.search(r"\b300\d{9}\b", html):
        raise SystemExit(f"/track answered HTTP {response.status} without the expected timeline:\n{html[:2000]}")


def run_wrk(port: int, script: Path, seconds: int, connections: int) -> dict:
    output = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script),
                             f"http://127.0.0.1:{port}"], check=True, capture_output=True, text=True).stdout
    result = json.loads(output.split("RESULT ", 1)[1])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def measure(env: dict, packages: int, seconds: int, connections: int) -> dict:
    port = free_port()
    server_env = {**env, "YUNDAN_PUBLIC_RATE_LIMIT": str(10**9)}
    # The server's log goes to a file: waitress warns of its task queue under load, and a pipe nobody
    # reads would fill and stop the server.
    log_path = Path(env["YUNDAN_HOME"]) / "serve.log"
    with log_path.open("w") as server_log, tempfile.TemporaryDirectory(prefix="yundan-wrk-") as folder:
        server = subprocess.Popen([str(Path(sys.executable).with_name("yundan")), "serve", f"127.0.0.1:{port}",
                                   "--no-worker"], env=server_env, stdout=server_log, stderr=server_log)
        track, healthz = Path(folder) / "track.lua", Path(folder) / "healthz.lua"
        track.write_text(TRACK_REQUEST.replace("PACKAGES", str(packages)) + WRK_RESULT)
        healthz.write_text(HEALTHZ_REQUEST + WRK_RESULT)
        try:
            wait_until_up(port, server)
            check_page(port, packages)
            run_wrk(port, track, 3, connections)  # warm-up: templates compiled, threads connected
            load = os.getloadavg()[0]
            result = run_wrk(port, track, seconds, connections)
            ceiling = run_wrk(port, healthz, 10, connections)
        finally:
            server.terminate()
            server.wait(timeout=30)
    result.update(load_before=load, packages=packages, healthz_rps=ceiling["rps"], healthz_p99_ms=ceiling["p99_ms"])
    log(f"{result}")
    return result


def print_report(args, results: dict) -> None:
    print(f"\nPublic tracking page /track/<waybill>: {args.orders:,} orders; `yundan serve --no-worker` (waitress, "
          f"8 threads); wrk, {args.connections} keep-alive connections, {args.seconds} s, "
          f"a random waybill per request; "
          f"{os.cpu_count()} CPUs; load = 1-minute load average before the run; /healthz = the same server's ceiling "
          f"right after (a JSON view without a query, 10 s)\n")
    print(f"{'database':<9} {'packages':>9} {'requests':>9} {'req/s':>7} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
          f"{'max ms':>7} {'non-2xx':>7} {'load':>5} {'/healthz req/s, p99':>20}  "
          f"goal ≥ {GOAL_RPS}/s, p99 ≤ {GOAL_P99_MS} ms")
    for database, r in results.items():
        met = r["rps"] >= GOAL_RPS and r["p99_ms"] <= GOAL_P99_MS and not r["non_2xx"] and not r["socket_errors"]
        print(f"{database:<9} {r['packages']:>9,} {r['requests']:>9,} {r['rps']:>7.0f} {r['p50_ms']:>7.1f} "
              f"{r['p90_ms']:>7.1f} {r['p99_ms']:>7.1f} {r['max_ms']:>7.1f} {r['non_2xx']:>7} {r['load_before']:>5.2f} "
              f"{r['healthz_rps']:>11.0f}, {r['healthz_p99_ms']:>5.0f} ms  {'ok' if met else 'MISSED'}")


if __name__ == "__main__":
    main()
