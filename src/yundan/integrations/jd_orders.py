"""One JD order (``orderInfo`` of ``jingdong.pop.order.search``) as our order input.

Field shapes (reference §2.3, all [C]): every id and amount is a string; times are
``yyyy-MM-dd HH:mm:ss`` in Beijing time, and a time JD has not reached is ``0001-01-01 00:00:00``
or ``1970-01-01 00:00:00``; ``consigneeInfo`` holds ``fullname, mobile, telephone, fullAddress,
province, city, county, town``; ``itemInfoList[]`` holds ``skuId, skuName, itemTotal`` (the
quantity). JD increasingly masks buyer data (``138****5678``): a phone that is not a phone is left
empty rather than stored half-hidden.

What only JD's shape decides (ids, times, states, objects and lists) is checked here; lengths,
amounts and quantities are checked by ``orders.upsert`` like every other order input, and its
field paths are translated back to JD's names (``jd_path``) so a rejection names the JD field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from yundan.carriers.jd.mapping import jd_time
from yundan.orders.addresses import parse_address
from yundan.orders.receivers import normalize_phone
from yundan.orders.states import JD_STATE_CODES, OrderStatus
from yundan.orders.upsert import FieldError, ItemInput, OrderInput, ReceiverInput
from yundan.shipping.waybills import looks_like_order_no

# §2.7. A paused order (PAUSE, POP_ORDER_PAUSE) may not be shipped: for us it is locked.
JD_STATES: dict[str, str] = JD_STATE_CODES | {
    "PAUSE": OrderStatus.LOCKED,
    "POP_ORDER_PAUSE": OrderStatus.LOCKED,
}
# The fields without which an order cannot be stored or placed in time.
REQUIRED_FIELDS = ("orderId", "orderState", "modified")
NOT_REACHED = ("0001-01-01", "1970-01-01")

# orders.upsert's field paths -> the JD fields they were read from
JD_FIELDS = {
    "order_no": "orderId", "status": "orderState", "buyer_id": "pin", "ordered_at": "orderStartTime",
    "amount": "orderTotalPrice", "remark": "venderRemark", "receiver.name": "consigneeInfo.fullname",
    "receiver.phone": "consigneeInfo.mobile", "receiver.province": "consigneeInfo.province",
    "receiver.city": "consigneeInfo.city", "receiver.district": "consigneeInfo.county",
    "receiver.address": "consigneeInfo.fullAddress",
}
ITEM_FIELDS = {"sku_id": "skuId", "name": "skuName", "quantity": "itemTotal"}
_ITEM_PATH = re.compile(r"items\[(\d+)\]\.(\w+)")


class RejectedOrder(ValueError):
    """JD sent an order we cannot store; ``order_no`` is "" when even that was unreadable."""

    def __init__(self, order_no: str, reason: str, modified: datetime | None = None):
        self.order_no, self.reason, self.modified = order_no, reason, modified
        super().__init__(f"订单 {order_no or '（无订单号）'}：{reason}")


@dataclass(frozen=True)
class PulledOrder:
    """A JD order ready to store (``order``), JD's own facts beside it."""

    order: OrderInput
    state: str  # JD's orderState, kept raw
    modified: datetime
    waybill: str  # JD's waybill field: "|" between carriers, "," within one
    logistics_id: str

    @property
    def order_no(self) -> str:
        return self.order.order_no


def _text(block: Mapping, key: str) -> str:
    """A field as text; NUL characters dropped (they mean nothing, and PostgreSQL refuses them)."""
    value = block.get(key)
    return "" if value is None else str(value).replace("\x00", "").strip()


def _time(block: Mapping, key: str) -> datetime | None:
    text = _text(block, key)
    if not text or text.startswith(NOT_REACHED):
        return None
    try:
        return jd_time(text)
    except ValueError:
        raise ValueError(f"{key}「{text}」不是 yyyy-MM-dd HH:mm:ss 时间") from None


