"""Shapes of orders, packages and tracking events in the API (shared by the routers).

Times are ISO 8601 with their offset (Beijing time by default). Amounts are decimal strings.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Literal

from typing import Annotated

from ninja import Schema
from pydantic import BaseModel, BeforeValidator, Field, field_validator

from yundan.orders.states import OrderStatus
from yundan.tracking.statuses import TrackingStatus

MAX_ID = 2**63 - 1  # the largest row id either database stores; a bigger one is 422, not a database error

OrderStatusName = Literal[tuple(OrderStatus.values)]
TrackingStatusName = Literal[tuple(TrackingStatus.values)]


def _true_or_false(value):
    """A query or form flag: true / false (as JSON says), so "0", "yes" or "" are refused, not guessed."""
    if isinstance(value, str) and value in ("true", "false"):
        return value == "true"
    if isinstance(value, bool):
        return value
    raise ValueError("应为 true 或 false (expected true or false)")


Flag = Annotated[bool, BeforeValidator(_true_or_false)]


def _iso(kind):
    def parse(value):
        """ISO 8601 text only: pydantic would also read 0.5 or 1700000000 as a Unix time."""
        if isinstance(value, kind):
            return value
        if isinstance(value, str):
            try:
                parsed = kind.fromisoformat(value.strip())
                # In UTC: PostgreSQL refuses offsets beyond ±15:59 (Python takes up to ±23:59), and a
                # moment UTC cannot hold (0001-01-01T00:00+08:00) is refused here, not in the database.
                return parsed.astimezone(UTC) if kind is datetime and parsed.tzinfo else parsed
            except (ValueError, OverflowError):
                pass
        raise ValueError(f"应为 ISO 8601 {'日期时间' if kind is datetime else '日期'}，如 "
                         f"{'2026-11-27T10:00:00+08:00' if kind is datetime else '2026-11-27'} (expected ISO 8601)")

    return BeforeValidator(parse)


IsoDateTime = Annotated[datetime, _iso(datetime)]
IsoDate = Annotated[date, _iso(date)]


NUL_MESSAGE = "不能包含 NUL 字符 (must not contain a NUL character)"


def _has_nul(value) -> bool:
    """In this field's own text (a string, or a list of strings); nested models check their own."""
    texts = value if isinstance(value, (list, tuple)) else [value]
    return any(isinstance(text, str) and "\x00" in text for text in texts)


class In(BaseModel):
    """Request bodies and query sets: plain pydantic, so a list is never read as an object (ninja's
    Schema would read any value's attributes), and no text carries a NUL character (PostgreSQL
    cannot store one; no order number, name or address has one)."""

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value):
        if _has_nul(value):
            raise ValueError(NUL_MESSAGE)
        return value


class Receiver(In):
    """收货人。Read keys see name, phone and the unit in the address masked (张*, 1******5678)."""

    name: str = Field("", max_length=50, examples=["张三"])
    phone: str = Field("", max_length=32, description="手机或座机 / mobile or landline", examples=["13812345678"])
    province: str = Field("", max_length=20, examples=["浙江省"])
    city: str = Field("", max_length=30, examples=["杭州市"])
    district: str = Field("", max_length=30, examples=["西湖区"])
    address: str = Field("", max_length=200, description="详细地址；省市区都为空时按一整行地址拆分 / detail; "
                         "a whole one-line address when province, city and district are empty",
                         examples=["文三路90号1号楼302室"])


class Item(In):
    sku_id: str = Field(..., min_length=1, max_length=32, description="商品ID / SKU id", examples=["100012345678"])
    name: str = Field("", max_length=255, description="商品名称 / product name", examples=["保温杯 500ml"])
    quantity: int = Field(1, ge=1, le=999_999_999, examples=[2])


class TrackingEventOut(Schema):
    time: datetime
    status: TrackingStatusName
    status_label: str = Field(description="状态中文名 / label", examples=["运输中"])
    description: str = Field(description="承运商原文 / the carrier's text")
    location: str
    courier_name: str
    courier_phone: str


class PackageOut(Schema):
    """包裹 / a parcel. ``status`` is null until shipment is confirmed (a printed label is not shipped)."""

    order_no: str = Field(description="订单号 / order number (never the waybill number)", examples=["312345678901"])
    sequence: int = Field(description="包裹序号 / parcel 1, 2, … of the order")
    waybill_no: str | None = Field(description="运单号 / waybill number; null before the label is printed",
                                   examples=["JDVA00012345678"])
    carrier: str = Field(examples=["jd"])
    carrier_name: str = Field(examples=["京东物流"])
    printed_at: datetime | None
    print_count: int
    shipped_at: datetime | None = Field(description="确认发货时间 / when shipment was confirmed")
    status: TrackingStatusName | None
    status_label: str = Field(examples=["运输中", "已打印，未发货"])
    last_event_at: datetime | None
    note: str = Field(description="说明，例如已打印未发货 / explanation, e.g. printed but not yet shipped")


