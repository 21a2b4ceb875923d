"""Import the JD merchant backend's order export (订单导出).

One row per SKU, so an order number repeats. Columns are found by header name with aliases,
never by position. Every order is written in its own transaction: a bad row rejects its order
(with the row number and reason) and never blocks or half-writes the others.
"""

import re
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from yundan.orders.addresses import parse_address
from yundan.orders.models import Order, OrderItem, Shop
from yundan.orders.receivers import normalize_phone, phone_last4
from yundan.orders.states import OrderStatus, can_move, status_from_jd
from yundan.shipping.waybills import looks_like_order_no
from yundan.spreadsheets import cell_text, column_value, find_header, first_sheet, identifier_text
from yundan.text import chinese
from yundan.webhooks import outbox

COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "order_no": ("订单号", "订单编号", "订单ID"),
    "ordered_at": ("下单时间",),
    "status": ("订单状态",),
    "buyer_id": ("下单帐号", "下单账号", "买家账号", "买家ID", "用户pin"),
    "receiver_name": ("客户姓名", "收货人", "收货人姓名"),
    "receiver_address": ("客户地址", "收货地址", "收货人地址"),
    "receiver_phone": ("联系电话", "手机", "手机号", "联系手机", "收货人电话", "收货人手机"),
    "sku_id": ("商品ID", "商品编号", "SKU"),
    "item_name": ("商品名称",),
    "quantity": ("订购数量", "数量", "商品数量"),
    "amount": ("订单金额", "应付金额"),
    "remark": ("商家备注",),
}
TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d")


@dataclass(frozen=True)
class Rejection:
    row: int
    order_no: str
    reason: str


@dataclass
class ImportReport:
    shop: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class OrderRow:
    row: int
    values: dict


def parse_time(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        text = cell_text(value)
        for pattern in TIME_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
        else:
            raise ValueError(f"「{text}」无法识别，应为 2026-11-20 10:23:45 这样的格式")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


MAX_AMOUNT = Decimal("9999999999.99")  # what Order.amount (12 digits, 2 decimals) holds


def parse_amount(value) -> Decimal | None:
    text = cell_text(value).replace("¥", "").replace("￥", "").replace(",", "")
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"「{cell_text(value)}」不是数字") from None
    if not amount.is_finite() or not 0 <= amount <= MAX_AMOUNT:
        raise ValueError(f"「{text}」应为 0 到 {MAX_AMOUNT} 之间的金额")
    return amount.quantize(Decimal("0.01"))


def parse_quantity(value) -> int:
    text = cell_text(value) or "1"
    if not re.fullmatch(r"[0-9]{1,9}", text) or int(text) < 1:
        raise ValueError(f"「{text}」应为正整数")
    return int(text)


def parse_order_no(value) -> str:
    order_no = identifier_text(value)
    if not looks_like_order_no(order_no):
        raise ValueError(f"「{order_no}」应为 8–20 位数字")
    return order_no


def parse_phone(value) -> str:
    return normalize_phone(identifier_text(value))


def text_of(limit: int):
    def parse(value) -> str:
        text = cell_text(value)
        if len(text) > limit:
            raise ValueError(f"超过 {limit} 个字符")
        return text

    return parse


def _limit(model, name: str) -> int:
    return model._meta.get_field(name).max_length


# field → (column label for errors, parser)
ROW_PARSERS = {
    "order_no": ("订单号", parse_order_no),
    "ordered_at": ("下单时间", parse_time),
    "status": ("订单状态", lambda v: status_from_jd(cell_text(v)) if cell_text(v) else OrderStatus.AWAITING_SHIPMENT),
    "buyer_id": ("下单帐号", text_of(_limit(Order, "buyer_id"))),
    "receiver_name": ("客户姓名", text_of(_limit(Order, "receiver_name"))),
    "receiver_phone": ("联系电话", parse_phone),
    "receiver_address": ("客户地址", text_of(_limit(Order, "receiver_address"))),
    "amount": ("订单金额", parse_amount),
    "remark": ("商家备注", cell_text),
    "sku_id": ("商品ID", lambda v: text_of(_limit(OrderItem, "sku_id"))(identifier_text(v))),
    "item_name": ("商品名称", text_of(_limit(OrderItem, "name"))),
    "quantity": ("订购数量", parse_quantity),
}


def parse_row(cells: list, columns: dict[str, int]) -> dict:
    """One export row as order fields; raises ValueError naming the column that is wrong."""
    values = {}
    for name, (label, parse) in ROW_PARSERS.items():
        try:
            values[name] = parse(column_value(cells, columns, name))
        except ValueError as error:
            raise ValueError(f"{label}：{error}") from None
    address = parse_address(values.pop("receiver_address"))
    values.update(
        receiver_phone_last4=phone_last4(values["receiver_phone"]),
        receiver_province=address.province,
        receiver_city=address.city,
        receiver_district=address.district,
        receiver_address=address.detail,
    )
    return values


def resolve_shop(name: str) -> Shop:
    if name:
        return Shop.objects.get_or_create(name=name)[0]
    shops = list(Shop.objects.all()[:2])
    if len(shops) > 1:
        raise ValueError("有多个店铺，请用 --shop 指定导入到哪个店铺")
    return shops[0] if shops else Shop.objects.create(name="默认店铺")


