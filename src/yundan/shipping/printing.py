"""Printing labels (打印面单): the service behind `yundan labels print`, the console and the API.

Printing allocates a waybill number where a package has none and marks the package printed; it
never moves the order. The order is shipped only when shipment is confirmed (shipping.shipment).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yundan import clock
from yundan.carriers.base import CarrierError
from yundan.carriers.registry import carrier_name, is_simulated
from yundan.orders.addresses import one_line
from yundan.orders.models import Order
from yundan.orders.receivers import mask_address_detail, mask_name, mask_phone
from yundan.orders.search import OrderNotFound, get_order
from yundan.orders.states import BLOCKED_REASONS
from yundan.shipping.labels import DEFAULT_SIZE, LabelData, LabelParty, render_labels
from yundan.shipping.models import Package
from yundan.shipping.packages import add_packages, allocate_waybills, package_code



@dataclass(frozen=True)
class PrintFailure:
    order_no: str
    reason: str


@dataclass
class PrintResult:
    pdf: bytes = b""
    labels: int = 0
    orders: list[str] = field(default_factory=list)
    failures: list[PrintFailure] = field(default_factory=list)


def missing_address_fields(order: Order) -> list[str]:
    required = {"收货人": order.receiver_name, "联系电话": order.receiver_phone, "省": order.receiver_province,
                "市": order.receiver_city, "详细地址": order.receiver_address}
    return [label for label, value in required.items() if not value]


def printable_packages(order: Order) -> list[Package]:
    """The packages a print of this order covers; an order with none gets its first one."""
    if order.status in BLOCKED_REASONS:
        raise ValueError(f"{BLOCKED_REASONS[order.status]}，不能打印面单")
    if missing := missing_address_fields(order):
        raise ValueError(f"收货信息不完整，缺少：{'、'.join(missing)}")
    packages = list(order.packages.all())
    if not packages:
        packages = add_packages(order, 1, order.shop.default_carrier, list(order.items.all()))
    allocate_waybills(packages)
    return packages


def items_summary(package: Package) -> str:
    carried = [(pi.order_item.name, pi.quantity) for pi in package.items.all()]
    if not carried:
        carried = [(item.name, item.quantity) for item in package.order.items.all()]
    return "；".join(f"{name} ×{quantity}" for name, quantity in carried)


def label_for(package: Package, now) -> LabelData:
    order, shop, routing = package.order, package.order.shop, package.routing
    siblings = len(order.packages.all())
    return LabelData(
        waybill_no=package.waybill_no,
        package_code=package_code(package.waybill_no, package.sequence, siblings),
        parcel_index=package.sequence,
        parcel_count=siblings,
        carrier_name=carrier_name(package.carrier),
        product_name=routing.get("product_name", ""),
        origin_center=routing.get("origin_center", ""),
        destination_center=routing.get("destination_center", ""),
        sorting_code=routing.get("sorting_code", ""),
        route_area=routing.get("route_area", ""),
        destination=f"{order.receiver_city} {order.receiver_district}".strip(),
        station=routing.get("station", ""),
        receiver=LabelParty(
            mask_name(order.receiver_name),
            mask_phone(order.receiver_phone),
            one_line(order.receiver_province, order.receiver_city, order.receiver_district,
                     mask_address_detail(order.receiver_address)),
        ),
        sender=LabelParty(
            shop.sender_name or shop.name,
            mask_phone(shop.sender_phone),
            one_line(shop.sender_province, shop.sender_city, shop.sender_district,
                     mask_address_detail(shop.sender_address)),
        ),
        order_no=order.order_no,
        items_summary=items_summary(package),
        remark=order.remark,
        weight_kg=f"{package.weight_kg:.2f}" if package.weight_kg is not None else "",
        printed_at=timezone.localtime(now),
        qr_payload=package.waybill_no,
        simulated=is_simulated(package.carrier),
    )


def print_labels(order_nos: Sequence[str], size: str = DEFAULT_SIZE) -> PrintResult:
    """One PDF with a label per package, in the order given; bad orders are reported, not printed.

    Each order's waybill allocation is committed on its own, so a failure in one never blocks
    the others, and a retry reuses the numbers already allocated.
    """
    result = PrintResult()
    packages: list[Package] = []
    for order_no in dict.fromkeys(order_nos):
        try:
            with transaction.atomic():
                order = get_order(order_no, orders=Order.objects.select_related("shop").select_for_update(of=("self",)))
                packages.extend(printable_packages(order))
            result.orders.append(order.order_no)
        except (OrderNotFound, ValueError, CarrierError) as error:
            result.failures.append(PrintFailure(order_no, str(error)))
    if not packages:
        return result
    now = clock.now()
    ordered = {p.pk: p for p in Package.objects.filter(pk__in=[p.pk for p in packages]).select_related(
        "order__shop").prefetch_related("items__order_item", "order__items", "order__packages")}
    result.pdf = render_labels([label_for(ordered[p.pk], now) for p in packages], size)
    result.labels = len(packages)
    marked = Package.objects.filter(pk__in=ordered)
    marked.filter(printed_at__isnull=True).update(printed_at=now)
    marked.update(print_count=F("print_count") + 1, updated_at=now)
    return result
