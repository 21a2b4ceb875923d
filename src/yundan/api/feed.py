"""The order change feed behind ``GET /orders?updated_since=…``: every change once, in commit order.

Why not ``Order.updated_at``: a transaction stamps its time when it writes but becomes visible when it
commits, so a change stamped 10:00:01 can appear after a reader has already paged past 10:00:02 and is
missed for good. The feed instead gives each changed order a sequence number (``OrderFeedEntry.seq``)
that is assigned *in commit order*, so a reader that has seen ``seq = n`` will never later find a
committed change numbered ``n`` or below:

- PostgreSQL: a deferred constraint trigger runs at COMMIT, takes one transaction-scoped advisory lock
  and only then draws the number; the lock is released after the commit is visible. Two committing
  transactions therefore number their changes one after the other, in the order they become visible.
  Only the short commit step is serialized, not the transactions' work.
- SQLite: there is one writer at a time and it holds the write lock from its first write to its
  commit, so a plain trigger numbering ``max(seq) + 1`` already numbers in commit order.

What counts as a change of an order: any write of the order row (its fields; ``updated_at``), any
item added, changed or removed, a package added or removed, and a package's carrier, waybill
number, printing, shipment or tracking status changing. Tracking events that do not change the
status, and the refresh schedule, do not move an order.

A page is read in one snapshot (``read_snapshot``): the feed rows and the orders, items and packages
they point at are the same moment's, so an order is never shown in a state newer than its place in the
feed (which would show that state twice).

Triggers rather than code in each writer: packages and tracking are written by bulk updates in
several apps, and a trigger cannot be forgotten by the next one. They are (re)installed after every
``migrate`` (SQLite drops a table's triggers when a migration rebuilds the table).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction

ADVISORY_LOCK = 0x79756E64616E  # "yundan": one lock per database, held from numbering to commit

# (table, the column holding the order id, the columns of an UPDATE that move the order, or None for all)
WATCHED = (
    ("orders_order", "id", None),
    ("orders_orderitem", "order_id", None),
    ("shipping_package", "order_id", ("order_id", "carrier", "waybill_no", "printed_at", "shipped_at", "status")),
)

_POSTGRES_FUNCTION = f"""
CREATE SEQUENCE IF NOT EXISTS api_order_feed_seq;
CREATE OR REPLACE FUNCTION api_order_feed_touch() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changed jsonb := to_jsonb(CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END);
BEGIN
    PERFORM pg_advisory_xact_lock({ADVISORY_LOCK});
    INSERT INTO api_orderfeedentry (order_id, seq, changed_at)
    VALUES ((changed ->> TG_ARGV[0])::bigint, nextval('api_order_feed_seq'), clock_timestamp())
    ON CONFLICT (order_id) DO UPDATE SET seq = EXCLUDED.seq, changed_at = EXCLUDED.changed_at;
    RETURN NULL;
END $$;
"""

_SQLITE_TOUCH = """
INSERT OR REPLACE INTO api_orderfeedentry (order_id, seq, changed_at)
VALUES ({row}.{column}, COALESCE((SELECT MAX(seq) FROM api_orderfeedentry), 0) + 1,
        strftime('%Y-%m-%d %H:%M:%f', 'now'));
"""


def _changed(columns: tuple[str, ...], distinct: str) -> str:
    return " OR ".join(f"OLD.{c} {distinct} NEW.{c}" for c in columns)


def _triggers():
    """(trigger name, table, event, order id column, WHEN columns) of each watched write."""
    for table, column, columns in WATCHED:
        for event in ("INSERT", "UPDATE", "DELETE"):
            if table == "orders_order" and event == "DELETE":
                continue  # a deleted order has nothing left to read
            yield f"api_feed_{table}_{event.lower()}", table, event, column, columns if event == "UPDATE" else None


def _postgres_statements() -> list[str]:
    statements = [_POSTGRES_FUNCTION]
    for name, table, event, column, columns in _triggers():
        when = f"WHEN ({_changed(columns, 'IS DISTINCT FROM')}) " if columns else ""
        statements += [
            f"DROP TRIGGER IF EXISTS {name} ON {table}",
            f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} DEFERRABLE INITIALLY DEFERRED "
            f"FOR EACH ROW {when}EXECUTE FUNCTION api_order_feed_touch('{column}')",
        ]
    return statements


def _sqlite_statements() -> list[str]:
    statements = []
    for name, table, event, column, columns in _triggers():
        on = f"UPDATE OF {', '.join(columns)}" if columns else event
        when = f"WHEN {_changed(columns, 'IS NOT')} " if columns else ""
        touch = _SQLITE_TOUCH.format(row="OLD" if event == "DELETE" else "NEW", column=column)
        statements += [f"DROP TRIGGER IF EXISTS {name}", f"CREATE TRIGGER {name} AFTER {on} ON {table} {when}BEGIN {touch} END"]
    return statements


def install_triggers(using: str = DEFAULT_DB_ALIAS) -> None:
    """Create or replace the feed's triggers (idempotent; run after every migrate)."""
    connection = connections[using]
    statements = _postgres_statements() if connection.vendor == "postgresql" else _sqlite_statements()
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def backfill(using: str = DEFAULT_DB_ALIAS) -> int:
    """Put orders that have no feed entry yet (those stored before the feed existed) into it."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "INSERT INTO api_orderfeedentry (order_id, seq, changed_at) "
                "SELECT o.id, nextval('api_order_feed_seq'), o.updated_at FROM orders_order o "
                "WHERE NOT EXISTS (SELECT 1 FROM api_orderfeedentry f WHERE f.order_id = o.id) ORDER BY o.id"
            )
        else:
            cursor.execute(
                "INSERT INTO api_orderfeedentry (order_id, seq, changed_at) "
                "SELECT o.id, COALESCE((SELECT MAX(seq) FROM api_orderfeedentry), 0) "
                "+ ROW_NUMBER() OVER (ORDER BY o.id), o.updated_at FROM orders_order o "
                "WHERE NOT EXISTS (SELECT 1 FROM api_orderfeedentry f WHERE f.order_id = o.id)"
            )
        return cursor.rowcount


@contextmanager
def read_snapshot() -> Iterator[None]:
    """Every query inside sees the database as of one moment, without blocking writers.

    PostgreSQL: a read-only REPEATABLE READ transaction. SQLite (WAL): a plain deferred read
    transaction — Django would open it IMMEDIATE, taking the one write lock for a mere read.
    Inside a transaction already open (a test's), that transaction's view is used as it is.
    """
    if connection.in_atomic_block:
        yield
    elif connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    else:
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
