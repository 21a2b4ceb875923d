"""An order with everything a merchant asks about it, as plain data (CLI JSON, later the API)."""

from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from yundan.carriers.registry import carrier_name
from yundan.orders.models import Order
from yundan.orders.receivers import mask_address_detail, mask_name, mask_phone
from yundan.orders.states import OrderStatus
from yundan.shipping.models import Package
from yundan.tracking.models import TrackingEvent
from yundan.tracking.statuses import status_label

PRINTED_UNCONFIRMED_NOTE = (
    "面单已打印（运单号已分配），但尚未确认发货：运单号还不是订单的物流单号，承运商不会开始跟踪，"
    "京东后台也看不到物流单号。货物交给快递后，请对订单 {order_no} 确认发货。"
)
NOT_PRINTED_NOTE = "尚未打印面单，也未发货。"


def with_details(orders):
    """Fetch items, packages and their events in a fixed number of queries."""
    events = TrackingEvent.objects.order_by("-time", "-id")
    return orders.select_related("shop").prefetch_related(
        "items", Prefetch("packages", Package.objects.prefetch_related(Prefetch("events", events)))
    )


def iso_time(moment: datetime | None) -> str | None:
    """ISO-8601 in the configured time zone (Beijing time by default), with its offset."""
    return timezone.localtime(moment).isoformat() if moment else None


def package_state_label(package: Package) -> str:
    if package.shipped_at:
        return status_label(package.status)
    return "已打印，未发货" if package.printed_at else "未打印，未发货"


def package_note(package: Package, order_no: str) -> str:
    if package.shipped_at:
        return ""
    if package.printed_at:
        return PRINTED_UNCONFIRMED_NOTE.format(order_no=order_no)
    return NOT_PRINTED_NOTE


def package_summary(package: Package, order_no: str) -> dict:
    """A package without its timeline (lists and feeds that show many)."""
    return {
        "sequence": package.sequence,
        "waybill_no": package.waybill_no,
        "carrier": package.carrier,
        "carrier_name": carrier_name(package.carrier),
        "printed_at": iso_time(package.printed_at),
        "print_count": package.print_count,
        "shipped_at": iso_time(package.shipped_at),
        "status": package.status if package.shipped_at else None,
        "status_label": package_state_label(package),
        "last_event_at": iso_time(package.last_event_at),
        "note": package_note(package, order_no),
    }


def package_data(package: Package, order_no: str) -> dict:
    return {
        **package_summary(package, order_no),
        "events": [
            {
                "time": iso_time(event.time),
                "status": event.status,
                "status_label": status_label(event.status),
                "description": event.raw_text,
                "location": event.location,
                "courier_name": event.courier_name,
                "courier_phone": event.courier_phone,
            }
            for event in package.events.all()
        ],
    }


def receiver_data(order: Order, unmask: bool = False) -> dict:
    """The receiver block; name, phone and the unit in the address are masked unless asked."""
    return {
        "name": order.receiver_name if unmask else mask_name(order.receiver_name),
        "phone": order.receiver_phone if unmask else mask_phone(order.receiver_phone),
        "province": order.receiver_province,
        "city": order.receiver_city,
        "district": order.receiver_district,
        "address": order.receiver_address if unmask else mask_address_detail(order.receiver_address),
    }


def order_data(order: Order, unmask: bool = False, package=package_data) -> dict:
    """The order as the CLI's JSON contract names it. Personal data is masked unless asked.

    ``package`` shapes each package (``package_summary`` leaves the timelines out)."""
    return {
        "order_no": order.order_no,
        "shop": order.shop.name,
        "status": order.status,
        "status_label": str(OrderStatus(order.status).label),
        "buyer_id": order.buyer_id,
        "ordered_at": iso_time(order.ordered_at),
        "amount": str(order.amount) if order.amount is not None else None,
        "remark": order.remark,
        "receiver": receiver_data(order, unmask),
        "items": [
            {"sku_id": item.sku_id, "name": item.name, "quantity": item.quantity}
            for item in order.items.all()
        ],
        "packages": [package(p, order.order_no) for p in order.packages.all()],
    }
