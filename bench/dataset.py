"""The benchmarks' shared data set: orders, packages and events bulk-loaded with plain SQL.

Deterministic: the same count gives the same rows, so a benchmark can rebuild any key it looks
up (``order_values``) without asking the database.
"""

import json
import random
import subprocess
import sys
import time

STATUSES = ("awaiting_shipment", "shipped", "finished", "canceled", "locked")
STATUS_WEIGHTS = (10, 35, 45, 6, 4)
# Every bench package has these two events; the second is its summary.
EVENTS = (("揽收", "picked_up", "您的快件已由【北京大兴营业部】揽收完成"),
          ("到达", "in_transit", "您的快件已到达【杭州转运中心】"))
LATEST_EVENT = ("2026-11-26 10:00:00+00:00", EVENTS[1][2])


def order_values(i: int, rng: random.Random) -> dict:
    phone = f"1{rng.choice('3578')}{rng.randrange(10**9):09d}"
    return {
        "order_no": str(300_000_000_000 + i * 37),
        "buyer_id": f"jd_{rng.randrange(400_000):06d}",
        "phone": phone,
        "status": rng.choices(STATUSES, STATUS_WEIGHTS)[0],
    }


def generate(count: int, log) -> None:
    """Bulk rows with plain SQL: one shop, ``count`` orders, 1.2 packages per order on average."""
    from django.db import connection

    from yundan.orders.models import Order, Shop

    if Order.objects.count() == count:
        log(f"[{connection.vendor}] reusing {count:,} orders")
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for table in ("tracking_trackingevent", "shipping_packageitem", "shipping_package", "orders_orderitem",
                      "orders_order", "orders_shop"):
            cursor.execute(f"DELETE FROM {table}")
    shop = Shop.objects.create(name="bench", sender_province="北京市", sender_city="北京市")
    rng = random.Random(42)
    now = "2026-11-27 02:00:00+00:00"
    order_sql = (
        "INSERT INTO orders_order (id, shop_id, order_no, buyer_id, ordered_at, amount, status, remark, "
        "receiver_name, receiver_phone, receiver_phone_last4, receiver_province, receiver_city, "
        "receiver_district, receiver_address, created_at, updated_at) "
        "VALUES (%s, %s, %s, %s, %s, 99.00, %s, '', '张三', %s, %s, '浙江省', '杭州市', '西湖区', '文三路90号', %s, %s)"
    )
    package_sql = (
        "INSERT INTO shipping_package (id, order_id, sequence, carrier, waybill_no, printed_at, print_count, "
        "shipped_at, status, last_event_at, last_event_text, next_refresh_at, routing, created_at, updated_at) "
        "VALUES (%s, %s, %s, 'sandbox', %s, %s, 1, %s, 'in_transit', %s, %s, NULL, '{}', %s, %s)"
    )
    package_id = 0
    batch = 50_000
    with connection.cursor() as cursor:
        for start in range(0, count, batch):
            orders, packages = [], []
            for i in range(start, min(start + batch, count)):
                values = order_values(i, rng)
                ordered_at = f"2026-{1 + i * 11 // count:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00+00:00"
                orders.append((i + 1, shop.pk, values["order_no"], values["buyer_id"], ordered_at, values["status"],
                               values["phone"], values["phone"][-4:], now, now))
                for sequence in range(1, 3 if i % 5 == 0 else 2):
                    package_id += 1
                    packages.append((package_id, i + 1, sequence, f"JDX9{package_id:011d}", ordered_at, ordered_at,
                                     now, LATEST_EVENT[1], now, now))
            cursor.executemany(order_sql, orders)
            cursor.executemany(package_sql, packages)
            log(f"[{connection.vendor}] {min(start + batch, count):,} orders, {package_id:,} packages")
        cursor.execute("ANALYZE")
    log(f"[{connection.vendor}] generated in {time.perf_counter() - started:.1f} s")