ORDER_FIELDS = (
    "ordered_at", "status", "buyer_id", "receiver_name", "receiver_phone", "receiver_phone_last4",
    "receiver_province", "receiver_city", "receiver_district", "receiver_address", "amount", "remark",
)


@dataclass(frozen=True)
class Stored:
    """What ``store_order`` did: created / updated / unchanged, and a warning when a status was kept."""

    outcome: str
    warning: str = ""


def store_order(shop: Shop, order_no: str, fields: dict, items: list[dict] | None) -> Stored:
    """Create or update one order (``ORDER_FIELDS`` and its items); the caller owns the transaction.

    ``items`` (dicts with sku_id, item_name, quantity) replace the stored ones; None keeps them. A status
    the order cannot move to from where it is (an older export, a stale ERP) is not applied: the
    current status stays and the warning says so.
    """
    order = Order.objects.select_for_update().filter(shop=shop, order_no=order_no).first()
    if order is None:
        order = Order.objects.create(shop=shop, order_no=order_no, **fields)
        save_items(order, items or [])
        outbox.order_upserted(shop.pk, order_no, created=True)
        return Stored("created")
    warning = ""
    if fields["status"] != order.status and not can_move(order.status, fields["status"]):
        warning = (
            f"订单 {order.order_no} 当前为「{chinese(OrderStatus(order.status).label)}」，"
            f"不能改为「{chinese(OrderStatus(fields['status']).label)}」，保留当前状态"
        )
        fields = {**fields, "status": order.status}
    changed = [name for name, value in fields.items() if getattr(order, name) != value]
    for name in changed:
        setattr(order, name, fields[name])
    items_changed = items is not None and save_items(order, items)
    if items_changed or changed:
        order.save()  # also when only items changed: updated_at tells syncing systems to look
        outbox.order_upserted(shop.pk, order_no, created=False)
        return Stored("updated", warning)
    return Stored("unchanged", warning)


def save_order(shop: Shop, rows: list[OrderRow], report: ImportReport) -> None:
    first = rows[0].values
    stored = store_order(shop, first["order_no"], {name: first[name] for name in ORDER_FIELDS}, item_rows(rows))
    setattr(report, stored.outcome, getattr(report, stored.outcome) + 1)
    if stored.warning:
        report.warnings.append(f"第 {rows[0].row} 行：{stored.warning}")


def item_rows(rows: list[OrderRow]) -> list[dict]:
    return [r.values for r in rows if r.values["sku_id"] or r.values["item_name"]]


def save_items(order: Order, rows: list[dict]) -> bool:
    """Match rows to stored items so packages that already carry an item keep pointing at it.

    The k-th row of a SKU matches the k-th stored item of that SKU (an export may list one SKU
    twice, e.g. once as a gift). Returns whether anything changed.
    """
    stored: dict[str, list[OrderItem]] = {}
    for item in order.items.order_by("id"):
        stored.setdefault(item.sku_id, []).append(item)
    changed = False
    for values in rows:
        same_sku = stored.get(values["sku_id"])
        item = same_sku.pop(0) if same_sku else OrderItem(order=order, sku_id=values["sku_id"])
        name = values["item_name"] or item.name
        if item.pk is None or (item.name, item.quantity) != (name, values["quantity"]):
            item.name, item.quantity = name, values["quantity"]
            item.save()
            changed = True
    leftovers = [item.pk for items in stored.values() for item in items]
    return OrderItem.objects.filter(pk__in=leftovers).delete()[0] > 0 or changed


def import_orders(path: Path, shop_name: str = "") -> ImportReport:
    """Upsert the orders of a JD order export; idempotent (running it twice changes nothing)."""
    if not path.exists():
        raise ValueError(f"文件不存在：{path}")
    rows = first_sheet(path)
    header_index, columns = find_header(rows, COLUMN_ALIASES, required="order_no")
    shop = resolve_shop(shop_name)
    report = ImportReport(shop=shop.name)
    groups: dict[str, list[OrderRow]] = {}
    bad_orders: set[str] = set()
    for index, cells in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not any(cell_text(c) for c in cells):
            continue
        try:
            values = parse_row(cells, columns)
        except ValueError as error:
            order_no = _order_no_or_blank(cells, columns)
            report.rejected.append(Rejection(index, order_no, str(error)))
            bad_orders.add(order_no)
            continue
        groups.setdefault(values["order_no"], []).append(OrderRow(index, values))
    for order_no, order_rows in groups.items():
        if order_no in bad_orders:
            # One bad SKU row would leave the order half-imported: reject all its rows.
            for order_row in order_rows:
                report.rejected.append(Rejection(order_row.row, order_no, "同一订单的其他行有错误，整单未导入"))
            continue
        with transaction.atomic():
            save_order(shop, order_rows, report)
    report.rejected.sort(key=lambda r: r.row)
    return report


def _order_no_or_blank(cells: list, columns: dict[str, int]) -> str:
    try:
        return identifier_text(column_value(cells, columns, "order_no"))
    except ValueError:
        return ""
