"""What "nothing stored" is checked against: the row count of every yundan table (and users)."""

from contextlib import contextmanager

from django.apps import apps
from django.db import connection, transaction


def row_counts() -> dict[str, int]:
    """Rows of every table, in one query (it runs twice per example, hundreds of times a test)."""
    models = [model for model in apps.get_models()
              if model.__module__.startswith("yundan.") or model._meta.label == "auth.User"]
    sql = " UNION ALL ".join(f"SELECT {index}, COUNT(*) FROM {connection.ops.quote_name(model._meta.db_table)}"
                             for index, model in enumerate(models))
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return {models[index]._meta.label: count for index, count in cursor.fetchall()}


def stored_rows(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """The tables whose row count changed, with the change."""
    return {label: after[label] - before[label] for label in after if after[label] != before[label]}


@contextmanager
def rolled_back():
    """One example's database work, undone afterwards: examples stay independent of each other
    (hypothesis replays a failing one and must see the same database)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
