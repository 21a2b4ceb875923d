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
from yundan.text import chinese
from yundan.tracking.statuses import PROBLEM_STATUSES, TrackingStatus

COLUMNS = ("查询值", "订单号", "订单状态", "物流单号", "承运商", "物流状态", "最新轨迹", "轨迹时间", "发货时间",
           "签收时间", "异常", "说明")
NOT_FOUND = "未找到：不是本系统中的订单号或运单号"
DUPLICATE = "重复：与第 {row} 行相同"
NO_PACKAGE = "尚未打印面单，也未发货"
PRINTED_UNCONFIRMED = "已打印未确认发货：面单运单号 {waybill}，货物交给快递后请确认发货，运单号才会成为订单的物流单号"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@cache
def _labels() -> tuple[dict[str, str], dict[str, str]]:
    """Order and tracking labels by value, looked up per row (the enums' own lookup is several times
    slower); Chinese like the rest of the sheet, whatever language the console user reads."""
    return ({value: chinese(label) for value, label in OrderStatus.choices},
            {value: chinese(label) for value, label in TrackingStatus.choices})


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
    # Hot path (two per row): the zone is read once per process, and the fields are formatted
    # directly (isoformat spends a third of its time on the offset we would cut off).
    if moment is None:
        return ""
    local = moment.astimezone(_local_zone())
    return "%04d-%02d-%02d %02d:%02d:%02d" % (local.year, local.month, local.day, local.hour, local.minute, local.second)


@cache
def _local_zone():
    return timezone.get_default_timezone()


def _join(*notes: str) -> str:
    return "；".join(filter(None, notes))


def package_row(raw: str, order: OrderFacts, package: PackageFacts | None, note: str = "") -> list[str]:
    order_labels, status_labels = _labels()
    order_cells = [raw, order.order_no, order_labels[order.status]]
    order_note = BLOCKED_REASONS.get(order.status, "")
    if package is None:
        return [*order_cells, "", "", "", "", "", "", "", "", _join(order_note or NO_PACKAGE, note)]
    waybill_no, carrier, status, printed, shipped_at, last_event_at, last_event_text = package
    if shipped_at is None:
        printed_note = PRINTED_UNCONFIRMED.format(waybill=waybill_no) if printed else NO_PACKAGE
        return [*order_cells, "", carrier_name(carrier), "", "", "", "", "", "", _join(order_note, printed_note, note)]
    event_time = _time(last_event_at)
    return [
        *order_cells,
        waybill_no or "",
        carrier_name(carrier),
        status_labels.get(status, status),
        last_event_text,
        event_time,
        _time(shipped_at),
        event_time if status == TrackingStatus.DELIVERED else "",
        status_labels[status] if status in PROBLEM_STATUSES else "",
        _join(order_note, note),
    ]


def message_row(raw: str, note: str) -> list[str]:
    return [raw, *([""] * (len(COLUMNS) - 2)), note]
