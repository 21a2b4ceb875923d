"""yundan backup and yundan restore on the SQLite default, as an operator runs them: real processes,
a real server writing while the backup runs, real files."""

import os
import re
import shutil
import sqlite3
import stat
import subprocess
import time
from pathlib import Path

import pytest

from yundan.backups import BackupError, backup_sqlite, inspect_backup
from yundan.running import HomeBusy, hold_while_running, nothing_running

from ops.helpers import home_env, start_yundan, yundan

# Writes orders, each with three items in one transaction, until the file named by STOP exists.
# Committed orders stay in the -wal file (as when long reads hold checkpoints back): a copy of the
# database file alone would miss them.
WRITER = """
import itertools, os
from pathlib import Path
from django.db import connection, transaction
connection.cursor().execute("PRAGMA wal_autocheckpoint=0")
from yundan.orders.models import Order, OrderItem, Shop
shop = Shop.objects.create(name="备份测试店")
stop = Path(os.environ["STOP"])
for n in itertools.count(1):
    with transaction.atomic():
        order = Order.objects.create(shop=shop, order_no=f"9{n:011d}")
        OrderItem.objects.bulk_create([OrderItem(order=order, sku_id=str(i), name="商品") for i in range(3)])
    if stop.exists():
        break
"""


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    yundan(home_env(home), "init")
    return home