class PackageWithEvents(PackageOut):
    events: list[TrackingEventOut] = Field(description="物流轨迹，最新在前 / timeline, newest first")


class OrderOut(Schema):
    order_no: str = Field(description="订单号 / order number", examples=["312345678901"])
    shop: str = Field(description="店铺名称 / shop name", examples=["旗舰店"])
    status: OrderStatusName
    status_label: str = Field(examples=["等待出库"])
    buyer_id: str = Field(description="买家ID（用户pin） / buyer account", examples=["jd_buyer01"])
    ordered_at: datetime | None
    amount: Decimal | None = Field(examples=["199.00"])
    remark: str = Field(description="商家备注 / merchant remark")
    receiver: Receiver
    items: list[Item]
    packages: list[PackageOut]
    updated_at: datetime


class OrderPageOut(Schema):
    orders: list[OrderOut]
    next_cursor: str | None = Field(
        description="下一页 / the next page: pass as ?cursor=. In the change feed it is always set: store it and "
                    "ask again with it later (an empty page means no new changes yet).")
    has_more: bool = Field(description="是否还有下一页 / whether a next page exists now")


class OrderIn(In):
    order_no: str = Field(..., min_length=1, max_length=32, description="订单号，8–20 位数字 / 8–20 digits",
                          examples=["312345678901"])
    status: str = Field(OrderStatus.AWAITING_SHIPMENT, max_length=40,
                        description="订单状态：awaiting_shipment, shipped, finished, canceled, locked, or a JD state "
                                    "word or code (等待出库, WAIT_SELLER_STOCK_OUT)", examples=["awaiting_shipment"])
    buyer_id: str = Field("", max_length=64, examples=["jd_buyer01"])
    ordered_at: IsoDateTime | None = Field(None, description="下单时间；without an offset it is Beijing time",
                                        examples=["2026-11-20T10:23:45+08:00"])
    amount: Decimal | None = Field(None, ge=0, le=Decimal("9999999999.99"), decimal_places=2, examples=["199.00"])
    remark: str = Field("", max_length=2000, description="商家备注 / merchant remark")
    receiver: Receiver = Field(default_factory=Receiver)
    items: list[Item] | None = Field(None, max_length=500,
                                     description="商品：replaces the stored items; omitted keeps them")


class UpsertIn(In):
    shop: str = Field("", max_length=100, description="店铺名称；只有一个店铺时可省略 / shop name, optional with one shop",
                      examples=["旗舰店"])
    orders: list[OrderIn] = Field(..., min_length=1, max_length=1000, description="1–1,000 orders")


class UpsertResultOut(Schema):
    index: int = Field(description="位置 / position in the request's orders")
    order_no: str
    outcome: Literal["created", "updated", "unchanged", "rejected"]
    errors: list[dict[str, str]] = Field(description="rejected: [{path: orders[3].receiver.phone, message}]")
    warnings: list[str]


class UpsertOut(Schema):
    shop: str
    created: int
    updated: int
    unchanged: int
    rejected: int
    results: list[UpsertResultOut]


class OrderSearch(In):
    """Search keys (the console's) or the change feed (``updated_since`` / a feed cursor)."""

    order_no: str = Field("", max_length=40, description="订单号 / order number")
    buyer_id: str = Field("", max_length=64, description="买家ID / buyer id")
    phone: str = Field("", max_length=40, description="收货人电话，完整或后 4 位 / receiver phone, full or last 4")
    waybill_no: str = Field("", max_length=40, description="运单号 / waybill number")
    status: Literal[("", *OrderStatus.values)] = Field("", description="订单状态 / order status")
    shop: str = Field("", max_length=100, description="店铺名称 / shop name")
    ordered_from: IsoDate | None = Field(None, description="下单日期起（含） / ordered on or after (Beijing date)")
    ordered_to: IsoDate | None = Field(None, description="下单日期止（含） / ordered on or before")
    updated_since: IsoDateTime | None = Field(
        None, description="变更流：从此时刻起变更过的订单，按变更先后 / the change feed: orders changed at or after this "
                          "time, oldest change first; continue with next_cursor", examples=["2026-11-27T00:00:00+08:00"])
    cursor: str = Field("", max_length=200, description="上一页给出的 next_cursor / next_cursor of the previous page")
    limit: int = Field(100, ge=1, le=500, description="每页条数 / page size")
