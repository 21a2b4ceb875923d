"""Backing up and restoring the SQLite database of the default install.

Why SQLite's online backup API and not a file copy: it copies the database inside one read
transaction, so the copy is the database as it stood at one moment, every transaction committed
before it whole and nothing of a later one, while ``yundan serve`` keeps writing (in WAL mode a
reader never blocks the writers). A copy of the file could catch a page written mid-transaction
or miss what still sits in the ``-wal`` file.

What a backup holds: the database, one self-contained file (rollback journal mode, no ``-wal``
beside it), readable by its owner only (it holds receivers' personal data and carrier secrets).
Not the background queue file (``queue.sqlite3``): it holds work queued for the database of its
moment (refresh runs that the scheduler queues again every minute, subscriptions that polling
covers, batch queries whose page a restored database no longer matches), so a restore sets the
replaced queue aside with the replaced database instead of pairing a database with a queue from
another moment. Batch query files (``jobs/``) and the secret key stay where they are.

On PostgreSQL, ``pg_dump`` and ``pg_restore`` do this job; ``postgres_route`` says how.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

# Tables every yundan database has had since its first migration: a file without them is not one.
REQUIRED_TABLES = ("django_migrations", "orders_shop", "orders_order", "shipping_package")
SQLITE_HEADER = b"SQLite format 3\x00"


class BackupError(Exception):
    """A backup or restore refused, with the reason in Chinese and English."""


@dataclass(frozen=True)
class Copied:
    path: Path
    size: int  # bytes
    seconds: float


@dataclass(frozen=True)
class BackupContents:
    """What a backup file holds, as far as a restore needs to know."""

    applied: frozenset[tuple[str, str]]  # (app label, migration name) recorded in the backup
    pending: frozenset[tuple[str, str]]  # migrations of this version the backup lacks


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024


def default_backup_path(folder: Path, now: datetime) -> Path:
    """``folder/yundan-YYYYMMDD-HHMMSS.sqlite3``, numbered when that name is taken."""
    stamp = f"{now:%Y%m%d-%H%M%S}"
    path, number = folder / f"yundan-{stamp}.sqlite3", 2
    while path.exists():
        path, number = folder / f"yundan-{stamp}-{number}.sqlite3", number + 1
    return path


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """Copy ``source`` into ``target`` through the backup API and check the copy; a file at
    ``target`` is always a complete, checked copy (it is written beside it, then renamed)."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    # Created empty (a valid empty database) and private before SQLite writes a single page.
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)  # all pages in one step: one read transaction, one consistent moment
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        copy.close()
    if verdict != "ok":
        partial.unlink()
        raise BackupError(f"复制出的数据库没有通过检查 / the copy failed its check: {verdict}")
    with partial.open("rb") as written:
        os.fsync(written.fileno())
    partial.replace(target)


def backup_sqlite(source: Path, target: Path) -> Copied:
    """Copy the live database ``source`` to the new file ``target`` (never overwritten)."""
    if not source.is_file():
        raise BackupError(f"没有数据库文件 {source}（先运行 yundan init）/ no database file")
    if target.exists():
        raise BackupError(f"{target} 已存在，不会覆盖 / exists and is not overwritten")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    started = time.monotonic()
    live = sqlite3.connect(source, timeout=20)
    try:
        _copy(live, target)
    finally:
        live.close()
    return Copied(target, target.stat().st_size, time.monotonic() - started)


def _open_read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def inspect_backup(path: Path, known: Iterable[tuple[str, str]]) -> BackupContents:
    """Refuse a file that is not a yundan database this version can take; ``known`` are this
    version's migrations (``known_migrations``)."""
    if not path.is_file():
        raise BackupError(f"找不到备份文件 {path} / no such backup file")
    with path.open("rb") as file:
        if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise BackupError(f"{path} 不是 SQLite 数据库 / not an SQLite database")
    try:
        backup = _open_read_only(path)
        try:
            verdict = backup.execute("PRAGMA quick_check").fetchone()[0]
            tables = {name for (name,) in backup.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [table for table in REQUIRED_TABLES if table not in tables]
            applied = frozenset() if missing else frozenset(backup.execute("SELECT app, name FROM django_migrations"))
        finally:
            backup.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} 无法读取 / cannot be read: {error}") from None
    if verdict != "ok":
        raise BackupError(f"{path} 已损坏 / is damaged: {verdict}")
    if missing:
        raise BackupError(f"{path} 不是 yundan 的数据库（缺少表 {', '.join(missing)}）/ not a yundan database")
    known = frozenset(known)
    newer = sorted(applied - known)
    if newer:
        names = ", ".join(f"{app}.{name}" for app, name in newer[:3])
        raise BackupError(
            f"{path} 来自更新版本的 yundan（本版本没有迁移 {names}）：请先升级 yundan / "
            "the backup comes from a newer yundan: upgrade first"
        )
    return BackupContents(applied, known - applied)


def _move_database(path: Path, to: Path) -> None:
    """Rename an SQLite database with the ``-wal``/``-shm`` files that belong to it."""
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            part.replace(to.with_name(to.name + suffix))


def _set_aside(path: Path, stamp: str) -> Path | None:
    if not path.exists():
        return None
    kept = path.with_name(f"{path.name}.{stamp}.before-restore")
    _move_database(path, kept)
    return kept


def restore_sqlite(backup: Path, target: Path, stamp: str, queue: Path | None = None) -> Path | None:
    """Put the backup in place of the database ``target``; the replaced database is kept as
    ``<target>.<stamp>.before-restore`` (returned), and so is the queue file ``queue``.

    The caller holds the data folder alone (``yundan.running.nothing_running``) and has closed
    its own connections. Check the backup first with ``inspect_backup``."""
    staged = target.with_name(target.name + ".restoring")
    source = _open_read_only(backup)
    try:
        _copy(source, staged)
    finally:
        source.close()
    if target.exists():
        # Fold the -wal file into the database so the kept copy is whole on its own.
        replaced = sqlite3.connect(target, timeout=20)
        try:
            replaced.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            replaced.close()
    kept = _set_aside(target, stamp)
    staged.replace(target)
    if queue is not None:
        _set_aside(queue, stamp)
    return kept


def postgres_route(action: str, database: dict) -> str:
    """What to run instead on PostgreSQL (``action`` is "backup" or "restore"); no password shown:
    pg_dump reads it from PGPASSWORD or ~/.pgpass."""
    user = f"{database['USER']}@" if database.get("USER") else ""
    port = f":{database['PORT']}" if database.get("PORT") else ""
    url = f"postgres://{user}{database.get('HOST') or 'localhost'}{port}/{database['NAME']}"
    if action == "backup":
        steps = [f"pg_dump --format=custom --file=yundan-$(date +%Y%m%d-%H%M%S).dump '{url}'"]
    else:
        steps = ["# 先停止 yundan serve / yundan worker (stop every web process and worker first)",
                 f"pg_restore --clean --if-exists --no-owner --dbname='{url}' BACKUP.dump",
                 "yundan init   # 备份较旧时补上迁移 / apply the migrations an older backup lacks"]
    return (
        f"yundan 正在使用 PostgreSQL：yundan {action} 只处理 SQLite，请用 PostgreSQL 的工具 / "
        f"yundan runs on PostgreSQL, where pg_dump and pg_restore do this (docs/operations.md):\n"
        + "\n".join(f"  {step}" for step in steps)
    )