def rows(database: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(database) as db:
        return db.execute(sql).fetchall()


def backup_count(path: Path) -> int:
    return rows(path, "SELECT COUNT(*) FROM orders_order")[0][0]


def wait_for_orders(database: Path, count: int, writer: subprocess.Popen) -> int:
    deadline = time.monotonic() + 120
    while (written := backup_count(database) if database.exists() else 0) < count:
        assert writer.poll() is None and time.monotonic() < deadline, writer.communicate()
        time.sleep(0.05)
    return written


def test_a_backup_taken_while_yundan_writes_holds_every_order_committed_before_it_whole(home, tmp_path):
    env, live = home_env(home, STOP=str(tmp_path / "stop")), home / "yundan.sqlite3"
    writer = start_yundan(env, "shell", "-v", "0", "-c", WRITER, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        before = wait_for_orders(live, 200, writer)
        target = tmp_path / "during.sqlite3"
        backup = yundan(env, "backup", str(target))
        after = backup_count(live)
        wait_for_orders(live, after + 200, writer)  # the writer went on all along
    finally:
        (tmp_path / "stop").touch()
        _, errors = writer.communicate(timeout=60)
    assert writer.returncode == 0, errors
    assert re.search(r"已备份到 .*（\d+(\.\d)? [KM]?B，用时 \d+\.\d 秒）", backup.stdout)

    assert rows(target, "PRAGMA integrity_check") == [("ok",)]
    taken = backup_count(target)
    assert before <= taken <= after  # one moment while the command ran
    order_nos = [no for (no,) in rows(target, "SELECT order_no FROM orders_order ORDER BY id")]
    assert order_nos == [f"9{n:011d}" for n in range(1, taken + 1)]  # every order committed up to it
    assert rows(target, "SELECT COUNT(*) FROM orders_orderitem") == [(3 * taken,)]  # none half-written
    assert rows(target, "PRAGMA journal_mode") == [("delete",)]  # one file, nothing in a -wal beside it
    assert stat.S_IMODE(target.stat().st_mode) == 0o600  # personal data: its owner only


def test_backup_names_each_file_by_its_time_under_the_data_folder_and_never_overwrites(home):
    env = home_env(home, YUNDAN_NOW="2026-11-27T10:00:00+08:00")
    first, second = yundan(env, "backup"), yundan(env, "backup")
    folder = home / "backups"
    assert sorted(p.name for p in folder.iterdir()) == ["yundan-20261127-100000-2.sqlite3",
                                                        "yundan-20261127-100000.sqlite3"]
    assert str(folder / "yundan-20261127-100000.sqlite3") in first.stdout
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    refused = yundan(env, "backup", str(folder / "yundan-20261127-100000.sqlite3"), check=False)
    assert refused.returncode == 1 and "已存在" in refused.stderr
    assert "-2.sqlite3" in second.stdout


def test_restore_brings_back_the_backup_and_keeps_the_replaced_database(home, tmp_path):
    env = home_env(home)
    yundan(env, "demo", "--orders", "20", "--seed", "2")
    yundan(env, "backup", str(tmp_path / "demo.sqlite3"))
    yundan(env, "shell", "-c", "from yundan.orders.models import Order, Shop; Order.objects.update(remark='改过')"
           "; Order.objects.create(shop=Shop.objects.first(), order_no='399999999999', remark='改过')")
    changed = rows(home / "yundan.sqlite3", "SELECT order_no, remark FROM orders_order ORDER BY order_no")
    queue_tasks = rows(home / "queue.sqlite3", "SELECT COUNT(*) FROM task")

    restored = yundan(env, "restore", str(tmp_path / "demo.sqlite3"))

    assert rows(home / "yundan.sqlite3", "SELECT COUNT(*) FROM orders_order") == [(20,)]
    assert rows(home / "yundan.sqlite3", "SELECT COUNT(*) FROM orders_order WHERE remark = '改过'") == [(0,)]
    kept = [p for p in home.iterdir() if p.name.endswith(".before-restore")]
    database = next(p for p in kept if p.name.startswith("yundan.sqlite3."))
    assert str(database) in restored.stdout
    assert rows(database, "SELECT order_no, remark FROM orders_order ORDER BY order_no") == changed
    queue = next(p for p in kept if p.name.startswith("queue.sqlite3."))  # its work was for the replaced one
    assert rows(queue, "SELECT COUNT(*) FROM task") == queue_tasks
    shown = yundan(env, "orders", "search", "--limit", "100", "--json").stdout
    assert shown.count('"order_no"') == 20  # yundan works on the restored database


def test_restore_of_an_older_backup_applies_the_migrations_it_lacks(home, tmp_path):
    env = home_env(home)
    yundan(env, "migrate", "tracking", "0001")
    yundan(env, "backup", str(tmp_path / "old.sqlite3"))
    yundan(env, "init")
    assert ("tracking", "0002_trackingevent_after_terminal") not in rows(tmp_path / "old.sqlite3",
                                                                          "SELECT app, name FROM django_migrations")
    restored = yundan(env, "restore", str(tmp_path / "old.sqlite3"))
    assert "已补上 1 个迁移" in restored.stdout
    assert ("tracking", "0002_trackingevent_after_terminal") in rows(home / "yundan.sqlite3",
                                                                      "SELECT app, name FROM django_migrations")
    assert yundan(env, "migrate", "--check", check=False).returncode == 0


def not_yundan_files(folder: Path) -> dict[str, tuple[Path, str]]:
    text = folder / "orders.csv"
    text.write_text("订单号\n312345678901\n")
    other = folder / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notes (body TEXT)")
    return {"text": (text, "不是 SQLite 数据库"), "other": (other, "不是 yundan 的数据库"),
            "missing": (folder / "nowhere.sqlite3", "找不到备份文件")}


def test_restore_refuses_what_is_not_a_yundan_backup_and_changes_nothing(home, tmp_path):
    env = home_env(home)
    live = (home / "yundan.sqlite3").read_bytes()
    damaged = tmp_path / "damaged.sqlite3"
    yundan(env, "backup", str(damaged))
    with damaged.open("r+b") as file:  # a page in the middle overwritten: the header still says SQLite
        file.seek(8 * 4096)
        file.write(b"\xff" * 4096)
    cases = {**not_yundan_files(tmp_path), "damaged": (damaged, "")}
    for name, (path, message) in cases.items():
        refused = yundan(env, "restore", str(path), check=False)
        assert refused.returncode == 1, name
        assert message in refused.stderr, (name, refused.stderr)
    assert (home / "yundan.sqlite3").read_bytes() == live
    assert not [p for p in home.iterdir() if "before-restore" in p.name]


def test_restore_refuses_a_backup_from_a_newer_yundan(home, tmp_path):
    newer = tmp_path / "newer.sqlite3"
    yundan(home_env(home), "backup", str(newer))
    with sqlite3.connect(newer) as db:
        db.execute("INSERT INTO django_migrations (app, name, applied) VALUES ('orders', '0099_future', '2030-01-01')")
    refused = yundan(home_env(home), "restore", str(newer), check=False)
    assert refused.returncode == 1 and "更新版本" in refused.stderr and "orders.0099_future" in refused.stderr


def holders_of(lock: Path) -> int:
    """How many processes hold a flock on ``lock`` (Linux /proc/locks), without taking it."""
    inode = lock.stat().st_ino
    with open("/proc/locks") as locks:
        return sum(1 for line in locks if "FLOCK" in line and line.split()[5].endswith(f":{inode}"))


def test_restore_refuses_while_a_worker_runs_on_the_same_data_folder(home, tmp_path):
    env = home_env(home)
    yundan(env, "backup", str(tmp_path / "b.sqlite3"))
    worker = start_yundan(env, "worker", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not ((home / "running.lock").exists() and holders_of(home / "running.lock")):
            assert worker.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        refused = yundan(env, "restore", str(tmp_path / "b.sqlite3"), check=False)
    finally:
        worker.terminate()
        worker.communicate(timeout=30)
    assert refused.returncode == 1 and "正在使用" in refused.stderr
    assert not [p for p in home.iterdir() if "before-restore" in p.name]
    assert yundan(env, "restore", str(tmp_path / "b.sqlite3")).returncode == 0  # once it has stopped


def test_servers_and_workers_share_the_data_folder_and_none_starts_during_a_restore(tmp_path):
    first, second = hold_while_running(tmp_path), hold_while_running(tmp_path)
    with pytest.raises(HomeBusy):
        with nothing_running(tmp_path):
            pass
    first.close(), second.close()
    with nothing_running(tmp_path):
        with pytest.raises(HomeBusy, match="正在恢复"):
            hold_while_running(tmp_path)


def test_a_backup_of_a_missing_database_or_onto_an_existing_file_is_refused(tmp_path):
    with pytest.raises(BackupError, match="没有数据库文件"):
        backup_sqlite(tmp_path / "none.sqlite3", tmp_path / "b.sqlite3")
    source = tmp_path / "db.sqlite3"
    with sqlite3.connect(source) as db:
        db.execute("CREATE TABLE t (x)")
    (tmp_path / "taken.sqlite3").write_text("mine")
    with pytest.raises(BackupError, match="已存在"):
        backup_sqlite(source, tmp_path / "taken.sqlite3")
    assert (tmp_path / "taken.sqlite3").read_text() == "mine"


def test_inspect_names_what_makes_a_file_no_yundan_database(tmp_path):
    for path, message in not_yundan_files(tmp_path).values():
        with pytest.raises(BackupError, match=message):
            inspect_backup(path, known=[])


PG_URL = "postgres://root:s3cret@127.0.0.1:5432/ops_route"


def test_on_postgresql_backup_and_restore_explain_pg_dump_instead_of_doing_nothing(tmp_path):
    env = home_env(tmp_path, YUNDAN_DATABASE_URL=PG_URL)
    for command, route in (("backup", "pg_dump --format=custom"), ("restore", "pg_restore --clean")):
        args = (command,) if command == "backup" else (command, str(tmp_path / "x.dump"))
        answer = yundan(env, *args, check=False)
        assert answer.returncode == 1, answer
        assert route in answer.stderr and "postgres://root@127.0.0.1:5432/ops_route" in answer.stderr
        assert "s3cret" not in answer.stderr + answer.stdout
    assert not (tmp_path / "backups").exists()


def test_the_documented_pg_dump_route_round_trips_a_yundan_database(tmp_path):
    if not (shutil.which("pg_dump") and shutil.which("pg_restore") and shutil.which("psql")):
        pytest.skip("PostgreSQL client tools are not installed")
    admin = "postgres://root@127.0.0.1:5432/postgres"
    databases = (f"ops_route_source_{os.getpid()}", f"ops_route_target_{os.getpid()}")  # the two passes of make test run at once
    for name in databases:
        subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name}"], check=True, capture_output=True)
        subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    try:
        source = home_env(tmp_path, YUNDAN_DATABASE_URL=f"postgres://root@127.0.0.1:5432/{databases[0]}")
        target = home_env(tmp_path, YUNDAN_DATABASE_URL=f"postgres://root@127.0.0.1:5432/{databases[1]}")
        yundan(source, "init")
        yundan(source, "demo", "--orders", "10", "--seed", "4")
        dump_step = next(line.strip() for line in yundan(source, "backup", check=False).stderr.splitlines()
                         if line.strip().startswith("pg_dump"))
        subprocess.run(dump_step, shell=True, cwd=tmp_path, check=True, capture_output=True)
        dump = next(tmp_path.glob("yundan-*.dump"))
        restore_steps = [line.strip() for line in yundan(target, "restore", str(dump), check=False).stderr.splitlines()
                         if line.strip().startswith("pg_restore")]
        subprocess.run(restore_steps[0].replace("BACKUP.dump", str(dump)), shell=True, check=True, capture_output=True)
        yundan(target, "init")
        found = yundan(target, "orders", "search", "--limit", "100", "--json").stdout
        assert found.count('"order_no"') == 10
    finally:
        for name in databases:
            subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"], capture_output=True)