def generate_events(log) -> None:
    """Two events per package (added once; the search benchmark does without them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM tracking_trackingevent")
        if cursor.fetchone()[0]:
            return
        cursor.execute("SELECT MAX(id) FROM shipping_package")
        last = cursor.fetchone()[0] or 0
        started = time.perf_counter()
        sql = ("INSERT INTO tracking_trackingevent (package_id, time, status, raw_code, raw_text, location, "
               "courier_name, courier_phone, source, content_hash, created_at) "
               "VALUES (%s, %s, %s, %s, %s, '', '', '', 'sandbox', %s, %s)")
        times = ("2026-11-25 10:00:00+00:00", LATEST_EVENT[0])
        for start in range(1, last + 1, 100_000):
            rows = [(package, times[n], status, code, text, f"{package}-{n}", LATEST_EVENT[0])
                    for package in range(start, min(start + 100_000, last + 1))
                    for n, (code, status, text) in enumerate(EVENTS)]
            cursor.executemany(sql, rows)
            log(f"[{connection.vendor}] events for {min(start + 99_999, last):,} packages")
        cursor.execute("UPDATE shipping_package SET last_event_at = %s, last_event_text = %s", LATEST_EVENT)
        log(f"[{connection.vendor}] events in {time.perf_counter() - started:.1f} s")


def create_pg_database(name: str) -> None:
    """The benchmark's own PostgreSQL database (created once, beside the test database)."""
    import psycopg

    with psycopg.connect("postgresql://root@127.0.0.1:5432/test", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def shipped_packages(numbers: list[str], carrier: str, due_at: str | None = None) -> list[int]:
    """Fresh tables with one shop and, per waybill number, one shipped order with one package of
    ``carrier`` (next refresh at ``due_at``). Returns the package ids."""
    from django.db import connection

    from yundan.orders.models import Shop

    with connection.cursor() as cursor:
        for table in ("tracking_trackingevent", "shipping_packageitem", "shipping_package", "orders_orderitem",
                      "orders_order", "orders_shop", "carriers_carrieraccount"):
            cursor.execute(f"DELETE FROM {table}")
        shop = Shop.objects.create(name="bench", sender_province="北京市", sender_city="北京市")
        now = "2026-11-27 02:00:00+00:00"
        ids = range(1, len(numbers) + 1)
        cursor.executemany(
            "INSERT INTO orders_order (id, shop_id, order_no, buyer_id, ordered_at, amount, status, remark, "
            "receiver_name, receiver_phone, receiver_phone_last4, receiver_province, receiver_city, "
            "receiver_district, receiver_address, created_at, updated_at) VALUES (%s, %s, %s, 'b', %s, 1, 'shipped', "
            "'', '张三', '13812345678', '5678', '浙江省', '杭州市', '西湖区', '文三路90号', %s, %s)",
            [(i, shop.pk, str(300_000_000_000 + i), now, now, now) for i in ids],
        )
        cursor.executemany(
            "INSERT INTO shipping_package (id, order_id, sequence, carrier, waybill_no, print_count, shipped_at, "
            "status, last_event_text, routing, next_refresh_at, created_at, updated_at) "
            "VALUES (%s, %s, 1, %s, %s, 1, %s, 'pending', '', '{}', %s, %s, %s)",
            [(i, i, carrier, number, now, due_at, now, now) for i, number in zip(ids, numbers)],
        )
    return list(ids)


def bench_user(username: str, password: str, role: str) -> None:
    """The console user a benchmark signs in as (created once, its password and role set each run)."""
    from django.contrib.auth import get_user_model

    from yundan.console.roles import set_role

    user, _ = get_user_model().objects.get_or_create(username=username)
    user.set_password(password)
    user.save()
    set_role(user, role)


def database_env(home, database: str, pg_url: str) -> dict:
    """The environment of a benchmark's per-database process: its own YUNDAN_HOME, and for
    ``postgres`` its own database (created if missing) instead of SQLite."""
    import os

    env = {**os.environ, "YUNDAN_HOME": str(home), "DJANGO_SETTINGS_MODULE": "yundan.settings"}
    env.pop("YUNDAN_DATABASE_URL", None)
    env.pop("YUNDAN_NOW", None)
    if database == "postgres":
        env["YUNDAN_DATABASE_URL"] = pg_url
        create_pg_database(pg_url.rsplit("/", 1)[1])
    return env


def log(message: str) -> None:
    """Benchmarks report progress on stderr; stdout carries their JSON result."""
    print(message, file=sys.stderr, flush=True)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run_json(script: str, argv: list[str], env: dict):
    """Run a benchmark's own process (``python script argv…``), pass its stderr on, and return the
    JSON it prints."""
    output = subprocess.run([sys.executable, script, *argv], env=env, check=True, capture_output=True, text=True)
    sys.stderr.write(output.stderr)
    return json.loads(output.stdout)
