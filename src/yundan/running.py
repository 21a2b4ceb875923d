"""Which yundan processes are using a data folder, told by a lock the kernel keeps for them.

``yundan serve`` and ``yundan worker`` hold a *shared* lock on ``YUNDAN_HOME/running.lock`` for as
long as they run; ``yundan restore`` takes it *exclusively*, so it refuses while any of them runs and
none of them starts while a restore swaps the database. Why a lock and not a pid file: the kernel
drops a lock when its process ends, even by ``kill -9``, so a crash never leaves a stale "running".
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from django.core.management.base import CommandError

LOCK_NAME = "running.lock"


class HomeBusy(CommandError):
    """Another yundan process holds the data folder in a way that conflicts with this one (a command
    meeting it stops with its message)."""


def _open_lock(home: Path) -> IO:
    return (Path(home) / LOCK_NAME).open("a")


def hold_while_running(home: Path) -> IO:
    """Mark this process as a server or worker of ``home`` until it exits (keep the returned file).

    Raises HomeBusy while a restore is replacing the database."""
    lock = _open_lock(home)
    try:
        fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        raise HomeBusy(f"{home} 正在恢复数据库（yundan restore），请等它完成后再启动 / a restore is running") from None
    return lock


@contextmanager
def nothing_running(home: Path) -> Iterator[None]:
    """Hold ``home`` alone: no server or worker runs, and none can start, inside the block."""
    lock = _open_lock(home)
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise HomeBusy(
                f"yundan serve 或 yundan worker 正在使用 {home}：请先停止它们 / "
                "a yundan server or worker is running on this data folder: stop it first"
            ) from None
        yield
    finally:
        lock.close()  # closing the file releases the lock
