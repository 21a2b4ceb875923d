"""Emitting events: outbox rows written in the caller's transaction, cheap when nobody listens.

Each function first asks which endpoints want the event (one small query); with none, it returns
before building anything. Otherwise the event and one delivery per endpoint are inserted in bulk
inside the caller's transaction, so a rolled-back change emits nothing and a committed one is
never lost, whatever the receiver or the worker is doing. After the commit the worker is woken.

Endpoints that are disabled still get their deliveries: they wait, and go out when an admin
enables the endpoint again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping

from django.db import connection, transaction

from yundan import clock
from yundan.webhooks import events
from yundan.webhooks.events import EventType
from yundan.webhooks.models import Delivery, DeliveryState, Endpoint, Event
from yundan.webhooks.signing import new_message_id

WAKE_EVERY = 1.0  # seconds: a burst of commits (a big ingest) wakes the worker once a second, not per commit

_wake_lock = threading.Lock()
_last_wake = 0.0


def wanting(event_type: str) -> list[int]:
    """Ids of the endpoints subscribed to ``event_type`` (enabled or waiting to be enabled again)."""
    return [pk for pk, wanted in Endpoint.objects.values_list("pk", "events") if event_type in wanted]


def wake_worker() -> None:
    """Ask the worker to send now (at most once a second per process; the periodic run is the backstop)."""
    global _last_wake
    with _wake_lock:
        if time.monotonic() - _last_wake < WAKE_EVERY:
            return  # the run woken a moment ago, or the periodic one, takes these too
        _last_wake = time.monotonic()
    from yundan.webhooks.tasks import deliver_webhooks

    deliver_webhooks()


def _insert(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Plain multi-row inserts: the ORM's bulk_create cost more than the ingest chunk it rode with."""
    quote = connection.ops.quote_name
    sql = (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(map(quote, columns))}) "
           f"VALUES ({', '.join(['%s'] * len(columns))})")
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def emit(event_type: str, datas: Iterable[dict], endpoint_ids: list[int] | None = None) -> list[str]:
    """Write one event per ``data`` and its deliveries; returns the event ids (``msg_…``)."""
    endpoint_ids = wanting(event_type) if endpoint_ids is None else endpoint_ids
    if not endpoint_ids:
        return []
    now = clock.now()
    millis, at = int(now.timestamp() * 1000), connection.ops.adapt_datetimefield_value(now)
    as_json = Event._meta.get_field("data").get_db_prep_save
    events = [(new_message_id(millis), event_type, as_json(data, connection), at) for data in datas]
    if not events:
        return []
    with transaction.atomic():
        _insert(Event, ("id", "type", "data", "created_at"), events)
        _insert(Delivery, ("event_id", "endpoint_id", "state", "next_attempt_at", "attempts", "retry_step",
                           "last_error", "created_at", "updated_at"),
                [(event[0], pk, DeliveryState.PENDING, at, 0, 0, "", at, at) for event in events for pk in endpoint_ids])
        transaction.on_commit(wake_worker)
    return [event[0] for event in events]


def shipment_confirmed(order, packages, shipped_at, resend: bool, order_moved: bool) -> None:
    """``package.shipped`` per package and, when the order moved to shipped, ``order.updated``."""
    if wanted := wanting(EventType.PACKAGE_SHIPPED):
        for package in packages:
            package.shipped_at = shipped_at
        emit(EventType.PACKAGE_SHIPPED, [events.package_shipped(p, resend) for p in packages], wanted)
    if order_moved and (wanted := wanting(EventType.ORDER_UPDATED)):
        emit(EventType.ORDER_UPDATED, [events.order_updated(order, created=False)], wanted)


def order_upserted(shop_id: int, order_no: str, created: bool) -> None:
    """``order.updated`` for an order another system created or changed (REST API, JD sync)."""
    if wanted := wanting(EventType.ORDER_UPDATED):
        from yundan.orders.models import Order

        order = Order.objects.get(shop_id=shop_id, order_no=order_no)
        emit(EventType.ORDER_UPDATED, [events.order_updated(order, created)], wanted)


def tracking_changed(endpoint_ids: list[int], changes: Mapping[int, tuple[str, object]]) -> None:
    """``tracking.updated`` for ``{package id: (status before, summary after)}`` of one ingest chunk
    (the caller asked ``wanting`` once for the chunk)."""
    if not changes:
        return
    from yundan.shipping.models import Package

    refs = {
        pk: {"order": events.order_ref(order_id, order_no, shop_id),
             "package": events.package_ref(pk, sequence, carrier, waybill_no, shipped_at)}
        for pk, sequence, carrier, waybill_no, shipped_at, order_id, order_no, shop_id in Package.objects.filter(
            pk__in=list(changes)).values_list("pk", "sequence", "carrier", "waybill_no", "shipped_at", "order_id",
                                              "order__order_no", "order__shop_id")
    }
    emit(EventType.TRACKING_UPDATED, [
        events.tracking_updated(refs[pk], after.status, before, after.last_event_at, after.last_event_text)
        for pk, (before, after) in changes.items() if pk in refs
    ], endpoint_ids)


def exception_opened(exception) -> None:
    if wanted := wanting(EventType.EXCEPTION_OPENED):
        emit(EventType.EXCEPTION_OPENED, [events.exception_opened(exception)], wanted)


def exception_resolved(exception, action: str) -> None:
    """``action``: the workflow action that ended it, or ``auto_closed``."""
    if wanted := wanting(EventType.EXCEPTION_RESOLVED):
        emit(EventType.EXCEPTION_RESOLVED, [events.exception_resolved(exception, action)], wanted)
