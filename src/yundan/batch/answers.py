"""What the batch query answers for one input value: plain rules over plain rows.

One output row per package; an order with no package gets one row with empty waybill columns.
说明 says what a merchant would otherwise ask about.
"""

from datetime import datetime
from functools import cache
from typing import NamedTuple

from django.utils import timezone

from yundan.carriers.registry import carrier_name
from yundan.orders.states import BLOCKED_REASONS, OrderStatus
from yundan.tracking.statuses import PROBLEM_STATUSES, TrackingStatus

COLUMNS = ("查询值", "订单号", "订单状态", "物流单号", "承运商", "物流状态", "最新轨迹", "轨迹时间", "发货时间",
           "签收时间", "异常", "说明")
NOT_FOUND = "未找到：不是本系统中的订单号或运单号"
DUPLICATE = "重复：与第 {row} 行相同"
NO_PACKAGE = "尚未打印面单，也未发货"
PRINTED_UNCONFIRMED = "已打印未确认发货：面单运单号 {waybill}，货物交给快递后请确认发货，运单号才会成为订单的物流单号"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Labels by value, looked up per row (the enums' own lookup is several times slower).
ORDER_LABELS = dict(OrderStatus.choices)
STATUS_LABELS = dict(TrackingStatus.choices)


# Tuples: one is built per order and per package looked up, at half a dataclass's cost.
class OrderFacts(NamedTuple):
    order_no: str
    status: str


class PackageFacts(NamedTuple):
    waybill_no: str | None
    carrier: str
    status: str
    printed: bool  # a label was printed
    shipped_at: datetime | None
    last_event_at: datetime | None
    last_event_text: str


def safe(text: str) -> str:
    """A cell Excel can never run as a formula (OWASP CSV injection): prefix a quote."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _time(moment: datetime | None) -> str:
    # Hot path (several per row): one time zone lookup per call is most of the cost, so the zone
    # is read once per process; isoformat is several times faster than strftime.
    return moment.astimezone(_local_zone()).isoformat(" ", "seconds")[:19] if moment else ""


@cache
def _local_zone():
    return timezone.get_default_timezone()


def _join(*notes: str) -> str:
    return "；".join(note for note in notes if note)


def package_row(raw: str, order: OrderFacts, package: PackageFacts | None, note: str = "") -> list[str]:
    order_cells = [raw, order.order_no, ORDER_LABELS[order.status]]
    order_note = BLOCKED_REASONS.get(order.status, "")
    if package is None:
        return [*order_cells, "", "", "", "", "", "", "", "", _join(order_note or NO_PACKAGE, note)]
    if package.shipped_at is None:
        printed = PRINTED_UNCONFIRMED.format(waybill=package.waybill_no) if package.printed else NO_PACKAGE
        return [*order_cells, "", carrier_name(package.carrier), "", "", "", "", "", "", _join(order_note, printed, note)]
    delivered = package.status == TrackingStatus.DELIVERED
    return [
        *order_cells,
        package.waybill_no or "",
        carrier_name(package.carrier),
        STATUS_LABELS.get(package.status, package.status),
        package.last_event_text,
        _time(package.last_event_at),
        _time(package.shipped_at),
        _time(package.last_event_at) if delivered else "",
        STATUS_LABELS[package.status] if package.status in PROBLEM_STATUSES else "",
        _join(order_note, note),
    ]


def message_row(raw: str, note: str) -> list[str]:
    return [raw, *([""] * (len(COLUMNS) - 2)), note]
