"""Running yundan as an operator does: real processes on their own data folder."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def home_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment for yundan on the SQLite data folder ``home`` (no PostgreSQL, no Redis)."""
    env = {**os.environ, "YUNDAN_HOME": str(home), **extra}
    for name in ("YUNDAN_DATABASE_URL", "YUNDAN_REDIS_URL", "YUNDAN_LOG_FORMAT", "YUNDAN_LOG_LEVEL"):
        if name not in extra:
            env.pop(name, None)
    return env


def yundan(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "yundan.cli", *args], env=env, check=check,
                          capture_output=True, text=True, timeout=300)


def start_yundan(env: dict[str, str], *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "yundan.cli", *args], env=env, text=True, **popen)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(env: dict[str, str], *flags: str, stderr=subprocess.DEVNULL) -> tuple[subprocess.Popen, str]:
    """Start ``yundan serve`` on a free port and wait until it answers /healthz: (process, base URL)."""
    base = f"http://127.0.0.1:{free_port()}"
    server = start_yundan(env, "serve", base.removeprefix("http://"), *flags, stdout=subprocess.DEVNULL, stderr=stderr)
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=5)
            return server, base
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise
            time.sleep(0.2)