def _phone(consignee: Mapping) -> str:
    """The first of mobile, telephone that reads as a phone; "" when JD masked or left both out."""
    for key in ("mobile", "telephone"):
        try:
            phone = normalize_phone(_text(consignee, key))
        except ValueError:
            continue
        if phone:
            return phone
    return ""


def _receiver(consignee: Mapping) -> ReceiverInput:
    """The full address split by our own parser, as every other one-line address is (JD's own
    levels differ: for Beijing they are 北京 / 朝阳区 / 三环到四环之间); JD's province / city /
    county only when the parser finds no province in it."""
    name, phone, full = _text(consignee, "fullname"), _phone(consignee), _text(consignee, "fullAddress")
    if parse_address(full).province:
        return ReceiverInput(name=name, phone=phone, address=full)
    province, city, county = (_text(consignee, key) for key in ("province", "city", "county"))
    return ReceiverInput(name=name, phone=phone, province=province, city=city, district=county,
                         address=_detail(full, (province, city, county, _text(consignee, "town"))))


def _detail(full: str, parts: tuple[str, ...]) -> str:
    """``fullAddress`` repeats the region names JD also gives apart: the detail is what follows them."""
    detail = full.strip()
    for part in parts:
        if part and detail.startswith(part):
            detail = detail[len(part):].lstrip()
    return detail


def _item(entry: object, index: int) -> ItemInput:
    if not isinstance(entry, Mapping):
        raise ValueError(f"itemInfoList[{index}] 不是对象")
    return ItemInput(_text(entry, "skuId"), _text(entry, "skuName"), _text(entry, "itemTotal") or 1)


def _order(info: Mapping, order_no: str, state: str) -> OrderInput:
    consignee = info.get("consigneeInfo") or {}
    if not isinstance(consignee, Mapping):
        raise ValueError("consigneeInfo 不是对象")
    items = info.get("itemInfoList") or []
    if not isinstance(items, list):
        raise ValueError("itemInfoList 不是列表")
    return OrderInput(
        order_no=order_no, status=JD_STATES[state], buyer_id=_text(info, "pin"),
        ordered_at=_time(info, "orderStartTime"),
        amount=_text(info, "orderTotalPrice") or _text(info, "orderPayment") or None,
        remark=_text(info, "venderRemark"), receiver=_receiver(consignee),
        items=[_item(entry, i) for i, entry in enumerate(items)],
    )


def pulled_order(info: object) -> PulledOrder:
    """Read one ``orderInfo``; raises RejectedOrder naming the JD field that is wrong."""
    if not isinstance(info, Mapping):
        raise RejectedOrder("", f"orderInfo 不是对象：{str(info)[:80]}".replace("\x00", ""))
    order_no = _text(info, "orderId")
    if not looks_like_order_no(order_no):
        raise RejectedOrder(order_no, f"orderId「{order_no}」应为 8–20 位数字")
    try:
        modified = _time(info, "modified")
    except ValueError as error:
        raise RejectedOrder(order_no, str(error)) from None
    if modified is None:
        raise RejectedOrder(order_no, "缺少 modified（京东修改时间）")
    try:
        state = _text(info, "orderState").upper()
        if state not in JD_STATES:
            raise ValueError(f"orderState「{state}」未知，可识别：{'、'.join(JD_STATES)}")
        order = _order(info, order_no, state)
    except ValueError as error:
        raise RejectedOrder(order_no, str(error), modified) from None
    return PulledOrder(order, state, modified, _text(info, "waybill"), _text(info, "logisticsId"))


def jd_path(path: str) -> str:
    """The JD field behind an ``orders.upsert`` field path: ``items[1].quantity`` ->
    ``itemInfoList[1].itemTotal``."""
    item = _ITEM_PATH.fullmatch(path)
    if item:
        return f"itemInfoList[{item.group(1)}].{ITEM_FIELDS.get(item.group(2), item.group(2))}"
    return JD_FIELDS.get(path, path)


def rejection_reason(errors: list[FieldError]) -> str:
    return "；".join(f"{jd_path(error.path)}：{error.message}" for error in errors)
