"""Confirming shipment (确认发货): the waybill becomes the order's logistics number.

Each order is confirmed in its own transaction with the order row locked (PostgreSQL row lock;
SQLite's IMMEDIATE transactions serialize writers), so confirming the same order twice, or from
two processes at once, finds it already shipped the second time and answers with the same
waybills: never a second set. A crash leaves each order either confirmed or untouched.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from yundan import clock
from yundan.carriers.base import CarrierError
from yundan.orders.models import Order
from yundan.orders.search import OrderNotFound, get_order
from yundan.orders.states import BLOCKED_REASONS, OrderStatus, check_move
from yundan.shipping.models import Package
from yundan.shipping.packages import add_packages, allocate_waybills
from yundan.shipping.waybills import candidate_carriers, normalize_waybill
from yundan.tracking.tasks import subscribe_shipped
from yundan.webhooks import outbox

ALREADY_SHIPPED = (OrderStatus.SHIPPED, OrderStatus.FINISHED)


@dataclass(frozen=True)
class GivenWaybill:
    """A parcel the merchant sent with another carrier or their own account: number and carrier."""

    carrier: str
    waybill_no: str


@dataclass(frozen=True)
class ShipmentRequest:
    order_no: str
    packages: int | None = None  # split into this many parcels
    by_items: bool = False  # one parcel per order line
    waybills: tuple[GivenWaybill, ...] = ()
    resend: bool = False  # a new parcel for an order already shipped (补发)


@dataclass
class ShipmentResult:
    order_no: str
    ok: bool
    waybill_nos: list[str] = field(default_factory=list)
    error: str = ""


def _locked_order(order_no: str) -> Order:
    return get_order(order_no, orders=Order.objects.select_related("shop").select_for_update(of=("self",)))


def _validated(given: GivenWaybill) -> GivenWaybill:
    number = normalize_waybill(given.waybill_no)
    if given.carrier not in candidate_carriers(number):
        raise ValueError(f"运单号 {number} 不符合该快递公司（{given.carrier}）的单号规则")
    taken = Package.objects.filter(carrier=given.carrier, waybill_no=number).select_related("order").first()
    if taken is not None:
        raise ValueError(f"运单号 {number} 已属于订单 {taken.order.order_no}")
    return GivenWaybill(given.carrier, number)


def _packages_to_ship(order: Order, request: ShipmentRequest) -> list[Package]:
    unshipped = [p for p in order.packages.all() if p.shipped_at is None]
    items = list(order.items.all())
    if request.waybills:
        given = [_validated(g) for g in request.waybills]
        # The merchant shipped otherwise: labels printed here but never used are set aside.
        Package.objects.filter(pk__in=[p.pk for p in unshipped]).delete()
        return add_packages(order, len(given), given[0].carrier, items,
                            waybills=[(g.carrier, g.waybill_no) for g in given])
    wanted = len(items) if request.by_items else request.packages or max(len(unshipped), 1)
    if len(unshipped) > wanted:
        raise ValueError(f"订单已打印 {len(unshipped)} 个包裹的面单，多于要求的 {wanted} 个")
    packages = unshipped + add_packages(order, wanted - len(unshipped), order.shop.default_carrier,
                                        [] if unshipped else items)
    allocate_waybills(packages)
    return packages


def _shipped_waybills(order: Order) -> list[str]:
    return [p.waybill_no for p in order.packages.all() if p.shipped_at]


def confirm_one(request: ShipmentRequest) -> ShipmentResult:
    with transaction.atomic():
        order = _locked_order(request.order_no)
        if request.resend:
            if order.status not in ALREADY_SHIPPED:
                raise ValueError("订单尚未发货，不能补发；请直接确认发货")
            packages = add_packages(order, 1, order.shop.default_carrier)
            allocate_waybills(packages)
        elif order.status in ALREADY_SHIPPED:
            # Confirming again is not an error: the answer is the waybills it already has.
            return ShipmentResult(order.order_no, True, _shipped_waybills(order))
        elif order.status in BLOCKED_REASONS:
            raise ValueError(f"{BLOCKED_REASONS[order.status]}，不能发货")
        else:
            packages = _packages_to_ship(order, request)
            check_move(order.status, OrderStatus.SHIPPED)
            order.status = OrderStatus.SHIPPED
            order.save(update_fields=["status", "updated_at"])
        now = clock.now()
        # Tracking starts now: the first refresh is due at once, and carriers that push are asked to.
        ids = [p.pk for p in packages]
        Package.objects.filter(pk__in=ids).update(shipped_at=now, next_refresh_at=now)
        outbox.shipment_confirmed(order, packages, now, resend=request.resend, order_moved=not request.resend)
        transaction.on_commit(lambda: subscribe_shipped(ids))
        return ShipmentResult(order.order_no, True, _shipped_waybills(order))


def confirm_shipments(requests: Sequence[ShipmentRequest]) -> list[ShipmentResult]:
    """Confirm each order on its own; one order's failure is its own result, never the batch's."""
    results = []
    for request in requests:
        try:
            results.append(confirm_one(request))
        except (OrderNotFound, ValueError, CarrierError) as error:
            results.append(ShipmentResult(request.order_no, False, error=str(error)))
    return results
