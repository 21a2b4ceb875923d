"""Packages of an order: how items are split over parcels, and waybill allocation."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict

from yundan.carriers.base import AllocationRequest
from yundan.carriers.accounts import carrier_for
from yundan.orders.models import Order, OrderItem
from yundan.shipping.models import Package, PackageItem


def package_code(waybill_no: str, index: int, count: int) -> str:
    """JD's package code (包裹号): parcel ``index`` of ``count`` of one waybill, e.g. JDX…-1-2-."""
    return f"{waybill_no}-{index}-{count}-"


def split_items(items: Sequence[OrderItem], count: int) -> list[list[OrderItem]]:
    """Order lines dealt round-robin over ``count`` parcels (a parcel may carry none: a big item
    shipped in two boxes)."""
    return [list(items[index::count]) for index in range(count)]


def add_packages(order: Order, count: int, carrier: str, items: Sequence[OrderItem] | None = None,
                 waybills: Sequence[tuple[str, str]] = ()) -> list[Package]:
    """Create ``count`` new packages after the order's existing ones, carrying ``items`` split over
    them (default: none, the caller decides). ``waybills`` gives each package a (carrier, waybill
    number) it already has, e.g. a parcel the merchant sent with another courier."""
    last = max((p.sequence for p in order.packages.all()), default=0)
    numbers = list(waybills) or [(carrier, None)] * count
    packages = [Package(order=order, sequence=last + n, carrier=code, waybill_no=number)
                for n, (code, number) in enumerate(numbers, start=1)]
    Package.objects.bulk_create(packages)
    if items:
        PackageItem.objects.bulk_create(
            PackageItem(package=package, order_item=item, quantity=item.quantity)
            for package, carried in zip(packages, split_items(items, count))
            for item in carried
        )
    return packages


def allocate_waybills(packages: Sequence[Package]) -> None:
    """Give every package without a waybill number one from its carrier, with the label routing.

    One call per shop and carrier; a package that already has a number keeps it (so a retry never
    makes a second waybill).
    """
    by_carrier: dict[tuple[int, str], list[Package]] = defaultdict(list)
    for package in packages:
        if not package.waybill_no:
            by_carrier[(package.order.shop_id, package.carrier)].append(package)
    for (shop_id, carrier_code), group in by_carrier.items():
        requests = [
            AllocationRequest(p.order.order_no, p.order.shop.origin_address, p.order.destination_address)
            for p in group
        ]
        for package, allocation in zip(group, carrier_for(shop_id, carrier_code, allocate=True).allocate_waybills(requests), strict=True):
            package.waybill_no, package.routing = allocation.waybill_no, asdict(allocation.routing)
            package.save(update_fields=["waybill_no", "routing", "updated_at"])
