"""Create or update orders from another system (the REST API, JD order sync): idempotent per shop + order no.

Each order is validated and written in its own transaction: a bad order is rejected with the field
paths that are wrong (``receiver.phone``, ``items[2].quantity``) and never blocks or half-writes the
others, and an order is either fully written (fields and items) or untouched. Sending the same order
twice changes nothing the second time (``unchanged``).

An upsert replaces the order's fields with the given ones (an omitted remark clears it); ``items``
given replace the stored items (matched by SKU so packages keep pointing at them), ``items=None``
keeps them. A status the order cannot move to from where it is (a stale copy of an order shipped
here) is not applied: the current status stays and the result carries a warning. The field rules
(lengths, phone forms, amounts, order states) are the order import's (``orders.importing``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction

from yundan.orders.addresses import parse_address
from yundan.orders.importing import (
    ORDER_FIELDS, parse_amount, parse_order_no, parse_phone, parse_quantity, parse_time, store_order,
    text_of,
)
from yundan.orders.models import Order, OrderItem, Shop
from yundan.orders.receivers import phone_last4
from yundan.orders.states import OrderStatus, status_from_jd
from yundan.spreadsheets import cell_text


@dataclass(frozen=True)
class ItemInput:
    sku_id: str
    name: str = ""
    quantity: int | str = 1


@dataclass(frozen=True)
class ReceiverInput:
    """The ship-to block. With province, city and district all empty, ``address`` is read as one
    line (``浙江省杭州市西湖区文三路90号``) and split like the order import does."""

    name: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    address: str = ""


@dataclass(frozen=True)
class OrderInput:
    order_no: str
    status: str = OrderStatus.AWAITING_SHIPMENT  # ours (shipped), a JD word (等待出库) or code (WAIT_SELLER_STOCK_OUT)
    buyer_id: str = ""
    ordered_at: datetime | str | None = None
    amount: Decimal | str | None = None
    remark: str = ""
    receiver: ReceiverInput = ReceiverInput()
    items: Sequence[ItemInput] | None = None


@dataclass(frozen=True)
class FieldError:
    path: str  # relative to the order: "receiver.phone", "items[2].quantity"
    message: str


CREATED, UPDATED, UNCHANGED, REJECTED = "created", "updated", "unchanged", "rejected"


@dataclass
class UpsertResult:
    order_no: str
    outcome: str  # created | updated | unchanged | rejected
    errors: list[FieldError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class _Checker:
    """Collects field errors while turning an OrderInput into stored values."""

    def __init__(self):
        self.errors: list[FieldError] = []

    def value(self, path: str, parse: Callable, raw):
        try:
            return parse(raw)
        except (ValueError, TypeError) as error:
            self.errors.append(FieldError(path, str(error)))
            return None


def _limit(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def _time(raw) -> datetime | None:
    """ISO 8601 (``2026-11-20T10:23:45+08:00``) or the order import's forms; no offset = Beijing time."""
    if isinstance(raw, str):
        try:
            return parse_time(datetime.fromisoformat(raw.strip()))
        except ValueError:
            pass
    return parse_time(raw)


def _status(raw: str) -> str:
    return status_from_jd(raw) if str(raw).strip() else OrderStatus.AWAITING_SHIPMENT


def _receiver_fields(check: _Checker, receiver: ReceiverInput) -> dict:
    def text(name: str, model_field: str, raw: str):
        return check.value(f"receiver.{name}", text_of(_limit(Order, model_field)), raw)

    phone = check.value("receiver.phone", parse_phone, receiver.phone)
    values = {
        "receiver_name": text("name", "receiver_name", receiver.name),
        "receiver_phone": phone,
        "receiver_phone_last4": phone_last4(phone) if phone else "",
    }
    if not (receiver.province or receiver.city or receiver.district):
        parsed = parse_address(receiver.address)
        receiver = ReceiverInput(province=parsed.province, city=parsed.city, district=parsed.district,
                                 address=parsed.detail)
    for name in ("province", "city", "district", "address"):
        values[f"receiver_{name}"] = text(name, f"receiver_{name}", getattr(receiver, name))
    return values


def _item_values(check: _Checker, items: Sequence[ItemInput]) -> list[dict]:
    values = []
    for index, item in enumerate(items):
        path = f"items[{index}]"
        sku_id = check.value(f"{path}.sku_id", text_of(_limit(OrderItem, "sku_id")), item.sku_id)
        if sku_id == "":
            check.errors.append(FieldError(f"{path}.sku_id", "商品ID不能为空 (required)"))
        values.append({
            "sku_id": sku_id,
            "item_name": check.value(f"{path}.name", text_of(_limit(OrderItem, "name")), item.name),
            "quantity": check.value(f"{path}.quantity", parse_quantity, item.quantity),
        })
    return values


def validate_order(order: OrderInput) -> tuple[str, dict, list[dict] | None, list[FieldError]]:
    """The order number, stored fields and item rows of an input, or the field errors that stop it."""
    check = _Checker()
    order_no = check.value("order_no", parse_order_no, order.order_no)
    fields = {
        "status": check.value("status", _status, order.status),
        "buyer_id": check.value("buyer_id", text_of(_limit(Order, "buyer_id")), order.buyer_id),
        "ordered_at": check.value("ordered_at", _time, order.ordered_at),
        "amount": check.value("amount", parse_amount, order.amount),
        "remark": check.value("remark", cell_text, order.remark),
        **_receiver_fields(check, order.receiver),
    }
    items = None if order.items is None else _item_values(check, order.items)
    assert set(fields) == set(ORDER_FIELDS)
    return order_no or str(order.order_no), fields, items, check.errors


def upsert_order(shop: Shop, order: OrderInput) -> UpsertResult:
    order_no, fields, items, errors = validate_order(order)
    if errors:
        return UpsertResult(order_no, REJECTED, errors)
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                stored = store_order(shop, order_no, fields, items)
            break
        except IntegrityError:
            # Another writer created the same order between our look-up and insert (PostgreSQL;
            # SQLite serializes writers): the second attempt finds it and updates it instead.
            if attempt == 2:
                raise
    return UpsertResult(order_no, stored.outcome, warnings=[stored.warning] if stored.warning else [])


def upsert_orders(shop: Shop, orders: Sequence[OrderInput]) -> list[UpsertResult]:
    """Upsert each order in its own transaction; one result per input, in input order.

    The same order number twice in one call is written twice, in order: the later one wins.
    """
    return [upsert_order(shop, order) for order in orders]
