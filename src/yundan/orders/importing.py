"""Import the JD merchant backend's order export (订单导出).

One row per SKU, so an order number repeats. Columns are found by header name with aliases,
never by position. Every order is written in its own transaction: a bad row rejects its order
(with the row number and reason) and never blocks or half-writes the others.
"""

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
from yundan.spreadsheets import cell_text, identifier_text, read_sheets

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
HEADER_SEARCH_ROWS = 10
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


def _normalize_header(text) -> str:
    return "".join(cell_text(text).split()).upper()


def find_columns(rows: list[list]) -> tuple[int, dict[str, int]]:
    """The header row (index) and the column index of each field it names."""
    wanted = {_normalize_header(alias): name for name, aliases in COLUMN_ALIASES.items() for alias in aliases}
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for position, cell in enumerate(row):
            name = wanted.get(_normalize_header(cell))
            if name and name not in columns:
                columns[name] = position
        if "order_no" in columns:
            return index, columns
    raise ValueError(f"前 {HEADER_SEARCH_ROWS} 行中没有找到「订单号」列（可用列名：订单号、订单编号、订单ID）")


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
            raise ValueError(f"下单时间「{text}」无法识别，应为 2026-11-20 10:23:45 这样的格式")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def parse_amount(value) -> Decimal | None:
    text = cell_text(value).replace("¥", "").replace("￥", "").replace(",", "")
    if not text:
        return None
    try:
        amount = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(f"订单金额「{cell_text(value)}」不是数字") from None
    if amount < 0:
        raise ValueError(f"订单金额「{text}」不能为负数")
    return amount


def parse_quantity(value) -> int:
    text = cell_text(value) or "1"
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"订购数量「{text}」应为正整数")
    return int(text)


def parse_row(cells: list, columns: dict[str, int]) -> dict:
    """One export row as order fields; raises ValueError naming the column that is wrong."""

    def cell(name):
        position = columns.get(name)
        return cells[position] if position is not None and position < len(cells) else None

    order_no = identifier_text(cell("order_no"))
    if not order_no.isdigit():
        raise ValueError(f"订单号「{order_no}」应为纯数字")
    try:
        phone = normalize_phone(identifier_text(cell("receiver_phone")))
    except ValueError as error:
        raise ValueError(f"联系电话：{error}") from None
    status_text = cell_text(cell("status"))
    address = parse_address(cell_text(cell("receiver_address")))
    return {
        "order_no": order_no,
        "ordered_at": parse_time(cell("ordered_at")),
        "status": status_from_jd(status_text) if status_text else OrderStatus.AWAITING_SHIPMENT,
        "buyer_id": cell_text(cell("buyer_id")),
        "receiver_name": cell_text(cell("receiver_name")),
        "receiver_phone": phone,
        "receiver_phone_last4": phone_last4(phone),
        "receiver_province": address.province,
        "receiver_city": address.city,
        "receiver_district": address.district,
        "receiver_address": address.detail,
        "amount": parse_amount(cell("amount")),
        "remark": cell_text(cell("remark")),
        "sku_id": identifier_text(cell("sku_id")),
        "item_name": cell_text(cell("item_name")),
        "quantity": parse_quantity(cell("quantity")),
    }


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


def save_order(shop: Shop, rows: list[OrderRow], report: ImportReport) -> None:
    first = rows[0].values
    fields = {name: first[name] for name in ORDER_FIELDS}
    order = Order.objects.select_for_update().filter(shop=shop, order_no=first["order_no"]).first()
    if order is None:
        order = Order.objects.create(shop=shop, order_no=first["order_no"], **fields)
        report.created += 1
    else:
        if fields["status"] != order.status and not can_move(order.status, fields["status"]):
            report.warnings.append(
                f"第 {rows[0].row} 行：订单 {order.order_no} 当前为「{OrderStatus(order.status).label}」，"
                f"文件中为「{OrderStatus(fields['status']).label}」，保留当前状态"
            )
            fields["status"] = order.status
        changed = [name for name, value in fields.items() if getattr(order, name) != value]
        for name in changed:
            setattr(order, name, fields[name])
        items_changed = save_items(order, item_rows(rows))
        if changed or items_changed:
            order.save()
            report.updated += 1
        else:
            report.unchanged += 1
        return
    save_items(order, item_rows(rows))


def item_rows(rows: list[OrderRow]) -> list[dict]:
    return [r.values for r in rows if r.values["sku_id"] or r.values["item_name"]]


def save_items(order: Order, rows: list[dict]) -> bool:
    """Match items by SKU so packages that already carry an item keep pointing at it.

    Returns whether anything changed.
    """
    existing = {item.sku_id: item for item in order.items.all()}
    changed = False
    for values in rows:
        item = existing.get(values["sku_id"]) or OrderItem(order=order, sku_id=values["sku_id"])
        name = values["item_name"] or item.name
        if item.pk is None or (item.name, item.quantity) != (name, values["quantity"]):
            item.name, item.quantity = name, values["quantity"]
            item.save()
            changed = True
    gone = order.items.exclude(sku_id__in=[values["sku_id"] for values in rows])
    return gone.delete()[0] > 0 or changed


def import_orders(path: Path, shop_name: str = "") -> ImportReport:
    """Upsert the orders of a JD order export; idempotent (running it twice changes nothing)."""
    if not path.exists():
        raise ValueError(f"文件不存在：{path}")
    _, rows = next(read_sheets(path))
    header_index, columns = find_columns(rows)
    shop = resolve_shop(shop_name)
    report = ImportReport(shop=shop.name)
    groups: dict[str, list[OrderRow]] = {}
    bad_orders: dict[str, str] = {}
    for index, cells in enumerate(rows[header_index + 1 :], start=header_index + 2):
        if not any(cell_text(c) for c in cells):
            continue
        try:
            values = parse_row(cells, columns)
        except ValueError as error:
            order_no = _order_no_or_blank(cells, columns)
            report.rejected.append(Rejection(index, order_no, str(error)))
            bad_orders.setdefault(order_no, str(error))
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
        return identifier_text(cells[columns["order_no"]])
    except (ValueError, IndexError):
        return ""
