"""yundan deployed as docs/deploy.md runs it, on loopback: web processes and workers started with
``subprocess`` the way an operator starts them, on one PostgreSQL database and one Redis database.

Every process writes its output to ``<tmp>/logs/<name>.log`` and runs in a process group of its own,
so that stopping the deployment (also after a failed or interrupted test) ends it and anything it
started. ``Deployment.logs()`` gives the tails of those files for a failure report.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis

from reliability.seed import RECEIVER_ADDRESS, RECEIVER_NAME, RECEIVER_PHONE_PREFIX
from redis_dbs import redis_url

REDIS_URL = redis_url("reliability")  # the suite's own Redis database, flushed by every test
HERE = Path(__file__).resolve().parent
SEED = HERE / "seed.py"  # the scenarios' data (run with Deployment.script)
# The seeded receivers' phones, name and address: none may show in a log line, only masked.
PERSONAL_DATA = re.compile(rf"(?<!\d){RECEIVER_PHONE_PREFIX}\d{{8}}(?!\d)|{RECEIVER_NAME}|{RECEIVER_ADDRESS}")
STARTUP_SECONDS = 90  # a loaded 2-core machine takes a while to import Django and answer
LOG_TAIL_LINES = 60


def postgres_url() -> str:
    """The PostgreSQL server the tests run on (YUNDAN_DATABASE_URL); the suite skips without one."""
    url = os.environ.get("YUNDAN_DATABASE_URL", "")
    if urlsplit(url).scheme not in {"postgres", "postgresql", "pgsql"}:
        pytest.skip("the reliability suite runs on PostgreSQL and Redis: set YUNDAN_DATABASE_URL=postgres://… "
                    "(make test's PostgreSQL pass does)")
    return url


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(what: str, ready, timeout: float, interval: float = 0.2, alive=lambda: True):
    """Poll ``ready()`` until it returns something truthy; fail naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        value = ready()
        if value:
            return value
        if not alive():
            raise AssertionError(f"{what}: the process ended first")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(interval)


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    log_start: int = 0  # where this run's output begins in the log (a restarted process appends)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill_hard(self) -> None:
        """``kill -9`` of the process itself, as the kernel's OOM killer or a power cut would."""
        os.kill(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self, grace: float = 15) -> None:
        """SIGTERM to its process group, then SIGKILL to whatever is left after ``grace`` seconds."""
        if self.popen.poll() is None:
            _signal_group(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                pass
        _signal_group(self.pid, signal.SIGKILL)  # children it left behind, if any
        if self.popen.poll() is None:
            self.popen.wait(timeout=30)

    def log_text(self) -> str:
        """What this run of the process wrote."""
        with self.log.open("rb") as log:
            log.seek(self.log_start)
            return log.read().decode(errors="replace")

    def tasks(self, name: str) -> tuple[set[str], set[str]]:
        """The ids of the Huey tasks ``name`` this run of a worker started, and of those of them that
        ended (executed, not run, or failed), from its log."""
        log = self.log_text()
        started = set(re.findall(rf"Executing {re.escape(name)}: ([0-9a-f-]+)", log))
        ended = {task for match in re.findall(r"([0-9a-f-]{36}) executed in|Task ([0-9a-f-]{36}) not run|"
                                               r"in task ([0-9a-f-]{36})", log) for task in match if task}
        return started, started & ended

    def holds(self, name: str) -> bool:
        """This worker is running a task ``name`` now (started, not ended)."""
        started, ended = self.tasks(name)
        return started != ended


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class Web:
    process: Process
    url: str  # http://127.0.0.1:PORT


@dataclass
class Deployment:
    """One yundan installation: a data folder, a database, a Redis database and its processes."""

    root: Path  # the test's tmp_path
    database_url: str
    redis_url: str
    settings: dict[str, str] = field(default_factory=dict)  # YUNDAN_* for every process
    processes: list[Process] = field(default_factory=list)

    def __post_init__(self):
        self.home = self.root / "home"
        self.logs_dir = self.root / "logs"
        self.home.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        redis.Redis.from_url(self.redis_url).flushdb()

    def note(self, text: str) -> None:
        """A line in logs/timeline.log: what the test did when, for reading a failure (or a slow run)."""
        with (self.logs_dir / "timeline.log").open("a") as log:
            log.write(f"{time.strftime('%H:%M:%S')} {text}\n")

    def env(self, **extra: str) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("YUNDAN_") and key != "DJANGO_SETTINGS_MODULE"}
        env.update(YUNDAN_HOME=str(self.home), YUNDAN_DATABASE_URL=self.database_url,
                   YUNDAN_REDIS_URL=self.redis_url, YUNDAN_LOG_LEVEL="INFO", **self.settings, **extra)
        return env

    # --- commands an operator types -------------------------------------------------------------------

    def yundan(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run ``yundan ARGS…`` to the end (it must succeed); its output is kept in the command log."""
        return self._run([sys.executable, "-m", "yundan.cli", *args], timeout)

    def script(self, path: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        """Run one of these tests' helper scripts under yundan's settings (see seed.py)."""
        return self._run([sys.executable, str(path), *args], timeout, DJANGO_SETTINGS_MODULE="yundan.settings")

    def _run(self, command: list[str], timeout: float, **extra_env: str) -> subprocess.CompletedProcess:
        started = time.monotonic()
        done = subprocess.run(command, env=self.env(**extra_env), capture_output=True, text=True, timeout=timeout)
        shown = command[2:] if command[1] == "-m" else [Path(command[1]).name, *command[2:]]
        took = time.monotonic() - started
        self.note(f"{shown[1] if command[1] == '-m' else shown[0]} exited {done.returncode} after {took:.1f} s")
        with (self.logs_dir / "commands.log").open("a") as log:
            log.write(f"$ {' '.join(shown)}  [exit {done.returncode}, {took:.1f} s]\n{done.stdout}{done.stderr}\n")
        if done.returncode:
            raise AssertionError(f"{' '.join(shown)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def yundan_json(self, *args: str):
        return json.loads(self.yundan(*args, "--json").stdout)

    # --- long-running processes -----------------------------------------------------------------------

    def start(self, name: str, *args: str, **extra_env: str) -> Process:
        log = self.logs_dir / f"{name}.log"
        log_start = log.stat().st_size if log.exists() else 0
        with log.open("a") as out:
            out.write(f"--- yundan {' '.join(args)} started at {time.strftime('%H:%M:%S')}\n")
            popen = subprocess.Popen([sys.executable, "-m", "yundan.cli", *args], env=self.env(**extra_env),
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        process = Process(name, popen, log, log_start)
        self.processes.append(process)
        return process

    def serve(self, name: str) -> Web:
        """``yundan serve 127.0.0.1:PORT --no-worker`` (answering once ``ready()``)."""
        port = free_port()
        return Web(self.start(name, "serve", f"127.0.0.1:{port}", "--no-worker"), f"http://127.0.0.1:{port}")

    def worker(self, name: str, *, periodic: bool, **extra_env: str) -> Process:
        """``yundan worker`` (``--no-periodic`` for all but one); ready once its consumer runs."""
        return self.start(name, "worker", *([] if periodic else ["--no-periodic"]), **extra_env)

    def ready(self, *started: Process | Web) -> None:
        """Wait until each web process answers /readyz with 200 and each worker's consumer has started."""
        for each in started:
            if isinstance(each, Web):
                wait_for(f"{each.process.name} /readyz", lambda: _status(f"{each.url}/readyz") == 200,
                         STARTUP_SECONDS, alive=each.process.alive)
            else:
                wait_for(f"{each.name} consumer", lambda: "consumer started" in each.log_text().lower(),
                         STARTUP_SECONDS, alive=each.alive)

    def scale_out(self, webs: int = 2, workers: int = 2) -> tuple[list[Web], list[Process]]:
        """N web processes and M workers (the first runs the periodic jobs), started together."""
        started_webs = [self.serve(f"web-{n + 1}") for n in range(webs)]
        started_workers = [self.worker(f"worker-{n + 1}", periodic=n == 0) for n in range(workers)]
        self.ready(*started_webs, *started_workers)
        return started_webs, started_workers

    def restart(self, process: Process, **extra_env: str) -> Process:
        """Start a stopped or killed worker again with the same arguments, and wait until it runs."""
        args = process.popen.args[3:]
        self.processes.remove(process)
        again = self.start(process.name, *args, **extra_env)
        self.ready(again)
        return again

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def finish(self, request, more_on_failure=lambda: "") -> None:
        """Stop the processes and, when the test failed, print their logs and ``more_on_failure()``."""
        self.stop_all()
        report = getattr(request.node, "report_call", None)
        if report is None or report.failed:
            print(self.logs(), more_on_failure(), sep="\n")

    def logs(self) -> str:
        """The last lines of every log, for a failure report."""
        parts = []
        for log in sorted(self.logs_dir.glob("*.log")):
            lines = log.read_text(errors="replace").splitlines()
            parts.append(f"===== {log.name} ({len(lines)} lines, last {LOG_TAIL_LINES}) =====\n"
                         + "\n".join(lines[-LOG_TAIL_LINES:]))
        return "\n".join(parts)

    def personal_data_in_logs(self) -> list[str]:
        """Lines of any log (processes and commands) that show a receiver's phone, name or address."""
        return [f"{log.name}: {line[:200]}" for log in sorted(self.logs_dir.glob("*.log"))
                for line in log.read_text(errors="replace").splitlines() if PERSONAL_DATA.search(line)]

    # --- looking at the database directly (what the processes stored) -------------------------------

    def query(self, sql: str, params=()) -> list[tuple]:
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            return connection.execute(sql, params).fetchall()

    def value(self, sql: str, params=()):
        return self.query(sql, params)[0][0]


class ApiClient:
    """An ERP's connection to one web process's REST API (http.client, kept alive: no logging and
    little CPU in the test process, which also runs the fakes)."""

    def __init__(self, base_url: str, key: str, timeout: float = 60):
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        self.connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=timeout)

    def post(self, path: str, body: dict, headers: dict | None = None) -> tuple[int, dict, dict]:
        """→ (status, headers, JSON body). A kept-alive connection the server has closed is opened again."""
        for attempt in (1, 2):
            try:
                self.connection.request("POST", path, json.dumps(body), self.headers | (headers or {}))
                answer = self.connection.getresponse()
                return answer.status, dict(answer.getheaders()), json.loads(answer.read())
            except (ConnectionError, http.client.RemoteDisconnected):
                self.connection.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status
    except urllib.error.HTTPError as answer:
        return answer.code
    except OSError:
        return None
