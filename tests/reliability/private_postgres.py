"""A throwaway PostgreSQL cluster of the test's own, so that a test may restart PostgreSQL without
touching the machine's server (other suites, and other people's tests, use that one).

``initdb`` into a fresh folder, trust authentication, loopback only, on a free port; the Debian
binaries under /usr/lib/postgresql/*/bin. PostgreSQL refuses to run as root: as root the cluster
belongs to the ``postgres`` system user and its commands run through ``runuser``.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

import psycopg

from reliability.deployment import free_port


def postgres_bin() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian layout), or the one on PATH."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


class PrivateCluster:
    def __init__(self, bin_dir: Path):
        self.bin = bin_dir
        self.port = free_port()
        # Not under pytest's tmp_path: the postgres user cannot enter root's private temp folders.
        self.root = Path(tempfile.mkdtemp(prefix="yundan-reliability-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.owner = None
        if os.geteuid() == 0:
            self.owner = pwd.getpwnam("postgres")
            os.chown(self.root, self.owner.pw_uid, self.owner.pw_gid)

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.owner:
            command = ["runuser", "-u", self.owner.pw_name, "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://root@127.0.0.1:{self.port}/{database}"

    def start(self) -> PrivateCluster:
        # The superuser is called root, as on the machine's server, so URLs read the same.
        self._run("initdb", "-D", str(self.data), "-U", "root", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        # fsync off: a restart here is a clean one (the operating system does not crash), and it
        # saves this loaded machine the disk flushes.
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        return self

    def restart(self) -> None:
        """What ``service postgresql restart`` does: a fast shutdown (every connection cut, every
        open transaction rolled back), then start again."""
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart")

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
            except subprocess.CalledProcessError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
